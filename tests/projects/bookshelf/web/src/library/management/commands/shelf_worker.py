"""The worker service: a long-running loop that reads the shelf now and then."""

import time

from django.core.management.base import BaseCommand

from library.models import Book


class Command(BaseCommand):
    help = "Count the books every 30 seconds, forever"

    def handle(self, *args, **options):
        while True:
            try:
                self.stdout.write(f"books={Book.objects.count()}", ending="\n")
            except Exception as exc:  # the database may be restarting: keep running
                self.stderr.write(f"worker: {exc}")
            self.stdout.flush()
            time.sleep(30)

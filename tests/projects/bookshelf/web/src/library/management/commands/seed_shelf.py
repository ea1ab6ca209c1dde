"""Rows in the app's own table and in the third-party apps' tables (taggit, axes)."""

from axes.models import AccessAttempt
from django.core.management.base import BaseCommand

from library.models import Book


class Command(BaseCommand):
    help = "Seed books with tags and an axes access attempt"

    def handle(self, *args, **options):
        for n, title in enumerate(["Dune", "Solaris", "Ubik"]):
            book, _ = Book.objects.get_or_create(title=title)
            book.tags.add("sf", f"shelf-{n}")
        AccessAttempt.objects.get_or_create(
            username="mallory",
            ip_address="192.0.2.7",
            defaults={
                "user_agent": "seed",
                "get_data": "",
                "post_data": "",
                "http_accept": "*/*",
                "path_info": "/login",
                "failures_since_start": 3,
            },
        )
        self.stdout.write(f"books={Book.objects.count()}")

from django.db import models
from taggit.managers import TaggableManager


class Book(models.Model):
    title = models.CharField(max_length=200, unique=True)
    added_at = models.DateTimeField(auto_now_add=True)
    # New in 2025.1: nullable first (the runbook's zero-downtime rule), the 2024.10 code ignores it.
    isbn = models.CharField(max_length=20, null=True, blank=True)
    tags = TaggableManager(blank=True)

    def __str__(self):
        return self.title

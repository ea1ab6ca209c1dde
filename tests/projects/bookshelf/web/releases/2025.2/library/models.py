from django.db import models
from taggit.managers import TaggableManager


class Book(models.Model):
    title = models.CharField(max_length=200, unique=True)
    # 2025.2 drops added_at, which the 2025.1 code still writes (auto_now_add): unsafe on purpose.
    # New in 2025.1: nullable first (the runbook's zero-downtime rule), the 2024.10 code ignores it.
    isbn = models.CharField(max_length=20, null=True, blank=True)
    tags = TaggableManager(blank=True)

    def __str__(self):
        return self.title

from django.db import models
from taggit.managers import TaggableManager


class Book(models.Model):
    title = models.CharField(max_length=200, unique=True)
    added_at = models.DateTimeField(auto_now_add=True)
    tags = TaggableManager(blank=True)

    def __str__(self):
        return self.title

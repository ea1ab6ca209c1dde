#!/usr/bin/env python3
"""Bookshelf's manage.py, at the image's working directory root. Its default settings module is
bookshelf.settings.base, which has no database: manage.py runs name --settings
bookshelf.settings.production (the web and worker services do it in their commands)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshelf.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

#!/usr/bin/env python3
"""Django's command-line utility for the AccrediTrack example backend.

Run it from the application directory (``/app`` in the image)::

    python3 config/manage.py migrate

The application directory (this file's parent's parent) is put first on
``sys.path`` so that ``config.settings`` and the release's apps import, and
this file's own directory is taken off it so that ``config/settings.py`` is
never imported a second time as a top-level ``settings`` module.
"""

import os
import sys


def main():
    config_dir = os.path.dirname(os.path.abspath(__file__))
    app_dir = os.path.dirname(config_dir)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != config_dir]
    if app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Is it installed (Debian: python3-django) "
            "and available on your PYTHONPATH?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

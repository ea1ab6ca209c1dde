"""Settings of the project that records tests/fixtures/sql_review/sqlmigrate/ (record.sh)."""

import os

SECRET_KEY = "recording-only"
INSTALLED_APPS = ["django.contrib.postgres", "shop"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", "accreditrack"),
        "USER": os.environ.get("PGUSER", "accreditrack"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

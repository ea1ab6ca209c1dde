"""Production settings: PostgreSQL from the environment (the password only from the shell that ran
docker compose, interpolated into the compose file)."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["SHELF_SECRET_KEY"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("SHELF_DB_HOST", "postgres"),
        "NAME": os.environ["SHELF_DB_NAME"],
        "USER": os.environ["SHELF_DB_USER"],
        "PASSWORD": os.environ["SHELF_DB_PASSWORD"],
        "CONNECT_TIMEOUT": 5,
    }
}

"""Settings of the AccrediTrack example backend.

Everything comes from the environment (12-factor style):

- ``DJANGO_SECRET_KEY``: required; a fixed, insecure development key is used
  only when ``DJANGO_DEBUG`` is on
- ``DJANGO_DEBUG``: ``1``/``true``/``yes``/``on`` turns debug on (default off)
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names (``*``)
- ``POSTGRES_DB``: database name (``accreditrack``)
- ``POSTGRES_USER``: database role (``accreditrack``)
- ``POSTGRES_PASSWORD``: its password (empty: libpq's PGPASSWORD/.pgpass)
- ``POSTGRES_HOST``: server host (``db``, the compose service)
- ``POSTGRES_PORT``: server port (``5432``)
- ``POSTGRES_CONNECT_TIMEOUT``: seconds libpq waits to connect (``5``)
- ``APP_RELEASE``: release name shown by ``/health/`` (else the name that
  ``releases/apply.sh`` wrote to ``config/RELEASE``, else ``unknown``)
- ``DJANGO_LOG_LEVEL``: level of the ``django`` logger on stderr (``INFO``)

Session parameters such as ``lock_timeout`` reach PostgreSQL through the
``PGOPTIONS`` environment variable, which libpq reads by itself.  That is why
``DATABASES['default']['OPTIONS']`` has no ``options`` key: it would replace
PGOPTIONS.

The release's apps are listed, one label a line, in ``config/release_apps.txt``
(written by each release overlay, see ``releases/README.md``).
"""

import os

from django.core.exceptions import ImproperlyConfigured

CONFIG_DIR = os.path.dirname(os.path.abspath(__file__))
BASE_DIR = os.path.dirname(CONFIG_DIR)


def _env_bool(name, default=False):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false, yes/no, on/off), not {value!r}"
    )


def _env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def _read_lines(path):
    """Non-empty lines of a file that are not comments; [] if it is absent."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.split("#", 1)[0].strip() for line in handle]
    except FileNotFoundError:
        return []
    return [line for line in lines if line]


DEBUG = _env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in the environment "
            "(or set DJANGO_DEBUG=1 to use an insecure development key)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",") if h.strip()
]

_release_file = _read_lines(os.path.join(CONFIG_DIR, "RELEASE"))
APP_RELEASE = os.environ.get("APP_RELEASE", "").strip() or (
    _release_file[0] if _release_file else "unknown"
)

# Apps of this release, e.g. ["accounts"] or ["accounts", "courses"].
RELEASE_APPS = _read_lines(os.path.join(CONFIG_DIR, "release_apps.txt"))

INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "core", *RELEASE_APPS]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("POSTGRES_DB", "accreditrack"),
        "USER": os.environ.get("POSTGRES_USER", "accreditrack"),
        "PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
        "HOST": os.environ.get("POSTGRES_HOST", "db"),
        "PORT": str(_env_int("POSTGRES_PORT", 5432)),
        "CONN_MAX_AGE": 0,
        # No "options" key here: lock_timeout & co. come from PGOPTIONS.
        "OPTIONS": {"connect_timeout": _env_int("POSTGRES_CONNECT_TIMEOUT", 5)},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django": {
            "handlers": ["stderr"],
            "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO").upper(),
        },
        "core": {"handlers": ["stderr"], "level": "INFO"},
    },
}

"""Health endpoint of the example backend.

``GET /health/`` answers

* ``200 {"status": "ok", "release": R, "database": "ok", "migrations_pending": N}``
  when PostgreSQL answers, N being the number of migrations that
  ``manage.py migrate`` (no arguments) would apply now;
* ``503 {"status": "error", "release": R, "database": "error", "migrations_pending": null}``
  when the database cannot be reached or does not answer;
* ``503 {"status": "error", "release": R, "database": "ok", "migrations_pending": null}``
  in the unlikely case that the database answers but the migration plan cannot
  be computed (e.g. an inconsistent migration history).

Responses are never cached (``Cache-Control: ..., no-store``).
"""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def pending_migrations(connection):
    """Number of migrations ``migrate`` would apply (plan to every leaf node)."""
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return len(executor.migration_plan(targets))


@never_cache
@require_safe
def health(request):
    body = {
        "status": "ok",
        "release": settings.APP_RELEASE,
        "database": "ok",
        "migrations_pending": None,
    }
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver or connection error means "database down"
        logger.warning("health: database check failed: %s", " ".join(str(exc).split()))
        body.update(status="error", database="error")
        return JsonResponse(body, status=503)
    try:
        body["migrations_pending"] = pending_migrations(connection)
    except Exception:
        logger.exception("health: cannot compute the migration plan")
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)

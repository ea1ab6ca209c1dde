# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# The program the django_models_info module runs inside Django: the tables and columns the code
# of the release that runs reads and writes, from its own models (one Django start, no database
# query). It is fed to `manage.py shell -c BOOTSTRAP` on stdin exactly as django_migrate's program
# is (_migrate_script: BOOTSTRAP, build_payload(config, MODELS_SCRIPT), new_marker,
# extract_sections, SECTION_HELPERS), and prints one section:
#     <marker> BEGIN models    one JSON document: django_version, models, unmanaged, error
# It uses only long-stable Django APIs (apps.get_models, Model._meta) of Django 3.2 to 6.0 and
# Python 3.8+.

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ansible_collections.accreditrack.ops.plugins.module_utils._migrate_script import (
    SECTION_HELPERS,
)

MODELS_SCRIPT = (
    r"""
import json
import sys
import traceback


"""
    + SECTION_HELPERS
    + r'''def field_record(field):
    """What the code writes and reads for FIELD: its column, and how an INSERT treats it."""
    from django.db.models.fields import NOT_PROVIDED

    return {
        "name": field.name,
        "column": field.column,
        "null": bool(field.null),
        "primary_key": bool(field.primary_key),
        "type": field.get_internal_type(),
        "db_default": getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED,
        "generated": bool(getattr(field, "generated", False)),
    }


def model_record(model):
    meta = model._meta
    fields = [field_record(field) for field in meta.local_concrete_fields]
    return {
        "label": meta.label,
        "app_label": meta.app_label,
        "model_name": meta.model_name,
        "db_table": meta.db_table,
        "columns": [field["column"] for field in fields],
        "fields": fields,
        "auto_created": bool(meta.auto_created),
    }


def run(result):
    import django
    from django.apps import apps

    result["django_version"] = django.get_version()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or meta.swapped:
            continue  # no table of its own
        result["models" if meta.managed else "unmanaged"].append(model_record(model))
    for key in ("models", "unmanaged"):
        result[key].sort(key=lambda record: record["label"])


def main():
    result = {"models": [], "unmanaged": [], "django_version": None, "error": None}
    try:
        run(result)
    except BaseException as exc:
        result["error"] = {
            "type": type(exc).__name__,
            "message": str(exc).strip(),
            "traceback": "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
        }
    section("models", json.dumps(result, sort_keys=True))


if __name__ == "__accreditrack_migrate__":
    main()
'''
)


class ModelsInfoError(Exception):
    """The program's output cannot be read, or it reported an error."""


def models_config(marker: str) -> dict[str, Any]:
    """The CONFIG of MODELS_SCRIPT."""
    return {"marker": marker}


def read_models(sections: Mapping[str, str]) -> dict[str, Any]:
    """The program's result from its sections (extract_sections()); ModelsInfoError when absent,
    unreadable or reporting an error."""
    if "models" not in sections or "models" in sections.get("__unterminated__", "").split("\n"):
        raise ModelsInfoError("the models program printed no result")
    try:
        result = json.loads(sections["models"])
    except ValueError as exc:
        raise ModelsInfoError(f"the models program's result is not JSON: {exc}") from None
    if not isinstance(result, dict):
        raise ModelsInfoError("the models program's result is not a JSON object")
    if result.get("error"):
        error = result["error"]
        raise ModelsInfoError(f"{error.get('type')}: {error.get('message')}")
    return result

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# A schema fingerprint read from PostgreSQL's catalog: one text line per object (relation, column,
# constraint, index, sequence, view definition) of every schema that is not PostgreSQL's own.
# `django_migrations` equal to a rollback point does not prove the schema is: a non-atomic
# migration killed half-way leaves a committed column that no row of `django_migrations` names.
#
# The lines do not depend on what a backward migration or a restore changes without changing the
# schema: column ORDER (a column removed and added again comes back last), OIDs, owners, privileges,
# statistics and sequence positions are left out; columns are named, not numbered.

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

# One JSON array of text lines. Schemas pg_catalog, information_schema, pg_toast* and pg_temp* are
# PostgreSQL's own; objects that belong to an extension are the extension's (left out too).
FINGERPRINT_SQL = r"""
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema')
     AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp\_%'
), rel AS (
  SELECT c.oid, ns.nspname, c.relname, c.relkind
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e')
), lines AS (
  SELECT format('relation %I.%I %s', nspname, relname, relkind) AS line FROM rel
  UNION ALL
  SELECT format('column %I.%I.%I %s%s%s', r.nspname, r.relname, a.attname,
                format_type(a.atttypid, a.atttypmod),
                CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''))
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE r.relkind <> 'S'
  UNION ALL
  SELECT format('constraint %I.%I %I %s', r.nspname, r.relname, k.conname,
                pg_get_constraintdef(k.oid))
    FROM rel r JOIN pg_constraint k ON k.conrelid = r.oid
  UNION ALL
  SELECT format('index %I.%I %s', r.nspname, r.relname,
                pg_get_indexdef(i.indexrelid))
    FROM rel r JOIN pg_index i ON i.indrelid = r.oid
  UNION ALL
  SELECT format('view %I.%I %s', nspname, relname, md5(pg_get_viewdef(oid)))
    FROM rel WHERE relkind IN ('v', 'm')
)
SELECT coalesce(json_agg(line ORDER BY line COLLATE "C"), '[]') FROM lines;
"""


class FingerprintError(ValueError):
    """psql's output is not the fingerprint's JSON array of lines."""


def parse_lines(output: str) -> list[str]:
    """The fingerprint lines from psql -At output (one JSON array; anything else is an error)."""
    text = (output or "").strip()
    try:
        lines = json.loads(text)
    except ValueError as exc:
        raise FingerprintError(f"not the fingerprint's JSON: {text[:200]!r}") from exc
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise FingerprintError(f"not a JSON array of text lines: {text[:200]!r}")
    return sorted(lines)


def fingerprint(lines: Iterable[str]) -> dict[str, Any]:
    """{sha256, objects, lines}: the sha256 of the sorted lines (one per line, newline-ended)."""
    ordered = sorted(lines)
    digest = hashlib.sha256("".join(line + "\n" for line in ordered).encode("utf-8"))
    return {"sha256": digest.hexdigest(), "objects": len(ordered), "lines": ordered}


def compare(expected: dict[str, Any], actual: dict[str, Any], limit: int = 20) -> dict[str, Any]:
    """{same, missing, extra}: lines the expected fingerprint has and the actual lacks, and the
    other way round (at most `limit` of each, sorted), and whether the two are the same."""
    want = set(expected.get("lines") or [])
    have = set(actual.get("lines") or [])
    same = expected.get("sha256") == actual.get("sha256")
    if expected.get("lines") is None:
        # A fingerprint recorded without its lines: only the digest can be compared.
        return {"same": same, "missing": [], "extra": [], "lines_known": False}
    return {
        "same": same and want == have,
        "missing": sorted(want - have)[:limit],
        "extra": sorted(have - want)[:limit],
        "lines_known": True,
    }


def describe(difference: dict[str, Any]) -> str:
    """One sentence for a failure message: what the schema has and lacks against the fingerprint."""
    if difference["same"]:
        return "the schema equals the fingerprint"
    if not difference["lines_known"]:
        return "the schema's sha256 differs from the fingerprint's"
    parts: list[str] = []
    if difference["extra"]:
        parts.append("has " + "; ".join(difference["extra"]))
    if difference["missing"]:
        parts.append("lacks " + "; ".join(difference["missing"]))
    return "the schema " + ", and ".join(parts)


def psql_argv(database: str, user: str) -> list[str]:
    """psql over the container's local socket, reading the SQL from stdin; no password."""
    return ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", database, "-f", "-"]

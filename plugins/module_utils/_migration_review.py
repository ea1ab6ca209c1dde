# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# The migration safety review: pure functions that compare the pending plan (django_migrate with
# schema_changes: true - what each operation does to the schema) with what the release that runs
# now reads and writes (django_models_info, run in its running container), and decide what to do.
#
# Why: `update` migrates BEFORE it restarts the app, so for the whole migrate phase the previous
# release's code serves traffic on the new schema (and on the rolled-back schema after a failed
# update). The runbook's "Zero-Downtime Migration Strategy" says how to stay safe (add nullable
# first, keep old columns until the code stops using them); this review says, per operation, where
# a plan does not - from what the running code really uses, not from a guess.
#
# Rules (stable ids; `breaking` findings refuse with policy `fail`, `warning` ones never do):
#   breaks-running-release/drop-column        breaking  drops a column a running model uses
#   breaks-running-release/rename-column      breaking  renames one
#   breaks-running-release/alter-column-type  breaking  changes its type (not a widening the old
#                                                       code cannot notice: varchar(n) to a longer
#                                                       varchar or text, integer to bigint...)
#   breaks-running-release/add-not-null-column breaking adds a NOT NULL column without a database
#                                                       default to an existing table a running
#                                                       model writes (its INSERTs omit the column)
#   breaks-running-release/drop-table         breaking  drops a table a running model uses
#   breaks-running-release/rename-table       breaking  renames one
#   breaks-running-release/set-not-null       warning   sets NOT NULL on a column the running
#                                                       model declares nullable (it may write NULL)
#   loses-data/drop-column                    warning   drops a column (used or not) that existed
#                                                       before the plan
#   loses-data/drop-table                     warning   drops a table that existed before the plan
#   loses-data/irreversible-operation         warning   an operation Django cannot reverse
#   review-incomplete/unknown-operation       warning   an operation the plan could not describe
#
#   locks-big-table/...                   warning   rule 2, locks or rewrites of big tables: the
#   review-incomplete/sql-not-parsed      warning   plan's SQL parsed with pglast and sized by the
#                                                       catalog (module_utils/_sql_review.py, run by
#                                                       review() when it is given the plan's `sql`)

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.accreditrack.ops.plugins.module_utils._sql_review import (
    SQL_RULES,
    old_types_from_plan,
    review_sql,
)

BREAKING = "breaking"
WARNING = "warning"

DROP_COLUMN = "breaks-running-release/drop-column"
RENAME_COLUMN = "breaks-running-release/rename-column"
ALTER_COLUMN_TYPE = "breaks-running-release/alter-column-type"
ADD_NOT_NULL_COLUMN = "breaks-running-release/add-not-null-column"
DROP_TABLE = "breaks-running-release/drop-table"
RENAME_TABLE = "breaks-running-release/rename-table"
SET_NOT_NULL = "breaks-running-release/set-not-null"
LOSES_COLUMN = "loses-data/drop-column"
LOSES_TABLE = "loses-data/drop-table"
IRREVERSIBLE = "loses-data/irreversible-operation"
UNKNOWN = "review-incomplete/unknown-operation"

# rule: (severity, the one-line expand/contract hint of the runbook)
RULES: dict[str, tuple[str, str]] = {
    DROP_COLUMN: (
        BREAKING,
        "keep the column until the release after the code stops using it; drop it then (this "
        "release: remove the field from the code only, e.g. SeparateDatabaseAndState)",
    ),
    RENAME_COLUMN: (
        BREAKING,
        "keep the column's name (db_column=...), or add the new column, write both, move the code "
        "to it, and drop the old one in a later release",
    ),
    ALTER_COLUMN_TYPE: (
        BREAKING,
        "add a column of the new type, backfill it, move the code to it, and drop the old column "
        "in a later release",
    ),
    ADD_NOT_NULL_COLUMN: (
        BREAKING,
        "add it nullable (or with db_default) first, backfill, then SET NOT NULL in a later "
        "release",
    ),
    DROP_TABLE: (
        BREAKING,
        "keep the table until the release after the code stops using it; drop it then",
    ),
    RENAME_TABLE: (
        BREAKING,
        "keep the table's name (Meta.db_table) in this release; rename it once no running code "
        "uses the old name",
    ),
    SET_NOT_NULL: (
        WARNING,
        "make it NOT NULL in the release after the code always writes a value (backfill first)",
    ),
    LOSES_COLUMN: (
        WARNING,
        "the data is gone once this runs: only the backup taken before migrating brings it back; "
        "drop it only when no release you may roll back to needs it",
    ),
    LOSES_TABLE: (
        WARNING,
        "the data is gone once this runs: only the backup taken before migrating brings it back; "
        "drop it only when no release you may roll back to needs it",
    ),
    IRREVERSIBLE: (
        WARNING,
        "give it a reverse (reverse_code / reverse_sql, RunPython.noop when undoing needs "
        "nothing), or accept that going back past it needs the backup",
    ),
    UNKNOWN: (
        WARNING,
        "review this operation by hand: the plan could not say what it does to the schema",
    ),
    **SQL_RULES,
}

POLICIES = ("warn", "fail", "off")

_ALLOW = re.compile(r"^([A-Za-z0-9_]+\.[A-Za-z0-9_]+)(?::(.+))?$")
_VARCHAR = re.compile(r"^(?:varchar|character varying|nvarchar2?|varchar2)\((\d+)\)$")
_NUMERIC = re.compile(r"^(?:numeric|decimal)\((\d+),\s*(\d+)\)$")
_INTEGERS = {"smallint": 1, "integer": 2, "int": 2, "bigint": 3}
_SERIALS = {"smallserial": 1, "serial": 2, "bigserial": 3}
_TEXTS = ("text", "varchar", "character varying")


def widens(old: str | None, new: str | None) -> bool:
    """Whether the type change OLD -> NEW only widens the column: every value the old code
    writes still fits, and it reads back as the same Python value (varchar(n) to varchar(m >= n)
    or text, smallint to integer to bigint, numeric(p, s) to numeric(p2 >= p, s), and arrays of
    those)."""
    if old is None or new is None:
        return False
    old, new = " ".join(old.lower().split()), " ".join(new.lower().split())
    if old == new:
        return True
    if old.endswith("[]") and new.endswith("[]"):  # an ArrayField: its elements' types
        return widens(old[:-2], new[:-2])
    old_varchar, new_varchar = _VARCHAR.match(old), _VARCHAR.match(new)
    if old_varchar and (
        new in _TEXTS or (new_varchar and int(new_varchar[1]) >= int(old_varchar[1]))
    ):
        return True
    for ranks in (_INTEGERS, _SERIALS):
        if old in ranks and new in ranks:
            return ranks[new] >= ranks[old]
    old_numeric, new_numeric = _NUMERIC.match(old), _NUMERIC.match(new)
    if old_numeric and new_numeric:
        return int(new_numeric[1]) >= int(old_numeric[1]) and new_numeric[2] == old_numeric[2]
    return False


def parse_allow(allow: Iterable[str]) -> list[tuple[str, str | None]]:
    """[(app.migration, rule or None)]; ValueError names the entries that are not
    `app.migration` or `app.migration:rule-id` with a known rule id."""
    parsed, bad = [], []
    for item in allow or ():
        match = _ALLOW.match(str(item).strip())
        if not match or (match[2] is not None and match[2] not in RULES):
            bad.append(str(item))
            continue
        parsed.append((match[1], match[2]))
    if bad:
        raise ValueError(
            "allow entries must be app.migration or app.migration:RULE with RULE one of "
            f"{', '.join(sorted(RULES))}; not {', '.join(repr(b) for b in bad)}"
        )
    return parsed


def running_tables(running_models: Any) -> dict[str, list[Mapping[str, Any]]]:
    """{db_table: [model records]} of what the running release uses: django_models_info's
    `models` and `unmanaged` (the module's result, or a list of model records)."""
    if isinstance(running_models, Mapping):
        records = list(running_models.get("models") or ()) + list(
            running_models.get("unmanaged") or ()
        )
    else:
        records = list(running_models or ())
    tables: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        tables.setdefault(record["db_table"], []).append(record)
    return tables


def _field(model: Mapping[str, Any], column: str) -> Mapping[str, Any] | None:
    for field in model.get("fields") or ():
        if field.get("column") == column:
            return field
    if column in (model.get("columns") or ()):
        return {"name": column, "column": column}
    return None


def _users(tables, table, column=None):
    """[(model record, field record or None)] of the running models that use TABLE (COLUMN)."""
    found = []
    for model in tables.get(table) or ():
        if column is None:
            found.append((model, None))
        else:
            field = _field(model, column)
            if field is not None:
                found.append((model, field))
    return found


def _finding(rule, record, change, table, column, reason, model=None, field=None):
    severity, hint = RULES[rule]
    return {
        "rule": rule,
        "severity": severity,
        "migration": record["migration"],
        "operation": change.get("operation"),
        "kind": change.get("kind"),
        "table": table,
        "column": column,
        "model": model,
        "field": field,
        "reason": reason,
        "hint": hint,
    }


def _used_by(model, field, table, column):
    if field is not None:
        return f"model {model['label']}, field {field.get('name')}"
    return f"model {model['label']}"


def _review_change(record, change, tables, created_tables, created_columns):
    findings = []
    kinds = list(change.get("kinds") or [change.get("kind")])
    table = change.get("db_table")
    columns = list(change.get("columns") or ())

    def existed(tbl, col=None):
        if tbl in created_tables:
            return False
        return col is None or (tbl, col) not in created_columns

    for kind in kinds:
        if kind == "drop_column":
            for column in columns:
                for model, field in _users(tables, table, column):
                    why = (
                        f"drops {table}.{column}, which the running release reads and writes "
                        f"({_used_by(model, field, table, column)})"
                    )
                    findings.append(
                        _finding(
                            DROP_COLUMN,
                            record,
                            change,
                            table,
                            column,
                            why,
                            model["label"],
                            field.get("name"),
                        )
                    )
                if existed(table, column):
                    why = f"drops {table}.{column} and its data"
                    findings.append(_finding(LOSES_COLUMN, record, change, table, column, why))
        elif kind == "rename_column":
            old, new = change.get("old_column"), change.get("new_column")
            for model, field in _users(tables, table, old):
                why = (
                    f"renames {table}.{old} to {new}; the running release still uses {old} "
                    f"({_used_by(model, field, table, old)})"
                )
                findings.append(
                    _finding(
                        RENAME_COLUMN,
                        record,
                        change,
                        table,
                        old,
                        why,
                        model["label"],
                        field.get("name"),
                    )
                )
            if (table, old) in created_columns:
                created_columns.add((table, new))
        elif kind == "alter_column_type":
            old_type, new_type = change.get("old_db_type"), change.get("new_db_type")
            if widens(old_type, new_type):
                continue
            for column in columns:
                for model, field in _users(tables, table, column):
                    why = (
                        f"changes {table}.{column} from {old_type} to {new_type}, which the "
                        f"running release reads and writes as {old_type} "
                        f"({_used_by(model, field, table, column)})"
                    )
                    findings.append(
                        _finding(
                            ALTER_COLUMN_TYPE,
                            record,
                            change,
                            table,
                            column,
                            why,
                            model["label"],
                            field.get("name"),
                        )
                    )
        elif kind == "set_not_null":
            for column in columns:
                for model, field in _users(tables, table, column):
                    if field.get("null") is not True:
                        continue
                    why = (
                        f"sets {table}.{column} NOT NULL; the running release declares it "
                        f"nullable and may write NULL ({_used_by(model, field, table, column)})"
                    )
                    findings.append(
                        _finding(
                            SET_NOT_NULL,
                            record,
                            change,
                            table,
                            column,
                            why,
                            model["label"],
                            field.get("name"),
                        )
                    )
        elif kind == "add_not_null_column_without_db_default":
            for column in columns:
                created_columns.add((table, column))
            if not change.get("table_exists") or table in created_tables:
                continue
            for column in columns:
                for model, _field_record in _users(tables, table):
                    why = (
                        f"adds {table}.{column} NOT NULL without a database default; the "
                        f"running release's INSERTs into {table} ({model['label']}) do not "
                        "write it and fail"
                    )
                    findings.append(
                        _finding(
                            ADD_NOT_NULL_COLUMN, record, change, table, column, why, model["label"]
                        )
                    )
        elif kind == "add_column":
            for column in columns:
                created_columns.add((table, column))
        elif kind == "create_table":
            created_tables.update(change.get("tables") or [table])
        elif kind == "drop_table":
            for dropped in change.get("tables") or [table]:
                for model, _field_record in _users(tables, dropped):
                    why = f"drops {dropped}, which the running release uses ({model['label']})"
                    findings.append(
                        _finding(DROP_TABLE, record, change, dropped, None, why, model["label"])
                    )
                if existed(dropped):
                    why = f"drops {dropped} and its data"
                    findings.append(_finding(LOSES_TABLE, record, change, dropped, None, why))
        elif kind == "rename_table":
            old, new = change.get("old_table"), change.get("new_table")
            for model, _field_record in _users(tables, old):
                why = (
                    f"renames {old} to {new}; the running release still uses {old} "
                    f"({model['label']})"
                )
                findings.append(
                    _finding(RENAME_TABLE, record, change, old, None, why, model["label"])
                )
            if old in created_tables:
                created_tables.add(new)
        elif kind == "unknown":
            why = f"what it does to the schema is unknown: {change.get('reason')}"
            findings.append(_finding(UNKNOWN, record, change, table, None, why))
    return findings


def review(
    plan_records: Sequence[Mapping[str, Any]],
    running_models: Any,
    table_sizes: Mapping[str, Mapping[str, int]] | None = None,
    allow: Iterable[str] = (),
    thresholds: Mapping[str, int] | None = None,
    sql: Mapping[str, str] | None = None,
    existing_tables: Iterable[str] | None = None,
) -> dict[str, list]:
    """The findings of the pending plan against the release that runs now.

    plan_records: django_migrate's `plan` with schema_changes: true (ValueError for a forward
    record without `schema_changes`). Backward records are not reviewed (django_migrate already
    refuses an irreversible backward plan).
    running_models: django_models_info's result, or its `models` (+ `unmanaged`) records.
    sql: django_migrate's `lock_targets_sql`; with it, the big-table rules (_sql_review) run on
    it with table_sizes (pg_table_sizes' `tables`), thresholds ({rows, bytes}) and
    existing_tables, and their findings follow each migration's own. Without it they do not run.
    allow: "app.migration" (every finding of that migration) or "app.migration:rule-id".

    Returns {"findings": [...], "allowed": [...] (what allow skipped, same form),
    "unused_allow": [entries that matched no finding]}, findings in plan and operation order.
    """
    entries = parse_allow(allow)
    by_migration: dict[str, list] = {}
    if sql is not None:
        old_types = old_types_from_plan(plan_records)
        for finding in review_sql(sql, table_sizes, thresholds, existing_tables, old_types):
            by_migration.setdefault(finding["migration"], []).append(finding)
    tables = running_tables(running_models)
    created_tables: set[str] = set()
    created_columns: set[tuple[str, str]] = set()
    found = []
    for record in plan_records or ():
        if record.get("backwards"):
            continue
        if "schema_changes" not in record:
            raise ValueError(
                f"{record.get('migration')} has no schema_changes: review the plan of "
                "accreditrack.ops.django_migrate with schema_changes: true"
            )
        operations = list(record.get("operations") or ())
        for change in record["schema_changes"]:
            found.extend(_review_change(record, change, tables, created_tables, created_columns))
        for index, operation in enumerate(operations):
            if operation.get("reversible", True) is False:
                change = _change_at(record, index) or {}
                change = {
                    "operation": operation.get("description"),
                    "kind": change.get("kind"),
                    "db_table": change.get("db_table"),
                }
                why = (
                    "Django cannot reverse it: a rollback of the migrations cannot go back past it"
                )
                found.append(_finding(IRREVERSIBLE, record, change, change["db_table"], None, why))
        found.extend(by_migration.pop(record.get("migration"), ()))
    for rest in by_migration.values():  # SQL of a migration the plan does not list
        found.extend(rest)
    findings, allowed, used = [], [], set()
    for finding in found:
        match = next(
            (
                (migration, rule)
                for migration, rule in entries
                if migration == finding["migration"] and rule in (None, finding["rule"])
            ),
            None,
        )
        if match is None:
            findings.append(finding)
        else:
            allowed.append(finding)
            used.add(match)
    unused = [f"{m}:{r}" if r else m for m, r in entries if (m, r) not in used]
    return {"findings": findings, "allowed": allowed, "unused_allow": unused}


def _change_at(record, index):
    """The first schema change entry of the operation at INDEX of RECORD (None without one)."""
    for change in record.get("schema_changes") or ():
        if change.get("index") == index:
            return change
    return None


def finding_line(finding: Mapping[str, Any]) -> str:
    """One line: severity, rule, migration, operation, reason, hint."""
    return (
        f"[{finding['severity']}] {finding['rule']} {finding['migration']} "
        f"({finding.get('operation')}): {finding['reason']}. Hint: {finding['hint']}"
    )


def decide(findings: Any, policy: str = "warn") -> dict[str, Any]:
    """What the policy says about FINDINGS (review()'s result or its `findings`).

    warn: proceed, whatever was found; fail: refuse when a finding is `breaking` (warnings
    proceed); off: skip (the review was not wanted). ValueError for another policy.
    Returns {action: proceed|refuse|skip, message, breaking, warnings} - the message is one
    summary line, then one line per finding (and one per allowed finding, marked so).
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    allowed: list = []
    if isinstance(findings, Mapping):
        allowed = list(findings.get("allowed") or ())
        findings = findings.get("findings") or ()
    findings = list(findings or ())
    breaking = sum(1 for f in findings if f["severity"] == BREAKING)
    warnings = len(findings) - breaking
    if policy == "off":
        return {
            "action": "skip",
            "message": "Migration safety review: off (policy off).",
            "breaking": breaking,
            "warnings": warnings,
        }
    action = "refuse" if policy == "fail" and breaking else "proceed"
    if not findings:
        head = "Migration safety review: no finding"
    else:
        head = f"Migration safety review: {breaking} breaking, {warnings} warning(s)"
    if allowed:
        head += f", {len(allowed)} allowed"
    if action == "refuse":
        head += (
            f" - policy fail: refusing to migrate ({breaking} breaking for the release "
            "that runs now)"
        )
    else:
        head += f" - policy {policy}: proceeding"
    lines = [head] + [finding_line(f) for f in findings]
    lines += [f"(allowed) {finding_line(f)}" for f in allowed]
    return {
        "action": action,
        "message": "\n".join(lines),
        "breaking": breaking,
        "warnings": warnings,
    }

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin accreditrack.ops.migration_review: the pending plan against the running release."""

from __future__ import annotations

DOCUMENTATION = r"""
name: migration_review
short_description: Review a pending migration plan against what the running release uses
version_added: 0.1.0
author:
  - AccrediTrack operations team (@accreditrack)
description:
  - Compares the plan of M(accreditrack.ops.django_migrate) run with
    O(accreditrack.ops.django_migrate#module:schema_changes=true) with the tables and columns the
    release that runs now uses (M(accreditrack.ops.django_models_info)), and applies a policy.
  - Breaking for the running release (rule ids C(breaks-running-release/...)) - a column it uses
    dropped, renamed or retyped (a widening such as a longer C(varchar) or C(integer) to
    C(bigint) is not), a table it uses dropped or renamed, a NOT NULL column without a database
    default added to an existing table it writes. Warnings - NOT NULL set on a column its model
    declares nullable (C(breaks-running-release/set-not-null)), data lost by a drop of what
    existed before the plan (C(loses-data/drop-column), C(loses-data/drop-table)), an operation
    Django cannot reverse (C(loses-data/irreversible-operation)), an operation the plan could not
    describe (C(review-incomplete/unknown-operation)).
  - Locks or rewrites of big tables (rule ids C(locks-big-table/...), with O(sql)) - the plan's SQL
    parsed with PostgreSQL's own grammar (the Python package C(pglast) on the controller) and
    sized by O(table_sizes) - C(create-index) (an index built without CONCURRENTLY, a UNIQUE or
    PRIMARY KEY constraint without USING INDEX), C(validate-constraint) (a foreign key or CHECK
    without NOT VALID, a scan), C(set-not-null) (a scan, unless a valid CHECK (col IS NOT NULL)
    comes first), C(rewrite-type) (a type change that is not a binary-coercible widening such as
    a C(varchar) to a longer C(varchar) or C(text); C(integer) to C(bigint) does rewrite),
    C(volatile-default) (a new column with a volatile default, serial, identity or stored
    generated expression; a constant or C(now) default does not rewrite since PostgreSQL 11).
    They are warnings - they never refuse with policy V(fail) - how long a lock may be held depends
    on the traffic, which the review does not know. A table the plan creates is never one, nor one
    below both O(thresholds). Without C(pglast), or for a statement it cannot parse, one
    C(review-incomplete/sql-not-parsed) warning says so.
  - Each finding names the migration, the operation, the table, the column, the running model
    and field, the reason, and a one-line expand/contract hint of the runbook; the big-table ones
    also the table's C(size) and the C(statement).
positional: _input
options:
  _input:
    description: The RV(accreditrack.ops.django_migrate#module:plan) list, with C(schema_changes).
    type: list
    elements: dict
    required: true
  running:
    description:
      - The result of M(accreditrack.ops.django_models_info) for the release that runs now (its
        RV(accreditrack.ops.django_models_info#module:models) and
        RV(accreditrack.ops.django_models_info#module:unmanaged)), or a list of its model records.
      - A result with C(running=false) (no release runs) reviews against no models.
    type: raw
    required: true
  allow:
    description:
      - Reviewed exceptions - V(app.migration) skips every finding of that migration,
        V(app.migration:RULE) only those of the rule RULE. Skipped findings are returned in
        RV(_value.allowed); an entry that is neither fails.
    type: list
    elements: str
    default: []
  policy:
    description:
      - V(warn) proceeds whatever was found; V(fail) refuses when a finding is breaking (warnings
        proceed); V(off) skips (also an unquoted YAML C(off), which is V(false)).
    type: str
    default: warn
    choices: [warn, fail, "off"]
  sql:
    description:
      - The plan's SQL, RV(accreditrack.ops.django_migrate#module:lock_targets_sql) (run with
        O(accreditrack.ops.django_migrate#module:lock_targets=true)). With it the big-table rules
        run; without it they do not.
    type: dict
  table_sizes:
    description:
      - The size of the tables, RV(accreditrack.ops.pg_table_sizes#module:tables) - keyed by
        table name, each with C(rows) and C(bytes).
      - A table the SQL changes that is not in it (and that O(existing_tables) does not leave out)
        is reported with size V(null) - an unknown size is not taken as small.
    type: dict
  existing_tables:
    description:
      - The tables that exist before the plan, for example
        RV(accreditrack.ops.django_migrate#module:lock_targets.tables). When given, a table
        neither in it nor in O(table_sizes) is taken as created by the plan (an operation without
        SQL) and is not a finding. Tables the plan's SQL creates are recognised without it.
    type: list
    elements: str
  thresholds:
    description:
      - When a table is big - C(rows) (default V(100000)) or C(bytes) (default V(104857600),
        100 MiB, heap, indexes and TOAST); reaching either makes it big. At those sizes an index
        build, a scan or a rewrite holds its lock for about a second or more on ordinary hardware.
    type: dict
seealso:
  - module: accreditrack.ops.django_migrate
  - module: accreditrack.ops.django_models_info
  - module: accreditrack.ops.pg_table_sizes
"""

EXAMPLES = r"""
- name: Read what the running release uses (its running backend container)
  accreditrack.ops.django_models_info:
    runner: compose_exec
    project_src: /srv/accreditrack
  register: running

- name: Plan the new release's migrations, with what each operation does to the schema
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    schema_changes: true
  check_mode: true
  register: pending

- name: Refuse a plan that breaks the running release
  ansible.builtin.fail:
    msg: "{{ review.message }}"
  vars:
    review: >-
      {{ pending.plan | accreditrack.ops.migration_review(running=running, policy='fail',
         allow=['accounts.0007_drop_legacy:loses-data/drop-column']) }}
  when: review.action == 'refuse'

- name: Read the size of the tables the plan's SQL locks
  accreditrack.ops.pg_table_sizes:
    project_src: /srv/accreditrack
    tables: "{{ pending.lock_targets.tables }}"
  register: sizes

- name: Report locks and rewrites of big tables too (the plan run with lock_targets true)
  ansible.builtin.debug:
    msg: "{{ review.message }}"
  vars:
    review: >-
      {{ pending.plan | accreditrack.ops.migration_review(running=running,
         sql=pending.lock_targets_sql, table_sizes=sizes.tables,
         existing_tables=pending.lock_targets.tables, thresholds={'rows': 50000},
         allow=['accounts.0009_index_email:locks-big-table/create-index']) }}
"""

RETURN = r"""
_value:
  description: The review and the decision.
  type: dict
  contains:
    action:
      description: V(proceed), V(refuse) or V(skip).
      type: str
    message:
      description: A summary line, then one line per finding (and per allowed finding).
      type: str
    breaking:
      description: How many findings are breaking.
      type: int
    warnings:
      description: How many findings are warnings.
      type: int
    findings:
      description:
        - The findings - C(rule), C(severity) (V(breaking) or V(warning)), C(migration),
          C(operation), C(kind), C(table), C(column), C(model), C(field), C(reason), C(hint).
        - The big-table findings also have C(size) (C({rows, bytes}), V(null) when unknown) and
          C(statement) (the SQL, on one line, shortened).
        - C(operation) of a big-table finding is the operation whose C(sqlmigrate) comment the
          statement follows; Django runs some statements (the indexes and foreign keys of added
          fields) at the end of the migration, after its last operation's comment.
      type: list
      elements: dict
    allowed:
      description: The findings O(allow) skipped, in the same form.
      type: list
      elements: dict
    unused_allow:
      description: The O(allow) entries that matched no finding.
      type: list
      elements: str
    running:
      description:
        - Whether a release runs - false when O(running) is a result of
          M(accreditrack.ops.django_models_info) with C(running=false) (then no finding is breaking
          for it, and RV(_value.message) says so).
      type: bool
"""

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.accreditrack.ops.plugins.module_utils._migration_review import (
    decide,
    review,
)


def migration_review(
    plan: Any,
    running: Any = None,
    allow: Any = None,
    policy: str = "warn",
    sql: Any = None,
    table_sizes: Any = None,
    existing_tables: Any = None,
    thresholds: Any = None,
) -> dict[str, Any]:
    if policy is False:
        policy = "off"  # an unquoted `off` in YAML
    if running is None:
        raise AnsibleFilterError(
            "migration_review: running (django_models_info's result) is required"
        )
    if not isinstance(plan, list):
        raise AnsibleFilterError("migration_review: the input must be django_migrate's plan list")
    try:
        result = review(
            plan,
            running,
            table_sizes=table_sizes,
            allow=list(allow or ()),
            thresholds=thresholds,
            sql=sql,
            existing_tables=None if existing_tables is None else list(existing_tables),
        )
        decision = decide(result, str(policy))
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError(f"migration_review: {error}") from error
    # django_models_info's running=false: no release runs (a first deploy, a stopped stack) -
    # nothing to break; the message says the rules about the running release had no models.
    runs = not (isinstance(running, dict) and running.get("running") is False)
    if not runs and decision["action"] != "skip":
        lines = decision["message"].split("\n")
        lines[0] += (
            " (no release runs now: the breaks-running-release rules had no models to check)"
        )
        decision["message"] = "\n".join(lines)
    return {**decision, **result, "running": runs}


class FilterModule:
    """accreditrack.ops.migration_review"""

    def filters(self) -> dict:
        return {"migration_review": migration_review}

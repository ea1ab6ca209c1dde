# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin accreditrack.ops.pg_lock_offenders: what in a lock snapshot is in the way."""

from __future__ import annotations

DOCUMENTATION = r"""
name: pg_lock_offenders
short_description: Find the sessions of a PostgreSQL lock snapshot that a migration would wait for
version_added: 0.1.0
author:
  - AccrediTrack operations team (@accreditrack)
description:
  - Reads the snapshot printed by the lock_check role's C(inspect.sql) (run with
    M(community.postgresql.postgresql_query) or C(psql)) and applies the thresholds and target
    tables the same way as M(accreditrack.ops.pg_lock_wait) does.
  - Returns the offenders, the pids that may be terminated under O(terminate_scope), and a
    readable report (a table of the offenders and what to do) when there are offenders.
positional: _input
options:
  _input:
    description:
      - The snapshot, as a dictionary, a JSON string, or the C(query_result) list of
        M(community.postgresql.postgresql_query) whose first row has the column C(snapshot).
    type: raw
    required: true
  tables:
    description: Tables the migration will lock. Empty checks every table of the database.
    type: list
    elements: str
    default: []
  max_xact_age:
    description: A transaction open for at least this many seconds is in the way.
    type: float
    default: 300
  idle_in_xact_age:
    description: A session idle in transaction for at least this many seconds is in the way.
    type: float
    default: 0
  lock_min_age:
    description:
      - A lock on a target table counts when its transaction is at least this many seconds old.
    type: float
    default: 1
  prepared_xact_age:
    description: A prepared transaction at least this many seconds old counts as orphaned.
    type: float
    default: 0
  terminate_scope:
    description: Which offenders RV(_value.terminate) lists.
    type: str
    default: idle_in_transaction
    choices: [idle_in_transaction, all_blockers]
  terminate_idle_age:
    description: Idle time in seconds after which a session idle in transaction may be terminated.
    type: float
    default: 60
  waited:
    description: Seconds already waited, for the report.
    type: float
    default: 0
  terminate_enabled:
    description: Whether termination is on (the report then does not suggest it).
    type: bool
    default: false
seealso:
  - module: accreditrack.ops.pg_lock_wait
"""

EXAMPLES = r"""
- name: Inspect a database reachable directly
  community.postgresql.postgresql_query:
    login_host: db.example.com
    login_db: accreditrack
    query: "{{ lookup('ansible.builtin.file', 'inspect.sql') }}"
  register: __snapshot

- name: Fail with a report when something would block the migration
  ansible.builtin.fail:
    msg: "{{ __check.report }}"
  vars:
    __check: >-
      {{ __snapshot.query_result | accreditrack.ops.pg_lock_offenders(tables=['accounts_member']) }}
  when: __check.offenders | length > 0
"""

RETURN = r"""
_value:
  description: The result of the check.
  type: dict
  contains:
    database:
      description: The database of the snapshot.
      type: str
    offenders:
      description: What is in the way (see RV(accreditrack.ops.pg_lock_wait#module:offenders)).
      type: list
      elements: dict
    terminate:
      description: The pids that may be terminated under O(terminate_scope).
      type: list
      elements: int
    not_terminable:
      description:
        - The offenders that termination never ends (prepared transactions, C(pg_dump),
          anti-wraparound autovacuum), each with C(why_not)
          (see RV(accreditrack.ops.pg_lock_wait#module:not_terminable)).
      type: list
      elements: dict
    report:
      description: The table of offenders and what to do; empty when there is none.
      type: str
"""

import json
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_locks import (
    classify,
    not_terminable,
    report,
    terminate_candidates,
)


def snapshot_of(value: Any) -> dict[str, Any]:
    """The snapshot dict from a dict, a JSON string or postgresql_query's query_result."""
    if isinstance(value, list):
        if not value or not isinstance(value[0], dict) or "snapshot" not in value[0]:
            raise AnsibleFilterError(
                "pg_lock_offenders: expected query_result rows with 'snapshot'"
            )
        value = value[0]["snapshot"]
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict) or "sessions" not in value:
        raise AnsibleFilterError("pg_lock_offenders: the input is not a lock snapshot")
    return value


def pg_lock_offenders(
    value: Any,
    tables: list[str] | None = None,
    max_xact_age: float = 300,
    idle_in_xact_age: float = 0,
    lock_min_age: float = 1,
    prepared_xact_age: float = 0,
    terminate_scope: str = "idle_in_transaction",
    terminate_idle_age: float = 60,
    waited: float = 0,
    terminate_enabled: bool = False,
) -> dict[str, Any]:
    snapshot = snapshot_of(value)
    try:
        offenders = classify(
            snapshot,
            tables or None,
            max_xact_age=float(max_xact_age),
            idle_in_xact_age=float(idle_in_xact_age),
            lock_min_age=float(lock_min_age),
            prepared_xact_age=float(prepared_xact_age),
        )
        pids = terminate_candidates(offenders, terminate_scope, float(terminate_idle_age))
    except (TypeError, ValueError) as error:
        raise AnsibleFilterError(f"pg_lock_offenders: {error}") from error
    text = ""
    if offenders:
        text = report(
            offenders,
            database=snapshot.get("database", ""),
            waited=float(waited),
            tables=tables or None,
            terminate_enabled=bool(terminate_enabled),
        )
    return {
        "database": snapshot.get("database", ""),
        "offenders": offenders,
        "terminate": pids,
        "not_terminable": not_terminable(offenders),
        "report": text,
    }


class FilterModule:
    """accreditrack.ops.pg_lock_offenders"""

    def filters(self) -> dict:
        return {"pg_lock_offenders": pg_lock_offenders}

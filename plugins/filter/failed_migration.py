# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: failed_migration
author: AccrediTrack operations team
version_added: 0.1.0
short_description: Which migration a failed django_migrate run stopped in, and whether it was atomic
description:
  - Reads the result of a failed M(accreditrack.ops.django_migrate) run (its RV(error) record) and
    returns what the migrate role writes into the rollback point's C(outcome) - the failed
    migration, whether it was atomic, and whether the process was killed before it ended.
  - C(atomic) is the error record's own C(atomic) when it has one (a killed process, see
    M(accreditrack.ops.django_migrate)); otherwise the C(atomic) flag of the failed migration in
    O(plan), and V(true) when the plan does not list it (or no migration is named).
  - The rollback role restores the backup when C(atomic) is V(false); only a restore undoes a
    partly applied non-atomic migration.
options:
  _input:
    description: The registered result of M(accreditrack.ops.django_migrate).
    type: dict
    required: true
  plan:
    description:
      - The plan the run was computed from (RV(accreditrack.ops.django_migrate#module:plan)).
    type: list
    elements: dict
    default: []
  failed:
    description: Whether the run failed; V(false) returns every key as V(null).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Record the failed migration
  ansible.builtin.set_fact:
    outcome: "{{ migrated | accreditrack.ops.failed_migration(plan.plan, migrated is failed) }}"
"""

RETURN = r"""
_value:
  description: C(failed_migration) (C(app.name) or null), C(failed_migration_atomic) (bool),
    C(failed_migration_killed) (bool); all null when O(failed) is false.
  type: dict
"""

from collections.abc import Mapping, Sequence
from typing import Any


def failed_migration(result: Any, plan: Any = (), failed: bool = True) -> dict[str, Any]:
    """The outcome keys of a failed django_migrate run (see DOCUMENTATION)."""
    if not failed:
        return {
            "failed_migration": None,
            "failed_migration_atomic": None,
            "failed_migration_killed": None,
        }
    result = result if isinstance(result, Mapping) else {}
    error = result.get("error") if isinstance(result.get("error"), Mapping) else {}
    migration = error.get("migration") or None
    atomic = error.get("atomic")
    if not isinstance(atomic, bool):
        records = plan if isinstance(plan, Sequence) and not isinstance(plan, str) else ()
        flags = [
            r.get("atomic")
            for r in records
            if isinstance(r, Mapping) and r.get("migration") == migration
        ]
        atomic = bool(flags[0]) if migration and flags else True
    return {
        "failed_migration": migration,
        "failed_migration_atomic": atomic,
        "failed_migration_killed": bool(error.get("killed")),
    }


class FilterModule:
    def filters(self):
        return {"failed_migration": failed_migration}

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin accreditrack.ops.rollback_method: the rollback role's way back."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rollback_method
author: AccrediTrack operations team (@accreditrack)
version_added: 0.1.0
short_description: How the rollback role returns to a rollback point - migrations or the backup
description:
  - Takes the apps to roll back (their targets), the backward plan of each (the results of
    M(accreditrack.ops.django_migrate) in check mode), the rollback point and the strategy, and
    returns the decision - C(method) (C(none), C(migrations), C(restore) or C(refused)),
    C(reason), C(blockers) (what stands in the way of migrating back), C(plan_steps) (the
    migrations the backward plans unapply) and C(partial) (whether the failed migration may have
    stopped halfway).
  - A migration may have stopped halfway when the point records a failed non-atomic migration
    (C(outcome.failed_migration_atomic=false)), or a run that was still C(migrating) with
    non-atomic migrations in its plan - unless the point was rolled back already;
    O(partial_state) overrides it.
  - Blockers are an irreversible operation, a target Django cannot plan, and a migration that may
    be partly applied (a non-atomic one, named as killed when its process was killed).
  - C(none) when nothing is to go back and nothing may be partial; C(restore) with strategy
    C(restore), or with C(auto) and a blocker; C(refused) with C(migrations) and a blocker;
    otherwise C(migrations).
options:
  _input:
    description: The apps to roll back - C(app), C(current), C(target).
    type: list
    elements: dict
    required: true
  plans:
    description: The C(results) of the backward plans, one per app (each with C(item)).
    type: list
    elements: dict
    required: true
  point:
    description: The rollback point.
    type: dict
    required: true
  strategy:
    description: The rollback role's C(rollback_strategy) - C(auto), C(migrations) or C(restore).
    type: str
    required: true
  partial_state:
    description: Whether the failed migration is partly applied (null - decide from the point).
    type: bool
"""

EXAMPLES = r"""
- name: Decide the way back
  ansible.builtin.set_fact:
    decision: "{{ targets | accreditrack.ops.rollback_method(plans.results, point, 'auto') }}"
"""

RETURN = r"""
_value:
  description: The decision - C(method), C(reason), C(blockers), C(plan_steps), C(partial).
  type: dict
"""

from collections.abc import Mapping, Sequence
from typing import Any, Optional


def may_be_partial(point: Mapping[str, Any], partial_state: Optional[bool] = None) -> bool:
    """Whether the point's failed migration may have stopped halfway."""
    if partial_state is not None:
        return bool(partial_state)
    if "rolled_back" in point:
        return False
    outcome = point.get("outcome") or {}
    return outcome.get("failed_migration_atomic", None) is False or (
        outcome.get("status", "") == "migrating" and len(point.get("non_atomic") or []) > 0
    )


def blockers(
    plans: Sequence[Mapping[str, Any]], point: Mapping[str, Any], partial: bool
) -> list[str]:
    """What stands in the way of migrating back, in the plans' order."""
    out = []
    for result in plans or ():
        irreversible = result.get("irreversible") or []
        for step in irreversible:
            out.append(f"{step['migration']}: {step['operation']} cannot be reversed")
        if "plan" not in result or ("error" in result and not irreversible):
            item = result.get("item") or {}
            why = result.get("msg", "cannot be planned")
            out.append(f"{item.get('app')} -> {item.get('target')}: {why}")
    outcome = point.get("outcome") or {}
    if partial and outcome.get("failed_migration_killed", False):
        out.append(
            f"the failed migration {outcome.get('failed_migration')} is not atomic and its process "
            "was killed before it ended: it may be partly applied"
        )
    elif partial:
        out.append("the failed migration is not atomic and may be partly applied")
    return out


def rollback_method(
    targets: Sequence[Mapping[str, Any]],
    plans: Sequence[Mapping[str, Any]],
    point: Mapping[str, Any],
    strategy: str,
    partial_state: Optional[bool] = None,
) -> dict[str, Any]:
    """The way back (see DOCUMENTATION)."""
    partial = may_be_partial(point, partial_state)
    found = blockers(plans, point, partial)
    steps: list[str] = []
    for result in plans or ():
        for step in result.get("plan") or []:
            if step["migration"] not in steps:
                steps.append(step["migration"])
    if not targets and not partial:
        method, reason = "none", "the state already equals the rollback point"
    elif strategy == "restore":
        method, reason = "restore", "rollback_strategy=restore"
    elif found:
        method, reason = ("restore" if strategy == "auto" else "refused"), "; ".join(found)
    else:
        method, reason = "migrations", "every backward plan is reversible"
    return {
        "method": method,
        "reason": reason,
        "blockers": found,
        "plan_steps": steps,
        "partial": partial,
    }


class FilterModule:
    def filters(self):
        return {"rollback_method": rollback_method}

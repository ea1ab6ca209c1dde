# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/rollback: the way back chosen from the rollback point's outcome (filter
accreditrack.ops.rollback_method, which check_plans.yml calls), case by case, and the role's task
rendered by Ansible itself with the same inputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ansible_collections.accreditrack.ops.plugins.filter.rollback_method import rollback_method

REPO = Path(__file__).resolve().parents[3]
TASKS = REPO / "roles" / "rollback" / "tasks"

TARGETS = [{"app": "accounts", "current": "0005_concurrent_index", "target": "0003_populate"}]
REVERSIBLE_PLAN = {
    "item": TARGETS[0],
    "plan": [{"migration": "accounts.0005_concurrent_index"}, {"migration": "accounts.0004_x"}],
    "irreversible": [],
}


def outcome(atomic, killed, migration="accounts.0005_concurrent_index"):
    return {
        "status": "failed",
        "applied": ["accounts.0004_x"],
        "unapplied": [],
        "failed_migration": migration,
        "failed_migration_atomic": atomic,
        "failed_migration_killed": killed,
    }


CASES = {
    # name: (outcome, strategy, expected method, text expected in the reason)
    "killed-non-atomic-auto-restores": (outcome(False, True), "auto", "restore", "was killed"),
    "killed-non-atomic-migrations-refuses": (
        outcome(False, True),
        "migrations",
        "refused",
        "was killed",
    ),
    "killed-atomic-migrates-back": (
        outcome(True, True),
        "auto",
        "migrations",
        "every backward plan is reversible",
    ),
    # Unchanged rules for the other cases:
    "django-error-non-atomic-restores": (
        outcome(False, False),
        "auto",
        "restore",
        "the failed migration is not atomic and may be partly applied",
    ),
    "django-error-atomic-migrates-back": (
        outcome(True, False),
        "auto",
        "migrations",
        "every backward plan is reversible",
    ),
    "older-point-without-killed-key": (
        {k: v for k, v in outcome(False, False).items() if k != "failed_migration_killed"},
        "auto",
        "restore",
        "the failed migration is not atomic and may be partly applied",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_way_back_after_a_failed_or_killed_migration(name):
    point_outcome, strategy, method, reason = CASES[name]
    point = {"outcome": point_outcome, "non_atomic": []}
    got = rollback_method(TARGETS, [REVERSIBLE_PLAN], point, strategy, None)
    assert (name, got["method"]) == (name, method)
    assert reason in got["reason"], (name, got)


def test_blockers_plan_steps_and_the_other_methods():
    irreversible = {
        "item": TARGETS[0],
        "plan": [{"migration": "accounts.0005_concurrent_index"}],
        "irreversible": [{"migration": "accounts.0005_concurrent_index", "operation": "RunPython"}],
        "error": {"type": "IrreversibleError"},
    }
    unplanned = {"item": {"app": "shop", "target": "0002_x"}, "msg": "Cannot find a migration"}
    point = {"outcome": {"status": "migrated"}, "non_atomic": []}
    got = rollback_method(TARGETS, [irreversible, unplanned], point, "auto")
    assert got["method"] == "restore"
    assert got["blockers"] == [
        "accounts.0005_concurrent_index: RunPython cannot be reversed",
        "shop -> 0002_x: Cannot find a migration",
    ]
    assert got["plan_steps"] == ["accounts.0005_concurrent_index"]
    assert rollback_method(TARGETS, [irreversible], point, "migrations")["method"] == "refused"
    assert rollback_method([], [], point, "auto")["method"] == "none"
    assert rollback_method([], [], point, "restore")["method"] == "none"
    assert rollback_method(TARGETS, [REVERSIBLE_PLAN], point, "restore")["reason"] == (
        "rollback_strategy=restore"
    )
    two = [REVERSIBLE_PLAN, dict(REVERSIBLE_PLAN, plan=[{"migration": "accounts.0004_x"}])]
    assert rollback_method(TARGETS, two, point, "auto")["plan_steps"] == [
        "accounts.0005_concurrent_index",
        "accounts.0004_x",
    ]


def test_a_rolled_back_point_or_the_option_decides_partial():
    migrating = {"outcome": {"status": "migrating"}, "non_atomic": ["accounts.0005_x"]}
    assert rollback_method([], [], migrating, "auto")["partial"] is True
    assert rollback_method([], [], migrating, "auto")["method"] == "restore"
    rolled_back = dict(migrating, rolled_back={"at": "x"})
    assert rollback_method([], [], rolled_back, "auto")["method"] == "none"
    assert rollback_method([], [], migrating, "auto", False)["method"] == "none"
    assert rollback_method([], [], {"outcome": {}}, "auto", True)["partial"] is True


def test_the_role_task_renders_the_same_decision(ansible_playbook, tmp_path):
    tasks = yaml.safe_load((TASKS / "check_plans.yml").read_text())
    decide = [t for t in tasks if t["name"].startswith("Decide the way back")]
    assert len(decide) == 1
    plays = []
    for name, (point_outcome, strategy, _method, _reason) in CASES.items():
        plays.append(
            {
                "name": name,
                "hosts": "localhost",
                "gather_facts": False,
                "vars": {
                    "rollback_strategy": strategy,
                    "rollback_partial_state": None,
                    "__rollback_point": {"outcome": point_outcome, "non_atomic": []},
                    "__rollback_plans": {"results": [REVERSIBLE_PLAN]},
                    "__rollback_targets": TARGETS,
                },
                "tasks": [
                    *decide,
                    {
                        "name": "Write the decision",
                        "ansible.builtin.copy": {
                            "dest": str(tmp_path / f"{name}.json"),
                            "content": "{{ {'method': __rollback_method,"
                            " 'reason': __rollback_reason, 'partial': __rollback_partial}"
                            " | to_json }}",
                            "mode": "0600",
                        },
                    },
                ],
            }
        )
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    proc = ansible_playbook(playbook)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name, (_outcome, _strategy, method, reason) in CASES.items():
        got = json.loads((tmp_path / f"{name}.json").read_text())
        assert (name, got["method"]) == (name, method)
        assert reason in got["reason"], (name, got)

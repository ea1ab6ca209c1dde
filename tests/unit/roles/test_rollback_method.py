# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/rollback: the way back chosen from the rollback point's outcome, rendered by Ansible.

The decision tasks of check_plans.yml and choose_method.yml (set_fact only) run as they are, in one
playbook, one play per case, with the backward plans and the rollback point given.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

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


def _decision_tasks() -> list[dict]:
    checks = yaml.safe_load((TASKS / "check_plans.yml").read_text())
    choose = yaml.safe_load((TASKS / "choose_method.yml").read_text())
    names = [
        "Tell whether a non-atomic migration may have stopped halfway",
        "Collect what stands in the way of migrating back",
        "Choose the method",
    ]
    # The schema comparison (a targets-free state whose schema differs) needs the database: it is
    # proven in molecule rollback (test_killed_non_atomic_migration_is_restored_from_the_backup).
    tasks = [t for t in checks + choose if "ansible.builtin.set_fact" in t and t["name"] in names]
    assert [t["name"] for t in tasks] == names
    return tasks


def test_the_way_back_after_a_failed_or_killed_migration(ansible_playbook, tmp_path):
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
                    *_decision_tasks(),
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

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter accreditrack.ops.failed_migration: the rollback point's outcome of a failed migrate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.accreditrack.ops.plugins.filter.failed_migration import (
    failed_migration,
)

REPO = Path(__file__).resolve().parents[4]
PLAN = [
    {"migration": "accounts.0004_normalize", "atomic": True},
    {"migration": "accounts.0005_concurrent_index", "atomic": False},
]


def outcome(migration, atomic, killed):
    return {
        "failed_migration": migration,
        "failed_migration_atomic": atomic,
        "failed_migration_killed": killed,
    }


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param(
            {
                "error": {
                    "migration": "accounts.0005_concurrent_index",
                    "atomic": False,
                    "killed": True,
                    "rc": 137,
                }
            },
            outcome("accounts.0005_concurrent_index", False, True),
            id="killed-mid-non-atomic",
        ),
        pytest.param(
            {"error": {"migration": "accounts.0004_normalize", "atomic": True, "killed": True}},
            outcome("accounts.0004_normalize", True, True),
            id="killed-mid-atomic",
        ),
        pytest.param(
            {"error": {"migration": "accounts.0009_unknown", "atomic": False, "killed": True}},
            outcome("accounts.0009_unknown", False, True),
            id="killed-the-record-wins-over-the-plan",
        ),
        pytest.param(
            {"error": {"migration": None, "atomic": True, "killed": True}},
            outcome(None, True, True),
            id="killed-between-migrations",
        ),
        # Failures Django reported (no atomic in the record): as before, from the plan.
        pytest.param(
            {"error": {"stage": "migrate", "migration": "accounts.0005_concurrent_index"}},
            outcome("accounts.0005_concurrent_index", False, False),
            id="django-error-in-non-atomic",
        ),
        pytest.param(
            {"error": {"stage": "migrate", "migration": "accounts.0004_normalize"}},
            outcome("accounts.0004_normalize", True, False),
            id="django-error-in-atomic",
        ),
        pytest.param(
            {"error": {"stage": "migrate", "migration": "other.0001_x"}},
            outcome("other.0001_x", True, False),
            id="django-error-not-in-plan",
        ),
        pytest.param(
            {"msg": "state after does not match"}, outcome(None, True, False), id="no-error"
        ),
    ],
)
def test_outcome_of_a_failed_run(result, expected):
    assert failed_migration(result, PLAN) == expected


def test_a_run_that_did_not_fail_has_no_failed_migration():
    assert failed_migration({"error": {"migration": "a.b"}}, PLAN, False) == outcome(
        None, None, None
    )


def test_the_migrate_role_records_a_killed_non_atomic_migration(ansible_playbook, tmp_path):
    """The vars of roles/migrate/tasks/apply.yml's outcome task, rendered by Ansible itself."""
    tasks = yaml.safe_load((REPO / "roles" / "migrate" / "tasks" / "apply.yml").read_text())
    record = next(t for t in tasks if t["name"] == "Record the outcome in the rollback point")
    killed_run = {
        "failed": True,
        "msg": "manage.py shell failed while migrating accounts.0005_concurrent_index (rc=137)",
        "applied": ["accounts.0004_normalize"],
        "unapplied": [],
        "error": {
            "stage": "migrate",
            "migration": "accounts.0005_concurrent_index",
            "atomic": False,
            "killed": True,
            "rc": 137,
        },
    }
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "Render the outcome",
                    "ansible.builtin.set_fact": {"outcome": "{{ __migrate_outcome }}"},
                    "vars": dict(
                        record["vars"],
                        __migrate_run=killed_run,
                        # The plan says atomic: the killed process's own record must win.
                        __migrate_plan={"plan": [PLAN[0], dict(PLAN[1], atomic=True)]},
                        __migrate_failed=True,
                    ),
                },
                {
                    "name": "Check it",
                    "ansible.builtin.assert": {
                        "that": [
                            "outcome.status == 'failed'",
                            "outcome.failed_migration == 'accounts.0005_concurrent_index'",
                            "outcome.failed_migration_atomic is sameas false",
                            "outcome.failed_migration_killed is sameas true",
                            "outcome.applied == ['accounts.0004_normalize']",
                        ]
                    },
                },
            ],
        }
    ]
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    proc = ansible_playbook(playbook)
    assert proc.returncode == 0, proc.stdout + proc.stderr

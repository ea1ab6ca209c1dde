# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Any failure of django_migrate is a failure for the migrate and rollback roles (issue 14, item 3).

"State after does not match the plan" and "state after could not be read" carry a plan and no
``error`` key: the roles once took them for success (migrated, post commands run, apps restarted).
The roles' own expressions (roles/*/vars/main.yml), rendered by Ansible over such results.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
PLAN = [{"migration": "accounts.0004_x", "backwards": False, "atomic": True}]

RESULTS = {
    # name: (module result, failed?)
    "after-does-not-match-the-plan": (
        {"failed": True, "msg": "state after does not match the plan", "plan": PLAN},
        True,
    ),
    "after-could-not-be-read": (
        {"failed": True, "msg": "state after could not be read", "plan": PLAN, "after": None},
        True,
    ),
    "error-record": ({"failed": True, "msg": "x", "plan": PLAN, "error": {"stage": "x"}}, True),
    "no-plan": ({"failed": False, "msg": ""}, True),
    "migrated": ({"failed": False, "changed": True, "plan": PLAN, "applied": ["a.b"]}, False),
}


def _expression(role: str, name: str) -> str:
    text = yaml.safe_load((REPO / "roles" / role / "vars" / "main.yml").read_text())[name]
    return text.strip().removeprefix("{{").removesuffix("}}").strip()


@pytest.mark.parametrize(
    ("role", "name", "registered"),
    [
        ("migrate", "__migrate_failed", "__migrate_run"),
        ("rollback", "__rollback_run_failed", "__rollback_run"),
    ],
)
def test_any_module_failure_is_a_failure(ansible_playbook, tmp_path, role, name, registered):
    expression = _expression(role, name)
    tasks = []
    for case, (result, failed) in RESULTS.items():
        tasks.append(
            {
                "name": case,
                "ansible.builtin.assert": {
                    "that": [f"({expression}) == {failed}"],
                    "fail_msg": f"{case}: {{{{ {expression} }}}}",
                },
                "vars": {registered: result, "__migrate_plan": {"plan": PLAN}},
            }
        )
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}])
    )
    proc = ansible_playbook(playbook)
    assert proc.returncode == 0, proc.stdout + proc.stderr

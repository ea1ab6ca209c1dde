# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release role's `lock` entry point run by ansible-playbook against localhost (no Docker): a
lock file that cannot be written fails naming the file system problem - not a lock held - and
publishes it in release_lock.write_error, which keeps the report's outcome from being `locked`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from playbook_run import make_collections_root, run_playbook

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PLAYBOOK = """---
- name: The release role's lock, alone
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Take the lock
      block:
        - name: Take it
          ansible.builtin.include_role:
            name: accreditrack.ops.release
            tasks_from: lock
      rescue:
        - name: Keep what the role published
          ansible.builtin.copy:
            content: >-
              {{{{ {{'lock': release_lock, 'msg': ansible_failed_result.msg}} | to_json }}}}
            dest: {out}
            mode: "0600"
"""


@pytest.fixture
def collections_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_collections_root(tmp_path_factory.mktemp("collections"))


def test_a_lock_file_that_cannot_be_written_is_a_write_error_not_a_lock_held(
    tmp_path, collections_root
):
    (tmp_path / "a-file").write_text("")  # the state directory cannot be created under a file
    out = tmp_path / "out.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK.format(out=out))
    extra = {
        "project_src": "/srv/app",
        "state_dir": str(tmp_path / "a-file" / "state"),
        "release_lock_run_id": "r1",
        "ansible_python_interpreter": sys.executable,
    }
    run = run_playbook(playbook, extra, collections_root, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text())
    lock_file = f"{tmp_path}/a-file/state/locks/app.lock"
    assert result["msg"].startswith(f"could not write the deploy lock {lock_file}: ")
    assert "No lock was taken and none is left behind" in result["msg"]
    assert "holds the lock" not in result["msg"] and "Traceback" not in run.stdout
    assert result["lock"]["write_error"] == result["msg"]
    assert result["lock"]["acquired"] is False


def test_the_report_outcome_locked_excludes_a_write_error():
    # The decision is the report's (module_utils/_deploy_report.py); the role hands it release_lock.
    import importlib.util

    path = ROOT / "plugins/module_utils/_deploy_report.py"
    spec = importlib.util.spec_from_file_location("_deploy_report", path)
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    outcome = report.outcome
    failure = [{"phase": "lock"}]
    assert outcome(False, failure, [], {}, False, {"write_error": ""}) == "locked"
    assert outcome(False, failure, [], {}, False, {"write_error": "read-only"}) == "failed"
    tasks = yaml.safe_load((ROOT / "roles/release/tasks/report.yml").read_text())
    write = next(t for t in tasks if "accreditrack.ops.deploy_report" in t)
    assert "release_lock" in write["accreditrack.ops.deploy_report"]["lock"]

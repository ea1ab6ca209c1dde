# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release role's `report` entry point (action plugin accreditrack.ops.deploy_report) run by
ansible-playbook against localhost: the report written 0600 in a 0700 directory, the summary
printed, a failed run's logs captured (here `docker compose logs` of a project that does not
exist: what it answered goes into the report), check mode writing nothing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from playbook_run import make_collections_root, run_playbook

PLAYBOOK = """---
- name: The release role's report, alone
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Write the report
      ansible.builtin.include_role:
        name: accreditrack.ops.release
        tasks_from: report
      vars:
        release_report_playbook: update
        release_report_requested: v2
        release_report_before: {release: v1, containers: []}
        release_report_after: {release: v1, containers: []}
        release_report_migrate: {status: failed, changed: false}
        release_report_failures: "{{ failures }}"
        release_report_times: {started: 1800000000.0, migrated: 1800000004.5}
        release_report_phases: [migrated, restarted, rolled_back]

    - name: Keep what the role published
      ansible.builtin.copy:
        content: "{{ {'report': release_report, 'path': release_report_path} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
      check_mode: false
"""


@pytest.fixture
def collections_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_collections_root(tmp_path_factory.mktemp("collections"))


def _run(tmp_path, collections_root, failures, args=()):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    out = tmp_path / "out.json"
    extra = {
        "project_src": str(tmp_path / "app"),
        "project_name": "nosuchproject",
        "state_dir": str(tmp_path / "state"),
        "release_lock_run_id": "r1",
        "failures": failures,
        "out": str(out),
        "ansible_python_interpreter": sys.executable,
    }
    (tmp_path / "app").mkdir(exist_ok=True)
    run = run_playbook(playbook, extra, collections_root, tmp_path, args=args)
    assert run.returncode == 0, run.stdout + run.stderr
    return run, json.loads(out.read_text())


def test_a_failed_run_writes_its_report_with_the_logs(tmp_path, collections_root):
    failure = {"phase": "migrate", "host": "localhost", "message": "0005 failed"}
    run, published = _run(tmp_path, collections_root, [failure])
    report, path = published["report"], Path(published["path"])
    assert path.parent == tmp_path / "state" / "reports" / "nosuchproject"
    assert path.name.endswith("-update.json")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path.parent).st_mode & 0o777 == 0o700
    assert json.loads(path.read_text()) == report
    assert report["outcome"] == "failed"
    assert report["failures"] == [failure]
    assert report["durations"]["migrated"] == 4.5
    assert report["logs"]["services"] == ["backend"] and report["logs"]["tail"] == 200
    assert "update nosuchproject: FAILED" in run.stdout
    assert f"report: {path}" in run.stdout


def test_check_mode_writes_nothing(tmp_path, collections_root):
    run, published = _run(tmp_path, collections_root, [], args=["--check"])
    assert published["report"]["outcome"] == "planned"
    assert not (tmp_path / "state" / "reports").exists()
    assert "report: not written (check mode)" in run.stdout


def test_a_report_that_cannot_be_written_fails_naming_the_file(tmp_path, collections_root):
    (tmp_path / "a-file").write_text("")  # the reports directory cannot be created under a file
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    (tmp_path / "app").mkdir()
    extra = {
        "project_src": str(tmp_path / "app"),
        "project_name": "nosuchproject",
        "state_dir": str(tmp_path / "a-file" / "state"),
        "release_lock_run_id": "r1",
        "failures": [],
        "out": str(tmp_path / "out.json"),
        "ansible_python_interpreter": sys.executable,
    }
    run = run_playbook(playbook, extra, collections_root, tmp_path)
    assert run.returncode != 0
    assert "The deploy report could not be written to " in run.stdout
    assert f"{tmp_path}/a-file/state/reports/nosuchproject/" in run.stdout

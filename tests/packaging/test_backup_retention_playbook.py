# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backup role's retention.yml run by ansible-playbook against localhost (no Docker): it keeps
the backups that rollback points reference and prunes archives without metadata."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from playbook_run import make_collections_root, run_playbook

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PLAYBOOK = """---
- name: Retention of the backup role, alone
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The backup this run wrote (a fact as in the role - extra vars cannot be overridden)
      ansible.builtin.set_fact:
        backup_result: "{{{{ written }}}}"

    - name: Run retention
      ansible.builtin.include_tasks: {retention}

    - name: Write what it decided
      ansible.builtin.copy:
        content: "{{{{ backup_result | to_json }}}}"
        dest: {out}
        mode: "0600"
"""


@pytest.fixture
def collections_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_collections_root(tmp_path_factory.mktemp("collections"))


def stamp(days_ago: int, now: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - days_ago * 86400))


def test_retention_keeps_what_rollback_points_need_and_prunes_orphans(tmp_path, collections_root):
    now = time.time()
    backups = tmp_path / "backups"
    points = tmp_path / "state" / "rollback_points" / "app"
    backups.mkdir()
    points.mkdir(parents=True)
    stems = {n: backups / f"app_{stamp(n, now)}" for n in range(1, 7)}
    for n, stem in stems.items():
        Path(f"{stem}.dump").write_bytes(b"PGDMP")
        if n != 6:  # day 6: its metadata write failed
            Path(f"{stem}.json").write_text("{}")
    # Two rollback points: one references day 5 (beyond backup_keep: 2), one has no backup.
    (points / "20261201T000000.000000Z.json").write_text(
        json.dumps({"backup": {"path": f"{stems[5]}.dump", "sha256": "x"}})
    )
    (points / "20261202T000000.000000Z.json").write_text(json.dumps({"backup": None}))
    current = backups / f"app_{stamp(0, now)}"
    Path(f"{current}.dump").write_bytes(b"PGDMP")
    Path(f"{current}.json").write_text("{}")
    out = tmp_path / "result.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        PLAYBOOK.format(retention=ROOT / "roles/backup/tasks/retention.yml", out=out)
    )
    extra = {
        "backup_dir": str(backups),
        "backup_keep": 2,
        "backup_keep_days": 0,
        "backup_mode": "direct",
        "__backup_format": "custom",
        "__backup_prefix": "app",
        "__backup_name": current.name,
        "__backup_run_epoch": int(now),
        "__backup_project": {"rollback_points_dir": str(points)},
        "written": {"path": f"{current}.dump"},
        "ansible_python_interpreter": sys.executable,
    }
    run = run_playbook(playbook, extra, collections_root, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text())
    left = sorted(p.name for p in backups.iterdir())
    expected = [f"{stems[n].name}.{kind}" for n in (1, 5) for kind in ("dump", "json")]
    assert left == sorted([*expected, f"{current.name}.dump", f"{current.name}.json"])
    assert result["protected"] == [f"{stems[5]}.dump"]
    assert result["unverified_pruned"] == [f"{stems[6]}.dump"]
    assert sorted(result["pruned"]) == sorted(f"{stems[n]}.dump" for n in (2, 3, 4, 6))

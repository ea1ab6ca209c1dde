# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backup role's restore_select.yml run by ansible-playbook against localhost (no Docker): the
sha256 a rollback point recorded (backup_restore_sha256) is the one verified, and metadata beside
the archive that names another is refused before anything runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playbook_run import make_collections_root, run_playbook

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POINT_SHA = "a" * 64
META_SHA = "b" * 64

PLAYBOOK = """---
- name: Restore selection of the backup role, alone
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    accreditrack.ops.pg_archive_verify:
      pg_restore: {fake}
  tasks:
    - name: Choose the backup
      ansible.builtin.include_tasks: {select}
"""

# Stands in for pg_restore: reads the archive whole, succeeds (the verify module hashes the bytes).
FAKE_PG_RESTORE = "#!/bin/sh\ncat >/dev/null\n"


@pytest.fixture
def collections_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_collections_root(tmp_path_factory.mktemp("collections"))


def play(tmp_path: Path, collections_root: Path, sha256: str) -> subprocess.CompletedProcess:
    archive = tmp_path / "app_20261201T000000Z.dump"
    archive.write_bytes(b"PGDMP not really")
    meta = {"database": "app", "sha256": META_SHA, "format": "custom", "archive": archive.name}
    (tmp_path / "app_20261201T000000Z.json").write_text(json.dumps(meta))
    fake = tmp_path / "pg_restore"
    fake.write_text(FAKE_PG_RESTORE)
    fake.chmod(0o755)
    playbook = tmp_path / "play.yml"
    select = ROOT / "roles/backup/tasks/restore_select.yml"
    playbook.write_text(PLAYBOOK.format(select=select, fake=fake))
    extra = {
        "backup_restore_path": str(archive),
        "backup_restore_sha256": sha256,
        "backup_dir": str(tmp_path),
        "backup_name_prefix": "",
        "backup_mode": "direct",
        "backup_direct_bin_dir": "",
        "backup_container_tmp_dir": "/tmp",
        "__backup_db": "app",
        "ansible_python_interpreter": sys.executable,
    }
    return run_playbook(playbook, extra, collections_root, tmp_path)


def test_metadata_naming_another_sha256_than_the_rollback_point_is_refused(
    tmp_path, collections_root
):
    run = play(tmp_path, collections_root, POINT_SHA)
    assert run.returncode != 0
    out = " ".join(run.stdout.split())
    assert "Refusing to restore" in out
    assert f"the rollback point's) is {POINT_SHA}, its metadata" in out
    assert f"says {META_SHA}" in out and "Nothing was touched." in out
    assert "Recheck the checksum" not in run.stdout  # refused before the archive is read


def test_the_rollback_points_sha256_is_the_one_verified(tmp_path, collections_root):
    # The metadata agrees with the point, the archive does not: the verify step checks the point's.
    meta_matches = play(tmp_path, collections_root, META_SHA)
    out = " ".join(meta_matches.stdout.split())
    assert "Refusing to restore" not in out
    assert "Recheck the checksum" in meta_matches.stdout
    assert meta_matches.returncode != 0 and META_SHA in out  # the bytes hash to something else


def test_a_malformed_sha256_is_refused(tmp_path, collections_root):
    run = play(tmp_path, collections_root, "not-a-sha")
    assert run.returncode != 0
    assert "backup_restore_sha256 must be a sha256 (64 hexadecimal digits), not not-a-sha" in (
        " ".join(run.stdout.split())
    )

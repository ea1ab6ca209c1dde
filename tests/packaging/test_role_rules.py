# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rules the roles' YAML must keep: options documented where they are defaulted and passed on."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(relative: str):
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def role_option(role: str, name: str) -> tuple[object, dict]:
    defaults = load(f"roles/{role}/defaults/main.yml")
    spec = load(f"roles/{role}/meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    return defaults.get(name), spec.get(name) or {}


def test_backup_lock_wait_timeout_is_defaulted_documented_and_passed_to_pg_dump():
    default, spec = role_option("backup", "backup_lock_wait_timeout")
    assert default == "30s" and spec.get("default") == "30s" and spec.get("type") == "str"
    tasks = load("roles/backup/tasks/dump.yml")
    dump = next(t for t in tasks if "accreditrack.ops.compose_pg_dump" in t)
    assert (
        "backup_lock_wait_timeout" in dump["accreditrack.ops.compose_pg_dump"]["lock_wait_timeout"]
    )
    assert "backup_lock_wait_timeout" in (ROOT / "roles/backup/README.md").read_text()
    assert "--lock-wait-timeout=" in (ROOT / "roles/backup/tasks/direct_dump.yml").read_text()

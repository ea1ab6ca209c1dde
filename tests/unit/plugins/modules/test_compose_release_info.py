# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.compose_release_info with a stand-in docker CLI (argv recorded): the
argv carries every project option (profiles too), the record and the verification."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MODULE = Path(__file__).resolve().parents[4] / "plugins" / "modules" / "compose_release_info.py"

FAKE_DOCKER = r"""#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$*" in
  *" ps --all --format json") cat "$FAKE_DIR/ps.json" ;;
  *" images --format json") cat "$FAKE_DIR/images.json" ;;
  *" config --format json") cat "$FAKE_DIR/config.json" ;;
  "image inspect --format {{.Id}} "*) echo "$FAKE_IMAGE_ID" ;;
  *) echo "unexpected: $*" >&2; exit 3 ;;
esac
"""

PS = [
    {"Service": "web", "Name": "shelf-web-1", "Image": "bookshelf-web:2025.1", "State": "running"},
    {
        "Service": "worker",
        "Name": "shelf-worker-1",
        "Image": "bookshelf-web:2024.10",
        "State": "running",
    },
    {"Service": "postgres", "Name": "shelf-postgres-1", "Image": "shelf-db:15", "State": "running"},
]
IMAGES = [
    {"ContainerName": "shelf-web-1", "ID": "sha256:new"},
    {"ContainerName": "shelf-worker-1", "ID": "sha256:old"},
    {"ContainerName": "shelf-postgres-1", "ID": "sha256:db"},
]
CONFIG = {
    "name": "shelf",
    "services": {
        "web": {"image": "bookshelf-web:2025.1"},
        "worker": {"image": "bookshelf-web:2025.1"},
        "postgres": {"image": "shelf-db:15"},
    },
}


def run(tmp_path, collections_root, **args):
    fake = tmp_path / "docker"
    fake.write_text(FAKE_DOCKER)
    fake.chmod(0o755)
    (tmp_path / "ps.json").write_text("\n".join(json.dumps(r) for r in PS))  # older Compose: lines
    (tmp_path / "images.json").write_text(json.dumps(IMAGES))
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    log = tmp_path / "argv.log"
    base = {
        "project_src": str(tmp_path),
        "project_name": "shelf",
        "files": ["deploy/compose.prod.yml"],
        "profiles": ["app"],
        "docker_cli": str(fake),
        "service": "web",
    }
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {**base, **args}}))
    env = {
        **os.environ,
        "PYTHONPATH": str(collections_root),
        "FAKE_LOG": str(log),
        "FAKE_DIR": str(tmp_path),
        "FAKE_IMAGE_ID": "sha256:new",
    }
    done = subprocess.run(
        [sys.executable, str(MODULE), str(args_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.stdout, done.stderr
    calls = log.read_text().splitlines() if log.exists() else []
    return json.loads(done.stdout), calls


def test_record_reads_ps_and_images_with_every_project_option(tmp_path, collections_root):
    got, calls = run(tmp_path, collections_root)
    assert got["release"] == "2025.1" and got["running"] is True and got["changed"] is False
    assert {c["name"]: c["image_id"] for c in got["containers"]}["shelf-worker-1"] == "sha256:old"
    prefix = (
        f"compose --project-directory {tmp_path} --project-name shelf "
        "--file deploy/compose.prod.yml --profile app"
    )
    assert calls == [f"{prefix} ps --all --format json", f"{prefix} images --format json"]


def test_state_given_runs_no_command(tmp_path, collections_root):
    got, calls = run(tmp_path, collections_root, state={"containers": PS[:1], "images": IMAGES[:1]})
    assert calls == [] and got["release"] == "2025.1" and len(got["containers"]) == 1


def test_verify_names_the_service_on_another_release(tmp_path, collections_root):
    got, calls = run(tmp_path, collections_root, verify=True, services=["web", "worker"])
    assert got["failed"] is True
    assert got["mismatches"] == [
        "shelf-worker-1 (worker) runs bookshelf-web:2024.10, not bookshelf-web:2025.1"
    ]
    assert "do not run the release the compose file names" in got["msg"]
    assert any(c.endswith("config --format json") for c in calls)


def test_verify_passes_when_the_release_runs(tmp_path, collections_root):
    got, _calls = run(tmp_path, collections_root, verify=True, services=["web"])
    assert got.get("failed") is not True and got["verified"] is True and got["mismatches"] == []

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""compose_pg_dump with format=directory, pg_archive_verify and compose_pg_restore on a directory,
run the way Ansible runs them, with a stand-in ``docker`` that runs the container's command on
this machine (real mktemp, df, find, sha256sum, tar, rm) and stand-ins for pg_dump, pg_restore and
psql. No Docker needed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

MODULES = Path(__file__).resolve().parents[4] / "plugins" / "modules"

# `docker compose ... exec -T [--env=K=V...] SERVICE CMD...` -> CMD... here, with K=V exported.
FAKE_DOCKER = """#!/bin/sh
while [ "$#" -gt 0 ] && [ "$1" != exec ]; do shift; done
shift; [ "$1" = -T ] && shift
while :; do case "$1" in --env=*) export "${1#--env=}"; shift;; *) break;; esac; done
shift
exec "$@"
"""
FAKE_PG_DUMP = """#!/bin/sh
for arg; do case "$arg" in --file=*) dir="${arg#--file=}";; esac; done
mkdir -m 700 "$dir" || exit 1  # pg_dump -Fd creates its directory
echo "$PGAPPNAME" >"$FAKE_LOG/appname"
head -c 2000 /dev/urandom >"$dir/toc.dat"
head -c 300000 /dev/urandom >"$dir/3420.dat.gz"
if [ -n "${FAKE_DUMP_SLEEP:-}" ]; then sleep "$FAKE_DUMP_SLEEP"; fi
if [ -n "${FAKE_DUMP_SYMLINK:-}" ]; then ln -s /etc/passwd "$dir/evil.dat"; fi
exit "${FAKE_DUMP_RC:-0}"
"""
FAKE_PG_RESTORE = """#!/bin/sh
echo "$*" >>"$FAKE_LOG/pg_restore"
if [ "${FAKE_RESTORE_RC:-0}" != 0 ]; then echo "pg_restore: error: truncated" >&2; fi
exit "${FAKE_RESTORE_RC:-0}"
"""
FAKE_PSQL = """#!/bin/sh
echo "$*" >>"$FAKE_LOG/psql"
echo "${FAKE_DB_SIZE:-1000}"
"""


@pytest.fixture
def fake(tmp_path, collections_root):
    """Stand-ins, a backup directory and the container's tmp directory."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (
        ("docker", FAKE_DOCKER),
        ("pg_dump", FAKE_PG_DUMP),
        ("pg_restore", FAKE_PG_RESTORE),
        ("psql", FAKE_PSQL),
    ):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    for name in ("backups", "ctmp", "log"):
        (tmp_path / name).mkdir(mode=0o700)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(collections_root),
        "FAKE_LOG": str(tmp_path / "log"),
    }
    return tmp_path, env


def start(fake, module: str, args: dict, check_mode: bool = False, **env):
    tmp_path, environ = fake
    args = {
        "project_src": str(tmp_path),
        "docker_cli": str(tmp_path / "bin" / "docker"),
        "container_tmp_dir": str(tmp_path / "ctmp"),
        "_ansible_check_mode": check_mode,
        **args,
    }
    args_file = tmp_path / f"args-{module}-{time.monotonic_ns()}.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    return subprocess.Popen(
        [sys.executable, str(MODULES / f"{module}.py"), str(args_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**environ, **env},
        text=True,
    )


def finish(proc) -> dict:
    stdout, stderr = proc.communicate(timeout=60)
    assert stdout, stderr
    return json.loads(stdout)


def dump(fake, check_mode: bool = False, **options):
    env = {k: v for k, v in options.items() if k.startswith("FAKE_")}
    args = {k: v for k, v in options.items() if not k.startswith("FAKE_")}
    args = {
        "database": "app",
        "user": "app",
        "dest": str(fake[0] / "backups" / "app.dir"),
        "format": "directory",
        "jobs": 2,
        **args,
    }
    return start(fake, "compose_pg_dump", args, check_mode, **env)


def test_directory_dump_writes_a_verified_archive_with_its_manifest(fake):
    tmp_path = fake[0]
    result = finish(dump(fake))
    assert result["changed"] is True, result
    archive = tmp_path / "backups" / "app.dir"
    assert os.listdir(tmp_path / "backups") == ["app.dir"]
    assert sorted(os.listdir(archive)) == ["3420.dat.gz", "manifest.json", "toc.dat"]
    assert stat.S_IMODE(archive.stat().st_mode) == 0o700
    manifest = (archive / "manifest.json").read_bytes()
    assert result["sha256"] == hashlib.sha256(manifest).hexdigest()
    files = json.loads(manifest)["files"]
    for name, entry in files.items():
        body = (archive / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
        assert stat.S_IMODE((archive / name).stat().st_mode) == 0o600
    assert result["size"] == 302000
    assert result["files"] == 2
    assert (result["container_free"] > 0, result["container_needed"]) == (True, 1000)
    assert "--jobs=2" in result["cmd"]
    assert os.listdir(tmp_path / "ctmp") == []  # the container's copy is gone
    log = tmp_path / "log"
    assert (log / "appname").read_text().startswith("accreditrack-ops-pg_dump-")
    assert (log / "pg_restore").read_text().count("--file=/dev/null") == 2  # --list and full


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"FAKE_DUMP_RC": "1"}, "pg_dump failed (exit 1)", id="pg-dump-fails"),
        pytest.param({"FAKE_RESTORE_RC": "1"}, "not complete and readable", id="read-back-fails"),
        pytest.param({"verify": "file", "FAKE_RESTORE_RC": "1"}, "not complete", id="file-verify"),
        pytest.param({"FAKE_DUMP_SYMLINK": "1"}, "not a regular file", id="symlink-in-dump"),
    ],
)
def test_a_failure_leaves_nothing_on_the_host_or_in_the_container(fake, options, message):
    tmp_path = fake[0]
    result = finish(dump(fake, **options))
    assert result["failed"] is True
    assert message in result["msg"]
    assert "no backup was written" in result["msg"]
    assert os.listdir(tmp_path / "backups") == []
    assert os.listdir(tmp_path / "ctmp") == []


def test_too_little_room_in_the_container_fails_before_dumping(fake):
    tmp_path = fake[0]
    result = finish(dump(fake, FAKE_DB_SIZE=str(10**18)))
    assert result["failed"] is True
    assert "no backup was started" in result["msg"]
    assert "bytes free, but 1000000000000000000 are needed" in result["msg"]
    assert not (tmp_path / "log" / "appname").exists()  # pg_dump never ran
    assert os.listdir(tmp_path / "ctmp") == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"format": "custom", "dest": "/x/a.dump"}, "needs format=directory", id="jobs-custom"
        ),
        pytest.param({"jobs": 0}, "jobs must be 1 or more", id="jobs-0"),
        pytest.param({"container_tmp_dir": "tmp"}, "absolute path", id="relative-tmp"),
    ],
)
def test_bad_options_fail_clearly(fake, options, message):
    result = finish(dump(fake, **options))
    assert result["failed"] is True
    assert message in result["msg"]


def test_check_mode_writes_nothing(fake):
    tmp_path = fake[0]
    result = finish(dump(fake, check_mode=True))
    assert result["changed"] is True
    assert "sha256" not in result
    assert os.listdir(tmp_path / "backups") == []
    assert os.listdir(tmp_path / "ctmp") == []
    assert not (tmp_path / "log" / "appname").exists()


def test_sigterm_during_the_dump_removes_everything_and_ends_its_sessions(fake):
    tmp_path = fake[0]
    proc = dump(fake, FAKE_DUMP_SLEEP="30")
    deadline = time.monotonic() + 20
    while not (tmp_path / "log" / "appname").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    result = finish(proc)
    assert "interrupted by signal" in result["msg"]
    assert os.listdir(tmp_path / "backups") == []
    assert os.listdir(tmp_path / "ctmp") == []
    appname = (tmp_path / "log" / "appname").read_text().strip()
    assert f"application_name = '{appname}'" in (tmp_path / "log" / "psql").read_text()


def verify(fake, path, sha256=None, **env):
    args = {"path": str(path), **({"sha256": sha256} if sha256 else {})}
    return finish(start(fake, "pg_archive_verify", args, **env))


def test_verify_and_restore_a_directory_archive(fake):
    tmp_path = fake[0]
    made = finish(dump(fake))
    archive = tmp_path / "backups" / "app.dir"
    checked = verify(fake, archive, made["sha256"])
    assert checked.get("failed") is not True, checked
    assert (checked["sha256"], checked["files"], checked["size"]) == (made["sha256"], 2, 302000)
    restore_args = {
        "path": str(archive),
        "sha256": made["sha256"],
        "database": "app_restore",
        "user": "app",
        "jobs": 3,
    }
    restored = finish(start(fake, "compose_pg_restore", restore_args))
    assert restored["changed"] is True, restored
    assert "--jobs=3" in restored["cmd"]
    assert "--dbname=app_restore" in (tmp_path / "log" / "pg_restore").read_text()
    assert os.listdir(tmp_path / "ctmp") == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(
            lambda d: (d / "3420.dat.gz").write_bytes(b"short"), "has 5 bytes", id="truncated"
        ),
        pytest.param(
            lambda d: (d / "toc.dat").write_bytes(b"X" * 2000), "toc.dat has sha256", id="same-size"
        ),
        pytest.param(lambda d: (d / "toc.dat").unlink(), "toc.dat is missing", id="missing"),
        pytest.param(lambda d: (d / "x.dat").write_bytes(b""), "not in the manifest", id="extra"),
    ],
)
def test_a_damaged_directory_fails_verify_and_restore_before_pg_restore(fake, damage, message):
    tmp_path = fake[0]
    made = finish(dump(fake))
    archive = tmp_path / "backups" / "app.dir"
    damage(archive)
    (tmp_path / "log" / "pg_restore").unlink()
    checked = verify(fake, archive, made["sha256"])
    assert checked["failed"] is True
    assert message in checked["msg"]
    restore_args = {"path": str(archive), "database": "r", "user": "app", "jobs": 2}
    restored = finish(start(fake, "compose_pg_restore", restore_args))
    assert restored["failed"] is True
    assert message in restored["msg"]
    assert not (tmp_path / "log" / "pg_restore").exists()  # pg_restore never ran
    assert os.listdir(tmp_path / "ctmp") == []


def test_restore_refuses_jobs_with_a_custom_archive(fake):
    tmp_path = fake[0]
    (tmp_path / "backups" / "a.dump").write_bytes(b"x")
    args = {"path": str(tmp_path / "backups" / "a.dump"), "database": "r", "user": "u", "jobs": 2}
    result = finish(start(fake, "compose_pg_restore", args))
    assert result["failed"] is True
    assert "needs a directory archive" in result["msg"]

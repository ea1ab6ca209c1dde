# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""compose_pg_dump: its pure argv builders, its streaming helpers, and the module run against a
stand-in docker CLI (failures, SIGTERM, check mode, no overwrite)."""

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
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    ChildProcesses,
    compose_base_argv,
    pg_dump_argv,
    pg_restore_argv,
    stream_from_file,
    stream_to_file,
    temp_path_for,
)
from ansible_collections.accreditrack.ops.plugins.modules.compose_pg_dump import (
    build_commands,
    dump_failure,
    option_errors,
    read_back_failure,
)
from ansible_collections.accreditrack.ops.plugins.modules.pg_archive_verify import verify_command

BASE = {
    "project_src": "/srv/app",
    "project_name": None,
    "files": [],
    "env_files": [],
    "service": "db",
    "docker_cli": "docker",
    "database": "app",
    "user": "app",
    "compression": None,
    "extra_args": [],
    "verify": "stream",
}


@pytest.mark.parametrize(
    ("changes", "dump"),
    [
        pytest.param(
            {},
            [
                "docker",
                "compose",
                "--project-directory",
                "/srv/app",
                "exec",
                "-T",
                "db",
                "pg_dump",
                "--format=custom",
                "--username=app",
                "--dbname=app",
            ],
            id="defaults",
        ),
        pytest.param(
            {"project_name": "p", "files": ["a.yml", "b.yml"], "env_files": ["/e/.env"]},
            [
                "docker",
                "compose",
                "--project-directory",
                "/srv/app",
                "--project-name",
                "p",
                "--file",
                "a.yml",
                "--file",
                "b.yml",
                "--env-file",
                "/e/.env",
                "exec",
                "-T",
                "db",
                "pg_dump",
                "--format=custom",
                "--username=app",
                "--dbname=app",
            ],
            id="project-options-in-order",
        ),
        pytest.param(
            {"compression": "zstd:3", "extra_args": ["--exclude-table-data=log"], "service": "pg"},
            [
                "docker",
                "compose",
                "--project-directory",
                "/srv/app",
                "exec",
                "-T",
                "pg",
                "pg_dump",
                "--format=custom",
                "--username=app",
                "--dbname=app",
                "--compress=zstd:3",
                "--exclude-table-data=log",
            ],
            id="compression-and-extra-args",
        ),
        pytest.param(
            {"database": "db; rm -rf /", "user": "it's"},
            [
                "docker",
                "compose",
                "--project-directory",
                "/srv/app",
                "exec",
                "-T",
                "db",
                "pg_dump",
                "--format=custom",
                "--username=it's",
                "--dbname=db; rm -rf /",
            ],
            id="odd-names-stay-one-argument",
        ),
    ],
)
def test_dump_argv(changes, dump):
    params = {**BASE, **changes}
    built, verify = build_commands(params)
    assert built == dump
    assert verify[-5:] == ["nice", "-n", "19", "pg_restore", "--file=/dev/null"]
    assert verify[: verify.index("exec")] == built[: built.index("exec")]


def test_verify_none_has_no_reader():
    assert build_commands({**BASE, "verify": "none"})[1] == []


@pytest.mark.parametrize(
    ("niceness", "tail"),
    [
        pytest.param(
            None, ["db", "nice", "-n", "19", "pg_restore", "--file=/dev/null"], id="default-19"
        ),
        pytest.param(5, ["db", "nice", "-n", "5", "pg_restore", "--file=/dev/null"], id="5"),
        pytest.param(0, ["db", "pg_restore", "--file=/dev/null"], id="0-without-nice"),
    ],
)
def test_read_back_runs_niced(niceness, tail):
    verify = build_commands({**BASE, "verify_niceness": niceness})[1]
    assert verify[-len(tail) :] == tail


@pytest.mark.parametrize("niceness", [-1, 20])
def test_niceness_out_of_range(niceness):
    assert option_errors(
        {**BASE, "verify_niceness": niceness, "jobs": 1, "container_tmp_dir": "/tmp"}
    ) == [f"verify_niceness must be from 0 to 19, not {niceness}"]


@pytest.mark.parametrize(
    ("rc", "stderr", "missing"),
    [
        pytest.param(
            126,
            "OCI runtime exec failed: exec failed: unable to start container process: "
            'exec: "nice": executable file not found in $PATH: unknown',
            True,
            id="docker-exec-126",
        ),
        pytest.param(127, "nice: not found", False, id="unquoted-is-not-docker"),
        pytest.param(
            1, "pg_restore: error: could not read input file: end of file", False, id="truncated"
        ),
        pytest.param(
            126, 'exec: "pg_restore": executable file not found in $PATH', False, id="no-pg_restore"
        ),
    ],
)
def test_missing_nice_is_named(rc, stderr, missing):
    message = read_back_failure({**BASE, "verify_niceness": 19}, rc, stderr)
    assert ("set verify_niceness: 0" in message) is missing
    assert stderr.strip() in message


@pytest.mark.parametrize(
    ("runner", "expected"),
    [
        pytest.param("local", ["/usr/bin/pg_restore", "--file=/dev/null"], id="local"),
        pytest.param(
            "compose",
            [
                "docker",
                "compose",
                "--project-directory",
                "/srv/app",
                "exec",
                "-T",
                "db",
                "/usr/bin/pg_restore",
                "--file=/dev/null",
            ],
            id="compose",
        ),
    ],
)
def test_verify_command(runner, expected):
    assert (
        verify_command({**BASE, "runner": runner, "pg_restore": "/usr/bin/pg_restore"}) == expected
    )


def test_restore_argv_has_no_password_and_keeps_the_owners():
    argv = pg_restore_argv("app_restore", "app")
    assert argv == ["pg_restore", "--username=app", "--dbname=app_restore", "--exit-on-error"]
    assert not any("password" in arg.lower() for arg in argv)


def test_restore_argv_no_owner_gives_every_object_to_the_role():
    assert pg_restore_argv("app_restore", "app", "owner", no_owner=True)[1:3] == [
        "--no-owner",
        "--role=owner",
    ]
    assert pg_restore_argv("app_restore", "app", "owner")[1] == "--role=owner"


def test_dump_argv_never_asks_for_a_password():
    assert not any("pass" in arg.lower() for arg in pg_dump_argv("d", "u", "9"))


def test_temp_path_is_hidden_beside_dest_and_not_a_dump():
    tmp = temp_path_for("/b/app_1.dump", "42-ab")
    assert tmp == "/b/.app_1.dump.partial-42-ab"
    assert not tmp.endswith(".dump")


def test_compose_base_without_project_name():
    assert compose_base_argv("/p") == ["docker", "compose", "--project-directory", "/p"]


def test_stream_to_file_hashes_and_feeds_the_reader(tmp_path):
    """A real round trip with ordinary processes: `head -c` as producer, `wc -c` as reader."""
    out = tmp_path / "out"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        result = stream_to_file(
            ChildProcesses(),
            ["head", "-c", "3000000", "/dev/zero"],
            fd,
            ["sh", "-c", "cat >/dev/null"],
        )
    finally:
        os.close(fd)
    assert (result.rc, result.reader_rc, result.size) == (0, 0, 3000000)
    assert out.stat().st_size == 3000000
    again = stream_from_file(ChildProcesses(), str(out), ["sh", "-c", "cat >/dev/null"])
    assert (again.rc, again.sha256, again.size) == (0, result.sha256, 3000000)


def test_stream_from_file_reports_a_failing_reader(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    result = stream_from_file(ChildProcesses(), str(path), ["sh", "-c", "echo bad >&2; exit 3"])
    assert result.rc == 3
    assert "bad" in result.stderr
    assert result.size == 10


# The module itself, run the way Ansible runs it on the managed host, with a stand-in `docker` that
# plays pg_dump (FAKE_DUMP_RC, FAKE_DUMP_SLEEP) and pg_restore (FAKE_RESTORE_RC): no Docker needed.
FAKE_DOCKER = """#!/bin/sh
case " $* " in
  *" pg_dump "*)
    head -c 300000 /dev/zero
    if [ -n "${FAKE_DUMP_SLEEP:-}" ]; then sleep "$FAKE_DUMP_SLEEP"; fi
    head -c 300000 /dev/zero
    exit "${FAKE_DUMP_RC:-0}";;
  *" pg_restore "*)
    cat >/dev/null
    if [ "${FAKE_RESTORE_RC:-0}" != 0 ]; then echo "pg_restore: error: truncated" >&2; fi
    exit "${FAKE_RESTORE_RC:-0}";;
esac
exit 99
"""


def start_module(tmp_path, collections_root, check_mode=False, **env):
    fake = tmp_path / "docker"
    fake.write_text(FAKE_DOCKER)
    fake.chmod(0o755)
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o700, exist_ok=True)
    args = {
        "project_src": str(tmp_path),
        "database": "app",
        "user": "app",
        "dest": str(backups / "app.dump"),
        "docker_cli": str(fake),
        "_ansible_check_mode": check_mode,
    }
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    module = Path(__file__).resolve().parents[4] / "plugins" / "modules" / "compose_pg_dump.py"
    environ = {**os.environ, "PYTHONPATH": str(collections_root), **env}
    proc = subprocess.Popen(
        [sys.executable, str(module), str(args_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
        text=True,
    )
    return proc, backups


def finish(proc) -> dict:
    stdout, stderr = proc.communicate(timeout=60)
    assert stdout, stderr
    return json.loads(stdout)


def test_module_writes_a_0600_archive_with_its_sha256(tmp_path, collections_root):
    proc, backups = start_module(tmp_path, collections_root)
    result = finish(proc)
    assert result["changed"] is True, result
    assert os.listdir(backups) == ["app.dump"]
    data = (backups / "app.dump").read_bytes()
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["size"] == len(data) == 600000
    assert stat.S_IMODE((backups / "app.dump").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({"FAKE_DUMP_RC": "1"}, "pg_dump failed (exit 1)", id="pg-dump-fails"),
        pytest.param({"FAKE_RESTORE_RC": "1"}, "could not be read back", id="read-back-fails"),
    ],
)
def test_a_failure_leaves_no_file(tmp_path, collections_root, env, message):
    proc, backups = start_module(tmp_path, collections_root, **env)
    result = finish(proc)
    assert result["failed"] is True
    assert message in result["msg"]
    assert os.listdir(backups) == []


def test_sigterm_removes_the_temporary_file(tmp_path, collections_root):
    proc, backups = start_module(tmp_path, collections_root, FAKE_DUMP_SLEEP="30")
    deadline = time.monotonic() + 20
    while not os.listdir(backups) and time.monotonic() < deadline:
        time.sleep(0.05)
    [partial] = os.listdir(backups)
    assert partial.startswith(".app.dump.partial-")
    proc.send_signal(signal.SIGTERM)
    result = finish(proc)
    assert result["failed"] is True
    assert "interrupted by signal" in result["msg"]
    assert os.listdir(backups) == []


def test_check_mode_writes_nothing(tmp_path, collections_root):
    proc, backups = start_module(tmp_path, collections_root, check_mode=True, FAKE_DUMP_RC="3")
    result = finish(proc)
    assert result["changed"] is True
    assert "sha256" not in result
    assert os.listdir(backups) == []


def test_an_existing_archive_is_never_overwritten(tmp_path, collections_root):
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o700)
    (backups / "app.dump").write_bytes(b"older backup")
    proc, _ = start_module(tmp_path, collections_root)
    result = finish(proc)
    assert result["failed"] is True
    assert "exists already" in result["msg"]
    assert (backups / "app.dump").read_bytes() == b"older backup"


@pytest.mark.parametrize(
    ("timeout", "flag"),
    [
        pytest.param("30s", ["--lock-wait-timeout=30s"], id="30s"),
        pytest.param("2min", ["--lock-wait-timeout=2min"], id="2min"),
        pytest.param("1500", ["--lock-wait-timeout=1500"], id="milliseconds"),
        pytest.param("0", [], id="zero-no-limit"),
        pytest.param("0s", [], id="zero-seconds-no-limit"),
        pytest.param("", [], id="empty-no-limit"),
        pytest.param(None, [], id="not-given"),
    ],
)
def test_dump_argv_lock_wait_timeout(timeout, flag):
    for fmt in ("custom", "directory"):
        params = {**BASE, "format": fmt, "jobs": 2 if fmt == "directory" else 1}
        built, _verify = build_commands({**params, "lock_wait_timeout": timeout})
        assert [arg for arg in built if arg.startswith("--lock-wait")] == flag
        dump = built[built.index("pg_dump") :]
        # Before the free-form options: extra_args can still override it.
        assert dump.index("--dbname=app") < (dump.index(flag[0]) if flag else len(dump))


def test_pg_dump_argv_lock_wait_timeout_comes_before_extra_args():
    argv = pg_dump_argv("d", "u", "6", ["--no-owner"], lock_wait_timeout="5s")
    assert argv[-3:] == ["--lock-wait-timeout=5s", "--compress=6", "--no-owner"]


@pytest.mark.parametrize("bad", ["thirty", "30 seconds; drop", "-5s", "5 s s"])
def test_a_bad_lock_wait_timeout_is_refused(bad):
    errors = option_errors(
        {**BASE, "jobs": 1, "container_tmp_dir": "/tmp", "lock_wait_timeout": bad}
    )
    assert errors == [
        "lock_wait_timeout must be a number of milliseconds or a time such as 30s or 2min, "
        f"not {bad!r}"
    ]


@pytest.mark.parametrize(
    "stderr",
    [
        pytest.param(
            "pg_dump: error: query failed: ERROR:  canceling statement due to statement timeout\n"
            "pg_dump: detail: Query was: LOCK TABLE public.accounts_member IN ACCESS SHARE MODE\n",
            id="leader-lock-wait-timeout",
        ),
        pytest.param(
            'pg_dump: error: could not obtain lock on relation "public.accounts_member"\n'
            "This usually means that someone requested an ACCESS EXCLUSIVE lock on the table "
            "after the pg_dump parent process had gotten the initial ACCESS SHARE lock on the "
            "table.\n",
            id="parallel-worker-nowait",
        ),
    ],
)
def test_a_lock_failure_names_lock_wait_timeout(stderr):
    msg = dump_failure({**BASE, "lock_wait_timeout": "30s"}, 1, stderr)
    assert msg.startswith(
        "pg_dump could not obtain the lock of a table within lock_wait_timeout=30s"
    )
    assert "backup_lock_wait_timeout" in msg and stderr in msg
    plain = dump_failure(BASE, 1, "pg_dump: error: connection to server failed\n")
    assert plain == "pg_dump failed (exit 1): pg_dump: error: connection to server failed\n"

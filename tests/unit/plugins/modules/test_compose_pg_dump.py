# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure argv builders of compose_pg_dump and its helpers: no process is started."""

from __future__ import annotations

import os

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
from ansible_collections.accreditrack.ops.plugins.modules.compose_pg_dump import build_commands
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
    assert verify[-2:] == ["pg_restore", "--file=/dev/null"]
    assert verify[: verify.index("exec")] == built[: built.index("exec")]


def test_verify_none_has_no_reader():
    assert build_commands({**BASE, "verify": "none"})[1] == []


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


def test_restore_argv_has_no_password_and_no_owner():
    argv = pg_restore_argv("app_restore", "app")
    assert argv == [
        "pg_restore",
        "--no-owner",
        "--role=app",
        "--username=app",
        "--dbname=app_restore",
        "--exit-on-error",
    ]
    assert not any("password" in arg.lower() for arg in argv)


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

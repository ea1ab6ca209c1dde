# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.pg_backup_preflight: psql's answer, the space needed, the directory."""

from __future__ import annotations

import os

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import pg_backup_preflight as pf


def test_parse_json_line_takes_the_last_line():
    assert pf.parse_json_line('SET\n{"server_version": "17.2"}\n') == {"server_version": "17.2"}
    assert pf.parse_json_line('["a.0001"]\n\n') == ["a.0001"]
    with pytest.raises(ValueError):
        pf.parse_json_line("\n")


def test_needed_bytes():
    assert pf.needed_bytes(1000, 1.5, 10) == 1510
    assert pf.needed_bytes("1000", "1", "0") == 1000


def test_directory_state_creates_with_the_mode_and_measures(tmp_path):
    path = str(tmp_path / "a" / "backups")
    old = os.umask(0o022)
    try:
        state = pf.directory_state(path, 0o700, create=True)
    finally:
        os.umask(old)
    assert state["created"] is True and state["isdir"] and state["writeable"]
    assert os.stat(path).st_mode & 0o7777 == 0o700
    assert isinstance(state["free_bytes"], int) and state["free_bytes"] > 0
    assert pf.directory_state(path, 0o700, create=True)["created"] is False
    os.chmod(path, 0o755)
    assert pf.directory_state(path, 0o700, create=True)["created"] is True  # the mode is set


def test_directory_state_in_check_mode_creates_nothing(tmp_path):
    path = str(tmp_path / "none")
    state = pf.directory_state(path, 0o700, create=False)
    assert state == {
        "exists": False,
        "isdir": False,
        "writeable": False,
        "created": False,
        "free_bytes": None,
    }
    assert not os.path.exists(path)


def test_a_file_is_not_a_directory(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    state = pf.directory_state(str(path), 0o700, create=True)
    assert state["exists"] and not state["isdir"] and not state["writeable"]


class Env:
    """run_command of a db container whose environment is ENV (printenv as coreutils does it)."""

    def __init__(self, env):
        self.env, self.calls = env, []
        self.params = {"project_src": "/srv/app"}

    def run_command(self, argv, cwd=None, **kwargs):
        self.calls.append(argv)
        names = argv[argv.index("printenv") + 1 :]
        values = [self.env[name] for name in names if name in self.env]
        return (0 if len(values) == len(names) else 1), "".join(v + "\n" for v in values), ""


@pytest.mark.parametrize(
    ("env", "given", "expected", "execs"),
    [
        ({"POSTGRES_USER": "owner", "POSTGRES_DB": "appdb"}, {}, ("appdb", "owner"), 1),
        # The official image: POSTGRES_DB defaults to the user, the user to postgres.
        ({"POSTGRES_USER": "owner"}, {}, ("owner", "owner"), 3),
        ({}, {}, ("postgres", "postgres"), 3),
        ({"POSTGRES_USER": "owner"}, {"db_name": "other"}, ("other", "owner"), 1),
        ({}, {"db_name": "d", "db_user": "u"}, ("d", "u"), 0),
    ],
)  # fmt: skip
def test_database_and_user_asks_once_for_both(env, given, expected, execs):
    from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
        database_and_user,
    )

    module = Env(env)
    assert database_and_user(module, ["docker", "compose"], "db", **given) == expected
    assert len(module.calls) == execs

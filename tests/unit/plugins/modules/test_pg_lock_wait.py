# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.pg_lock_wait: polling, termination and check mode, with psql stubbed."""

from __future__ import annotations

import json

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import pg_lock_wait as plw

IDLE = {
    "pid": 201,
    "user": "app",
    "application": "worker",
    "backend_type": "client backend",
    "state": "idle in transaction",
    "xact_start": "2026-11-24T14:00:00+00:00",
    "xact_age": 120.0,
    "query_age": 120.0,
    "state_age": 120.0,
    "query": "SELECT 1;",
    "blocked_by": [],
    "locks": [
        {"relation": "public.accounts_organization", "mode": "AccessShareLock", "granted": True}
    ],
}


def snapshot(*sessions) -> str:
    return json.dumps({"database": "accreditrack", "sessions": list(sessions), "prepared": []})


class Exit(Exception):
    pass


class FakeModule:
    """Just enough of AnsibleModule: params, check_mode, run_command, exit_json, fail_json."""

    def __init__(self, params, snapshots, check_mode=False, terminated=True):
        self.params = {
            "query": "SELECT 1",
            "project_src": "/srv/app",
            "project_name": None,
            "files": None,
            "env_files": None,
            "docker_cli": "docker",
            "service": "db",
            "db_name": "accreditrack",
            "db_user": "app",
            "tables": [],
            "max_xact_age": 300.0,
            "idle_in_xact_age": 0.0,
            "lock_min_age": 1.0,
            "prepared_xact_age": 0.0,
            "timeout": 0.0,
            "interval": 0.01,
            "terminate": False,
            "terminate_scope": "idle_in_transaction",
            "terminate_idle_age": 60.0,
            **params,
        }
        self.check_mode = check_mode
        self.snapshots = list(snapshots)
        self.terminated = terminated
        self.calls: list[list[str]] = []
        self.result: dict = {}

    def run_command(self, argv, data=None, **_kwargs):
        self.calls.append(argv)
        if data == plw.TERMINATE_SQL:
            targets = json.loads(
                argv[argv.index("-v", argv.index("psql") + 4) + 1][len("targets=") :]
            )
            rows = [{"pid": t["pid"], "terminated": self.terminated} for t in targets]
            return 0, json.dumps(rows) + "\n", ""
        text = self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]
        return 0, text + "\n", ""

    def exit_json(self, **result):
        self.result = dict(result, failed=False)
        raise Exit

    def fail_json(self, **result):
        self.result = dict(result, failed=True)
        raise Exit


def run(module: FakeModule) -> dict:
    with pytest.raises(Exit):
        plw.LockWaiter(module).main()
    return module.result


def psql_calls(module: FakeModule, terminate: bool) -> list[list[str]]:
    return [argv for argv in module.calls if ("targets=" in " ".join(argv)) is terminate]


def test_clear_database_passes_at_once():
    module = FakeModule({}, [snapshot()])
    result = run(module)
    assert result["failed"] is False
    assert result["changed"] is False
    assert result["offenders"] == [] and result["polls"] == 1
    argv = module.calls[0]
    assert argv[:5] == ["docker", "compose", "--project-directory", "/srv/app", "exec"]
    assert argv[argv.index("psql") :] == [
        "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", "accreditrack", "-f", "-"
    ]  # fmt: skip


def test_offender_left_when_time_is_up_fails_with_the_report():
    module = FakeModule({"timeout": 0.05}, [snapshot(IDLE)])
    result = run(module)
    assert result["failed"] is True
    assert result["msg"] == result["report"]
    assert "201  app" in result["report"]
    assert result["polls"] >= 2


def test_offender_that_goes_away_is_waited_for():
    module = FakeModule({"timeout": 5}, [snapshot(IDLE), snapshot(IDLE), snapshot()])
    result = run(module)
    assert result["failed"] is False
    assert result["polls"] == 3
    assert [o["pid"] for o in result["initial_offenders"]] == [201]


def test_termination_ends_the_idle_session_once_and_reports_it():
    module = FakeModule({"terminate": True, "timeout": 5}, [snapshot(IDLE), snapshot()])
    result = run(module)
    assert result["failed"] is False
    assert result["changed"] is True
    assert [t["pid"] for t in result["terminated"]] == [201]
    (call,) = psql_calls(module, terminate=True)
    targets = json.loads(next(a for a in call if a.startswith("targets="))[len("targets=") :])
    assert targets == [{"pid": 201, "xact_start": IDLE["xact_start"], "idle_only": True}]


def test_a_refused_termination_is_not_retried_and_not_reported():
    module = FakeModule({"terminate": True, "timeout": 0.05}, [snapshot(IDLE)], terminated=False)
    result = run(module)
    assert result["failed"] is True
    assert result["terminated"] == [] and result["changed"] is False
    assert len(psql_calls(module, terminate=True)) == 1


def test_young_idle_session_is_not_terminated():
    young = dict(IDLE, state_age=5.0)
    module = FakeModule({"terminate": True, "timeout": 0}, [snapshot(young)])
    result = run(module)
    assert result["failed"] is True
    assert psql_calls(module, terminate=True) == []


def test_check_mode_terminates_nothing_and_reports_what_it_would():
    module = FakeModule({"terminate": True, "timeout": 0}, [snapshot(IDLE)], check_mode=True)
    result = run(module)
    assert result["failed"] is False
    assert result["changed"] is True
    assert [t["pid"] for t in result["would_terminate"]] == [201]
    assert result["terminated"] == []
    assert psql_calls(module, terminate=True) == []


def test_database_and_user_default_to_the_container_environment():
    module = FakeModule({"db_name": None, "db_user": None}, [snapshot()])
    env = {"POSTGRES_USER": "owner", "POSTGRES_DB": "appdb"}
    inner = module.run_command

    def run_command(argv, data=None, **kwargs):
        if "printenv" in argv:
            module.calls.append(argv)
            return 0, env[argv[-1]] + "\n", ""
        return inner(argv, data=data, **kwargs)

    module.run_command = run_command
    run(module)
    psql = next(argv for argv in module.calls if "psql" in argv)
    assert psql[psql.index("-U") + 1] == "owner"
    assert psql[psql.index("-d") + 1] == "appdb"

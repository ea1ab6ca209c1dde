# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The deploy report's decisions: the outcome, the seconds per phase, the name and the shape."""

from __future__ import annotations

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _deploy_report as dr

LOCK_FAILURE = {"phase": "lock", "host": "web1", "message": "held by run r0"}
MIGRATE_FAILURE = {"phase": "migrate", "host": "web1", "message": "0005 failed"}


@pytest.mark.parametrize(
    ("check_mode", "failures", "rollback_failures", "rollback", "changed", "lock", "expected"),
    [
        (True, [MIGRATE_FAILURE], [], {}, True, None, "planned"),
        (False, [LOCK_FAILURE], [], {}, False, {"write_error": ""}, "locked"),
        (False, [LOCK_FAILURE], [], {}, False, None, "locked"),
        # A lock file that cannot be written is a failure of the run, not a lock held by another.
        (False, [LOCK_FAILURE], [], {}, False, {"write_error": "read-only file system"}, "failed"),
        (False, [], [], {}, True, None, "success"),
        (False, [], [], {}, False, None, "no_change"),
        (False, [MIGRATE_FAILURE], [{"phase": "rollback"}], {"method": "migrate"}, True, None,
         "rollback_failed"),
        (False, [MIGRATE_FAILURE], [], {"method": "migrate"}, True, None, "rolled_back"),
        (False, [MIGRATE_FAILURE], [], {}, False, None, "failed"),
        # Only the FIRST failure decides `locked`: a lock failure after another is a failure.
        (False, [MIGRATE_FAILURE, LOCK_FAILURE], [], {}, False, None, "failed"),
    ],
)  # fmt: skip
def test_outcome(check_mode, failures, rollback_failures, rollback, changed, lock, expected):
    assert dr.outcome(check_mode, failures, rollback_failures, rollback, changed, lock) == expected


def test_changed_by_a_migration_a_release_change_or_a_recreated_container():
    same = {"release": "v1"}
    assert not dr.run_changed({"changed": False}, same, same, False)
    assert dr.run_changed({"changed": True}, same, same, False)
    assert dr.run_changed({}, same, {"release": "v2"}, False)
    assert dr.run_changed({}, {}, same, False)  # a first install: nothing ran before
    assert dr.run_changed({}, same, same, True)


def test_durations_are_differences_in_phase_order_and_skip_phases_that_did_not_run():
    times = {"started": 100.0, "migrated": "104.5", "restarted": 110.25}
    assert dr.durations(times, ["migrated", "restarted", "rolled_back"], 111.0) == {
        "migrated": 4.5,
        "restarted": 5.75,
        "report": 0.75,
        "total": 11.0,
    }
    assert dr.durations({"started": 100}, ["migrated"], 100.0004) == {"report": 0.0, "total": 0.0}


def test_report_name():
    assert dr.report_name("update", "", 0) == "19700101T000000Z-update.json"
    assert dr.report_name("update", "mine.json", 0) == "mine.json"


def _assemble(**overrides):
    args = {
        "playbook": "update",
        "run_id": "20261204T041703Z-ab12",
        "project": "shop",
        "hosts": ["web1", "web2"],
        "check_mode": False,
        "requested": "v2",
        "before": {"release": "v1", "containers": [{"service": "web"}]},
        "after": {"release": "v2", "containers": [{"service": "web", "image": "shop:v2"}]},
        "migrate": {"status": "migrated", "changed": True, "plan": [{"migration": "a.0002"}],
                    "applied": ["a.0002"], "rollback_point_path": "/p.json",
                    "backup": {"path": "/b.dump"},
                    "locks": {"waited_for": [{"pid": 7}], "waited": 2, "tables": ["a_t"]}},
        "rollback": {},
        "health": {"status": 200, "ok": True},
        "failures": [],
        "rollback_failures": [],
        "restarted": True,
        "times": {"started": 0, "migrated": 5, "restarted": 9},
        "phases": ["migrated", "restarted", "rolled_back"],
        "lock_file": "/state/locks/shop.lock",
        "lock": {"msg": "would take", "broken": None, "write_error": ""},
        "now": 10,
    }  # fmt: skip
    args.update(overrides)
    return dr.assemble(**args)


def test_assemble_a_successful_update():
    report = _assemble()
    assert report["format_version"] == 1
    assert report["outcome"] == "success"
    assert report["started_at"] == "1970-01-01T00:00:00Z"
    assert report["finished_at"] == "1970-01-01T00:00:10Z"
    assert report["hosts"] == ["web1", "web2"]
    assert report["release"] == {
        "requested": "v2",
        "before": "v1",
        "after": "v2",
        "containers_before": [{"service": "web"}],
        "containers_after": [{"service": "web", "image": "shop:v2"}],
    }
    assert report["migrations"] == {
        "status": "migrated",
        "plan": [{"migration": "a.0002"}],
        "applied": ["a.0002"],
        "unapplied": [],
        "error": None,
        "rollback_point": "/p.json",
        "post_commands": [],
        "review": None,
    }
    assert report["backup"] == {"path": "/b.dump"}
    assert report["locks"] == {
        "deploy_lock": "/state/locks/shop.lock",
        "deploy_lock_check": "",  # only check mode says what it would do with the lock
        "deploy_lock_broken": None,
        "sessions_waited_for": [{"pid": 7}],
        "terminated": [],
        "waited": 2,
        "tables": ["a_t"],
        "whole_database": None,
    }
    assert report["rollback"] is None
    assert report["durations"] == {"migrated": 5.0, "restarted": 4.0, "report": 1.0, "total": 10.0}
    assert "logs" not in report and not dr.wants_logs(report)


def test_assemble_a_rolled_back_update_keeps_the_rollback_fields_only():
    rollback = {"method": "migrate", "reason": "r", "unapplied": ["a.0002"], "verified": True,
                "internal": "x", "changed": True}  # fmt: skip
    report = _assemble(
        failures=[MIGRATE_FAILURE], rollback=rollback, after={"release": "v1"}, restarted=False
    )
    assert report["outcome"] == "rolled_back"
    assert report["rollback"] == {
        "method": "migrate",
        "reason": "r",
        "unapplied": ["a.0002"],
        "verified": True,
        "changed": True,
    }
    assert report["failures"] == [MIGRATE_FAILURE]
    assert dr.wants_logs(report)


def test_assemble_in_check_mode_says_what_the_lock_would_do():
    lock = {"msg": "would take the lock", "broken": {"run_id": "r0"}}
    report = _assemble(check_mode=True, lock=lock)
    assert report["outcome"] == "planned"
    assert report["locks"]["deploy_lock_check"] == "would take the lock"
    assert report["locks"]["deploy_lock_broken"] == {"run_id": "r0"}


def test_assemble_when_the_migrate_role_never_ran():
    report = _assemble(migrate={}, lock=None, before={}, after={}, restarted=False)
    assert report["migrations"]["status"] == "not_run"
    assert report["backup"] is None
    assert report["locks"]["deploy_lock_broken"] is None
    assert report["locks"]["waited"] == 0
    assert report["release"]["before"] is None
    assert report["outcome"] == "no_change"


def test_the_locks_of_a_migrate_result_without_a_lock_check():
    report = _assemble(migrate={"status": "nothing_pending", "locks": None})
    assert report["locks"]["sessions_waited_for"] == []


def test_logs():
    assert dr.logs_argv(["docker", "compose", "-p", "shop"], "50", ["web", "worker"]) == [
        "docker", "compose", "-p", "shop", "logs", "--no-color", "--timestamps", "--tail", "50",
        "web", "worker",
    ]  # fmt: skip
    report = dr.with_logs(
        {"outcome": "failed"}, ["web"], 50, {"stdout_lines": ["a", "b"], "stderr_lines": ["c"]}
    )
    assert report["logs"] == {"services": ["web"], "tail": 50, "lines": ["a", "b", "c"]}
    assert dr.with_logs({}, ["web"], 5, {"failed": True, "msg": "no docker"})["logs"]["lines"] == []

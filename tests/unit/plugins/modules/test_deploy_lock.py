# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.deploy_lock: exclusive creation, staleness, the owner's description."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import time

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import deploy_lock as dl

NOW = 1_800_000_000.0


def test_create_exclusive_creates_once_with_mode_0600(tmp_path):
    path = str(tmp_path / "p.lock")
    assert dl.create_exclusive(path, {"run_id": "a"}) is True
    assert dl.create_exclusive(path, {"run_id": "b"}) is False
    assert dl.read_lock(path) == {"run_id": "a"}
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_read_lock_missing_and_unreadable(tmp_path):
    assert dl.read_lock(str(tmp_path / "none.lock")) is None
    broken = tmp_path / "broken.lock"
    broken.write_text("{not json", encoding="utf-8")
    assert dl.read_lock(str(broken)) == {}


def holder(since=NOW - 10, controller="here", pid=None):
    return {"run_id": "a", "since_epoch": since, "owner": {"controller": controller, "pid": pid}}


@pytest.mark.parametrize(
    ("lock", "stale_after", "stale"),
    [
        pytest.param(holder(), 7200, "", id="fresh"),
        pytest.param(holder(since=NOW - 8000), 7200, "older than 7200s (8000s)", id="old"),
        pytest.param(holder(since=NOW - 8000), 0, "", id="age-test-disabled"),
        pytest.param(holder(pid=os.getpid()), 7200, "", id="owner-alive"),
        pytest.param(
            holder(pid=4194303), 7200, "its owner process 4194303 on here is gone", id="owner-gone"
        ),
        pytest.param(holder(pid=4194303, controller="elsewhere"), 7200, "", id="other-host"),
    ],
)
def test_staleness(lock, stale_after, stale):
    assert dl.staleness(lock, NOW, NOW, stale_after, "here") == stale


def test_staleness_of_an_unreadable_lock_uses_the_file_time():
    assert dl.staleness({}, NOW - 9000, NOW, 7200, "here").startswith("older than")


def test_describe_names_run_owner_host_pid_and_since():
    text = dl.describe(
        {
            "run_id": "r1",
            "since": "2026-11-24T14:00:00Z",
            "owner": {"user": "alice", "controller": "laptop", "pid": 42},
        }
    )
    assert text == "run r1 of alice@laptop (pid 42), since 2026-11-24T14:00:00Z"
    assert dl.describe({}) == "an unreadable lock file"
    assert json.dumps(dl.describe({"run_id": "x"}))


class Failed(Exception):
    pass


class FakeModule:
    """What acquire() uses of AnsibleModule."""

    def __init__(self, check_mode=False, **params):
        self.params = {
            "path": "",
            "run_id": "mine",
            "owner": {},
            "stale_after": 7200,
            "break_stale": False,
            "break_run_id": "",
            "break_run_id_hint": "the module option break_run_id={run_id}",
            "break_stale_hint": "",
        } | params
        self.check_mode = check_mode
        self.warnings: list[str] = []

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **result):
        raise Failed(result)


def plant(path, run_id="gone-run", controller="elsewhere", age=0):
    since = int(time.time() - age)
    lock = {
        "run_id": run_id,
        "since": "2026-11-24T14:00:00Z",
        "since_epoch": since,
        "owner": {"user": "alice", "controller": controller, "pid": 42},
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(lock, handle)
    return lock


def acquire(path, check_mode=False, **params):
    module = FakeModule(check_mode=check_mode, path=str(path), **params)
    result = {"changed": False, "acquired": False, "holder": None, "stale": ""}
    dl.acquire(module, result)
    return result, module.warnings


def test_a_held_lock_fails_naming_the_holder_and_how_to_break_it(tmp_path):
    path = tmp_path / "p.lock"
    planted = plant(path)
    with pytest.raises(Failed) as failed:
        acquire(path)
    result = failed.value.args[0]
    assert "Another deploy holds the lock" in result["msg"]
    assert "run gone-run of alice@elsewhere (pid 42)" in result["msg"]
    assert "break_run_id=gone-run" in result["msg"]
    assert result["holder"] == planted
    assert dl.read_lock(str(path)) == planted


def test_break_run_id_of_another_run_is_refused_and_removes_nothing(tmp_path):
    path = tmp_path / "p.lock"
    planted = plant(path)
    with pytest.raises(Failed) as failed:
        acquire(path, break_run_id="someone-else")
    msg = failed.value.args[0]["msg"]
    assert msg.startswith(f"Refusing to break the deploy lock {path}: it is held by run gone-run")
    assert "not by run someone-else" in msg
    assert dl.read_lock(str(path)) == planted


def test_break_run_id_of_the_holder_breaks_reports_and_takes_the_lock(tmp_path):
    path = tmp_path / "p.lock"
    planted = plant(path)
    result, warnings = acquire(path, break_run_id="gone-run")
    assert result["acquired"] is True and result["changed"] is True
    assert dl.read_lock(str(path))["run_id"] == "mine"
    broken = result["broken"]
    assert {k: broken[k] for k in planted} == planted
    assert broken["reason"] == "break_run_id" and broken["broken_by"] == "mine"
    assert broken["stale"] == "" and broken["broken_at"].endswith("Z")
    assert warnings == [
        f"broke the deploy lock {path} of run gone-run of alice@elsewhere (pid 42), "
        "since 2026-11-24T14:00:00Z (not stale) (break_run_id)"
    ]
    assert [name for name in os.listdir(tmp_path)] == ["p.lock"]


def test_break_run_id_in_check_mode_removes_nothing(tmp_path):
    path = tmp_path / "p.lock"
    planted = plant(path)
    result, warnings = acquire(path, check_mode=True, break_run_id="gone-run")
    assert result["changed"] is True and result["acquired"] is False
    assert result["broken"]["run_id"] == "gone-run"
    assert result["msg"].startswith(f"would break the deploy lock {path} of run gone-run")
    assert warnings == [result["msg"]]
    assert dl.read_lock(str(path)) == planted


def test_break_run_id_without_a_lock_takes_it_with_a_warning(tmp_path):
    path = tmp_path / "p.lock"
    result, warnings = acquire(path, break_run_id="gone-run")
    assert result["acquired"] is True and "broken" not in result
    assert warnings == [
        f"no deploy lock of run gone-run to break (break_run_id): {path} does not exist"
    ]


def test_a_stale_lock_names_the_way_out_the_caller_offers(tmp_path):
    path = tmp_path / "p.lock"
    plant(path, age=9000)
    with pytest.raises(Failed) as failed:
        acquire(path)
    msg = failed.value.args[0]["msg"]
    # By default only the run id way: break_stale is named only by a caller that offers it.
    assert msg.endswith("then run again with the module option break_run_id=gone-run.")
    assert "break_stale" not in msg and "lock_check_" not in msg
    result, warnings = acquire(path, break_stale=True)
    assert result["broken"]["reason"] == "break_stale"
    assert result["broken"]["stale"].startswith("older than 7200s")
    assert "older than 7200s" in warnings[0]


def test_the_caller_names_its_own_options(tmp_path):
    path = tmp_path / "p.lock"
    plant(path, age=9000)
    hints = {
        "break_stale_hint": "lock_check_break_stale_lock=true",
        "break_run_id_hint": "lock_check_break_lock={run_id}",
    }
    with pytest.raises(Failed) as failed:
        acquire(path, **hints)
    msg = failed.value.args[0]["msg"]
    assert msg.endswith(
        "then run again with lock_check_break_stale_lock=true to replace it, "
        "or with lock_check_break_lock=gone-run."
    )
    plant(path)  # not stale
    with pytest.raises(Failed) as failed:
        acquire(path, break_run_id_hint="-e break_lock={run_id}")
    msg = failed.value.args[0]["msg"]
    assert "break its lock and go on with -e break_lock=gone-run: only a lock" in msg
    assert "break_run_id" not in msg


def test_without_a_way_to_break_the_message_says_to_remove_the_file_by_hand(tmp_path):
    path = tmp_path / "p.lock"
    plant(path, age=9000)
    with pytest.raises(Failed) as failed:
        acquire(path, break_run_id_hint="")
    assert failed.value.args[0]["msg"].endswith(f"then remove the lock file {path} by hand.")
    plant(path)
    with pytest.raises(Failed) as failed:
        acquire(path, break_run_id_hint="")
    msg = failed.value.args[0]["msg"]
    assert msg.endswith(
        f"If you are sure run gone-run is gone, remove the lock file {path} by hand."
    )


def test_remove_if_unchanged_puts_back_a_lock_taken_meanwhile(tmp_path):
    path = str(tmp_path / "p.lock")
    read_before = plant(path, run_id="old")
    newer = plant(path, run_id="new")  # another run broke "old" and took the lock after our read
    assert dl.remove_if_unchanged(path, read_before) is False
    assert dl.read_lock(path) == newer
    assert dl.remove_if_unchanged(path, newer) is True
    assert dl.remove_if_unchanged(path, newer) is None
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("failing", "code", "words"),
    [
        pytest.param("write", errno.ENOSPC, "the file system is full (ENOSPC)", id="write-enospc"),
        pytest.param("fsync", errno.ENOSPC, "the file system is full (ENOSPC)", id="fsync-enospc"),
        pytest.param("write", errno.EDQUOT, "the disk quota is exceeded (EDQUOT)", id="edquot"),
        pytest.param("open", errno.EROFS, "the file system is read-only (EROFS)", id="erofs"),
        pytest.param("open", errno.EACCES, "permission denied (EACCES)", id="eacces"),
    ],
)
def test_a_file_system_problem_fails_clearly_and_leaves_no_lock(
    tmp_path, monkeypatch, failing, code, words
):
    path = tmp_path / "p.lock"
    real = getattr(os, failing)

    def broken(*args, **kwargs):
        if failing == "open" and not str(args[0]).startswith(str(tmp_path)):
            return real(*args, **kwargs)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(dl.os, failing, broken)
    with pytest.raises(Failed) as failed:
        acquire(path)
    monkeypatch.undo()
    result = failed.value.args[0]
    assert result["msg"].startswith(f"could not write the deploy lock {path}: {words}.")
    assert "No lock was taken and none is left behind" in result["msg"]
    assert "holds the lock" not in result["msg"] and "unreadable" not in result["msg"]
    assert result["write_error"] == result["msg"]
    assert result["acquired"] is False and result["changed"] is False
    assert os.listdir(tmp_path) == []
    # The next run is not refused by anything the failed one left.
    taken, _warnings = acquire(path)
    assert taken["acquired"] is True and dl.read_lock(str(path))["run_id"] == "mine"


def test_create_exclusive_leaves_no_temporary_file(tmp_path):
    path = str(tmp_path / "p.lock")
    assert dl.create_exclusive(path, {"run_id": "a"}) is True
    assert dl.create_exclusive(path, {"run_id": "b"}) is False
    assert os.listdir(tmp_path) == ["p.lock"]


def _race(path: str, run_id: str, start, results) -> None:
    start.wait()
    results.put((run_id, dl.create_exclusive(path, {"run_id": run_id})))


def test_of_concurrent_takers_exactly_one_wins(tmp_path):
    path = str(tmp_path / "p.lock")
    context = multiprocessing.get_context("fork")
    start = context.Event()
    results = context.Queue()
    takers = [
        context.Process(target=_race, args=(path, f"run-{n}", start, results)) for n in range(8)
    ]
    for taker in takers:
        taker.start()
    start.set()
    outcome = dict(results.get(timeout=30) for _ in takers)
    for taker in takers:
        taker.join(timeout=30)
    winners = [run_id for run_id, won in outcome.items() if won]
    assert len(winners) == 1
    assert dl.read_lock(path) == {"run_id": winners[0]}
    assert os.listdir(tmp_path) == ["p.lock"]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("", id="empty"),
        pytest.param('{"run_id": "half', id="truncated"),
        pytest.param("[]", id="not-an-object"),
        pytest.param('{"since": "x"}', id="no-run-id"),
    ],
)
def test_a_lock_naming_no_run_names_its_way_out_and_can_be_broken(tmp_path, content):
    path = tmp_path / "p.lock"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(Failed) as failed:
        acquire(path, break_run_id_hint="-e break_lock={run_id}")
    msg = failed.value.args[0]["msg"]
    assert f"Another deploy holds the lock {path}" in msg
    assert "The lock file names no run" in msg
    assert msg.endswith(
        "break it and go on with -e break_lock=unreadable-lock "
        "(only a lock file that still names no run is removed)."
    )
    assert path.read_text(encoding="utf-8") == content
    with pytest.raises(Failed):
        acquire(path, break_run_id="some-run")  # only the documented value breaks it
    result, warnings = acquire(path, break_run_id=dl.UNREADABLE_RUN_ID)
    assert result["acquired"] is True and result["broken"]["reason"] == "break_run_id"
    assert dl.read_lock(str(path))["run_id"] == "mine"
    assert warnings and "(break_run_id)" in warnings[0]
    assert os.listdir(tmp_path) == ["p.lock"]

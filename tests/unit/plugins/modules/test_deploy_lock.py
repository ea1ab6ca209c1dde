# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.deploy_lock: exclusive creation, staleness, the owner's description."""

from __future__ import annotations

import json
import os

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

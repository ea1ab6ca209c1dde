# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter accreditrack.ops.failure: one failure record for every rescue of the playbooks."""

from __future__ import annotations

from ansible_collections.accreditrack.ops.plugins.filter.failure import failure


def test_msg_and_the_stderr_it_does_not_say():
    got = failure({"msg": "non-zero return code", "stderr": "boom\n"}, "migrate", "app1", "Run")
    assert got == {
        "phase": "migrate",
        "host": "app1",
        "task": "Run",
        "message": "non-zero return code: boom",
        "unreachable": False,
    }


def test_stderr_already_in_msg_is_not_repeated_and_long_stderr_is_cut():
    assert failure({"msg": "x: boom", "stderr": "boom"}, "p", "h")["message"] == "x: boom"
    long = failure({"msg": "m", "stderr": "e" * 1000}, "p", "h")["message"]
    assert len(long) == len("m: ") + 400 and long.endswith("...")


def test_unreachable_host_is_named():
    got = failure({"unreachable": True, "msg": "Failed to connect"}, "restart", "app2")
    assert got["unreachable"] is True
    assert got["message"] == "app2 is unreachable: Failed to connect"


def test_no_result_at_all():
    assert failure(None, "lock", "h")["message"] == "failed"

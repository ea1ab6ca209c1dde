# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""django_command: option checks, the check-mode decision and the failure message."""

from __future__ import annotations

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import django_command as dc


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        pytest.param([], "must name a management command", id="empty"),
        pytest.param(None, "must name a management command", id="none"),
        pytest.param(["--settings", "x"], "not the option '--settings'", id="option-first"),
        pytest.param(["  "], "must not be empty", id="blank-command"),
        pytest.param(["seed_demo", None], "null elements", id="null-arg"),
    ],
)
def test_validate_command_rejects(argv, problem):
    errors = dc.validate_command(argv)
    assert any(problem in error for error in errors), errors


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check"], id="bare"),
        pytest.param(["check", "--database", "default"], id="with-args"),
        pytest.param(["migrate_user_data", "--batch-size=100"], id="custom"),
    ],
)
def test_validate_command_accepts(argv):
    assert dc.validate_command(argv) == []


def test_split_command():
    assert dc.split_command(["check", "--deploy", "-v", "2"]) == ("check", ["--deploy", "-v", "2"])
    assert dc.split_command(["seed_demo"]) == ("seed_demo", [])


@pytest.mark.parametrize(
    ("read_only", "check_mode", "expected"),
    [
        pytest.param(True, False, (True, False), id="read-only"),
        pytest.param(True, True, (True, False), id="read-only-check-mode"),
        pytest.param(False, False, (True, True), id="changes"),
        pytest.param(False, True, (False, True), id="changes-check-mode-skipped"),
    ],
)
def test_run_decision(read_only, check_mode, expected):
    assert dc.run_decision(read_only, check_mode) == expected


def test_failure_message_is_djangos_own_line():
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "/app/config/manage.py", line 22, in <module>\n'
        "    main()\n"
        'django.db.utils.OperationalError: could not translate host name "db"\n'
    )
    msg = dc.failure_message("check", 1, "", stderr)
    assert msg == (
        "manage.py check failed (rc=1): django.db.utils.OperationalError: could not translate "
        'host name "db"'
    )


def test_failure_message_command_error_and_empty_output():
    assert dc.failure_message("foo", 1, "", "Unknown command: 'foo'\n").endswith(
        "Unknown command: 'foo'"
    )
    assert dc.failure_message("foo", 3, "", "").endswith("no output")


def test_skipped_result_says_why():
    result = dc.skipped_result("seed_demo", ["python", "manage.py", "seed_demo"])
    assert result["skipped"] is True
    assert result["changed"] is False
    assert "seed_demo was not run" in result["msg"]
    # Ansible fails any result whose rc is present and not 0 (None included).
    assert "rc" not in result

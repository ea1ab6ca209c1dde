# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""django_migrations_info: the showmigrations arguments and the failure message."""

from __future__ import annotations

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import django_migrations_info as info


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, ["--list", "--no-color", "-v", "1"], id="defaults"),
        pytest.param(
            {
                "format": "plan",
                "apps": ["accounts", "courses"],
                "database": "replica",
                "verbosity": 2,
            },
            ["accounts", "courses", "--plan", "--database", "replica", "--no-color", "-v", "2"],
            id="plan-apps-database",
        ),
    ],
)
def test_showmigrations_args(params, expected):
    assert info.showmigrations_args(params) == expected


@pytest.mark.parametrize(
    ("rc", "stdout", "stderr", "expected"),
    [
        pytest.param(
            2,
            "",
            "No installed app with label 'x'.\n",
            "manage.py showmigrations failed (rc=2): No installed app with label 'x'.",
            id="unknown-app",
        ),
        pytest.param(
            1,
            "",
            'Traceback (most recent call last):\n  File "x", line 1, in <module>\n'
            "ModuleNotFoundError: No module named 'config.settings.nope'\n",
            "manage.py showmigrations failed (rc=1): ModuleNotFoundError: No module named "
            "'config.settings.nope'",
            id="broken-settings",
        ),
        pytest.param(
            125, "", "", "manage.py showmigrations failed (rc=125): no output", id="silent"
        ),
    ],
)
def test_failure_message(rc, stdout, stderr, expected):
    assert info.failure_message(rc, stdout, stderr) == expected


class _Failed(Exception):
    pass


class _Exited(Exception):
    pass


def _run_main(monkeypatch, stdout: str, rc: int = 0) -> dict:
    """Run main() with a fake AnsibleModule whose command prints `stdout`."""
    outcome: dict = {}

    class FakeModule:
        def __init__(self, argument_spec, **_kwargs):
            self.params = {name: spec.get("default") for name, spec in argument_spec.items()}
            self.params["project_src"] = "/srv/app"
            self.check_mode = False
            self.warnings: list[str] = []

        def run_command(self, argv, **_kwargs):
            return rc, stdout, ""

        def warn(self, text):
            self.warnings.append(text)

        def fail_json(self, **result):
            outcome.update(result, failed=True)
            raise _Failed

        def exit_json(self, **result):
            outcome.update(result)
            raise _Exited

    monkeypatch.setattr(info, "AnsibleModule", FakeModule)
    with pytest.raises((_Failed, _Exited)):
        info.main()
    return outcome


def test_a_line_the_parser_cannot_account_for_fails_the_module(monkeypatch):
    stdout = "accounts\n [X] 0001_initial\n?? new in Django 7 ??\n [ ] 0002_profile\n"
    result = _run_main(monkeypatch, stdout)
    assert result["failed"] is True
    assert "line 3" in result["msg"] and "'?? new in Django 7 ??'" in result["msg"]
    assert "pending" not in result and "parser_warnings" not in result


def test_a_readable_listing_returns_no_parser_warnings(monkeypatch):
    result = _run_main(monkeypatch, "accounts\n [X] 0001_initial\n [ ] 0002_profile\n")
    assert "failed" not in result
    assert result["pending"] == ["accounts.0002_profile"]
    assert "parser_warnings" not in result and "warnings" not in result

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

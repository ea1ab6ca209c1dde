# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure parts of the stdout callback accreditrack.ops.phases: the lines a debug message prints
and the duration of a play (tests/packaging/test_phases_callback.py runs it in ansible-playbook)."""

from __future__ import annotations

import pytest
from ansible_collections.accreditrack.ops.plugins.callback.phases import (
    debug_lines,
    format_duration,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0.0s"), (12.34, "12.3s"), (59.94, "59.9s"), (125, "2m 05s"), (3723, "1h 02m 03s")],
    ids=["zero", "seconds", "under-a-minute", "minutes", "hours"],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("result", "lines"),
    [
        ({"msg": ["a", "b"]}, ["a", "b"]),
        ({"msg": "one\ntwo"}, ["one", "two"]),
        ({"msg": ""}, [""]),
        ({"msg": ["x", {"k": 1}]}, ["x", '{"k": 1}']),
        ({"msg": {"k": 1}}, ["{", '    "k": 1', "}"]),
        ({"planted": 1, "changed": False, "_ansible_verbose_always": True}, ["planted: 1"]),
    ],
    ids=["list", "string", "empty", "list-with-dict", "dict", "var"],
)
def test_debug_lines(result, lines):
    assert debug_lines(result) == lines

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.django_migration_tables: the in-Django script and its output."""

from __future__ import annotations

import ast
import json

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import django_migration_tables as dmt


@pytest.mark.parametrize("database", [None, "replica"])
def test_shell_code_is_python_with_the_labels_as_data(database):
    labels = ["accounts.0002_x", "courses.0001_initial"]
    code = dmt.shell_code(labels, database)
    ast.parse(code)
    assert json.dumps(labels) in code
    assert ("database='replica'" in code) is (database is not None)


def test_parse_output_reads_the_marker_line_among_other_output():
    stdout = "warning: something\n" + dmt.MARKER + json.dumps({"a.0001": "BEGIN;\n"}) + "\n"
    assert dmt.parse_output(stdout) == {"a.0001": "BEGIN;\n"}
    with pytest.raises(ValueError, match="no sqlmigrate result"):
        dmt.parse_output("Traceback (most recent call last):\n")


@pytest.mark.parametrize(
    ("label", "valid"),
    [("accounts.0001_initial", True), ("accounts", False), ("a.b; rm -rf /", False), (".x", False)],
)
def test_label_pattern(label, valid):
    assert bool(dmt._LABEL.match(label)) is valid

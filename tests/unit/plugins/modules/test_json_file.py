# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.json_file: modes, rendering, directories, the atomic write."""

from __future__ import annotations

import json
import os

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import json_file as jf


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        pytest.param("0600", 0o600, id="octal-string"),
        pytest.param("600", 0o600, id="octal-without-zero"),
        pytest.param(0o640, 0o640, id="integer"),
    ],
)
def test_parse_mode(value, mode):
    assert jf.parse_mode(value, "mode") == mode


@pytest.mark.parametrize("value", ["rw-------", "0999", True, 0o17777, "-1"])
def test_parse_mode_refuses(value):
    with pytest.raises(ValueError, match="mode"):
        jf.parse_mode(value, "mode")


def test_render_sorted_with_newline_and_one_line():
    assert jf.render({"b": 1, "a": [1, 2]}, 2) == b'{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    assert jf.render({"b": 1, "a": "\u00e9"}, 0) == '{"a": "\u00e9", "b": 1}\n'.encode()


@pytest.mark.parametrize("content", ["text", 3, None])
def test_render_refuses_scalars(content):
    with pytest.raises(ValueError, match="mapping or a list"):
        jf.render(content, 2)


def test_make_directories_creates_with_mode_and_fixes_own_directory(tmp_path):
    target = tmp_path / "a" / "b"
    old_umask = os.umask(0o077)
    try:
        assert jf.make_directories(str(target), 0o750) is True
    finally:
        os.umask(old_umask)
    assert os.stat(target).st_mode & 0o7777 == 0o750
    assert os.stat(tmp_path / "a").st_mode & 0o7777 == 0o750
    assert jf.make_directories(str(target), 0o750) is False
    os.chmod(target, 0o755)
    assert jf.make_directories(str(target), 0o750) is True
    assert os.stat(target).st_mode & 0o7777 == 0o750


def test_make_directories_leaves_existing_parents_alone(tmp_path):
    os.chmod(tmp_path, 0o755)
    jf.make_directories(str(tmp_path / "reports"), 0o700)
    assert os.stat(tmp_path).st_mode & 0o7777 == 0o755


def test_write_atomically_replaces_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o644)
    jf.write_atomically(str(path), b'{"a": 1}\n', 0o600)
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 1}
    assert os.stat(path).st_mode & 0o7777 == 0o600
    assert sorted(os.listdir(tmp_path)) == ["r.json"]


def test_current(tmp_path):
    assert jf.current(str(tmp_path / "none.json")) == (None, None)
    path = tmp_path / "r.json"
    path.write_bytes(b"{}\n")
    os.chmod(path, 0o640)
    assert jf.current(str(path)) == (b"{}\n", 0o640)

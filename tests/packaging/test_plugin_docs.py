# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every plugin's DOCUMENTATION, EXAMPLES and RETURN is YAML (ansible-doc and the docs site parse
them; a colon in a plain sentence breaks them without failing any unit test)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = sorted(
    p for p in (ROOT / "plugins").glob("*/*.py") if p.parent.name not in {"module_utils"}
)


def blocks(path: Path) -> dict[str, str]:
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in {"DOCUMENTATION", "EXAMPLES", "RETURN"}:
                found[name] = ast.literal_eval(node.value)
    return found


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_documentation_is_yaml(path):
    docs = blocks(path)
    if path.parent.name in {"modules", "filter", "lookup"}:
        assert "DOCUMENTATION" in docs
    for name, text in docs.items():
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as error:
            pytest.fail(f"{path.relative_to(ROOT)} {name}: {error}")


def _keys(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, where
            yield from _keys(value, f"{where}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item, where)


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_documentation_keys_are_strings(path):
    """A bare `null:` (a returned field named null) is YAML's None key: ansible-doc then fails
    sorting the keys ("'<' not supported between NoneType and str"). Quote it: `"null":`."""
    for name, text in blocks(path).items():
        bad = [
            where or "/" for key, where in _keys(yaml.safe_load(text)) if key in (None, True, False)
        ]
        assert not bad, f"{path.relative_to(ROOT)} {name}: a key that is not a string under {bad}"

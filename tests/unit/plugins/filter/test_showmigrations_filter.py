# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin accreditrack.ops.showmigrations: direct calls, ansible-doc, and a real playbook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.accreditrack.ops.plugins.filter.showmigrations import FilterModule
from ansible_collections.accreditrack.ops.plugins.module_utils.showmigrations import (
    parse_showmigrations,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "showmigrations"
CASE = "django-4.2__tail__list-v1"
LISTING = "accounts\n [X] 0001_initial\n [ ] 0002_profile\n"

showmigrations = FilterModule().filters()["showmigrations"]


def _bin(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def test_string_input_matches_the_parser() -> None:
    text = (FIXTURES / f"{CASE}.txt").read_text(encoding="utf-8")
    expected = json.loads((FIXTURES / f"{CASE}.json").read_text(encoding="utf-8"))["expected"]
    assert showmigrations(text) == expected == parse_showmigrations(text)


def test_lines_and_registered_result_inputs() -> None:
    expected = parse_showmigrations(LISTING)
    assert showmigrations(LISTING.splitlines()) == expected
    assert showmigrations({"stdout": LISTING.rstrip("\n"), "rc": 0, "stderr": ""}) == expected
    assert expected["pending"] == ["accounts.0002_profile"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param("", "no showmigrations listing", id="empty"),
        pytest.param(
            "Traceback (most recent call last):\nKeyError: 'x'\n", "traceback", id="traceback"
        ),
        pytest.param(
            {"stdout": "", "stderr": "No installed app with label 'x'.", "rc": 2},
            "rc=2",
            id="failed-command",
        ),
        pytest.param({"rc": 0}, "registered command result", id="dict-without-stdout"),
        pytest.param(
            "accounts\n [X] 0001_initial\n [Y] 0002_new\n [ ] 0003_x\n",
            r"line 3: unrecognised line inside the listing: '\[Y\] 0002_new'",
            id="unknown-line-inside-the-listing",
        ),
        pytest.param(None, "must be a string", id="none"),
    ],
)
def test_parse_errors_become_filter_errors(data, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        showmigrations(data)


def test_ansible_doc_renders_the_documentation(collections_root: Path) -> None:
    ansible_doc = _bin("ansible-doc")
    if ansible_doc is None:
        pytest.skip("ansible-doc is not installed")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root))
    proc = subprocess.run(
        [ansible_doc, "-t", "filter", "--json", "accreditrack.ops.showmigrations"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)["accreditrack.ops.showmigrations"]
    assert doc["doc"]["name"] == "showmigrations"
    assert "pending" in doc["return"]["_value"]["contains"]
    assert "accreditrack.ops.showmigrations" in doc["examples"]


def test_filter_in_a_real_playbook(ansible_playbook, tmp_path: Path) -> None:
    stdout = (FIXTURES / "django-4.2__unrecorded__list-forcecolor-v2.txt").read_text("utf-8")
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - ansible.builtin.set_fact:\n"
        '        parsed: "{{ result | accreditrack.ops.showmigrations }}"\n'
        "    - ansible.builtin.assert:\n"
        "        that:\n"
        "          - parsed.format == 'list'\n"
        "          - parsed.pending == ['inventory.0001_squashed_0003_item_price']\n"
        "          - parsed.migrations | selectattr('applied', 'equalto', 'partial') | list"
        " | length == 1\n"
        "          - parsed.latest_applied.notes is none\n"
        "    - ansible.builtin.set_fact:\n"
        "        broken: \"{{ 'No installed app' | accreditrack.ops.showmigrations }}\"\n"
        "      ignore_errors: true\n"
        "      register: bad\n"
        "    - ansible.builtin.assert:\n"
        "        that: bad is failed\n"
    )
    (tmp_path / "vars.json").write_text(json.dumps({"result": {"stdout": stdout, "rc": 0}}))
    proc = ansible_playbook(playbook, "-e", f"@{tmp_path / 'vars.json'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok=4" in proc.stdout and "failed=0" in proc.stdout

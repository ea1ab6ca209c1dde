# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stdout callback accreditrack.ops.phases run by ansible-playbook against localhost: at
verbosity 0 a line per play, per change and per debug message, failures and warnings in full, a
duration per play and the recap - nothing for ok, skipped or included tasks; with -v exactly the
default callback's output. And `ansible-doc -t
callback accreditrack.ops.phases` renders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playbook_run import BIN, make_collections_root, run_playbook

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = {"ANSIBLE_STDOUT_CALLBACK": "accreditrack.ops.phases"}

PLAYBOOK = r"""---
- name: Quiet output
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Change something
      ansible.builtin.set_fact:
        planted: 1
      changed_when: true

    - name: Stay ok
      ansible.builtin.set_fact:
        quiet: 1

    - name: Skip this
      ansible.builtin.set_fact:
        never: 1
      when: false

    - name: Warn once
      warn_once:
        text: a planted warning

    - name: Include a file
      ansible.builtin.include_tasks: included.yml

    - name: Print the summary
      ansible.builtin.debug:
        msg:
          - "Summary: first line"
          - 'second line with "quotes" and a \ backslash'

    - name: Print a string
      ansible.builtin.debug:
        msg: "a plain string"

    - name: Print in a loop
      ansible.builtin.debug:
        msg: "item {{ item }}"
      loop: [a, b]

    - name: Fail and recover
      block:
        - name: Fail on purpose
          ansible.builtin.fail:
            msg: the planted failure
      rescue:
        - name: Recover
          ansible.builtin.debug:
            msg: rescued

- name: Second play
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Change in a loop
      ansible.builtin.set_fact:
        looped: "{{ item }}"
      changed_when: true
      loop: [1, 2]
"""

INCLUDED = """---
- name: Included and ok
  ansible.builtin.set_fact:
    included: 1
"""

# A module of the playbook's own library/ that returns a warning.
WARN_MODULE = """#!/usr/bin/python
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec={"text": {"type": "str", "required": True}})
module.warn(module.params["text"])
module.exit_json(changed=False)
"""


@pytest.fixture(scope="module")
def playbook(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("phases")
    (base / "library").mkdir()
    (base / "library" / "warn_once.py").write_text(WARN_MODULE)
    (base / "included.yml").write_text(INCLUDED)
    (base / "play.yml").write_text(PLAYBOOK)
    return base / "play.yml", make_collections_root(base / "collections")


def run(playbook: tuple[Path, Path], *args: str, callback: bool = True):
    play, collections = playbook
    done = run_playbook(
        play,
        {"ansible_python_interpreter": sys.executable},
        collections,
        play.parent,
        args=args,
        env_extra={**(CALLBACK if callback else {}), "ANSIBLE_NOCOLOR": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_verbosity_0_prints_plays_changes_messages_and_failures(playbook):
    done = run(playbook)
    lines = done.stdout.splitlines()
    assert lines[0] == "== Quiet output"
    assert "changed: Change something [localhost]" in lines
    assert "changed: Change in a loop [localhost]" in lines  # a loop is one line
    assert lines.count("changed: Change in a loop [localhost]") == 1
    # debug: a list one item per line, a string as it is, each loop item
    for line in (
        "Summary: first line",
        'second line with "quotes" and a \\ backslash',
        "a plain string",
        "item a",
        "item b",
        "rescued",
    ):
        assert line in lines
    assert '"msg": [' not in done.stdout and '"msg": "a plain' not in done.stdout
    # the failure in full, with its task banner, as the default callback prints it
    assert any(line.startswith("TASK [Fail on purpose] ***") for line in lines)
    assert (
        'fatal: [localhost]: FAILED! => {"changed": false, "msg": "the planted failure"}' in lines
    )
    assert "[WARNING]: a planted warning" in done.stdout + done.stderr
    # one duration line per play, the second play's start after the first's end
    durations = [i for i, line in enumerate(lines) if re.fullmatch(r"-- .+: \d+\.\ds", line)]
    assert [lines[i].rsplit(":", 1)[0] for i in durations] == ["-- Quiet output", "-- Second play"]
    assert lines.index("== Second play") == durations[0] + 1
    assert any(line.startswith("PLAY RECAP ***") for line in lines)
    assert re.search(r"localhost +: ok=\d+ +changed=2 +unreachable=0 +failed=0 +skipped=1 "
                     r"+rescued=1", done.stdout)  # fmt: skip
    # nothing for ok, skipped or included tasks, and no other task banner
    for absent in ("ok: [", "skipping:", "included:", "PLAY [", "Stay ok", "Included and ok"):
        assert absent not in done.stdout, absent
    assert [line for line in lines if line.startswith("TASK [")] == [
        next(line for line in lines if line.startswith("TASK [Fail on purpose]"))
    ]


def test_verbosity_0_is_shorter_than_the_default(playbook):
    quiet, default = run(playbook), run(playbook, callback=False)
    assert len(quiet.stdout.splitlines()) * 2 < len(default.stdout.splitlines())


def test_verbose_is_exactly_the_default_callback(playbook):
    assert run(playbook, "-v").stdout == run(playbook, "-v", callback=False).stdout


def test_ansible_doc_renders(tmp_path):
    collections = make_collections_root(tmp_path)
    done = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", "callback", "accreditrack.ops.phases"],
        env={"ANSIBLE_COLLECTIONS_PATH": str(collections), "PATH": str(BIN), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "accreditrack.ops.phases" in done.stdout and "display_skipped_hosts" in done.stdout
    assert "result_format" in done.stdout

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lookup accreditrack.ops.run_id: the format the lock, the reports and the tests parse
(YYYYmmddTHHMMSSZ-N), a new id per call, one id per run where a playbook sets it as a fact, and
the only place in the collection that makes one."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from ansible.errors import AnsibleError
from ansible_collections.accreditrack.ops.plugins.lookup import run_id

ROOT = Path(__file__).resolve().parents[4]
FORMAT = re.compile(r"^(\d{8}T\d{6}Z)-(\d+)$")


@pytest.mark.parametrize(
    ("now", "number", "expected"),
    [
        (datetime(2026, 11, 24, 14, 18, 0, tzinfo=timezone.utc), 4711, "20261124T141800Z-4711"),
        (datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=timezone.utc), 0, "20260102T030405Z-0"),
        (
            datetime(2026, 11, 24, 15, 18, 0, tzinfo=timezone(timedelta(hours=1))),
            2147483646,
            "20261124T141800Z-2147483646",
        ),
        (datetime(2026, 11, 24, 14, 18, 0), 7, "20261124T141800Z-7"),
    ],
    ids=["utc", "microseconds-dropped", "other-zone-to-utc", "naive-is-utc"],
)
def test_new_run_id_format(now, number, expected):
    assert run_id.new_run_id(now, number) == expected
    assert run_id.RUN_ID_PATTERN.match(expected)


def test_new_run_id_now_and_random():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    got = run_id.new_run_id()
    after = datetime.now(timezone.utc)
    stamp, number = FORMAT.match(got).groups()
    when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert before <= when <= after
    assert 0 <= int(number) < 2147483647


def test_the_random_part_stays_below_the_bound(monkeypatch):
    bounds = []
    monkeypatch.setattr(run_id.secrets, "randbelow", lambda n: bounds.append(n) or n - 1)
    assert run_id.new_run_id().endswith("-2147483646")
    assert bounds == [2147483647]


def test_lookup_returns_one_new_id_per_call():
    lookup = run_id.LookupModule()
    first, second = lookup.run([], variables={}), lookup.run([], variables={})
    assert len(first) == 1 and FORMAT.match(first[0])
    assert first != second  # one in 2**31 to fail


def test_lookup_takes_no_terms():
    with pytest.raises(AnsibleError, match="takes no terms"):
        run_id.LookupModule().run(["x"], variables={})


def test_one_id_per_run_set_as_a_fact(tmp_path, ansible_playbook):
    out = tmp_path / "ids"
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.set_fact:\n"
        "        __run_id: \"{{ lookup('accreditrack.ops.run_id') }}\"\n"
        "    - ansible.builtin.copy:\n"
        f'        dest: "{out}"\n'
        '        content: "{{ __run_id }}\\n{{ __run_id }}\\n'
        "{{ lookup('accreditrack.ops.run_id') }}\"\n"
        '        mode: "0600"\n'
    )
    done = ansible_playbook(play)
    assert done.returncode == 0, done.stdout + done.stderr
    first, again, fresh = out.read_text().splitlines()
    assert FORMAT.match(first) and first == again
    assert FORMAT.match(fresh) and fresh != first


def test_the_collection_makes_run_ids_only_here():
    """The playbooks and roles name a run with the lookup - no copy of the Jinja that made one."""
    copies = [
        str(path.relative_to(ROOT))
        for folder in ("playbooks", "roles")
        for path in (ROOT / folder).rglob("*.yml")
        if "2147483647" in path.read_text(encoding="utf-8")
    ]
    assert copies == []

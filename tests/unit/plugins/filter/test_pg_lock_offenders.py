# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter accreditrack.ops.pg_lock_offenders (the direct mode of the lock_check role)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.accreditrack.ops.plugins.filter.pg_lock_offenders import (
    FilterModule,
    pg_lock_offenders,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "lock_check"
SNAPSHOT = json.loads(
    (FIXTURES / "snapshot-pg17-idle-active-waiting.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(SNAPSHOT, id="dict"),
        pytest.param(json.dumps(SNAPSHOT), id="json-string"),
        pytest.param([{"snapshot": SNAPSHOT}], id="postgresql_query-query_result"),
    ],
)
def test_accepts_every_form_of_the_snapshot(value):
    result = pg_lock_offenders(value, tables=["accounts_organization"])
    assert result["database"] == SNAPSHOT["database"]
    assert {o["application"] for o in result["offenders"]} == {"worker", "migrate"}
    assert "worker" in result["report"]


def test_terminate_lists_only_idle_sessions_by_default():
    result = pg_lock_offenders(SNAPSHOT, terminate_idle_age=0)
    worker = next(o for o in result["offenders"] if o["application"] == "worker")
    assert result["terminate"] == [worker["pid"]]
    wide = pg_lock_offenders(SNAPSHOT, terminate_scope="all_blockers")
    assert len(wide["terminate"]) == 3


def test_no_offender_no_report():
    result = pg_lock_offenders({"database": "d", "sessions": [], "prepared": []})
    assert result == {
        "database": "d",
        "offenders": [],
        "terminate": [],
        "not_terminable": [],
        "report": "",
    }


def test_prepared_transaction_is_reported_and_never_terminated():
    """The recorded PostgreSQL 17.12 snapshot of an orphaned prepared transaction."""
    snapshot = json.loads((FIXTURES / "snapshot-pg17-prepared-transaction.json").read_text())
    result = pg_lock_offenders(
        [{"snapshot": snapshot}], tables=["accounts_member"], terminate_scope="all_blockers"
    )
    assert [o["gid"] for o in result["offenders"]] == ["ats_orphan"]
    assert result["terminate"] == []
    assert [o["gid"] for o in result["not_terminable"]] == ["ats_orphan"]
    assert "ROLLBACK PREPARED 'ats_orphan';" in result["report"]
    assert "lock_check_timeout" not in result["report"]  # it never goes away by itself


@pytest.mark.parametrize(
    ("value", "kwargs"),
    [
        pytest.param([], {}, id="empty-query-result"),
        pytest.param({"rows": []}, {}, id="not-a-snapshot"),
        pytest.param(SNAPSHOT, {"terminate_scope": "everyone"}, id="bad-scope"),
    ],
)
def test_bad_input_fails_clearly(value, kwargs):
    with pytest.raises(AnsibleFilterError, match="pg_lock_offenders"):
        pg_lock_offenders(value, **kwargs)


def test_registered_under_its_name():
    assert FilterModule().filters()["pg_lock_offenders"] is pg_lock_offenders

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter accreditrack.ops.migration_review: review() and decide() in one call, errors as filter
errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.accreditrack.ops.plugins.filter.migration_review import migration_review

RUNNING = {
    "models": [
        {
            "label": "accounts.Member",
            "db_table": "accounts_member",
            "columns": ["id", "email"],
            "fields": [{"name": "email", "column": "email", "null": False}],
        }
    ],
    "unmanaged": [],
}
DROP = {
    "index": 0,
    "kind": "drop_column",
    "kinds": ["drop_column"],
    "db_table": "accounts_member",
    "columns": ["email"],
    "operation": "Remove field email from member",
}
PLAN = [
    {
        "migration": "accounts.0002_x",
        "backwards": False,
        "schema_changes": [DROP],
        "operations": [{"description": DROP["operation"], "reversible": True}],
    }
]


def test_review_and_decision_in_one_result():
    out = migration_review(PLAN, running=RUNNING, policy="fail")
    assert (out["action"], out["breaking"], out["warnings"]) == ("refuse", 1, 1)
    assert [f["rule"] for f in out["findings"]] == [
        "breaks-running-release/drop-column",
        "loses-data/drop-column",
    ]
    assert out["allowed"] == [] and out["unused_allow"] == []
    assert out["message"].count("\n") == 2


def test_allowed_migration_proceeds():
    out = migration_review(PLAN, running=RUNNING, allow=["accounts.0002_x"], policy="fail")
    assert (out["action"], len(out["allowed"])) == ("proceed", 2)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        pytest.param({}, "running", id="no-running"),
        pytest.param({"running": RUNNING, "policy": "strict"}, "policy", id="bad-policy"),
        pytest.param({"running": RUNNING, "allow": ["nope"]}, "allow entries", id="bad-allow"),
    ],
)
def test_errors_are_filter_errors(kwargs, problem):
    with pytest.raises(AnsibleFilterError, match=problem):
        migration_review(PLAN, **kwargs)


def test_a_plan_without_schema_changes_is_an_error():
    plan = [{k: v for k, v in PLAN[0].items() if k != "schema_changes"}]
    with pytest.raises(AnsibleFilterError, match="schema_changes: true"):
        migration_review(plan, running=RUNNING)


def test_an_unquoted_yaml_off_is_off():
    assert migration_review(PLAN, running=RUNNING, policy=False)["action"] == "skip"


def test_no_running_release_reviews_against_no_models_and_says_so():
    out = migration_review(PLAN, running={"running": False, "models": []}, policy="fail")
    assert out["running"] is False
    assert (out["action"], out["breaking"], out["warnings"]) == ("proceed", 0, 1)
    assert "no release runs now" in out["message"].split("\n")[0]
    assert [f["rule"] for f in out["findings"]] == ["loses-data/drop-column"]


def test_a_running_release_is_said_to_run():
    assert migration_review(PLAN, running=RUNNING)["running"] is True
    assert migration_review(PLAN, running={**RUNNING, "running": True})["running"] is True


SQL = {
    "accounts.0002_x": "BEGIN;\n--\n-- Remove field email from member\n--\n"
    'CREATE INDEX "accounts_member_name" ON "accounts_member" ("full_name");\nCOMMIT;\n'
}
BIG = {"accounts_member": {"rows": 5_000_000, "bytes": 2 * 1024**3}}


def test_big_table_findings_follow_the_migrations_own():
    pytest.importorskip("pglast")
    out = migration_review(PLAN, running=RUNNING, sql=SQL, table_sizes=BIG, policy="fail")
    assert [f["rule"] for f in out["findings"]] == [
        "breaks-running-release/drop-column",
        "loses-data/drop-column",
        "locks-big-table/create-index",
    ]
    index = out["findings"][2]
    assert index["size"] == BIG["accounts_member"] and index["table"] == "accounts_member"
    assert (out["breaking"], out["warnings"]) == (1, 2)
    assert "locks-big-table/create-index accounts.0002_x" in out["message"]


def test_big_table_findings_are_warnings_and_can_be_allowed():
    pytest.importorskip("pglast")
    plan = [{**PLAN[0], "schema_changes": [], "operations": []}]
    out = migration_review(
        plan,
        running=RUNNING,
        sql=SQL,
        table_sizes=BIG,
        policy="fail",
        allow=["accounts.0002_x:locks-big-table/create-index"],
    )
    assert out["action"] == "proceed" and out["findings"] == []
    assert [f["rule"] for f in out["allowed"]] == ["locks-big-table/create-index"]
    out = migration_review(plan, running=RUNNING, sql=SQL, table_sizes=BIG, policy="fail")
    assert (out["action"], out["warnings"]) == ("proceed", 1)


@pytest.mark.parametrize(
    ("kwargs", "found"),
    [
        pytest.param({}, 0, id="no-sql-no-rule-2"),
        pytest.param(
            {"sql": SQL, "table_sizes": BIG, "thresholds": {"rows": 10**7, "bytes": 10**10}},
            0,
            id="below",
        ),
        pytest.param(
            {"sql": SQL, "table_sizes": {}, "existing_tables": ["accounts_member"]}, 1, id="unknown"
        ),
        pytest.param({"sql": SQL, "table_sizes": {}, "existing_tables": []}, 0, id="not-existing"),
    ],
)
def test_big_table_options(kwargs, found):
    pytest.importorskip("pglast")
    plan = [{**PLAN[0], "schema_changes": [], "operations": []}]
    assert len(migration_review(plan, running=RUNNING, **kwargs)["findings"]) == found


def test_bad_thresholds_are_filter_errors():
    pytest.importorskip("pglast")
    with pytest.raises(AnsibleFilterError, match="thresholds"):
        migration_review(PLAN, running=RUNNING, sql=SQL, thresholds={"pages": 3})

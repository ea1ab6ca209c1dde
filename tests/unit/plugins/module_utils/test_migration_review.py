# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The migration safety review's rules, allow-list and policy, on hand-made plan records (the
same review over a real Django's plan and models: tests/unit/plugins/modules/
test_migration_review_django.py)."""

from __future__ import annotations

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _migration_review as rv

MEMBER = {
    "label": "accounts.Member",
    "db_table": "accounts_member",
    "columns": ["id", "email", "nick"],
    "fields": [
        {"name": "id", "column": "id", "null": False},
        {"name": "email", "column": "email", "null": False},
        {"name": "nick", "column": "nick", "null": True},
    ],
}
THROUGH = {
    "label": "accounts.Member_groups",
    "db_table": "accounts_member_groups",
    "columns": ["id", "member_id", "group_id"],
    "fields": [],
}
VIEW = {
    "label": "reports.Totals",
    "db_table": "reports_totals",
    "columns": ["id", "total"],
    "fields": [{"name": "total", "column": "total", "null": False}],
}
RUNNING = {"models": [MEMBER, THROUGH], "unmanaged": [VIEW]}


def change(kind, table="accounts_member", columns=(), index=0, **extra):
    entry = {
        "index": index,
        "kind": kind,
        "kinds": [kind],
        "operation": f"op {kind}",
        "db_table": table,
        "columns": list(columns),
    }
    entry.update(extra)
    return entry


def record(*changes, migration="accounts.0002_x", operations=None, backwards=False):
    return {
        "migration": migration,
        "backwards": backwards,
        "operations": operations
        or [{"description": c["operation"], "reversible": True} for c in changes],
        "schema_changes": list(changes),
    }


def rules(plan, running=RUNNING, **kwargs):
    return sorted(
        (f["rule"], f["table"], f["column"], f["model"])
        for f in rv.review(plan, running, **kwargs)["findings"]
    )


@pytest.mark.parametrize(
    ("old", "new", "wider"),
    [
        ("varchar(9)", "varchar(50)", True),
        ("varchar(50)", "varchar(9)", False),
        ("varchar(9)", "text", True),
        ("VARCHAR(9)", "varchar(9)", True),
        ("integer", "bigint", True),
        ("smallint", "integer", True),
        ("bigint", "integer", False),
        ("serial", "bigserial", True),
        ("varchar(5)", "integer", False),
        ("text", "varchar(10)", False),
        ("numeric(10, 2)", "numeric(12, 2)", True),
        ("numeric(10, 2)", "numeric(10, 3)", False),
        ("timestamp with time zone", "timestamp", False),
        (None, "integer", False),
        ("varchar(9)[]", "varchar(50)[]", True),
        ("integer[]", "bigint[]", True),
        ("varchar(50)[]", "varchar(9)[]", False),
        ("varchar(9)[]", "varchar(50)", False),
        ("integer", "integer[]", False),
    ],
)
def test_widens(old, new, wider):
    assert rv.widens(old, new) is wider


def test_a_column_the_running_code_uses_dropped_renamed_or_retyped_breaks_it():
    plan = [
        record(
            change("drop_column", columns=["email"], index=0),
            change(
                "rename_column", columns=["nick"], old_column="nick", new_column="alias", index=1
            ),
            change(
                "alter_column_type",
                columns=["id"],
                old_db_type="integer",
                new_db_type="uuid",
                index=2,
            ),
        )
    ]
    assert rules(plan) == sorted(
        [
            (rv.DROP_COLUMN, "accounts_member", "email", "accounts.Member"),
            (rv.LOSES_COLUMN, "accounts_member", "email", None),
            (rv.RENAME_COLUMN, "accounts_member", "nick", "accounts.Member"),
            (rv.ALTER_COLUMN_TYPE, "accounts_member", "id", "accounts.Member"),
        ]
    )
    finding = rv.review(plan, RUNNING)["findings"][0]
    assert set(finding) == {
        "rule",
        "severity",
        "migration",
        "operation",
        "kind",
        "table",
        "column",
        "model",
        "field",
        "reason",
        "hint",
    }
    assert (finding["severity"], finding["field"], finding["migration"]) == (
        "breaking",
        "email",
        "accounts.0002_x",
    )
    assert "accounts.Member" in finding["reason"] and finding["hint"].startswith("keep the column")


def test_no_false_alarms_on_expand_steps():
    plan = [
        record(
            change("add_column", columns=["bio"], null=True, table_exists=True, index=0),
            change("create_table", table="accounts_badge", tables=["accounts_badge"], index=1),
            change(
                "add_index", table="accounts_badge", columns=["name"], table_exists=False, index=2
            ),
            change("add_index", columns=["email"], table_exists=True, index=3),
            change("run_python", table=None, index=4),
            change("run_sql", table=None, sql="UPDATE x", index=5),
            change(
                "alter_column_type",
                columns=["email"],
                old_db_type="varchar(50)",
                new_db_type="varchar(254)",
                index=6,
            ),
            change(
                "add_not_null_column_without_db_default",
                table="accounts_badge",
                columns=["level"],
                table_exists=False,
                index=7,
            ),
            change("other", table=None, reason="changes the project state only", index=8),
        )
    ]
    assert rules(plan) == []


def test_a_not_null_column_without_db_default_breaks_only_a_table_the_running_code_writes():
    used = change("add_not_null_column_without_db_default", columns=["level"], table_exists=True)
    unused = change(
        "add_not_null_column_without_db_default",
        table="legacy_log",
        columns=["level"],
        table_exists=True,
        index=1,
    )
    assert rules([record(used, unused)]) == [
        (rv.ADD_NOT_NULL_COLUMN, "accounts_member", "level", "accounts.Member")
    ]


def test_set_not_null_warns_only_where_the_running_model_is_nullable():
    plan = [
        record(
            change("set_not_null", columns=["nick"]),
            change("set_not_null", columns=["email"], index=1),
        )
    ]
    findings = rv.review(plan, RUNNING)["findings"]
    assert [(f["rule"], f["column"], f["severity"]) for f in findings] == [
        (rv.SET_NOT_NULL, "nick", "warning")
    ]


def test_drops_lose_data_even_when_unused_but_not_what_the_plan_created():
    plan = [
        record(
            change("drop_column", columns=["old_flag"], index=0),
            change("drop_table", table="legacy_log", tables=["legacy_log"], index=1),
            change("add_column", columns=["tmp"], null=True, table_exists=True, index=2),
            change("create_table", table="scratch", tables=["scratch"], index=3),
        ),
        record(
            change("rename_column", columns=["tmp"], old_column="tmp", new_column="tmp2"),
            change("drop_column", columns=["tmp2"], index=1),
            change("drop_table", table="scratch", tables=["scratch"], index=2),
            migration="accounts.0003_y",
        ),
    ]
    assert rules(plan) == [
        (rv.LOSES_COLUMN, "accounts_member", "old_flag", None),
        (rv.LOSES_TABLE, "legacy_log", None, None),
    ]


def test_tables_the_running_code_uses_dropped_or_renamed_break_it_through_tables_and_unmanaged():
    plan = [
        record(
            change("drop_table", table=None, tables=["accounts_member_groups"], index=0),
            change(
                "rename_table",
                table="reports_totals",
                old_table="reports_totals",
                new_table="reports_sums",
                index=1,
            ),
        )
    ]
    assert rules(plan) == sorted(
        [
            (rv.DROP_TABLE, "accounts_member_groups", None, "accounts.Member_groups"),
            (rv.LOSES_TABLE, "accounts_member_groups", None, None),
            (rv.RENAME_TABLE, "reports_totals", None, "reports.Totals"),
        ]
    )
    # a list of model records works the same as the module's result
    assert rules(plan, running=[MEMBER, THROUGH]) == sorted(
        [
            (rv.DROP_TABLE, "accounts_member_groups", None, "accounts.Member_groups"),
            (rv.LOSES_TABLE, "accounts_member_groups", None, None),
        ]
    )


def test_every_kind_of_the_main_operation_counts():
    both = change(
        "rename_column",
        columns=["email"],
        old_column="email",
        new_column="mail",
        old_db_type="varchar(50)",
        new_db_type="integer",
    )
    both["kinds"] = ["rename_column", "alter_column_type"]
    assert [r for r, *_ in rules([record(both)])] == [rv.ALTER_COLUMN_TYPE, rv.RENAME_COLUMN]


def test_irreversible_and_unknown_operations_are_warnings():
    plan = [
        record(
            change("run_python", table=None, index=0),
            change("unknown", table=None, reason="cannot be described: LookupError: x", index=1),
            operations=[
                {"description": "Raw Python operation", "reversible": False},
                {"description": "Custom op", "reversible": True},
            ],
        )
    ]
    findings = rv.review(plan, RUNNING)["findings"]
    assert [(f["rule"], f["severity"], f["operation"]) for f in findings] == [
        (rv.UNKNOWN, "warning", "op unknown"),
        (rv.IRREVERSIBLE, "warning", "Raw Python operation"),
    ]
    assert "LookupError: x" in findings[0]["reason"]
    assert findings[1]["kind"] == "run_python"


def test_backward_records_are_not_reviewed_and_a_forward_one_needs_schema_changes():
    backwards = record(change("drop_column", columns=["email"]), backwards=True)
    del backwards["schema_changes"]
    assert rules([backwards]) == []
    forward = record()
    del forward["schema_changes"]
    with pytest.raises(ValueError, match="schema_changes: true"):
        rv.review([forward], RUNNING)


def test_allow_by_migration_or_by_migration_and_rule():
    plan = [
        record(change("drop_column", columns=["email"])),
        record(change("drop_column", columns=["nick"]), migration="accounts.0003_y"),
    ]
    result = rv.review(
        plan,
        RUNNING,
        allow=[
            "accounts.0002_x",
            f"accounts.0003_y:{rv.LOSES_COLUMN}",
            f"accounts.0009_z:{rv.DROP_TABLE}",
        ],
    )
    assert [(f["migration"], f["rule"]) for f in result["findings"]] == [
        ("accounts.0003_y", rv.DROP_COLUMN)
    ]
    assert sorted((f["migration"], f["rule"]) for f in result["allowed"]) == [
        ("accounts.0002_x", rv.DROP_COLUMN),
        ("accounts.0002_x", rv.LOSES_COLUMN),
        ("accounts.0003_y", rv.LOSES_COLUMN),
    ]
    assert result["unused_allow"] == [f"accounts.0009_z:{rv.DROP_TABLE}"]


@pytest.mark.parametrize("entry", ["accounts", "accounts.0002_x:no-such/rule", "a.b:", "a b.c"])
def test_allow_rejects_what_is_not_an_entry(entry):
    with pytest.raises(ValueError, match="allow entries"):
        rv.review([], RUNNING, allow=[entry])


def test_table_sizes_and_thresholds_are_accepted_and_make_no_finding_yet():
    plan = [record(change("add_index", columns=["email"], table_exists=True))]
    sizes = {"accounts_member": {"rows": 10**9, "bytes": 10**12}}
    assert rules(plan, table_sizes=sizes, thresholds={"rows": 1}) == []


def test_every_rule_has_a_severity_and_a_hint():
    for rule, (severity, hint) in rv.RULES.items():
        assert severity in (rv.BREAKING, rv.WARNING) and hint and "\n" not in hint
        assert rule.count("/") == 1


def findings_of(*kinds):
    plan = [record(*(change(k, columns=["email"], index=i) for i, k in enumerate(kinds)))]
    return rv.review(plan, RUNNING)


@pytest.mark.parametrize(
    ("policy", "kinds", "action"),
    [
        ("warn", ["drop_column"], "proceed"),
        ("fail", ["drop_column"], "refuse"),
        ("fail", ["set_not_null"], "proceed"),  # nick only: a warning
        ("fail", [], "proceed"),
        ("off", ["drop_column"], "skip"),
    ],
)
def test_decide(policy, kinds, action):
    result = findings_of(*kinds)
    decision = rv.decide(result, policy)
    assert decision["action"] == action
    if policy != "off":
        lines = decision["message"].split("\n")
        assert len(lines) == 1 + len(result["findings"])
        assert all(rule in decision["message"] for rule in (f["rule"] for f in result["findings"]))


def test_decide_message_names_counts_and_allowed_findings():
    plan = [record(change("drop_column", columns=["email"]))]
    result = rv.review(plan, RUNNING, allow=[f"accounts.0002_x:{rv.LOSES_COLUMN}"])
    decision = rv.decide(result, "fail")
    lines = decision["message"].split("\n")
    assert lines[0].startswith("Migration safety review: 1 breaking, 0 warning(s), 1 allowed")
    assert "refusing" in lines[0]
    assert lines[1].startswith(f"[breaking] {rv.DROP_COLUMN} accounts.0002_x (op drop_column): ")
    assert lines[2].startswith(f"(allowed) [warning] {rv.LOSES_COLUMN}")
    assert (decision["breaking"], decision["warnings"]) == (1, 0)
    assert rv.decide(result["findings"], "fail")["action"] == "refuse"  # a plain list works too
    assert rv.decide([], "warn")["message"] == (
        "Migration safety review: no finding - policy warn: proceeding"
    )


def test_decide_rejects_an_unknown_policy():
    with pytest.raises(ValueError, match="warn, fail, off"):
        rv.decide([], "strict")

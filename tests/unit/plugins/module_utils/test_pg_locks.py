# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/_pg_locks.py: tables from sqlmigrate, offenders, termination and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _pg_locks as pl
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_application import (
    PG_DUMP_APPLICATION_PREFIX,
    is_pg_dump_application,
    pg_dump_application_name,
)
from ansible_collections.accreditrack.ops.plugins.modules import compose_pg_dump as cpd

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "lock_check"
SQLMIGRATE = FIXTURES / "sqlmigrate"


def recorded(name: str) -> tuple[str, str]:
    """(label, sql) of a recorded `sqlmigrate` output (Django 4.2, the example app)."""
    path = SQLMIGRATE / f"django4.2-{name}.sql"
    return name.split("-")[-1], path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Tables from sqlmigrate
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "tables", "created", "whole"),
    [
        pytest.param(
            ["accounts.0001_initial"],
            [],
            ["accounts_accreditation", "accounts_member", "accounts_organization"],
            False,
            id="v1-initial-creates-everything",
        ),
        pytest.param(
            ["accounts.0002_contact_email_accreditationreview"],
            ["accounts_accreditation", "accounts_member", "accounts_organization"],
            ["accounts_accreditationreview"],
            False,
            id="v2-addfield-and-new-table-with-fks",
        ),
        pytest.param(
            ["accounts.0003_populate_contact_email"], [], [], True, id="v2-runpython-only"
        ),
        pytest.param(
            ["v3-accounts.0004_accreditation_certificate_number"],
            ["accounts_accreditation"],
            [],
            False,
            id="v3-addfield",
        ),
        pytest.param(
            ["v3-accounts.0005_member_phone_backfill"],
            ["accounts_member"],
            [],
            True,
            id="v3-addfield-and-runpython",
        ),
        pytest.param(
            [
                "v5-courses.0001_initial",
                "v5-accounts.0004_accreditation_required_course",
                "v5-courses.0002_enrollment",
            ],
            ["accounts_accreditation", "accounts_member", "accounts_organization"],
            ["courses_course", "courses_enrollment"],
            False,
            id="v5-new-app-fk-to-table-created-in-the-batch",
        ),
    ],
)
def test_migration_targets_from_recorded_sqlmigrate(names, tables, created, whole):
    targets = pl.migration_targets(recorded(name) for name in names)
    assert list(targets.tables) == tables
    assert list(targets.created) == created
    assert targets.whole_database is whole
    assert bool(targets.reasons) is whole


def test_runpython_reason_names_the_migration():
    targets = pl.migration_targets([recorded("accounts.0003_populate_contact_email")])
    assert targets.reasons == (
        "accounts.0003_populate_contact_email: an operation without SQL (RunPython) may touch any "
        "table",
    )


@pytest.mark.parametrize(
    ("sql", "tables", "whole"),
    [
        pytest.param('DROP TABLE "a", "b" CASCADE;', ["a", "b"], False, id="drop-two-tables"),
        pytest.param(
            'CREATE UNIQUE INDEX CONCURRENTLY "i" ON "s"."T" ("c");', ["s.T"], False, id="schema"
        ),
        pytest.param('ALTER TABLE ONLY "x" ADD COLUMN "c" int;', ["x"], False, id="alter-only"),
        pytest.param("ALTER TABLE Plain_Name ADD c int;", ["plain_name"], False, id="unquoted"),
        pytest.param("UPDATE \"x\" SET a = 'b;c';", ["x"], False, id="runsql-update"),
        pytest.param('DELETE FROM "x"; INSERT INTO "y" VALUES (1);', ["x", "y"], False, id="dml"),
        pytest.param('TRUNCATE "x"; LOCK TABLE "y";', ["x", "y"], False, id="truncate-lock"),
        pytest.param('DROP INDEX "i";', [], True, id="drop-index-unknown-table"),
        pytest.param("DO $$ BEGIN PERFORM 1; END $$;", [], True, id="do-block"),
        pytest.param("BEGIN;\n--\n-- (no-op)\n--\nCOMMIT;\n", [], False, id="no-op"),
    ],
)
def test_migration_targets_statements(sql, tables, whole):
    targets = pl.migration_targets([("app.0001", sql)])
    assert list(targets.tables) == tables
    assert targets.whole_database is whole


def test_split_statements_keeps_quoted_semicolons_and_drops_comments():
    sql = "SELECT 'a;b'; DO $f$ BEGIN x; END $f$; -- c;d\nUPDATE \"x;y\" SET a=1"
    assert pl.split_statements(sql) == [
        "SELECT 'a;b'",
        "DO $f$ BEGIN x; END $f$",
        'UPDATE "x;y" SET a=1',
    ]


def test_split_statements_two_statements_on_one_line():
    _label, sql = recorded("v5-accounts.0004_accreditation_required_course")
    statements = pl.split_statements(sql)
    assert statements[0] == "BEGIN"
    assert statements[2].startswith("SET CONSTRAINTS")
    assert statements[-1] == "COMMIT"


# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def real_snapshot() -> dict:
    """Recorded on PostgreSQL 17: `worker` idle in transaction holding AccessShare on
    accounts_organization, `report` running a 20 s query on accounts_member, `migrate` waiting
    for AccessExclusive on accounts_organization (blocked by worker)."""
    text = (FIXTURES / "snapshot-pg17-idle-active-waiting.json").read_text(encoding="utf-8")
    return pl.parse_snapshot(text)


def by_app(offenders):
    return {o["application"]: o for o in offenders}


def test_real_snapshot_whole_database(real_snapshot):
    offenders = by_app(pl.classify(real_snapshot))
    assert set(offenders) == {"worker", "report", "migrate"}
    assert offenders["worker"]["reasons"] == [pl.IDLE_IN_TRANSACTION, pl.TABLE_LOCK]
    assert offenders["migrate"]["reasons"] == [pl.TABLE_LOCK]
    assert offenders["migrate"]["blocked_by"] == [offenders["worker"]["pid"]]
    assert offenders["migrate"]["locks"][0]["granted"] is False


def test_real_snapshot_only_target_tables_count(real_snapshot):
    offenders = by_app(pl.classify(real_snapshot, ["accounts_organization"]))
    # report holds a lock on accounts_member only: not in the way of this migration
    assert set(offenders) == {"worker", "migrate"}


def test_idle_in_transaction_counts_whatever_it_locks(real_snapshot):
    offenders = by_app(pl.classify(real_snapshot, ["courses_course"]))
    assert set(offenders) == {"worker"}
    assert offenders["worker"]["reasons"] == [pl.IDLE_IN_TRANSACTION]
    assert offenders["worker"]["locks"] == []


def test_idle_threshold(real_snapshot):
    offenders = pl.classify(real_snapshot, ["courses_course"], idle_in_xact_age=3600)
    assert offenders == []


def session(**fields) -> dict:
    base = {
        "pid": 100,
        "user": "app",
        "application": "web",
        "backend_type": "client backend",
        "state": "active",
        "xact_start": "2026-11-24T14:00:00+00:00",
        "xact_age": 0.1,
        "query_age": 0.1,
        "state_age": 0.1,
        "query": "SELECT 1",
        "blocked_by": [],
        "locks": [],
    }
    base.update(fields)
    return base


LOCK_ORG = {"relation": "public.accounts_organization", "mode": "AccessShareLock", "granted": True}


@pytest.mark.parametrize(
    ("fields", "reasons"),
    [
        pytest.param({"locks": [LOCK_ORG]}, [], id="short-query-below-lock-min-age"),
        pytest.param(
            {"locks": [LOCK_ORG], "xact_age": 2, "query_age": 2}, [pl.TABLE_LOCK], id="lock"
        ),
        pytest.param({"xact_age": 400}, [pl.LONG_TRANSACTION], id="long-transaction"),
        pytest.param(
            {"state": "idle in transaction (aborted)", "xact_age": 3},
            [pl.IDLE_IN_TRANSACTION],
            id="aborted-idle",
        ),
        pytest.param(
            {"application": "pg_dump", "locks": [LOCK_ORG], "xact_age": 30, "query_age": 5},
            [pl.PG_DUMP, pl.TABLE_LOCK],
            id="pg-dump-by-name",
        ),
        pytest.param(
            {"application": "", "query": "COPY public.accounts_member (id, email) TO stdout;"},
            [pl.PG_DUMP],
            id="pg-dump-by-query",
        ),
        pytest.param(
            {"backend_type": "autovacuum worker", "locks": [LOCK_ORG], "xact_age": 50},
            [],
            id="plain-autovacuum-yields",
        ),
        pytest.param(
            {
                "backend_type": "autovacuum worker",
                "query": "autovacuum: VACUUM public.accounts_organization (to prevent wraparound)",
                "locks": [LOCK_ORG],
                "xact_age": 900,
            },
            [pl.WRAPAROUND_AUTOVACUUM, pl.TABLE_LOCK],
            id="wraparound-autovacuum",
        ),
    ],
)
def test_classify_session(fields, reasons):
    offenders = pl.classify(
        {"sessions": [session(**fields)], "prepared": []}, ["accounts_organization"]
    )
    assert [o["reasons"] for o in offenders] == ([reasons] if reasons else [])


@pytest.mark.parametrize(
    "application",
    [
        pytest.param("pg_dump", id="plain-pg_dump"),
        pytest.param(pg_dump_application_name("0123456789abcdef"), id="the-collections-own-dump"),
    ],
)
@pytest.mark.parametrize("scope", sorted(pl.TERMINATE_SCOPES))
def test_a_dump_idle_between_statements_is_reported_never_terminated(application, scope):
    # pg_dump -Fd -j N: the leader holds its snapshot's transaction open, idle, while the workers
    # COPY; it is a dump, not a session idle in transaction that the lock gate may end.
    idle_dump = session(
        pid=321,
        application=application,
        state="idle in transaction",
        query="SELECT pg_catalog.pg_get_viewdef('1')",
        xact_age=900,
        state_age=900,
        locks=[LOCK_ORG],
    )
    offenders = pl.classify({"sessions": [idle_dump], "prepared": []}, ["accounts_organization"])
    assert [o["pid"] for o in offenders] == [321]
    assert pl.PG_DUMP in offenders[0]["reasons"]
    assert pl.terminate_candidates(offenders, scope, 0) == []
    assert [o["why_not"] for o in pl.not_terminable(offenders)] == [
        "a pg_dump is a backup in progress"
    ]


def test_the_dump_module_names_its_sessions_with_the_prefix_the_lock_gate_knows():
    name = pg_dump_application_name("abc")
    assert name == PG_DUMP_APPLICATION_PREFIX + "abc"
    assert is_pg_dump_application(name) and is_pg_dump_application("pg_dump")
    assert not is_pg_dump_application("pg_dumpall") and not is_pg_dump_application("web")
    assert len(pg_dump_application_name("0" * 16)) <= 63  # NAMEDATALEN - 1: never truncated
    assert cpd.pg_dump_application_name is pg_dump_application_name


def test_prepared_transaction_is_reported_with_its_locks():
    snapshot = {
        "sessions": [],
        "prepared": [
            {"gid": "tx-1", "user": "app", "age": 120, "locks": [LOCK_ORG], "xid": "1234"},
            {"gid": "tx-2", "user": "app", "age": 1, "locks": []},
        ],
    }
    offenders = pl.classify(snapshot, ["accounts_organization"], prepared_xact_age=60)
    assert len(offenders) == 1
    assert offenders[0]["kind"] == "prepared"
    assert offenders[0]["gid"] == "tx-1"
    assert offenders[0]["reasons"] == [pl.PREPARED_TRANSACTION]
    assert offenders[0]["locks"] == [LOCK_ORG]


def test_oldest_transaction_first():
    snapshot = {
        "sessions": [
            session(pid=1, xact_age=400),
            session(pid=2, xact_age=900),
            session(pid=3, xact_age=500),
        ]
    }
    assert [o["pid"] for o in pl.classify(snapshot)] == [2, 3, 1]


@pytest.mark.parametrize(
    ("relation", "targets", "expected"),
    [
        ("public.a", ["a"], True),
        ("public.a", ["public.a"], True),
        ("other.a", ["a"], False),
        ("other.a", ["other.a"], True),
        ("public.b", ["a"], False),
        ("public.b", None, True),
    ],
)
def test_relation_matches(relation, targets, expected):
    assert pl.relation_matches(relation, targets) is expected


def test_parse_snapshot_skips_noise_and_rejects_garbage():
    doc = {"database": "d", "sessions": [], "prepared": []}
    assert pl.parse_snapshot("NOTICE: x\n" + json.dumps(doc) + "\n") == doc
    with pytest.raises(ValueError, match="no lock snapshot"):
        pl.parse_snapshot("psql: error: connection refused")


def test_parse_snapshot_reads_a_document_over_several_lines():
    text = '{"database": "d", "sessions": [{"pid": 1}, \n {"pid": 2}], "prepared": []}\n'
    assert [s["pid"] for s in pl.parse_snapshot(text)["sessions"]] == [1, 2]


# ---------------------------------------------------------------------------------------------
# Termination
# ---------------------------------------------------------------------------------------------


def offender(pid, state="active", state_age=0.0, reasons=(pl.TABLE_LOCK,), kind="session"):
    return {
        "pid": pid,
        "state": state,
        "state_age": state_age,
        "reasons": list(reasons),
        "kind": kind,
    }


CROWD = [
    offender(1, "idle in transaction", 120, (pl.IDLE_IN_TRANSACTION,)),
    offender(2, "idle in transaction", 5, (pl.IDLE_IN_TRANSACTION,)),
    offender(3, "active", 500, (pl.TABLE_LOCK,)),
    offender(4, "active", 500, (pl.PG_DUMP, pl.TABLE_LOCK)),
    offender(5, "active", 500, (pl.WRAPAROUND_AUTOVACUUM,)),
    offender(None, "prepared", 500, (pl.PREPARED_TRANSACTION,), kind="prepared"),
]


@pytest.mark.parametrize(
    ("scope", "idle_age", "pids"),
    [
        ("idle_in_transaction", 60, [1]),
        ("idle_in_transaction", 0, [1, 2]),
        ("all_blockers", 60, [1, 2, 3]),
    ],
)
def test_terminate_candidates(scope, idle_age, pids):
    assert pl.terminate_candidates(CROWD, scope, idle_age) == pids


def test_terminate_candidates_rejects_unknown_scope():
    with pytest.raises(ValueError, match="scope must be one of"):
        pl.terminate_candidates(CROWD, "everything")


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0, "0s"),
        (59.9, "59s"),
        (60, "1m00s"),
        (184, "3m04s"),
        (7500, "2h05m"),
        (93600, "1d02h"),
    ],
)
def test_format_age(seconds, text):
    assert pl.format_age(seconds) == text


def test_table_has_one_aligned_row_per_offender_and_truncated_query(real_snapshot):
    offenders = pl.classify(real_snapshot)
    for item in offenders:
        item["query"] = "SELECT " + "x, " * 100
    lines = pl.format_table(offenders).splitlines()
    assert lines[0].split() == [
        "PID",
        "USER",
        "APPLICATION",
        "STATE",
        "XACT",
        "AGE",
        "LOCK",
        "WHY",
        "QUERY",
    ]
    assert len(lines) == 1 + len(offenders)
    query_column = lines[0].index("QUERY")
    assert all(len(line) - query_column <= 80 for line in lines[1:])
    assert all(line[query_column:].endswith("...") for line in lines[1:])
    assert any("(waiting)" in line for line in lines)


def test_report_names_remedies_for_every_kind():
    offenders = [
        {**offender(1, "idle in transaction", 100, (pl.IDLE_IN_TRANSACTION,)), "user": "app"},
        {**offender(4, reasons=(pl.PG_DUMP,))},
        {**offender(5, reasons=(pl.WRAPAROUND_AUTOVACUUM,))},
        {
            **offender(None, "prepared", reasons=(pl.PREPARED_TRANSACTION,), kind="prepared"),
            "gid": "tx-9",
        },
    ]
    text = pl.report(offenders, database="accreditrack", waited=61, tables=["accounts_member"])
    assert text.startswith("4 session(s) or prepared transaction(s) in database accreditrack")
    assert "tables accounts_member" in text and "after 1m01s" in text
    # Never a pg_dump (4) or an anti-wraparound autovacuum (5), not even by hand.
    assert "pg_terminate_backend(pid) FROM unnest('{1}'::int[])" in text
    assert "lock_check_terminate=true" in text
    assert "ROLLBACK PREPARED 'tx-9';  (or COMMIT PREPARED 'tx-9';)" in text
    assert "pg_dump is running (pid 4)" in text
    assert "anti-wraparound autovacuum" in text
    assert "lock_check_timeout" in text


def test_report_does_not_suggest_termination_when_it_is_on():
    offenders = [offender(1, "idle in transaction", 100, (pl.IDLE_IN_TRANSACTION,))]
    assert "lock_check_terminate=true" not in pl.report(offenders, terminate_enabled=True)


def test_inspect_sql_has_no_percent_sign():
    """postgresql_query hands the text to psycopg, where % starts a placeholder."""
    sql = (FIXTURES.parents[2] / "roles" / "lock_check" / "files" / "inspect.sql").read_text()
    assert "%" not in sql


# ---------------------------------------------------------------------------------------------
# Offenders that termination never ends
# ---------------------------------------------------------------------------------------------


# The text autovac_report_activity() writes into pg_stat_activity.query, the same in PostgreSQL
# 13 to 17 (src/backend/postmaster/autovacuum.c; seen in the 17.12 binary of the example image):
# "autovacuum: VACUUM%s" (" ANALYZE" or "") then " %s.%s%s" (schema, table, unquoted, and
# " (to prevent wraparound)" for an anti-wraparound run). "autovacuum: ANALYZE ..." never is.
@pytest.mark.parametrize(
    ("query", "wraparound"),
    [
        pytest.param("autovacuum: VACUUM public.t (to prevent wraparound)", True, id="vacuum"),
        pytest.param(
            "autovacuum: VACUUM ANALYZE public.accounts_member (to prevent wraparound)",
            True,
            id="vacuum-analyze",
        ),
        pytest.param(
            "autovacuum: VACUUM pg_toast.pg_toast_16409 (to prevent wraparound)", True, id="toast"
        ),
        pytest.param(
            "autovacuum: VACUUM public.Mixed Case (odd) (to prevent wraparound)",
            True,
            id="unquoted-odd-name",
        ),
        pytest.param("autovacuum: VACUUM public.t", False, id="plain-vacuum"),
        pytest.param("autovacuum: VACUUM ANALYZE public.t", False, id="plain-vacuum-analyze"),
        pytest.param("autovacuum: ANALYZE public.t", False, id="analyze"),
        pytest.param(
            "autovacuum: VACUUM public.to prevent wraparound", False, id="name-looks-like-suffix"
        ),
        pytest.param("VACUUM (FREEZE) public.t", False, id="manual-vacuum"),
    ],
)
def test_wraparound_autovacuum_text_of_postgresql_13_to_17(query, wraparound):
    worker = session(
        pid=77,
        application="",
        backend_type="autovacuum worker",
        query=query,
        locks=[{**LOCK_ORG, "mode": "ShareUpdateExclusiveLock"}],
        xact_age=900,
        query_age=900,
    )
    offenders = pl.classify({"sessions": [worker], "prepared": []}, ["accounts_organization"])
    if wraparound:
        assert offenders[0]["reasons"] == [pl.WRAPAROUND_AUTOVACUUM, pl.TABLE_LOCK]
        assert pl.terminate_candidates(offenders, "all_blockers", 0) == []
        assert [item["pid"] for item in pl.not_terminable(offenders)] == [77]
    else:
        assert offenders == []


def test_not_terminable_lists_prepared_pg_dump_and_wraparound_only():
    items = pl.not_terminable(CROWD)
    assert [(item["kind"], item["pid"]) for item in items] == [
        ("session", 4),
        ("session", 5),
        ("prepared", None),
    ]
    assert "no session" in items[2]["why_not"]
    assert "backup" in items[0]["why_not"]


def test_report_with_termination_on_says_what_it_does_not_end():
    offenders = [
        {**offender(4, reasons=(pl.PG_DUMP, pl.TABLE_LOCK)), "application": "pg_dump"},
        {
            **offender(None, "prepared", reasons=(pl.PREPARED_TRANSACTION,), kind="prepared"),
            "gid": "it's",
            "database": "accreditrack",
            "user": "app",
        },
    ]
    text = pl.report(offenders, database="accreditrack", terminate_enabled=True)
    assert "lock_check_terminate=true does not end pid 4, gid it's:" in text
    assert "a prepared transaction has no session to terminate" in text
    assert "In database accreditrack, as app or a superuser: ROLLBACK PREPARED 'it''s';" in text
    assert "pg_terminate_backend" not in text


def test_prepared_offender_carries_its_database_and_xid():
    snapshot = {
        "database": "accreditrack",
        "sessions": [],
        "prepared": [{"gid": "g", "user": "app", "age": 5, "xid": "764", "locks": []}],
    }
    (item,) = pl.classify(snapshot)
    assert (item["database"], item["xid"], item["pid"]) == ("accreditrack", "764", None)


def recorded_snapshot(name: str) -> dict:
    return pl.parse_snapshot((FIXTURES / name).read_text(encoding="utf-8"))


def test_recorded_prepared_transaction_with_its_lock():
    """Recorded on PostgreSQL 17.12 (molecule lock_check): BEGIN; LOCK TABLE accounts_member IN
    ROW EXCLUSIVE MODE; PREPARE TRANSACTION 'ats_orphan'. Its locks in pg_locks carry the vxid
    of the backend that prepared it, not -1/xid: inspect.sql finds them through the xid lock."""
    snapshot = recorded_snapshot("snapshot-pg17-prepared-transaction.json")
    (item,) = pl.classify(snapshot, ["accounts_member"])
    assert (item["kind"], item["gid"], item["pid"]) == ("prepared", "ats_orphan", None)
    assert item["locks"] == [
        {"mode": "RowExclusiveLock", "granted": True, "relation": "public.accounts_member"}
    ]
    assert pl.terminate_candidates([item], "all_blockers", 0) == []
    row = pl.format_table([item]).splitlines()[1]
    assert row.split()[:4] == ["-", "accreditrack", "gid=ats_orphan", "prepared"]
    assert "RowExclusive public.accounts_member" in row


def test_recorded_pg_dump_waiting_behind_an_exclusive_lock():
    """Recorded on PostgreSQL 17.12 (molecule lock_check): `ats_dump_blocker` idle in transaction
    with AccessExclusive on accounts_accreditation; pg_dump waits on its one LOCK TABLE of every
    table, holding AccessShare on those before it."""
    offenders = by_app(pl.classify(recorded_snapshot("snapshot-pg17-pg-dump-waiting.json")))
    dump = offenders["pg_dump"]
    assert dump["reasons"] == [pl.PG_DUMP, pl.TABLE_LOCK]
    assert dump["query"].startswith("LOCK TABLE public.")
    assert dump["blocked_by"] == [offenders["ats_dump_blocker"]["pid"]]
    pids = pl.terminate_candidates(list(offenders.values()), "all_blockers", 0)
    assert pids == [offenders["ats_dump_blocker"]["pid"]]
    text = pl.report(list(offenders.values()), database="accreditrack")
    assert f"unnest('{{{offenders['ats_dump_blocker']['pid']}}}'::int[])" in text
    assert f"A pg_dump is running (pid {dump['pid']})" in text


def test_a_table_dropped_then_created_again_stays_a_target():
    sql = 'BEGIN;\nDROP TABLE "legacy_log";\nCREATE TABLE "legacy_log" ("id" bigint);\nCOMMIT;\n'
    targets = pl.migration_targets([("legacy.0002_rebuild", sql)])
    assert targets.tables == ("legacy_log",)  # the DROP locks the table that existed
    assert targets.created == ("legacy_log",)
    assert targets.whole_database is False


def test_a_new_table_referencing_itself_is_not_a_target():
    sql = (
        'CREATE TABLE "tree_node" ("id" bigint PRIMARY KEY, '
        '"parent_id" bigint REFERENCES "tree_node" ("id"), '
        '"owner_id" bigint REFERENCES "auth_user");'
    )
    targets = pl.migration_targets([("tree.0001_initial", sql)])
    assert targets.tables == ("auth_user",)
    assert targets.created == ("tree_node",)

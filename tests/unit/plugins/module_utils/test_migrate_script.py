# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The in-Django migrate program: its pure functions, its input and the reading of its output."""

from __future__ import annotations

import ast
import json
from types import SimpleNamespace

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _migrate_script as ms

NS = ms.script_namespace()


def test_script_compiles_for_python_3_8():
    ast.parse(ms.SCRIPT, feature_version=(3, 8))


def test_script_does_not_run_main_outside_the_bootstrap():
    namespace = ms.script_namespace()
    assert "main" in namespace  # defined, and importing it ran nothing (no Django here)


def test_bootstrap_reads_stdin_in_a_namespace_of_its_own():
    assert "sys.stdin.read()" in ms.BOOTSTRAP
    assert "__accreditrack_migrate__" in ms.BOOTSTRAP
    assert "\n" not in ms.BOOTSTRAP  # one argv element, no shell involved


def test_payload_sets_config_then_the_program():
    config = {"marker": "@@m", "app": "accounts", "target": 'it\'s "quoted"\n'}
    payload = ms.build_payload(config)
    namespace = {}
    exec(
        compile(payload.split("\n", 2)[0] + "\n" + payload.split("\n", 2)[1], "p", "exec"),
        namespace,
    )
    assert namespace["CONFIG"] == config
    assert payload.endswith(ms.SCRIPT)


def test_markers_are_random():
    assert ms.new_marker() != ms.new_marker()
    assert ms.new_marker().startswith("@@accreditrack-")


def frame(marker, name, text):
    return f"\n{marker} BEGIN {name}\n{text}\n{marker} END {name}\n"


def test_extract_sections_ignores_everything_outside_markers():
    m = "@@accreditrack-abc"
    stdout = (
        "settings loaded\n[ ] not a listing\n"
        + frame(m, "before", "accounts\n [X] 0001_initial\n")
        + "noise between sections\n"
        + frame(m, "result", json.dumps({"error": None}))
        + "trailing noise\n"
    )
    sections = ms.extract_sections(stdout, m)
    assert set(sections) == {"before", "result"}
    assert sections["before"].strip("\n") == "accounts\n [X] 0001_initial"
    assert json.loads(sections["result"]) == {"error": None}


def test_extract_sections_other_markers_are_text():
    sections = ms.extract_sections(frame("@@other", "before", "x"), "@@mine")
    assert sections == {}


def test_extract_sections_crlf_and_unterminated():
    m = "@@m"
    stdout = (
        f"{m} BEGIN before\r\nlisting\r\n{m} END before\r\n{m} BEGIN migrate-1\r\n"
        "  Applying accounts.0005_x..."
    )
    sections = ms.extract_sections(stdout, m)
    assert sections["before"] == "listing"
    assert sections["migrate-1"] == "  Applying accounts.0005_x..."
    assert sections["__unterminated__"] == "migrate-1"


SQUASH = "0001_squashed_0004_d"
REPLACED = ["0001_initial", "0002_b", "0003_c", "0004_d"]
DISK = sorted([*REPLACED, SQUASH, "0005_e"])


@pytest.mark.parametrize(
    ("target", "graph", "expected", "note"),
    [
        pytest.param("zero", [SQUASH, "0005_e"], None, None, id="zero"),
        pytest.param("0005_e", [SQUASH, "0005_e"], "0005_e", None, id="full-name"),
        pytest.param("0005", [SQUASH, "0005_e"], "0005_e", None, id="unique-prefix"),
        pytest.param(
            "0004",
            [SQUASH, "0005_e"],
            SQUASH,
            "which ends with it",
            id="last-replaced-maps-to-squash",
        ),
        pytest.param(SQUASH, [SQUASH, "0005_e"], SQUASH, None, id="squash-in-use"),
        pytest.param(
            SQUASH,
            [*REPLACED, "0005_e"],
            "0004_d",
            "not in use yet",
            id="unused-squash-maps-to-its-last-replaced",
        ),
        pytest.param(
            "0002", [*REPLACED, "0005_e"], "0002_b", None, id="replaced-while-squash-unused"
        ),
    ],
)
def test_resolve_target(target, graph, expected, note):
    squashes = {SQUASH: REPLACED}
    name, got_note = NS["resolve_target"]("accounts", target, DISK, graph, squashes)
    assert name == expected
    if note is None:
        assert got_note is None
    else:
        assert note in got_note


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param(
            "0002",
            "was replaced by the squashed migration accounts.0001_squashed_0004_d",
            id="middle-of-squash",
        ),
        pytest.param(
            "0001",
            "More than one migration matches '0001' in app 'accounts': "
            "0001_initial, 0001_squashed_0004_d",
            id="ambiguous-lists-candidates",
        ),
        pytest.param(
            "0009", "Cannot find a migration matching '0009' from app 'accounts'", id="unknown"
        ),
    ],
)
def test_resolve_target_refuses(target, message):
    with pytest.raises(NS["TargetError"], match=message.replace("(", r"\(").replace(")", r"\)")):
        NS["resolve_target"]("accounts", target, DISK, [SQUASH, "0005_e"], {SQUASH: REPLACED})


def test_exact_name_wins_over_prefix_match():
    disk = ["0002_x", "0002_x_y"]
    assert NS["resolve_target"]("a", "0002_x", disk, disk, {}) == ("0002_x", None)


class Op:
    def __init__(self, description, reversible=True):
        self.description = description
        self.reversible = reversible

    def describe(self):
        return self.description


class Broken:
    reversible = True

    def describe(self):
        raise RuntimeError("no")


def migration(app, name, *operations, atomic=True):
    return SimpleNamespace(app_label=app, name=name, atomic=atomic, operations=list(operations))


def test_plan_records_and_irreversible_rule():
    plan = [
        (migration("accounts", "0004_fill", Op("Raw Python operation", reversible=False)), True),
        (migration("accounts", "0003_x", Op("Add field x"), Broken(), atomic=False), True),
        (migration("courses", "0001_initial", Op("Raw Python operation", False)), False),
    ]
    records = NS["plan_records"](plan)
    assert [r["migration"] for r in records] == [
        "accounts.0004_fill",
        "accounts.0003_x",
        "courses.0001_initial",
    ]
    assert records[0]["operations"][0] == {
        "description": "Raw Python operation",
        "type": "Op",
        "reversible": False,
        "irreversible": True,
    }
    assert records[1]["atomic"] is False
    assert records[1]["operations"][1]["description"] == "Broken"
    # Forwards, an operation without a reverse is fine: only backward steps count.
    assert records[2]["operations"][0]["irreversible"] is False
    assert NS["irreversible_steps"](records) == [
        {"migration": "accounts.0004_fill", "operation": "Raw Python operation"}
    ]


class PgError(Exception):
    def __init__(self, message, pgcode=None):
        super().__init__(message)
        self.pgcode = pgcode


class Psycopg3Error(Exception):
    sqlstate = "55P03"


def wrapped(cause, outer=Exception):
    try:
        try:
            raise cause
        except Exception as exc:
            raise outer("wrapped") from exc
    except Exception as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        pytest.param(wrapped(PgError("x", "55P03")), True, id="psycopg2-pgcode-in-cause"),
        pytest.param(wrapped(Psycopg3Error("x")), True, id="psycopg3-sqlstate"),
        pytest.param(Exception("canceling statement due to lock timeout"), True, id="message"),
        pytest.param(wrapped(PgError("deadlock detected", "40P01")), False, id="deadlock"),
        pytest.param(
            wrapped(PgError("canceling statement due to statement timeout", "57014")),
            False,
            id="statement-timeout",
        ),
        pytest.param(RuntimeError("boom"), False, id="other"),
    ],
)
def test_is_lock_timeout(exc, expected):
    assert NS["is_lock_timeout"](exc) is expected


def test_error_record_has_sqlstate_and_traceback():
    record = NS["error_record"](wrapped(PgError("lock", "55P03")), "migrate", "a.0002_x")
    assert record["pgcode"] == "55P03"
    assert record["lock_timeout"] is True
    assert record["migration"] == "a.0002_x"
    assert "Traceback" in record["traceback"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "  Applying a.0001_initial... OK\n  Applying a.0002_x...", "a.0002_x", id="applying"
        ),
        pytest.param("  Applying a.0001_initial... OK\n", None, id="all-done"),
        pytest.param(
            "  Unapplying a.0003_y... OK\n  Unapplying a.0002_x...\nTraceback",
            "a.0002_x",
            id="unapplying",
        ),
        pytest.param("  Applying a.0001_initial... FAKED\n", None, id="faked"),
        pytest.param("Operations to perform:\n  Apply all migrations: a\n", None, id="none"),
    ],
)
def test_in_progress(text, expected):
    assert NS["in_progress"](text) == expected


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 10])
def test_backoff_delay_is_exponential_with_jitter(attempt):
    low = NS["backoff_delay"](attempt, 2.0, rand=lambda: 0.0)
    high = NS["backoff_delay"](attempt, 2.0, rand=lambda: 1.0)
    full = min(60.0, 2.0 * 2 ** (attempt - 1))
    assert low == pytest.approx(full / 2)
    assert high == pytest.approx(full)


@pytest.mark.parametrize(
    ("config", "base"),
    [
        pytest.param({"retry_delay": 0.0}, 0.0, id="zero-is-honoured"),
        pytest.param({"retry_delay": 0}, 0.0, id="int-zero-is-honoured"),
        pytest.param({"retry_delay": 2.5}, 2.5, id="given"),
        pytest.param({}, 1.0, id="unset"),
    ],
)
def test_retry_delay_zero_retries_at_once(config, base):
    assert NS["retry_base"](config) == base
    assert NS["backoff_delay"](3, NS["retry_base"](config), rand=lambda: 1.0) == min(60, base * 4)


def test_the_script_sleeps_the_delay_retry_base_gives():
    assert "backoff_delay(attempt, retry_base(CONFIG))" in ms.SCRIPT
    assert 'CONFIG.get("retry_delay") or' not in ms.SCRIPT


def test_tee_writes_through_and_keeps_a_copy():
    class Stream:
        def __init__(self):
            self.parts = []
            self.flushed = 0

        def write(self, text):
            self.parts.append(text)

        def flush(self):
            self.flushed += 1

    stream = Stream()
    tee = NS["Tee"](stream)
    tee.write("a")
    assert stream.flushed == 1  # every write at once: a killed process loses nothing it printed
    tee.write("b")
    tee.flush()
    assert tee.text() == "ab" == "".join(stream.parts)
    assert stream.flushed == 3
    assert tee.isatty() is False


def test_step_markers_surround_each_migration_flushed():
    class Out:
        def __init__(self):
            self.parts = []

        def write(self, text):
            self.parts.append(text)

    out = Out()

    class Command:
        def migration_progress_callback(self, action, migration=None, fake=False):
            if action == "apply_start":
                out.write(f"  Applying {migration.app_label}.{migration.name}...")
            elif action == "apply_success":
                out.write(" OK\n")
            elif action == "render_start":
                out.write("  Rendering model states...")
            return "original"

    namespace = ms.script_namespace()
    namespace["CONFIG"]["marker"] = "@@m"
    command = namespace["add_step_markers"](Command(), out)
    migration = SimpleNamespace(app_label="accounts", name="0005_x")
    assert command.migration_progress_callback("render_start") == "original"
    command.migration_progress_callback("apply_start", migration, False)
    command.migration_progress_callback("apply_success", migration, False)
    command.migration_progress_callback("unapply_start", migration, False)
    assert "".join(out.parts) == (
        "  Rendering model states..."
        "@@m STEP apply_start accounts.0005_x\n"
        "  Applying accounts.0005_x... OK\n"
        "@@m STEP apply_success accounts.0005_x\n"
        "@@m STEP unapply_start accounts.0005_x\n"
    )


def test_step_markers_leave_a_command_without_the_callback_alone():
    command = SimpleNamespace()
    assert NS["add_step_markers"](command, None) is command
    assert not hasattr(command, "migration_progress_callback")


def test_the_migrate_call_goes_through_the_step_markers():
    assert "add_step_markers(migrate_command(), tee)" in ms.SCRIPT
    assert 'section("plan", json.dumps(records' in ms.SCRIPT
    # the plan section is printed before the migrate attempts
    assert ms.SCRIPT.index('section("plan"') < ms.SCRIPT.index('"migrate-%d" % attempt')


def test_extract_sections_keeps_step_lines_apart():
    m = "@@m"
    stdout = (
        frame(m, "plan", "[]") + f"\n{m} BEGIN migrate-1\nRunning migrations:\n"
        f"{m} STEP apply_start accounts.0004_a\n  Applying accounts.0004_a... OK\n"
        f"{m} STEP apply_success accounts.0004_a\n"
        f"{m} STEP apply_start accounts.0005_b\n  Applying accounts.0005_b..."
    )
    sections = ms.extract_sections(stdout, m)
    assert sections["migrate-1"] == (
        "Running migrations:\n  Applying accounts.0004_a... OK\n  Applying accounts.0005_b..."
    )
    assert sections["__steps__"] == (
        "migrate-1 apply_start accounts.0004_a\n"
        "migrate-1 apply_success accounts.0004_a\n"
        "migrate-1 apply_start accounts.0005_b"
    )
    assert sections["__unterminated__"] == "migrate-1"
    # Another run's marker is text, never a step.
    other = ms.extract_sections(f"\n{m} BEGIN migrate-1\n@@x STEP apply_start a.b\n", m)
    assert "__steps__" not in other and "@@x STEP" in other["migrate-1"]


def at(minute):
    from datetime import datetime, timezone

    return datetime(2026, 11, 24, 12, minute, tzinfo=timezone.utc)


def test_known_names_include_what_squashes_replace():
    loader = SimpleNamespace(
        disk_migrations={
            ("core", "0001_squashed_0016_x"): SimpleNamespace(
                replaces=[("core", "0001_initial"), ("core", "0016_x")]
            ),
            ("core", "0017_y"): SimpleNamespace(replaces=[]),
            ("other", "0001_initial"): SimpleNamespace(replaces=None),
        }
    )
    assert NS["known_names"](loader, "core") == {
        "0001_squashed_0016_x",
        "0001_initial",
        "0016_x",
        "0017_y",
    }


def test_classify_unknown_marks_rows_newer_than_the_known_state_as_ahead():
    rows = [
        ("courses", "0001_initial", at(1)),
        ("courses", "0002_level", at(2)),
        ("courses", "0004_newer", at(9)),  # a newer release migrated the database
        ("courses", "0003_newer", at(8)),
        ("core", "0005_deleted_after_squash", at(1)),  # history, before the squash row
        ("core", "0001_squashed_0005", at(3)),
        ("fresh", "0001_initial", at(4)),  # nothing of "fresh" known is applied
    ]
    known = {
        "courses": {"0001_initial", "0002_level"},
        "core": {"0001_squashed_0005"},
        "fresh": {"0001_other"},
    }
    found = NS["classify_unknown"](rows, known)
    assert [(f["migration"], f["ahead"]) for f in found] == [
        ("core.0005_deleted_after_squash", False),
        ("courses.0003_newer", True),
        ("courses.0004_newer", True),
        ("fresh.0001_initial", True),
    ]
    assert found[1]["applied"] == "2026-11-24T12:08:00+00:00"


def test_classify_unknown_nothing_unknown():
    rows = [("a", "0001_initial", at(1)), ("a", "0002_x", None)]
    assert NS["classify_unknown"](rows, {"a": {"0001_initial", "0002_x"}}) == []


# --- the plan's SQL, as sqlmigrate prints it (lock_targets) -----------------------------------


class FakeConnection:
    """What sqlmigrate_text() and lock_sql() use of a Django connection."""

    def __init__(self, can_rollback_ddl=True, tables=(), fail_introspection=False):
        self.features = SimpleNamespace(can_rollback_ddl=can_rollback_ddl)
        self.ops = SimpleNamespace(
            start_transaction_sql=lambda: "BEGIN;", end_transaction_sql=lambda: "COMMIT;"
        )
        self.introspection = SimpleNamespace(table_names=self._table_names)
        self.tables = list(tables)
        self.fail_introspection = fail_introspection

    def _table_names(self, cursor=None):
        if self.fail_introspection:
            raise RuntimeError("no catalog")
        return list(self.tables)

    def cursor(self):
        class Cursor:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        return Cursor()


class FakeLoader:
    """A MigrationLoader(replace_migrations=False): every node, and collect_sql() of one step."""

    def __init__(self, migrations, sql, fail=()):
        self.disk_migrations = {(m.app_label, m.name): m for m in migrations}
        self.graph = SimpleNamespace(nodes=dict(self.disk_migrations))
        self.sql = sql
        self.fail = set(fail)
        self.plans = []

    def collect_sql(self, plan):
        self.plans.append(plan)
        (migration, backwards), *rest = plan
        assert rest == [] and backwards is False  # one forward step, as sqlmigrate does
        key = (migration.app_label, migration.name)
        if key in self.fail:
            raise ValueError("Found wrong number (0) of foreign key constraints")
        return list(self.sql.get(key, []))


def node(app, name, atomic=True, replaces=()):
    return SimpleNamespace(app_label=app, name=name, atomic=atomic, replaces=list(replaces))


@pytest.mark.parametrize(
    ("statements", "atomic", "rollback_ddl", "expected"),
    [
        pytest.param(
            ["--", "-- Add field x", "--", 'ALTER TABLE "a" ADD COLUMN "x" int NULL;'],
            True,
            True,
            'BEGIN;\n--\n-- Add field x\n--\nALTER TABLE "a" ADD COLUMN "x" int NULL;\nCOMMIT;\n',
            id="atomic-begin-commit",
        ),
        pytest.param(
            ['CREATE INDEX CONCURRENTLY "i" ON "a" ("x");'],
            False,
            True,
            'CREATE INDEX CONCURRENTLY "i" ON "a" ("x");\n',
            id="non-atomic-no-transaction",
        ),
        pytest.param(
            ["ALTER TABLE a ADD x int;"],
            True,
            False,
            "ALTER TABLE a ADD x int;\n",
            id="no-ddl-rollback",
        ),
        pytest.param([], True, True, "", id="no-operation-prints-nothing"),
        pytest.param(
            ["UPDATE a SET x = 1;\n"], False, True, "UPDATE a SET x = 1;\n", id="ends-with-newline"
        ),
    ],
)
def test_sqlmigrate_text_is_what_sqlmigrate_prints(statements, atomic, rollback_ddl, expected):
    migration = node("shop", "0002_x", atomic=atomic)
    loader = FakeLoader([migration], {("shop", "0002_x"): statements})
    text = NS["sqlmigrate_text"](loader, FakeConnection(rollback_ddl), ("shop", "0002_x"))
    assert text == expected
    assert loader.plans == [[(migration, False)]]


def test_squash_notes_name_both_sides_of_a_squash():
    disk = {
        ("shop", "0001_initial"): node("shop", "0001_initial"),
        ("shop", "0002_b"): node("shop", "0002_b"),
        ("shop", "0001_squashed_0002_b"): node(
            "shop", "0001_squashed_0002_b", replaces=[("shop", "0001_initial"), ("shop", "0002_b")]
        ),
        ("shop", "0003_c"): node("shop", "0003_c"),
    }
    notes = NS["squash_notes"](disk)
    assert notes == {
        ("shop", "0001_squashed_0002_b"): "replaces shop.0001_initial, shop.0002_b",
        ("shop", "0001_initial"): "replaced by shop.0001_squashed_0002_b",
        ("shop", "0002_b"): "replaced by shop.0001_squashed_0002_b",
    }


def plan_record(app, name, backwards=False):
    return {"app": app, "name": name, "migration": f"{app}.{name}", "backwards": backwards}


def test_lock_sql_forward_steps_in_plan_order_with_what_cannot_be_trusted():
    migrations = [
        node("shop", "0002_b"),
        node(
            "shop", "0001_squashed_0002_b", replaces=[("shop", "0001_initial"), ("shop", "0002_b")]
        ),
        node("shop", "0003_c"),
        node("shop", "0004_d"),
        node("blog", "0001_initial"),
    ]
    sql = {
        ("shop", "0002_b"): ["ALTER TABLE b;"],
        ("shop", "0003_c"): ["ALTER TABLE c;"],
        ("shop", "0004_d"): [],
    }
    loader = FakeLoader(migrations, sql, fail=[("shop", "0003_c")])
    records = [
        plan_record("shop", "0002_b"),
        plan_record("shop", "0003_c"),
        plan_record("shop", "0004_d"),
        plan_record("blog", "0001_initial", backwards=True),
    ]
    connection = FakeConnection(tables=["shop_c", "django_migrations"])
    out = NS["lock_sql"](connection, records, make_loader=lambda conn: loader)
    assert out["sql"] == [["shop.0002_b", "BEGIN;\nALTER TABLE b;\nCOMMIT;\n"], ["shop.0004_d", ""]]
    assert out["errors"] == [
        ["shop.0003_c", "ValueError: Found wrong number (0) of foreign key constraints"]
    ]
    assert out["backwards"] == ["blog.0001_initial"]
    assert out["squashes"] == [["shop.0002_b", "replaced by shop.0001_squashed_0002_b"]]
    assert out["existing_tables"] == ["django_migrations", "shop_c"]
    assert out["error"] is None
    assert out["seconds"] >= 0


def test_lock_sql_never_raises():
    def broken(connection):
        raise RuntimeError("NodeNotFoundError: nonexistent parent")

    out = NS["lock_sql"](FakeConnection(), [plan_record("a", "0001_x")], make_loader=broken)
    assert out["error"] == "RuntimeError: NodeNotFoundError: nonexistent parent"
    assert out["sql"] == []
    loader = FakeLoader([node("a", "0001_x")], {("a", "0001_x"): ["ALTER TABLE a;"]})
    out = NS["lock_sql"](
        FakeConnection(fail_introspection=True),
        [plan_record("a", "0001_x")],
        make_loader=lambda conn: loader,
    )
    assert out["sql"] == [["a.0001_x", "BEGIN;\nALTER TABLE a;\nCOMMIT;\n"]]
    assert out["error"] == "RuntimeError: no catalog"


class _Cursor:
    """A DB-API cursor that answers current_setting() from a dict (the server's values)."""

    def __init__(self, server):
        self.server, self.row = server, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params):
        assert sql == "SELECT current_setting(%s)"
        self.row = (self.server[params[0]],)

    def fetchone(self):
        return self.row


def _connection(server, alias="default"):
    return SimpleNamespace(alias=alias, cursor=lambda: _Cursor(server))


@pytest.fixture
def expected_settings():
    NS["CONFIG_ALIAS"][0] = "default"
    NS["EXPECTED_SETTINGS"].clear()
    NS["EXPECTED_SETTINGS"].update({"lock_timeout": "3s", "statement_timeout": "1min"})
    yield NS["EXPECTED_SETTINGS"]
    NS["EXPECTED_SETTINGS"].clear()


def test_lost_settings_lists_only_what_differs():
    lost = NS["lost_settings"](
        {"lock_timeout": "3s", "statement_timeout": "1min"},
        {"lock_timeout": "0", "statement_timeout": "1min"},
    )
    assert lost == [("lock_timeout", "0", "3s")]


def test_session_settings_kept_inside_the_transaction_pass(expected_settings):
    NS["check_session_settings"](_connection({"lock_timeout": "3s", "statement_timeout": "1min"}))


def test_settings_lost_behind_a_transaction_pooler_fail_naming_the_pooler(expected_settings):
    with pytest.raises(NS["SessionSettingLost"]) as caught:
        NS["check_session_settings"](_connection({"lock_timeout": "0", "statement_timeout": "0"}))
    message = str(caught.value)
    assert "lock_timeout is '0' where this run set '3s'" in message
    assert "statement_timeout is '0' where this run set '1min'" in message
    assert "pool_mode = transaction" in message and "pool_mode = session" in message
    assert "No statement of this migration ran" in message


def test_session_settings_of_another_alias_or_none_requested_are_not_checked(expected_settings):
    NS["check_session_settings"](_connection({"lock_timeout": "0"}, alias="other"))
    expected_settings.clear()
    NS["check_session_settings"](_connection({}))


# --- describe_schema_changes never raises ------------------------------------------------------


class _Op:
    def __init__(self, text, fail=False):
        self.text, self.fail = text, fail

    def describe(self):
        return self.text

    def state_forwards(self, app_label, state):
        if self.fail:
            raise RuntimeError("state cannot move")


def _plan(*operations, backwards=False):
    migration = SimpleNamespace(
        app_label="accounts", name="0002_x", operations=list(operations), atomic=True
    )
    return [(migration, backwards)]


def test_schema_changes_are_unknown_when_the_applied_state_cannot_be_built():
    pytest.importorskip("django")
    plan = _plan(_Op("Op one"), _Op("Op two"))
    records = NS["plan_records"](plan)

    class Executor:
        def _create_project_state(self, with_applied_migrations):
            raise KeyError("accounts.0001")

    NS["add_schema_changes"](records, plan, Executor(), None)
    changes = records[0]["schema_changes"]
    assert [(c["index"], c["kind"], c["operation"]) for c in changes] == [
        (0, "unknown", "Op one"),
        (1, "unknown", "Op two"),
    ]
    assert "cannot be built: KeyError" in changes[0]["reason"]


def test_schema_changes_after_an_operation_the_state_cannot_pass_are_unknown():
    pytest.importorskip("django")
    from django.db.migrations.state import ProjectState

    plan = _plan(_Op("Custom"), _Op("Breaks", fail=True), _Op("After"))
    records = NS["plan_records"](plan)

    class Executor:
        def _create_project_state(self, with_applied_migrations):
            return ProjectState()

    NS["add_schema_changes"](records, plan, Executor(), None)
    changes = records[0]["schema_changes"]
    assert [c["kind"] for c in changes] == ["other", "unknown", "unknown"]
    assert "RuntimeError: state cannot move" in changes[1]["reason"]
    assert "cannot be carried past accounts.0002_x" in changes[2]["reason"]


def test_backward_steps_get_no_schema_changes():
    plan = _plan(_Op("Op"), backwards=True)
    records = NS["plan_records"](plan)
    NS["add_schema_changes"](records, plan, None, None)
    assert "schema_changes" not in records[0]

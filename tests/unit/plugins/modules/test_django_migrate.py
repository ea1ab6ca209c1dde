# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""django_migrate: option checks, state comparison, and the reading of the program's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _migrate_script as ms
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_locks import migration_targets
from ansible_collections.accreditrack.ops.plugins.modules import django_migrate as dm

ACCOUNTS = ["0001_initial", "0002_contact_email", "0003_populate", "0004_normalize"]


def listing(applied: dict[str, int], apps: dict[str, list[str]] | None = None) -> str:
    """showmigrations list text: `applied[app]` first migrations of each app are [X]."""
    apps = apps or {"accounts": ACCOUNTS, "auth": ["0001_initial"]}
    lines = []
    for app in sorted(apps):
        lines.append(app)
        for i, name in enumerate(apps[app]):
            lines.append(f" [{'X' if i < applied.get(app, 0) else ' '}] {name}")
    return "\n".join(lines) + "\n"


def step(app, name, backwards=False, irreversible=False):
    return {
        "app": app,
        "name": name,
        "migration": f"{app}.{name}",
        "backwards": backwards,
        "atomic": True,
        "operations": [
            {
                "description": "op",
                "type": "RunPython",
                "reversible": not irreversible,
                "irreversible": backwards and irreversible,
            }
        ],
    }


def result(**overrides):
    base = {
        "attempts": [],
        "error": None,
        "plan": [],
        "irreversible": [],
        "resolved_target": None,
        "target_note": None,
        "django_version": "4.2.30",
    }
    base.update(overrides)
    return json.dumps(base)


def interpret(sections, check_mode=False, **params):
    return dm.interpret(params, sections, check_mode, 0, "")


OK = {"attempt": 1, "ok": True, "error": None, "delay": None, "seconds": 0.2}


# --- options ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3s", "3s"),
        ("3 s", "3s"),
        ("500ms", "500ms"),
        ("1min", "1min"),
        ("0", "0"),
        (None, None),
        ("250", "250"),
    ],
)
def test_normalize_duration(value, expected):
    assert dm.normalize_duration(value) == expected


@pytest.mark.parametrize("value", ["3 seconds", "-1s", "3s; DROP TABLE x", "1.5s", "s"])
def test_normalize_duration_rejects(value):
    with pytest.raises(ValueError, match="not a PostgreSQL duration"):
        dm.normalize_duration(value)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"target": "0001"}, "target requires app"),
        ({"lock_timeout": "soon"}, "lock_timeout: "),
        ({"statement_timeout": "1 hour"}, "statement_timeout: "),
        ({"retries": -1}, "retries must be 0 or more"),
        ({"retry_delay": -0.5}, "retry_delay must be 0 or more"),
    ],
)
def test_validate_migrate_params(params, message):
    assert any(message in e for e in dm.validate_migrate_params(params))


def test_validate_migrate_params_accepts_defaults():
    params = {
        "app": "accounts",
        "target": "zero",
        "lock_timeout": "10s",
        "retries": 3,
        "retry_delay": 2.0,
    }
    assert dm.validate_migrate_params(params) == []


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (None, "-c lock_timeout=3s -c statement_timeout=1min"),
        ("", "-c lock_timeout=3s -c statement_timeout=1min"),
        ("-c search_path=app", "-c search_path=app -c lock_timeout=3s -c statement_timeout=1min"),
    ],
)
def test_merge_pgoptions_appends_after_the_users(existing, expected):
    settings = dm.session_settings({"lock_timeout": "3s", "statement_timeout": "1min"})
    assert dm.merge_pgoptions(existing, settings) == expected


def test_script_config():
    config = dm.script_config(
        {
            "app": "accounts",
            "target": "0003",
            "lock_timeout": "3s",
            "retries": 2,
            "retry_delay": 0.5,
            "allow_irreversible": False,
            "system_checks": True,
            "system_checks_args": ["--deploy"],
        },
        "@@m",
        True,
    )
    assert config == {
        "marker": "@@m",
        "app": "accounts",
        "target": "0003",
        "database": None,
        "allow_irreversible": False,
        "check_mode": True,
        "retries": 2,
        "retry_delay": 0.5,
        "session_settings": {"lock_timeout": "3s"},
        "system_checks": True,
        "system_checks_args": ["--deploy"],
        "lock_targets": False,
        "describe_schema_changes": False,
    }
    assert dm.script_config({"lock_targets": True}, "@@m", True)["lock_targets"] is True
    assert dm.script_config({"schema_changes": True}, "@@m", True)["describe_schema_changes"]
    assert dm.script_config({"retry_delay": 0.0}, "@@m", False)["retry_delay"] == 0.0


def test_system_checks_args_need_system_checks():
    params = {"system_checks_args": ["--deploy"], "system_checks": False, "retries": 0}
    assert "system_checks_args requires system_checks=true" in dm.validate_migrate_params(params)


def test_shell_args_run_the_bootstrap():
    assert dm.shell_args() == ["-c", ms.BOOTSTRAP]


def test_last_started_matches_the_programs_own_rule():
    namespace = ms.script_namespace()
    text = "  Applying a.0001_x... OK\n  Unapplying b.0002_y...\n"
    assert dm.last_started(text) == namespace["in_progress"](text) == "b.0002_y"


# --- state comparison -----------------------------------------------------------------------


def test_state_changes_in_plan_order():
    before = {"a.1": True, "a.2": False, "b.1": False}
    after = {"a.1": True, "a.2": True, "b.1": True}
    plan = [step("b", "1"), step("a", "2")]
    assert dm.state_changes(before, after, plan) == (["b.1", "a.2"], [])


def test_state_changes_backwards():
    before = {"a.1": True, "a.2": True}
    after = {"a.1": False, "a.2": False}
    plan = [step("a", "2", True), step("a", "1", True)]
    assert dm.state_changes(before, after, plan) == ([], ["a.2", "a.1"])


def test_state_changes_squash_coming_into_use():
    # Before: part of a squash applied, Django lists the replaced migrations. After: it lists the
    # squash. Replaced migrations that left the listing are not "unapplied".
    before = {"a.0001_initial": True, "a.0002_b": False}
    after = {"a.0001_squashed_0002_b": True}
    plan = [step("a", "0002_b")]
    applied, unapplied = dm.state_changes(before, after, plan, migrated=True)
    assert unapplied == []
    assert applied == ["a.0002_b", "a.0001_squashed_0002_b"]


def test_predicted_state_and_diff_text():
    before = {"a.1": True, "a.2": False, "b.1": True}
    plan = [step("a", "2"), step("b", "1", backwards=True)]
    predicted = dm.predicted_state(before, plan)
    assert predicted == {"a.1": True, "a.2": True, "b.1": False}
    assert dm.diff_text(before) == "a.1\nb.1\n"
    assert dm.diff_text(predicted) == "a.1\na.2\n"


def test_partial_squash_is_not_in_the_applied_lines():
    assert dm.diff_text({"a.0001_squashed": "partial", "b.1": True}) == "b.1\n"


@pytest.mark.parametrize(
    ("after", "plan", "expected"),
    [
        ({"a.1": True}, [step("a", "1")], []),
        ({"a.1": False}, [step("a", "1")], ["a.1 is still not applied"]),
        ({"a.1": True}, [step("a", "1", True)], ["a.1 is still applied"]),
        ({}, [step("a", "1", True)], []),
    ],
)
def test_plan_violations(after, plan, expected):
    assert dm.plan_violations(after, plan) == expected


def parsed(applied):
    return dm.parse_state(listing(applied))[0]


@pytest.mark.parametrize(
    ("applied", "resolved", "expected"),
    [
        pytest.param({"accounts": 3}, "0003_populate", None, id="at-target"),
        pytest.param(
            {"accounts": 4},
            "0003_populate",
            "should be at 0003_populate, but its latest applied migration is 0004_normalize",
            id="ahead",
        ),
        pytest.param({"accounts": 0}, "zero", None, id="zero"),
        pytest.param(
            {"accounts": 1},
            "zero",
            "accounts should have no migration applied, but has accounts.0001_initial",
            id="zero-not-reached",
        ),
        pytest.param({"accounts": 2}, "0009_gone", None, id="target-left-the-listing"),
    ],
)
def test_target_violation(applied, resolved, expected):
    message = dm.target_violation(parsed(applied), "accounts", resolved)
    if expected is None:
        assert message is None
    else:
        assert expected in message


# --- the program's output ---------------------------------------------------------------------


def test_success_reports_changes_and_diff():
    plan = [step("accounts", "0002_contact_email"), step("accounts", "0003_populate")]
    sections = {
        "before": listing({"accounts": 1, "auth": 1}),
        "migrate-1": "  Applying accounts.0002_contact_email... OK\n"
        "  Applying accounts.0003_populate... OK",
        "after": listing({"accounts": 3, "auth": 1}),
        "result": result(plan=plan, attempts=[OK]),
    }
    out = interpret(sections)
    assert out["changed"] is True
    assert out["applied"] == ["accounts.0002_contact_email", "accounts.0003_populate"]
    assert out["unapplied"] == []
    assert out["after"]["latest_applied"]["accounts"] == "0003_populate"
    assert out["diff"]["before"] == "accounts.0001_initial\nauth.0001_initial\n"
    assert "accounts.0003_populate\n" in out["diff"]["after"]
    assert "Applying accounts.0003_populate... OK" in out["migrate_output"]


@pytest.mark.parametrize("rc", [1, 137, -9, 2])
def test_non_zero_exit_fails_even_when_the_result_section_says_success(rc):
    plan = [step("accounts", "0002_contact_email")]
    sections = {
        "before": listing({"accounts": 1, "auth": 1}),
        "migrate-1": "  Applying accounts.0002_contact_email... OK",
        "after": listing({"accounts": 2, "auth": 1}),
        "result": result(plan=plan, attempts=[OK]),
    }
    stderr = "line 1\nException ignored in atexit callback\nSegmentation fault\n"
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, rc, stderr)
    assert f"rc={rc}" in caught.value.msg
    assert "Segmentation fault" in caught.value.msg
    # What did happen is still reported honestly.
    assert caught.value.result["changed"] is True
    assert caught.value.result["applied"] == ["accounts.0002_contact_email"]


def test_non_zero_exit_fails_in_check_mode_and_with_nothing_to_do_too():
    sections = {
        "before": listing({"accounts": 4, "auth": 1}),
        "result": result(skipped_migrate=True),
    }
    with pytest.raises(dm.MigrateError, match=r"rc=3.*stderr: boom"):
        dm.interpret({}, sections, False, 3, "boom\n")
    with pytest.raises(dm.MigrateError, match=r"rc=3.*stderr: boom"):
        dm.interpret({}, sections, True, 3, "boom\n")


def test_non_zero_exit_is_added_to_the_programs_own_error():
    sections = {
        "before": listing({"accounts": 1}),
        "result": result(error={"stage": "plan", "type": "TargetError", "message": "No app x."}),
    }
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, 1, "oops\n")
    assert caught.value.msg.startswith("No app x.")
    assert "rc=1" in caught.value.msg and "stderr: oops" in caught.value.msg


def test_nothing_to_do_is_not_changed_and_after_is_before():
    sections = {
        "before": listing({"accounts": 4, "auth": 1}),
        "result": result(skipped_migrate=True),
    }
    out = interpret(sections)
    assert out["changed"] is False
    assert out["applied"] == out["unapplied"] == []
    assert out["after"] == out["before"]


def test_check_mode_predicts():
    plan = [step("accounts", "0004_normalize", backwards=True)]
    sections = {"before": listing({"accounts": 4, "auth": 1}), "result": result(plan=plan)}
    out = interpret(sections, check_mode=True, app="accounts", target="0003")
    assert out["changed"] is True
    assert out["unapplied"] == ["accounts.0004_normalize"]
    assert "accounts.0004_normalize" in out["diff"]["before"]
    assert "accounts.0004_normalize" not in out["diff"]["after"]
    assert out["after"] == out["before"]


def test_check_mode_with_empty_plan_is_not_changed():
    sections = {"before": listing({"accounts": 4, "auth": 1}), "result": result(plan=[])}
    assert interpret(sections, check_mode=True)["changed"] is False


def test_irreversible_plan_is_refused_with_migration_and_operation():
    plan = [step("accounts", "0004_normalize", backwards=True, irreversible=True)]
    irreversible = [{"migration": "accounts.0004_normalize", "operation": "Raw Python operation"}]
    error = {
        "stage": "irreversible",
        "type": "IrreversibleError",
        "message": "m",
        "migration": "accounts.0004_normalize",
    }
    sections = {
        "before": listing({"accounts": 4, "auth": 1}),
        "result": result(plan=plan, irreversible=irreversible, error=error),
    }
    with pytest.raises(dm.MigrateError) as caught:
        interpret(sections, app="accounts", target="0003")
    assert "Refusing to migrate accounts to 0003" in caught.value.msg
    assert "accounts.0004_normalize: Raw Python operation" in caught.value.msg
    assert "Nothing was changed" in caught.value.msg
    assert caught.value.result["changed"] is False
    assert caught.value.result["irreversible"] == irreversible
    assert caught.value.result["after"] == caught.value.result["before"]


V3_APPS = {"accounts": [*ACCOUNTS[:3], "0004_x", "0005_y"], "auth": ["0001_initial"]}


def test_failed_migration_is_named_and_after_is_the_state_after_failure():
    plan = [step("accounts", "0004_x"), step("accounts", "0005_y")]
    error = {
        "stage": "migrate",
        "type": "RuntimeError",
        "message": "boom",
        "pgcode": None,
        "migration": "accounts.0005_y",
        "traceback": "Traceback ...",
    }
    failed = {"attempt": 1, "ok": False, "error": error, "delay": None}
    sections = {
        "before": listing({"accounts": 3, "auth": 1}, V3_APPS),
        "migrate-1": "  Applying accounts.0004_x... OK\n  Applying accounts.0005_y...",
        "after": listing(
            {"accounts": 4, "auth": 1},
            {"accounts": [*ACCOUNTS[:3], "0004_x", "0005_y"], "auth": ["0001_initial"]},
        ),
        "result": result(plan=plan, attempts=[failed], error=error),
    }
    with pytest.raises(dm.MigrateError) as caught:
        interpret(sections)
    assert caught.value.msg == "Migration accounts.0005_y failed: RuntimeError: boom"
    assert caught.value.result["changed"] is True
    assert caught.value.result["applied"] == ["accounts.0004_x"]
    assert caught.value.result["after"]["latest_applied"]["accounts"] == "0004_x"
    assert "traceback" not in caught.value.result["error"]


def test_lock_timeout_after_retries_says_so():
    error = {
        "stage": "migrate",
        "type": "OperationalError",
        "pgcode": "55P03",
        "message": "canceling statement due to lock timeout",
        "migration": None,
    }
    attempts = [{"attempt": i, "ok": False, "error": error} for i in (1, 2, 3)]
    sections = {
        "before": listing({"accounts": 1, "auth": 1}),
        "migrate-3": "  Applying accounts.0002_contact_email...",
        "after": listing({"accounts": 1, "auth": 1}),
        "result": result(
            plan=[step("accounts", "0002_contact_email")], attempts=attempts, error=error
        ),
    }
    with pytest.raises(dm.MigrateError) as caught:
        interpret(sections)
    assert caught.value.msg == (
        "Migration accounts.0002_contact_email failed after 3 attempts (SQLSTATE 55P03): "
        "OperationalError: canceling statement due to lock timeout"
    )
    assert caught.value.result["changed"] is False


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(
            {
                "stage": "plan",
                "type": "TargetError",
                "message": "No installed app with label 'nope'.",
            },
            "No installed app with label 'nope'.",
            id="unknown-app",
        ),
        pytest.param(
            {
                "stage": "before",
                "type": "OperationalError",
                "message": 'could not translate host name "db" to address',
            },
            "Could not read the migration state: OperationalError: could not translate "
            'host name "db" to address',
            id="database-down",
        ),
        pytest.param(
            {"stage": "plan", "type": "InconsistentMigrationHistory", "message": "x"},
            "Cannot plan: InconsistentMigrationHistory: x",
            id="inconsistent",
        ),
    ],
)
def test_errors_before_migrate_change_nothing(error, message):
    before = listing({"accounts": 1}) if error["stage"] != "before" else None
    sections = {"result": result(error=error)}
    if before:
        sections["before"] = before
    with pytest.raises(dm.MigrateError) as caught:
        interpret(sections, app="nope")
    assert caught.value.msg == message
    assert caught.value.result["changed"] is False


def test_no_result_section_fails_with_django_message_and_migration_in_progress():
    sections = {
        "before": listing({"accounts": 1}),
        "migrate-1": "  Applying accounts.0002_x...",
        "__unterminated__": "migrate-1",
    }
    stderr = "Traceback (most recent call last):\n  File x\nMemoryError: out of memory\n"
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, 137, stderr)
    assert caught.value.msg == (
        "manage.py shell failed while migrating accounts.0002_x (rc=137): "
        "MemoryError: out of memory; accounts.0002_x is not atomic and may be partly applied"
    )


def killed_output(plan, *lines, marker="@@accreditrack-0123456789abcdef01234567"):
    """The sections of a program killed during migrate-1: the plan section, then `lines` - "STEP
    action app.name" for the program's step markers, anything else as Django printed it."""

    def frame(name, text):
        return f"\n{marker} BEGIN {name}\n{text}\n{marker} END {name}\n"

    body = "".join(f"{marker} {line}\n" if line.startswith("STEP ") else line for line in lines)
    stdout = (
        frame("before", listing({"accounts": 3, "auth": 1}))
        + frame("plan", json.dumps(plan))
        + f"\n{marker} BEGIN migrate-1\nRunning migrations:\n{body}"
    )
    return ms.extract_sections(stdout, marker)


def nonatomic(app, name):
    return {**step(app, name), "atomic": False}


@pytest.mark.parametrize("rc", [137, -9, 143, 1])
def test_killed_mid_non_atomic_migration_returns_an_error_record(rc):
    plan = [step("accounts", "0004_normalize"), nonatomic("accounts", "0005_concurrent_index")]
    sections = killed_output(
        plan,
        "STEP apply_start accounts.0004_normalize",
        "  Applying accounts.0004_normalize... OK\n",
        "STEP apply_success accounts.0004_normalize",
        "STEP apply_start accounts.0005_concurrent_index",
        "  Applying accounts.0005_concurrent_index...",
    )
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, rc, "")
    error = caught.value.result["error"]
    assert error["migration"] == "accounts.0005_concurrent_index"
    assert error["atomic"] is False
    assert error["killed"] is True
    assert error["rc"] == rc
    assert error["stage"] == "migrate"
    assert error["signal"] == {137: "SIGKILL", -9: "SIGKILL", 143: "SIGTERM", 1: None}[rc]
    assert (
        "accounts.0005_concurrent_index is not atomic and may be partly applied"
        in (error["message"])
    )
    assert "not atomic and may be partly applied" in caught.value.msg
    assert f"rc={rc}" in caught.value.msg
    assert caught.value.result["applied"] == ["accounts.0004_normalize"]
    assert caught.value.result["changed"] is True
    assert caught.value.result["plan"] == plan
    assert "STEP" not in caught.value.result["migrate_output"]


def test_killed_mid_atomic_migration_says_atomic():
    plan = [step("accounts", "0004_normalize")]
    sections = killed_output(
        plan, "STEP apply_start accounts.0004_normalize", "  Applying accounts.0004_normalize..."
    )
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, 137, "")
    error = caught.value.result["error"]
    assert (error["migration"], error["atomic"], error["killed"]) == (
        "accounts.0004_normalize",
        True,
        True,
    )
    assert caught.value.result["changed"] is False  # its transaction was rolled back
    assert "partly applied" not in caught.value.msg


def test_killed_migration_missing_from_the_plan_is_assumed_non_atomic():
    sections = killed_output(
        [], "STEP apply_start accounts.0009_other", "  Applying accounts.0009_other..."
    )
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, 137, "")
    assert caught.value.result["error"]["atomic"] is False


def test_killed_before_django_printed_applying_is_still_named_by_the_step_marker():
    # The STEP line is flushed before the migration starts, Django's line may be lost.
    plan = [nonatomic("accounts", "0005_concurrent_index")]
    sections = killed_output(plan, "STEP apply_start accounts.0005_concurrent_index")
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, -9, "")
    assert caught.value.result["error"]["migration"] == "accounts.0005_concurrent_index"
    assert caught.value.result["error"]["atomic"] is False


def test_killed_between_migrations_names_none_and_nothing_is_half_applied():
    plan = [nonatomic("accounts", "0004_normalize")]
    sections = killed_output(
        plan,
        "STEP apply_start accounts.0004_normalize",
        "  Applying accounts.0004_normalize... OK\n",
        "STEP apply_success accounts.0004_normalize",
    )
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, sections, False, 137, "")
    error = caught.value.result["error"]
    assert (error["migration"], error["atomic"], error["killed"]) == (None, True, True)
    assert caught.value.result["applied"] == ["accounts.0004_normalize"]


def test_killed_after_a_lock_timeout_retry_names_the_migration_running_last():
    events = [
        ("migrate-1", "apply_start accounts.0004_normalize"),
        ("migrate-2", "apply_start accounts.0004_normalize"),
        ("migrate-2", "apply_success accounts.0004_normalize"),
        ("migrate-2", "unapply_start accounts.0003_populate"),
    ]
    sections = {"__steps__": "\n".join(f"{a} {b}" for a, b in events)}
    assert dm.running_migration(sections, "") == "accounts.0003_populate"
    assert dm.finished_steps(sections) == (["accounts.0004_normalize"], [])


def test_running_migration_falls_back_to_djangos_lines_without_step_markers():
    text = "  Applying a.0001_x... OK\n  Applying b.0002_y..."
    assert dm.running_migration({}, text) == "b.0002_y"


def test_process_that_never_reached_migrate_names_no_migration():
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret({}, {"before": listing({"accounts": 1})}, False, 137, "")
    error = caught.value.result["error"]
    assert (error["stage"], error["migration"], error["atomic"]) == ("process", None, True)
    assert caught.value.result["changed"] is False


def test_stdin_not_passed_through_says_so():
    with pytest.raises(dm.MigrateError, match="the runner must pass stdin through"):
        dm.interpret({}, {}, False, 0, "")


def test_nothing_at_all_fails_and_is_never_nothing_pending():
    with pytest.raises(dm.MigrateError, match=r"rc=1\): settings broken"):
        dm.interpret({}, {}, False, 1, "settings broken\n")


def test_success_that_changed_nothing_it_should_have_fails():
    # Django 4.2 prints "No migrations to apply." and exits 0 when a rollback target was
    # replaced by a squash: the plan said unapply, the state says applied.
    plan = [step("accounts", "0004_normalize", backwards=True)]
    sections = {
        "before": listing({"accounts": 4, "auth": 1}),
        "migrate-1": "Running migrations:\n  No migrations to apply.",
        "after": listing({"accounts": 4, "auth": 1}),
        "result": result(plan=plan, attempts=[OK], resolved_target="0003_populate"),
    }
    with pytest.raises(dm.MigrateError) as caught:
        interpret(sections, app="accounts", target="0003")
    assert "accounts.0004_normalize is still applied" in caught.value.msg
    assert "should be at 0003_populate" in caught.value.msg
    assert caught.value.result["changed"] is False


UNREADABLE = "accounts\n [X] 0001_initial\n [Y] something new\n [ ] 0002_b\n"


def test_parse_state_fails_closed_on_a_line_it_cannot_account_for():
    parsed_state, problem = dm.parse_state(UNREADABLE)
    assert parsed_state is None
    assert "line 3: unrecognised line inside the listing: '[Y] something new'" in problem


def test_unreadable_state_before_fails_the_module_quoting_the_line():
    sections = {"before": UNREADABLE, "result": result(plan=[])}
    with pytest.raises(dm.MigrateError) as caught:
        interpret(sections)
    assert caught.value.msg.startswith("Cannot read the state before")
    assert "line 3" in caught.value.msg and "'[Y] something new'" in caught.value.msg


def test_unreadable_state_after_fails_the_module_quoting_the_line():
    plan = [step("accounts", "0002_contact_email")]
    sections = {
        "before": listing({"accounts": 1, "auth": 1}),
        "migrate-1": "Running migrations:\n  Applying accounts.0002_contact_email... OK",
        "after": UNREADABLE,
        "result": result(plan=plan, attempts=[OK]),
    }
    with pytest.raises(dm.MigrateError) as caught:
        interpret(sections)
    assert caught.value.msg.startswith("migrate succeeded but the state after could not be read")
    assert "line 3" in caught.value.msg and "'[Y] something new'" in caught.value.msg
    assert caught.value.result["changed"] is True


# --- lock targets (lock_targets=true) -----------------------------------------------------------

SQLMIGRATE = Path(__file__).resolve().parents[3] / "fixtures" / "lock_check" / "sqlmigrate"


def recorded_sql(name: str) -> tuple[str, str]:
    """(label, sql) of a recorded `sqlmigrate` output (Django 4.2, the example app)."""
    path = SQLMIGRATE / f"django4.2-{name}.sql"
    return name.split("-")[-1], path.read_text(encoding="utf-8")


def lock_sql(pairs, **overrides):
    base = {
        "sql": [list(pair) for pair in pairs],
        "errors": [],
        "backwards": [],
        "squashes": [],
        "existing_tables": [],
        "error": None,
        "seconds": 0.1,
    }
    base.update(overrides)
    return base


def as_django_migration_tables(pairs):
    """What django_migration_tables returns for the same sqlmigrate text (the same parser)."""
    found = migration_targets(pairs)
    return {
        "tables": list(found.tables),
        "created": list(found.created),
        "whole_database": found.whole_database,
        "reasons": list(found.reasons),
    }


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(
            [
                "accounts.0002_contact_email_accreditationreview",
                "accounts.0003_populate_contact_email",
            ],
            id="v1-to-v2",
        ),
        pytest.param(["accounts.0002_contact_email_accreditationreview"], id="v2-ddl-only"),
        pytest.param(
            [
                "v5-courses.0001_initial",
                "v5-accounts.0004_accreditation_required_course",
                "v5-courses.0002_enrollment",
            ],
            id="v5-two-apps",
        ),
        pytest.param([], id="nothing-pending"),
    ],
)
def test_lock_targets_are_what_django_migration_tables_returns(names):
    pairs = [recorded_sql(name) for name in names]
    existing = ["accounts_accreditation", "accounts_member", "accounts_organization"]
    targets, sql = dm.lock_targets(lock_sql(pairs, existing_tables=existing))
    assert targets == as_django_migration_tables(pairs)
    assert sql == dict(pairs)
    assert list(sql) == [label for label, _text in pairs]  # plan order


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param(
            {"backwards": ["accounts.0003_populate_contact_email"]},
            "accounts.0003_populate_contact_email: a backward step",
            id="backward-step",
        ),
        pytest.param(
            {"squashes": [["accounts.0001_squashed_0003_x", "replaces accounts.0001_initial"]]},
            "accounts.0001_squashed_0003_x: a squash is involved (replaces accounts.0001_initial)",
            id="squash-in-the-plan",
        ),
        pytest.param(
            {"squashes": [["accounts.0002_x", "replaced by accounts.0001_squashed_0003_x"]]},
            "a squash is involved (replaced by accounts.0001_squashed_0003_x)",
            id="partly-applied-squash",
        ),
        pytest.param(
            {"existing_tables": ["accounts_accreditationreview"]},
            "accounts_accreditationreview: the plan creates it but it exists already",
            id="created-table-exists-partly-applied",
        ),
        pytest.param(
            {"errors": [["accounts.0002_x", "ValueError: Found wrong number (0) of constraints"]]},
            "accounts.0002_x: its SQL could not be computed (ValueError: Found wrong number",
            id="sql-of-one-step-failed",
        ),
        pytest.param(
            {"error": "NodeNotFoundError: Migration a.0002 dependencies reference nonexistent"},
            "the plan's SQL could not be computed (NodeNotFoundError",
            id="loader-failed",
        ),
    ],
)
def test_lock_targets_are_conservative_where_the_sql_cannot_be_trusted(overrides, reason):
    pairs = [recorded_sql("accounts.0002_contact_email_accreditationreview")]
    targets, _sql = dm.lock_targets(lock_sql(pairs, **overrides))
    assert targets["whole_database"] is True
    assert any(reason in text for text in targets["reasons"]), targets["reasons"]
    # The tables found are still reported (the caller checks every table anyway).
    assert targets["tables"] == [
        "accounts_accreditation",
        "accounts_member",
        "accounts_organization",
    ]


def test_lock_targets_parser_reasons_come_first_in_plan_order():
    pairs = [
        recorded_sql("v3-accounts.0005_member_phone_backfill"),
        recorded_sql("accounts.0003_populate_contact_email"),
    ]
    targets, _sql = dm.lock_targets(lock_sql(pairs, backwards=["courses.0001_initial"]))
    assert [text.split(":")[0] for text in targets["reasons"]] == [
        "accounts.0005_member_phone_backfill",
        "accounts.0003_populate_contact_email",
        "courses.0001_initial",
    ]


def test_lock_targets_only_when_the_program_computed_them():
    sections = {"before": listing({"accounts": 4, "auth": 1}), "result": result(plan=[])}
    assert "lock_targets" not in interpret(sections, check_mode=True)
    pairs = [recorded_sql("accounts.0002_contact_email_accreditationreview")]
    plan = [step("accounts", "0002_contact_email_accreditationreview")]
    sections = {
        "before": listing({"accounts": 1, "auth": 1}),
        "result": result(plan=plan, lock_sql=lock_sql(pairs)),
    }
    out = interpret(sections, check_mode=True, lock_targets=True)
    assert out["changed"] is True
    assert out["lock_targets"] == as_django_migration_tables(pairs)
    assert out["lock_targets_sql"] == dict(pairs)

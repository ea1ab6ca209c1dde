"""Role migrate on the example stack: check mode, v1 -> v2 with rollback point and backup, no-op
rerun (the idempotence step), preflight failures that change nothing."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest
import stack

WORK = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")
V2_ACCOUNTS = [
    "accounts.0001_initial",
    "accounts.0002_contact_email_accreditationreview",
    "accounts.0003_populate_contact_email",
]


def record(name: str) -> dict:
    with open(os.path.join(WORK, "results", f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


def points() -> list[str]:
    directory = os.path.join(WORK, "state", "rollback_points", stack.PROJECT)
    return sorted(os.path.join(directory, name) for name in os.listdir(directory))


def test_check_mode_ran_nothing_and_reported_the_plan():
    before, after = record("check_before"), record("check_after")
    assert before["db"]["migrations"] == after["db"]["migrations"]
    assert "accounts.0002_contact_email_accreditationreview" not in after["db"]["migrations"]
    assert before["files"] == after["files"] == []  # no rollback point, no backup
    report = after["extra"]
    assert report["status"] == "planned"
    assert report["changed"] is False
    assert report["pending"] == V2_ACCOUNTS[1:]
    assert report["applied"] == []
    assert report["rollback_point_path"] is None
    assert [c["skipped"] for c in report["post_commands"]] == [True]  # would run, did not


def test_v2_is_applied_in_the_database(host):
    applied = stack.applied_migrations(host)
    assert [m for m in applied if m.startswith("accounts.")] == V2_ACCOUNTS
    # 0003 filled contact_email from the demo data loaded at v1.
    rows = stack.psql(
        host, "SELECT count(*) FROM accounts_organization WHERE contact_email IS NOT NULL"
    )
    assert int(rows[0]) >= 2


def test_report_of_the_migration():
    report = record("converge")["extra"]
    assert report["status"] == "migrated"
    assert report["changed"] is True
    assert report["applied"] == V2_ACCOUNTS[1:]
    assert report["backup"]["path"].endswith(".dump")
    assert report["locks"] is not None
    assert [c["argv"] for c in report["post_commands"]] == [["seed_demo"]]
    assert report["post_commands"][0]["rc"] == 0
    assert report["durations"]["migrate"] > 0
    assert report["rollback_point_path"] == points()[0]
    assert report["pg_isready_ran"] is False  # a plan that succeeds needs no diagnosis


def test_rollback_point_and_backup_exist_once():
    # One point and one backup: the second converge (idempotence) was a no-op without a new backup.
    assert len(points()) == 1
    directory = os.path.dirname(points()[0])
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(points()[0]).st_mode) == 0o600
    with open(points()[0], encoding="utf-8") as handle:
        point = json.load(handle)
    assert point["format_version"] == 1
    assert point["per_app"]["accounts"] == "0001_initial"
    assert "accounts.0001_initial" in point["applied"]
    assert "accounts.0002_contact_email_accreditationreview" not in point["applied"]
    assert point["pending"] == V2_ACCOUNTS[1:]
    assert point["compose_environment"] == {"BACKEND_RELEASE": "v2"}
    assert point["outcome"]["status"] == "migrated"
    assert point["outcome"]["applied"] == V2_ACCOUNTS[1:]
    assert point["non_atomic"] == []
    assert any(image["Tag"] == "v1" for image in point["release"]["images"])
    backups = [f for f in os.listdir(os.path.join(WORK, "backups")) if f.endswith(".dump")]
    assert len(backups) == 1
    with open(point["backup"]["path"], "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == point["backup"]["sha256"]


@pytest.mark.parametrize(
    ("case", "words"),
    [
        pytest.param("preflight_unknown_app", ["unknown app label 'nosuchapp'"], id="unknown-app"),
        pytest.param(
            "preflight_conflict",
            ["Conflicting migrations", "makemigrations --merge"],
            id="conflict",
        ),
        pytest.param(
            "preflight_db_down",
            ["does not answer", "up -d --wait db", "Django: Could not read the migration state"],
            id="db-down",
        ),
        pytest.param(
            "preflight_bad_credentials",
            [
                "Django cannot read the migration state from the database, which answers",
                "(pg_isready)",
                "password authentication failed",
                "credentials of service backend",
            ],
            id="bad-credentials",
        ),
        pytest.param(
            "pgbouncer_refused",
            [
                "SessionSettingLost",
                "lock_timeout is '0' where this run set '10s'",
                "pool_mode = transaction",
            ],
            id="lock-timeout-lost-behind-pgbouncer",
        ),
        pytest.param(
            "preflight_older_release",
            ["accounts.0002_", "accounts.0003_", "newer release", "code downgrade", "NEWER"],
            id="older-release-over-newer-schema",
        ),
    ],
)
def test_preflight_failures_change_nothing(case, words):
    after_converge, failed = record("converge"), record(case)
    for word in words:
        assert word in failed["extra"]["msg"]
    assert "nothing was changed" in failed["extra"]["msg"]
    assert failed["db"]["migrations"] == after_converge["db"]["migrations"]
    assert failed["db"]["tables"] == after_converge["db"]["tables"]
    assert failed["files"] == after_converge["files"]


def test_a_lock_check_refusal_writes_no_rollback_point_and_releases_the_lock():
    after_converge, refused = record("converge"), record("gate_refused")
    extra = refused["extra"]
    nothing = "Lock check failed, nothing was changed (no rollback point, no backup, no migration)"
    assert nothing in extra["msg"]
    assert "ats_blocker" in extra["msg"] and "idle in transaction" in extra["msg"]
    assert refused["files"] == after_converge["files"]  # no rollback point, no backup
    assert refused["db"] == after_converge["db"]
    assert extra["rollback_point_path"] == ""
    assert extra["lock_left"] is False  # the role released the deploy lock it took
    result = extra["result"]
    assert result["status"] == "refused" and result["changed"] is False
    assert result["rollback_point_path"] is None and result["backup"] is None
    assert result["error"]["stage"] == "lock_check"
    assert result["error"]["type"] == "SessionsInTheWay"
    assert [s["pid"] for s in result["locks"]["waited_for"]] == [int(extra["blocker_pid"])]
    assert result["pending"] == [
        "accounts.0004_accreditation_certificate_number",
        "accounts.0005_member_phone_backfill",
    ]


# --- the migration safety review (safety_review.yml): v6 against the running v2 ---
V6 = [
    "accounts.0004_rename_review_notes",
    "accounts.0005_remove_organization_contact_email",
    "accounts.0006_member_badge",
    "accounts.0007_accreditation_standard_idx",
]


def rules(result: dict, key: str = "findings") -> set[tuple[str, str]]:
    return {(f["migration"], f["rule"]) for f in result["review"][key]}


def test_v1_to_v2_has_no_finding_of_the_review():
    for name in ("converge", "check_after"):
        review = record(name)["extra"]["review"]
        assert review["running"] is True  # the backend at v1 was asked
        assert (review["action"], review["findings"], review["allowed"]) == ("proceed", [], [])
        assert review["message"].startswith("Migration safety review: no finding")


BREAKING_V6 = {
    ("accounts.0004_rename_review_notes", "breaks-running-release/rename-column"),
    ("accounts.0005_remove_organization_contact_email", "breaks-running-release/drop-column"),
    ("accounts.0006_member_badge", "breaks-running-release/add-not-null-column"),
}


def test_a_first_install_is_not_reviewed():
    before = record("review_before")
    assert before["extra"] == {"review": None, "status": "migrated"}
    assert [m for m in before["db"]["migrations"] if m.startswith("accounts.")] == V2_ACCOUNTS
    assert not [f for f in before["files"] if f.endswith(".dump")]  # a fresh database: no backup


def test_check_mode_shows_every_finding_and_changes_nothing():
    checked, converged = record("review_check"), record("review_before")
    result = checked["extra"]["result"]
    assert result["status"] == "planned" and result["changed"] is False
    assert result["pending"] == V6
    assert BREAKING_V6 | {
        ("accounts.0005_remove_organization_contact_email", "loses-data/drop-column")
    } <= rules(result)
    by_rule = {f["rule"]: f for f in result["review"]["findings"]}
    drop = by_rule["breaks-running-release/drop-column"]
    assert (drop["model"], drop["field"], drop["table"], drop["column"]) == (
        "accounts.Organization",
        "contact_email",
        "accounts_organization",
        "contact_email",
    )
    assert "release after the code stops using it" in drop["hint"]
    rename = by_rule["breaks-running-release/rename-column"]
    assert (rename["model"], rename["field"]) == ("accounts.AccreditationReview", "notes")
    assert by_rule["breaks-running-release/add-not-null-column"]["table"] == "accounts_member"
    # 0007's index on the 3000-row accounts_accreditation (threshold 1000 rows), no small table.
    index = by_rule["locks-big-table/create-index"]
    assert (index["migration"], index["table"]) == (V6[3], "accounts_accreditation")
    assert index["size"]["rows"] >= 3000
    assert "AddIndexConcurrently" in index["hint"]
    assert [f["table"] for f in result["review"]["findings"] if f["rule"].startswith("locks-")] == [
        "accounts_accreditation"
    ]
    assert result["review"]["breaking"] == 3
    assert checked["db"]["migrations"] == converged["db"]["migrations"]
    assert checked["files"] == converged["files"]


def test_policy_fail_refuses_before_the_lock_check_and_the_backup():
    refused, converged = record("review_refused"), record("review_before")
    extra = refused["extra"]
    refusal = "Refused by the migration safety review (migrate_safety=fail), nothing was changed"
    assert refusal in extra["msg"]
    assert "model accounts.Organization, field contact_email" in extra["msg"]
    assert "migrate_safety_allow" in extra["msg"]
    assert refused["db"]["migrations"] == converged["db"]["migrations"]
    assert refused["files"] == converged["files"]  # no rollback point, no backup
    assert extra["rollback_point_path"] == "" and extra["lock_left"] is False
    result = extra["result"]
    assert result["status"] == "refused" and result["changed"] is False
    assert result["error"]["stage"] == "review" and result["error"]["type"] == "UnsafeMigration"
    assert result["backup"] is None and result["locks"] is None
    assert result["review"]["action"] == "refuse"
    assert rules(result) >= BREAKING_V6


def test_the_allow_list_lets_the_reviewed_migration_through():
    allowed = record("review_allowed")
    result = allowed["extra"]["result"]
    assert result["status"] == "migrated"
    assert result["applied"] == V6[:1]
    assert V6[0] in allowed["db"]["migrations"] and V6[1] not in allowed["db"]["migrations"]
    assert result["review"]["action"] == "proceed"
    assert result["review"]["findings"] == []
    assert rules(result, "allowed") == {(V6[0], "breaks-running-release/rename-column")}
    assert result["backup"] is not None


def test_policy_warn_reports_the_findings_and_migrates():
    warned = record("review_warned")
    result = warned["extra"]["result"]
    assert result["status"] == "migrated"
    assert result["applied"] == V6[1:]
    assert set(V6) <= set(warned["db"]["migrations"])
    assert result["review"]["action"] == "proceed"
    assert BREAKING_V6 - {(V6[0], "breaks-running-release/rename-column")} <= rules(result)

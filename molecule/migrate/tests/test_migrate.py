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

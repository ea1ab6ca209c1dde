"""Role rollback on the example stack. converge.yml records the database after every step
(results/NN_step.json: django_migrations in id order, app tables and columns, row checksums); these
tests compare the records, and the live database for the last step."""

from __future__ import annotations

import json
import os

import stack

WORK = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")
V5_NEW = [
    "courses.0001_initial",
    "accounts.0004_accreditation_required_course",
    "courses.0002_enrollment",
]


def record(name: str) -> dict:
    with open(os.path.join(WORK, "results", f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


def same_schema_and_data(a: dict, b: dict) -> None:
    for key in ("migrations", "tables", "columns", "organizations", "members"):
        assert a["db"][key] == b["db"][key], key


def test_v3_failed_halfway():
    failed = record("02_v3_failed")
    assert "accounts.0005_member_phone_backfill" in failed["extra"]["msg"]
    assert "accounts.0004_accreditation_certificate_number" in failed["db"]["migrations"]
    assert "accounts.0005_member_phone_backfill" not in failed["db"]["migrations"]
    assert failed["extra"]["migrate_result"]["status"] == "failed"


def test_rollback_check_mode_changed_nothing():
    failed, checked = record("02_v3_failed"), record("03_v3_rollback_check")
    same_schema_and_data(failed, checked)
    result = checked["extra"]["rollback_result"]
    assert result["check_mode"] is True
    assert result["changed"] is False
    assert result["method"] == "migrations"
    assert result["plan"] == ["accounts.0004_accreditation_certificate_number"]


def test_v3_rollback_returns_to_the_point_with_data_intact():
    before, after = record("01_v2"), record("04_v3_rollback")
    result, point = after["extra"]["rollback_result"], after["extra"]["point"]
    assert result["method"] == "migrations"
    assert result["changed"] is True
    assert result["verified"] is True
    assert result["unapplied"] == ["accounts.0004_accreditation_certificate_number"]
    assert point["compose_environment"] == {"BACKEND_RELEASE": "v3"}  # migrated back with v3's code
    assert point["per_app"]["accounts"] == "0003_populate_contact_email"
    assert point["outcome"]["status"] == "failed"
    assert point["outcome"]["failed_migration"] == "accounts.0005_member_phone_backfill"
    assert point["rolled_back"]["method"] == "migrations"
    # django_migrations equals the point; schema and the rows written before the deploy are intact.
    assert sorted(after["db"]["migrations"]) == sorted(point["applied"])
    same_schema_and_data(before, after)


def test_v4_irreversible_is_restored_from_the_backup():
    before, migrated, after = record("04_v3_rollback"), record("05_v4"), record("06_v4_rollback")
    assert "accounts.0004_normalize_member_emails" in migrated["db"]["migrations"]
    assert migrated["db"]["members"] != before["db"]["members"]  # 0004 normalized the emails
    result, point = after["extra"]["rollback_result"], after["extra"]["point"]
    assert result["method"] == "restore"
    assert "cannot be reversed" in result["reason"]  # the backward plan was refused up front
    assert result["unapplied"] == []
    assert result["restored"]["path"] == point["backup"]["path"]
    assert result["verified"] is True
    assert sorted(after["db"]["migrations"]) == sorted(point["applied"])
    same_schema_and_data(before, after)  # schema and data equal the backup


def test_v4_strategy_migrations_refuses_before_anything_runs():
    migrated, refused = record("05_v4"), record("05b_v4_migrations_refused")
    assert "rollback_strategy=migrations forbids" in refused["extra"]["msg"]
    assert "accounts.0004_normalize_member_emails" in refused["extra"]["msg"]
    assert "Nothing was changed" in refused["extra"]["msg"]
    same_schema_and_data(migrated, refused)


def test_partial_non_atomic_failure_is_restored():
    before, failed, after = (
        record("06_v4_rollback"),
        record("06b_partial_failed"),
        record("06c_partial_rollback"),
    )
    assert "accounts_member.nickname" in failed["db"]["columns"]  # committed, not recorded
    assert failed["db"]["migrations"] == before["db"]["migrations"]
    assert failed["extra"]["migrate_result"]["failed_migration_atomic"] is False
    result = after["extra"]["rollback_result"]
    assert result["method"] == "restore"
    assert result["partial_state"] is True
    assert "not atomic" in result["reason"]
    assert result["verified"] is True
    same_schema_and_data(before, after)


def test_killed_non_atomic_migration_is_restored_from_the_backup():
    before, failed, after = (
        record("06c_partial_rollback"),
        record("06d_killed_failed"),
        record("06e_killed_rollback"),
    )
    assert "accounts_member.badge_number" in failed["db"]["columns"]  # committed, not recorded
    assert failed["db"]["migrations"] == before["db"]["migrations"]
    assert failed["extra"]["migrate_result"]["status"] == "failed"
    result, point = after["extra"]["rollback_result"], after["extra"]["point"]
    assert point["schema"]["objects"] > 0 and len(point["schema"]["sha256"]) == 64
    assert "accounts_member.badge_number" not in " ".join(point["schema"]["lines"])
    # django_migrations already equals the point: without the schema's fingerprint this was "none".
    assert result["method"] == "restore", result["reason"]
    assert result["verified"] is True and result["schema_verified"] is True
    assert "accounts_member.badge_number" not in after["db"]["columns"]
    same_schema_and_data(before, after)


def test_v5_manual_cascade_needs_confirmation_and_goes_only_as_far_as_the_plan():
    migrated, refused = record("07_v5"), record("08_manual_0003_refused")
    assert [m for m in migrated["db"]["migrations"] if m in V5_NEW] == V5_NEW
    assert "courses_course" in migrated["db"]["tables"]
    assert "courses.0002_enrollment" in refused["extra"]["msg"]
    assert "rollback_confirm_cascade" in refused["extra"]["msg"]
    assert "Nothing was changed" in refused["extra"]["msg"]
    same_schema_and_data(migrated, refused)

    done = record("09_manual_0003")
    result = done["extra"]["rollback_result"]
    expected = ["courses.0002_enrollment", "accounts.0004_accreditation_required_course"]
    assert result["plan"] == expected
    assert result["unapplied"] == expected  # only what the plan said
    assert "courses.0001_initial" in done["db"]["migrations"]
    assert "accounts.0003_populate_contact_email" in done["db"]["migrations"]
    assert "courses_enrollment" not in done["db"]["tables"]


def test_v5_rollback_drops_the_new_app():
    before, after = record("06c_partial_rollback"), record("10_v5_rollback")
    result, point = after["extra"]["rollback_result"], after["extra"]["point"]
    assert point["per_app"]["courses"] == "zero"  # new in the release
    assert point["compose_environment"] == {"BACKEND_RELEASE": "v5"}
    assert result["method"] == "migrations"
    assert result["targets"] == [{"app": "courses", "current": "0001_initial", "target": "zero"}]
    assert result["unapplied"] == ["courses.0001_initial"]
    assert result["verified"] is True
    assert not [t for t in after["db"]["tables"] if t.startswith("courses_")]
    same_schema_and_data(before, after)


def test_manual_0001_initial_without_cascade_needs_no_confirmation():
    done = record("11_manual_0001")
    assert done["extra"]["msg"] == ""
    result = done["extra"]["rollback_result"]
    assert result["unapplied"] == [
        "accounts.0003_populate_contact_email",
        "accounts.0002_contact_email_accreditationreview",
    ]
    accounts = [m for m in done["db"]["migrations"] if m.startswith(("accounts.", "courses."))]
    assert accounts == ["accounts.0001_initial"]


def test_manual_zero_drops_the_app(host):
    done = record("12_manual_zero")
    assert done["extra"]["msg"] == ""
    assert done["extra"]["rollback_result"]["unapplied"] == ["accounts.0001_initial"]
    live = stack.applied_migrations(host)
    assert not [m for m in live if m.startswith(("accounts.", "courses."))]
    tables = stack.psql(
        host,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename LIKE 'accounts_%'",
    )
    assert tables == []

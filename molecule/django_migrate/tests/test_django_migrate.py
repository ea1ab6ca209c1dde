"""What converge left in the real database, and what it saw on the way."""

import json
import os

import stack

RESULTS = os.path.join(
    os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"), "django_migrate_results.json"
)


def results():
    with open(RESULTS, encoding="utf-8") as handle:
        return json.load(handle)


def test_accounts_is_at_release_v4_and_the_refused_rollback_changed_nothing(host):
    accounts = [row for row in stack.applied_migrations(host) if row.startswith("accounts.")]
    assert accounts == [
        "accounts.0001_initial",
        "accounts.0002_contact_email_accreditationreview",
        "accounts.0003_populate_contact_email",
        "accounts.0004_normalize_member_emails",
    ]


def test_rolled_back_migrations_left_no_rows(host):
    applied = stack.applied_migrations(host)
    assert "accounts.0004_accreditation_certificate_number" not in applied  # v3, rolled back
    assert "accounts.0005_member_phone_backfill" not in applied  # v3, failed
    assert "accounts.0004_accreditation_required_course" not in applied  # v5, courses zero
    assert not [row for row in applied if row.startswith("courses.")]


def test_rolled_back_schema_is_gone(host):
    columns = stack.psql(
        host,
        "SELECT table_name || '.' || column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name LIKE 'accounts_%'",
    )
    assert "accounts_member.phone" not in columns  # 0005 failed: its transaction rolled back
    assert "accounts_accreditation.certificate_number" not in columns  # 0004 (v3) unapplied
    assert "accounts_organization.contact_email" in columns  # 0002, applied again after zero
    tables = stack.psql(
        host,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename LIKE 'courses_%'",
    )
    assert tables == []


def test_django_own_apps_are_applied(host):
    applied = stack.applied_migrations(host)
    assert "contenttypes.0001_initial" in applied
    assert "auth.0001_initial" in applied


def test_no_one_off_container_is_left(host):
    result = host.run(
        f"docker ps -aq --filter label=com.docker.compose.project={stack.PROJECT} "
        "--filter label=com.docker.compose.oneoff=True"
    )
    assert result.rc == 0
    assert result.stdout.strip() == ""


def test_the_database_runs_again(host):
    states = stack.container_states(host)
    assert states["db"]["State"] == "running"


def test_failure_messages_were_clear():
    seen = results()
    assert seen["v3_msg"].startswith("Migration accounts.0005_member_phone_backfill failed")
    assert "accounts.0004_normalize_member_emails" in seen["v4_refused_msg"]
    assert seen["unknown_msg"] == "No installed app with label 'nosuchapp'."
    assert seen["db_down_msg"].startswith("Could not read the migration state: OperationalError")
    assert "OperationalError" in seen["db_down_info_msg"]


def test_check_mode_predicted_exactly_what_the_real_run_applied():
    seen = results()
    assert seen["check_applied"] == seen["apply_applied"]
    assert seen["zero_unapplied"][-1] == "accounts.0001_initial"
    assert "accounts.0004_accreditation_required_course" in seen["v5_zero_unapplied"]


def test_database_password_never_reached_argv():
    seen = json.dumps(results())
    assert stack.env_value("POSTGRES_PASSWORD") not in seen


def test_lock_targets_of_the_plan_are_sqlmigrates():
    seen = results()
    assert seen["targets_fresh_v2"] == seen["sqlmigrate_fresh_v2"]
    assert seen["targets_fresh_v2"]["whole_database"] is True  # RunPython
    assert seen["targets_v5"]["tables"] == [
        "accounts_accreditation",
        "accounts_member",
        "accounts_organization",
    ]
    assert seen["targets_v5"]["whole_database"] is False


def test_update_with_the_plans_lock_targets_starts_django_once_less():
    seen = results()
    assert int(seen["update_old_path"]["starts"]) == 1  # lock check with sqlmigrate
    assert int(seen["update_new_path"]["starts"]) == 0  # lock check with the plan's targets
    assert seen["update_new_path"]["tables"] == seen["update_old_path"]["tables"]
    assert len(seen["update_role"]["starts"]) == 2  # plan + migrate, no sqlmigrate
    assert seen["update_role"]["status"] == "migrated"

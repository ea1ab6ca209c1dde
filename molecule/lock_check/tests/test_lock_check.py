"""Role accreditrack.ops.lock_check on the real database: what converge saw, the state after."""

import json
import os

import pytest
import stack

RESULTS = os.path.join(
    os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"), "lock_check_results.json"
)


@pytest.fixture(scope="module")
def results():
    with open(RESULTS, encoding="utf-8") as handle:
        return json.load(handle)


def test_blocked_run_failed_with_the_holder_in_its_report(results):
    blocked = results["blocked"]
    lines = blocked["msg"].splitlines()
    row = next(line for line in lines if line.startswith(f"{blocked['holder_pid']} "))
    assert "ats_idle_holder" in row
    assert "idle in transaction" in row
    assert "AccessShare public.accounts_organization" in row
    assert "What to do:" in lines
    second = next(line for line in lines if line.startswith(f"{blocked['second_pid']} "))
    assert "ats_idle_second" in second
    assert float(blocked["result"]["waited"]) >= 4
    assert "accounts_organization" in blocked["result"]["tables"]


def test_check_mode_took_no_lock_and_ended_nothing(results):
    check = results["check"]
    assert check["lock_file_exists"] is False
    assert check["holder_alive"] is True
    assert check["terminated"] == []
    assert int(results["blocked"]["holder_pid"]) in check["would_terminate"]


def test_terminated_session_is_gone(host, results):
    pid = int(results["blocked"]["holder_pid"])
    assert pid in results["terminate"]["terminated"]
    assert stack.psql(host, f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}") == ["0"]


def test_session_that_went_away_was_waited_for(results):
    wait = results["wait"]
    assert int(wait["transient_pid"]) in wait["waited_for"]
    assert float(wait["waited"]) >= 1
    assert wait["offenders"] == []
    assert wait["terminated"] == []


def test_no_planted_session_is_left(host):
    rows = stack.psql(
        host,
        "SELECT pid, application_name, state FROM pg_stat_activity "
        "WHERE application_name LIKE 'ats\\_%' OR state LIKE 'idle in transaction%'",
    )
    assert rows == []


def test_second_deploy_was_refused_with_the_owner_named(results):
    refused = results["deploy_lock"]["refused"]
    assert "Another deploy holds the lock" in refused
    assert "run deploy-first" in refused
    assert "since 20" in refused


def test_only_the_owner_released_and_stale_locks_need_the_override(results):
    lock = results["deploy_lock"]
    assert lock["kept_after_foreign_release"] is True
    assert lock["removed_after_release"] is True
    assert "stale" in lock["stale"]
    assert "lock_check_break_stale_lock=true" in lock["stale"]
    assert "or with lock_check_break_lock=deploy-crashed." in lock["stale"]


def test_the_messages_name_the_roles_options_not_the_modules(results):
    lock = results["deploy_lock"]
    assert "go on with lock_check_break_lock=deploy-first:" in lock["refused"]
    assert "break_run_id=" not in lock["refused"] and "break_run_id=" not in lock["stale"]


def test_lock_check_break_lock_breaks_only_the_named_runs_lock(results):
    lock = results["deploy_lock"]
    assert "it is held by run deploy-unreachable" in lock["break_wrong"]
    assert "not by run deploy-someone-else" in lock["break_wrong"]
    broken = lock["broken"]
    assert broken["run_id"] == "deploy-unreachable" and broken["reason"] == "break_run_id"
    assert broken["stale"] == "" and broken["broken_by"] == "deploy-fourth"
    assert lock["holder_after_break"]["run_id"] == "deploy-fourth"


def test_no_deploy_lock_is_left(results):
    state_dir = results["state_dir"]
    left = [name for name in os.listdir(state_dir) if name.endswith(".lock") or ".stale." in name]
    assert left == []
    assert oct(os.stat(state_dir).st_mode & 0o777) == "0o700"


def test_direct_mode_reported_then_terminated_the_session(host, results):
    direct = results["direct"]
    pid = int(direct["pid"])
    row = next(line for line in direct["msg"].splitlines() if line.startswith(f"{pid} "))
    assert "ats_direct" in row
    assert pid in direct["terminated"]
    assert direct["offenders"] == []
    assert stack.psql(host, f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}") == ["0"]


def test_prepared_transaction_reported_not_terminated_then_rolled_back(results):
    prepared = results["prepared"]
    row = next(line for line in prepared["msg"].splitlines() if "gid=ats_orphan" in line)
    assert row.split()[:4] == ["-", "accreditrack", "gid=ats_orphan", "prepared"]
    assert "RowExclusive public.accounts_member" in row
    assert "prepared_transaction" in row
    assert "in database accreditrack" in prepared["msg"]
    assert "ROLLBACK PREPARED 'ats_orphan';" in prepared["msg"]
    assert prepared["terminated"] == []
    assert [item["gid"] for item in prepared["not_terminable"]] == ["ats_orphan"]
    assert prepared["alive_after_role"] is True
    assert prepared["after_rollback_offenders"] == []


def test_no_prepared_transaction_is_left(host):
    assert stack.psql(host, "SELECT gid FROM pg_prepared_xacts") == []


def test_pg_dump_reported_never_terminated_and_waited_for(results):
    dump = results["pg_dump"]
    pid = int(dump["pid"])
    row = next(line for line in dump["msg"].splitlines() if line.startswith(f"{pid} "))
    assert " pg_dump " in row and "pg_dump,table_lock" in row
    offender = next(item for item in dump["offenders"] if item["pid"] == pid)
    assert offender["application"] == "pg_dump"
    assert "pg_dump" in offender["reasons"]
    assert pid in dump["not_terminable"]
    assert f"unnest('{{{int(dump['blocker_pid'])}}}'::int[])" in dump["msg"]
    assert pid in dump["waited_for"]
    assert dump["terminated"] == [int(dump["blocker_pid"])]
    assert dump["offenders_at_end"] == []
    assert int(dump["dump_rc"]) == 0


def test_no_pg_dump_is_left(host):
    rows = stack.psql(host, "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_dump'")
    assert rows == []


def test_precomputed_targets_were_watched_without_starting_django(results):
    targets = results["targets"]
    assert targets["named_tables"] == ["accounts_organization", "accounts_member"]
    assert targets["whole_tables"] == []  # whole_database: every table
    assert targets["django_starts"] == []  # no sqlmigrate

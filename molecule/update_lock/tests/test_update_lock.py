"""Verifier of the update_lock scenario: updates against held locks touch nothing they should not,
fail naming what is in the way, never block the app longer than lock_timeout, and break_lock breaks
only the lock of the run it names."""

from __future__ import annotations

import json
import os

import pytest
import stack
from stack import V2_ACCOUNTS, WORK, accounts, load, report_of

GONE_RUN = "20261124T080000Z-4242"
LOCK_FILE = os.path.join(WORK, "state", "locks", f"{stack.PROJECT}.lock")
LOCK_TIMEOUT = 2.0  # migrate_lock_timeout of the gate_off run
SLACK = 1.0  # an HTTP request through gunicorn and Django, a psql round trip, a loaded machine


def run(name: str) -> dict:
    return load(f"{name}.run.json")


def snapshot(name: str) -> dict:
    return load(f"{name}.snapshot.json")


def state(snap: dict) -> dict:
    """What an update that is refused must not change: schema, data, containers, health."""
    return {key: snap[key] for key in snap if key not in ("files", "lock")}


def written(before: dict, after: dict) -> list[str]:
    """Files the playbooks wrote between two snapshots, reports aside."""
    return sorted(set(after["files"]) - set(before["files"]) - {LOCK_FILE})


def non_reports(files: list[str]) -> list[str]:
    return [f for f in files if "/reports/" not in f]


def test_baseline_v1_with_demo_data_runs_healthy():
    assert run("deploy_v1")["rc"] == 0, run("deploy_v1")["stdout"][-3000:]
    base = snapshot("base")
    assert accounts(base) == ["accounts.0001_initial"]
    assert base["organizations"] == 3
    assert "contact_email" not in base["organization_columns"]
    assert base["health"] == {
        "status": 200,
        "body": {"status": "ok", "release": "v1", "database": "ok", "migrations_pending": 0},
    }
    assert all(c["running"] for c in base["containers"]) and len(base["containers"]) == 2


# (b) a session idle in transaction holding a lock on accounts_organization


def test_gate_on_fails_before_migrating_and_names_the_session():
    result = run("gate_on")
    assert result["rc"] != 0
    blocker = load("blocker.json")
    message = result["stderr"]
    assert "failed in the migrate phase" in message
    assert "ats_blocker" in message and "idle in transaction" in message
    assert f"pg_terminate_backend(pid) FROM unnest('{{{blocker['pid']}}}'" in message
    assert "public.accounts_organization" in message
    nothing = "Lock check failed, nothing was changed (no rollback point, no backup, no migration)"
    assert nothing in message
    # ... and the play says so: no previous release brought back over a release that never stopped.
    assert "Nothing was changed: the database and the app services were not touched." in message
    report = report_of("gate_on")
    # The gate comes before the rollback point: nothing to roll back, no rollback run.
    assert report["outcome"] == "failed", report["failures"]
    assert report["rollback"] is None
    assert report["failures"][0]["phase"] == "migrate"
    assert report["migrations"]["status"] == "refused"
    assert report["migrations"]["rollback_point"] is None
    assert report["migrations"]["applied"] == [] and report["migrations"]["unapplied"] == []
    assert report["migrations"]["error"]["stage"] == "lock_check"
    assert report["backup"] is None
    waited_for = report["locks"]["sessions_waited_for"]
    assert [s["pid"] for s in waited_for] == [blocker["pid"]], waited_for
    assert report["locks"]["terminated"] == []


def test_gate_on_changed_nothing_and_the_app_stayed_healthy():
    base, after = snapshot("base"), snapshot("gate_on")
    assert state(after) == state(base)  # schema, data, release, same containers (ids, start times)
    # no rollback point, no backup: only the report was written
    assert non_reports(written(base, after)) == []


def test_gate_on_never_blocked_the_app():
    probe = load("gate_on.probe.json")
    assert len(probe["reads"]) > 20 and len(probe["writes"]) > 20
    assert all(s[2] == 200 for s in probe["reads"]), probe["reads"]
    assert all(s[2] == "ok" for s in probe["writes"]), probe["writes"]
    assert probe["max_read"] < 1.0 and probe["max_write"] < 1.0, (
        probe["max_read"],
        probe["max_write"],
    )


def test_gate_off_fails_on_the_lock_timeout_after_its_retries_and_is_rolled_back():
    result = run("gate_off")
    assert result["rc"] != 0
    report = report_of("gate_off")
    assert report["outcome"] == "rolled_back", report["failures"]
    assert report["migrations"]["applied"] == []
    text = json.dumps(report["migrations"]["error"]) + report["failures"][0]["message"]
    assert "lock timeout" in text or "55P03" in text, text
    assert report["release"]["after"] == "v1"
    assert report["health"]["body"]["release"] == "v1"
    assert load("blocker.json")["alive"] == 1  # the update neither waited it out nor ended it


def test_gate_off_left_v1_intact():
    base, after = snapshot("base"), snapshot("gate_off")
    assert state(after) == state(base)


def blocked(samples: list) -> list:
    return [s for s in samples if s[1] > 0.5]


def test_gate_off_blocked_app_reads_and_writes_at_most_lock_timeout():
    probe = load("gate_off.probe.json")
    reads, writes = probe["reads"], probe["writes"]
    assert all(s[2] == 200 for s in reads), [s for s in reads if s[2] != 200]
    assert all(s[2] == "ok" for s in writes), [s for s in writes if s[2] != "ok"]
    # the migration's ALTER TABLE really queued in front of the app (the probe saw it) ...
    assert probe["max_read"] > LOCK_TIMEOUT / 2 and probe["max_write"] > LOCK_TIMEOUT / 2, probe
    # ... once per attempt (1 + 2 retries), and never for longer than lock_timeout
    assert len(blocked(reads)) >= 3 and len(blocked(writes)) >= 3, (blocked(reads), blocked(writes))
    assert probe["max_read"] <= LOCK_TIMEOUT + SLACK, blocked(reads)
    assert probe["max_write"] <= LOCK_TIMEOUT + SLACK, blocked(writes)


# (a) the deploy lock of a run whose controller is gone


def test_a_held_deploy_lock_fails_fast_naming_the_holder_and_how_to_break_it():
    result = run("locked")
    assert result["rc"] != 0
    message = result["stderr"]
    assert "failed in the lock phase" in message
    assert (
        f"Another deploy holds the lock {LOCK_FILE}: run {GONE_RUN} of alice@ops-laptop-gone"
        in message
    )
    assert f"-e break_lock={GONE_RUN}" in message
    assert "Nothing was changed" in message
    assert result["seconds"] < 20, result["seconds"]  # ansible-playbook's start-up and the report
    report = report_of("locked")
    assert report["outcome"] == "locked"
    assert report["migrations"]["status"] == "not_run"
    assert report["backup"] is None and report["migrations"]["rollback_point"] is None
    assert report["durations"]["total"] < 10, report["durations"]
    assert report["release"]["before"] is None  # not even recorded


@pytest.mark.parametrize("name", ["locked", "break_wrong", "migrate_locked", "migrate_check_break"])
def test_a_refused_run_touched_nothing(name):
    before, after = snapshot("before_lock"), snapshot(name)
    assert state(after) == state(before)  # containers: same ids and start times, not restarted
    assert before["health"]["body"]["release"] == "v1"
    assert non_reports(written(before, after)) == []  # no backup, no rollback point
    assert after["lock"]["run_id"] == GONE_RUN  # the other run's lock is left as it was
    assert after["lock"] == snapshot("locked")["lock"]
    if not name.startswith("migrate_"):  # the migrate playbook writes no report
        assert report_of(name)["outcome"] == "locked"


def test_the_migrate_playbook_refuses_a_held_lock_naming_break_lock():
    result = run("migrate_locked")
    assert result["rc"] != 0
    message = result["stdout"] + result["stderr"]
    assert (
        f"Another deploy holds the lock {LOCK_FILE}: run {GONE_RUN} of alice@ops-laptop-gone"
        in message
    )
    assert f"-e break_lock={GONE_RUN}" in message
    assert "lock_check_break_stale_lock" not in message  # no option that has no effect here
    assert "Run the system checks" not in result["stdout"]  # refused before any Django start


def test_the_migrate_playbook_passes_break_lock_check_mode_breaks_nothing():
    result = run("migrate_check_break")
    assert result["rc"] == 0, result["stdout"][-3000:]
    out = result["stdout"] + result["stderr"]
    holder = f"run {GONE_RUN} of alice@ops-laptop-gone"
    assert f"would break the deploy lock {LOCK_FILE} of {holder}" in out
    assert "Check mode: would back up, apply accounts.0002_contact_email_accreditationreview" in out


def test_break_lock_with_another_run_id_is_refused():
    result = run("break_wrong")
    assert result["rc"] != 0
    message = result["stderr"]
    assert f"Refusing to break the deploy lock {LOCK_FILE}: it is held by run {GONE_RUN}" in message
    assert "not by run 20261124T080000Z-9999" in message


def test_check_mode_with_break_lock_breaks_nothing_and_changes_nothing():
    result = run("check_break")
    assert result["rc"] == 0, result["stdout"][-3000:]
    out = result["stdout"] + result["stderr"]  # warnings go to stderr
    holder = f"run {GONE_RUN} of alice@ops-laptop-gone"
    assert f"would break the deploy lock {LOCK_FILE} of {holder}" in out
    assert f"deploy lock would be broken: run {GONE_RUN}" in out
    assert "update ats_update_lock: PLANNED (check mode, nothing changed)" in out
    before, after = snapshot("break_wrong"), snapshot("check_break")
    assert after == before  # the lock too; no report, no rollback point in check mode


def test_break_lock_with_the_holders_run_id_breaks_it_says_so_and_the_update_lands():
    result = run("break_right")
    assert result["rc"] == 0, result["stdout"][-3000:]
    out = result["stdout"] + result["stderr"]
    assert f"broke the deploy lock {LOCK_FILE} of run {GONE_RUN} of alice@ops-laptop-gone" in out
    assert f"deploy lock BROKEN: run {GONE_RUN} of alice@ops-laptop-gone" in out
    assert "not stale" in out
    report = report_of("break_right")
    assert report["outcome"] == "success"
    broken = report["locks"]["deploy_lock_broken"]
    assert broken["run_id"] == GONE_RUN and broken["reason"] == "break_run_id"
    assert broken["owner"]["user"] == "alice" and broken["stale"] == ""
    assert broken["broken_by"] == report["run_id"]
    assert broken["since"] == snapshot("locked")["lock"]["since"]
    after = snapshot("break_right")
    assert after["lock"] is None  # released at the end of the run
    assert accounts(after) == V2_ACCOUNTS
    assert "contact_email" in after["organization_columns"]
    assert after["health"]["body"]["release"] == "v2"

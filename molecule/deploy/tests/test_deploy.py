"""Verifier of the deploy scenario: the playbooks' effects on the example stack, their reports."""

from __future__ import annotations

import glob
import json
import os

import pytest
import stack
from stack import V2_ACCOUNTS, WORK, accounts, load, report_of, reports

PORT = os.environ.get("ATS_BACKEND_PORT", "18070")


def backups(snapshot: dict) -> list[str]:
    return [f for f in snapshot["files"] if f.endswith(".dump")]


def points(snapshot: dict) -> list[str]:
    return [f for f in snapshot["files"] if "/rollback_points/" in f]


def test_deploy_v1_then_idempotent_redeploy():
    deploys = [r for r in reports() if r["playbook"] == "deploy"]
    assert [r["outcome"] for r in deploys] == ["success", "no_change"]
    first, second = deploys
    assert first["release"]["before"] is None
    assert first["release"]["after"] == "v1"
    assert "accounts.0001_initial" in first["migrations"]["applied"]
    assert first["health"]["body"]["release"] == "v1"
    assert second["migrations"]["status"] == "nothing_pending"
    assert second["hosts"] == ["app1", "app2", "app3"]
    assert set(first["durations"]) >= {"migrated", "apps_up", "total"}


def test_check_mode_changes_nothing():
    run = load("check.run.json")
    assert run["rc"] == 0, run["stdout"][-3000:] + run.get("stderr", "")[-3000:]
    before, after = load("check_before.snapshot.json"), load("check.snapshot.json")
    assert before == after
    assert after["backend_image"] == "accreditrack-backend:v1"
    out = run["stdout"]
    assert "Check mode: would update" in out and "from v1 to v2" in out
    # the pending migrations with their operations, and what would be backed up
    planned = "accounts.0002_contact_email_accreditationreview [Add field contact_email to"
    assert planned in out
    assert "backup: would be taken" in out
    assert "PLANNED" in out


def test_update_v1_to_v2_once_on_three_hosts():
    run = load("update_v2.run.json")
    assert run["rc"] == 0, run["stdout"][-3000:] + run.get("stderr", "")[-3000:]
    snap = load("update_v2.snapshot.json")
    assert accounts(snap) == V2_ACCOUNTS
    assert snap["backend_image"] == "accreditrack-backend:v2"
    report = report_of("update_v2")
    assert report["outcome"] == "success"
    expected = {"before": "v1", "after": "v2", "requested": "v2"}
    assert report["release"] == report["release"] | expected
    assert report["migrations"]["applied"] == V2_ACCOUNTS[1:]
    backup = report["backup"]
    assert backup["path"] in snap["files"] and len(backup["sha256"]) == 64 and backup["size"] > 0
    # exactly once with serial 1: one backup and one rollback point for this run
    assert backups(snap) == [backup["path"]]
    assert len(points(snap)) == len(points(load("check.snapshot.json"))) + 1


def test_update_v3_fails_and_is_rolled_back():
    run = load("update_v3.run.json")
    assert run["rc"] != 0
    seeded, snap = load("seeded.snapshot.json"), load("update_v3.snapshot.json")
    assert accounts(snap) == V2_ACCOUNTS
    assert "certificate_number" not in snap["accreditation_columns"]
    counts = (snap["organizations"], snap["members"])
    assert counts == (seeded["organizations"], seeded["members"]) != (0, 0)
    assert snap["backend_image"] == "accreditrack-backend:v2"
    report = report_of("update_v3")
    assert report["outcome"] == "rolled_back"
    assert report["failures"][0]["phase"] == "migrate"
    assert "0005_member_phone_backfill" in report["failures"][0]["message"]
    assert report["rollback"]["method"] == "migrations"
    assert report["rollback"]["unapplied"] == ["accounts.0004_accreditation_certificate_number"]
    assert report["release"]["after"] == "v2"
    assert report["health"]["body"]["release"] == "v2"
    assert report["logs"]["lines"], "a failed run's report carries the backend's logs"
    assert len(backups(snap)) == 2


def test_update_v4_fails_after_irreversible_migration_and_is_restored():
    run = load("update_v4.run.json")
    assert run["rc"] != 0
    seeded, snap = load("seeded.snapshot.json"), load("update_v4.snapshot.json")
    assert accounts(snap) == V2_ACCOUNTS
    assert (snap["organizations"], snap["members"]) == (seeded["organizations"], seeded["members"])
    assert snap["backend_image"] == "accreditrack-backend:v2"
    report = report_of("update_v4")
    assert report["outcome"] == "rolled_back"
    assert report["rollback"]["method"] == "restore"
    assert report["rollback"]["restored"]["path"] in snap["files"]
    assert len(backups(snap)) == 3


@pytest.mark.parametrize("run", ["update_v3", "update_v4"])
def test_failed_update_says_so_and_keeps_secrets_out(run):
    result = load(f"{run}.run.json")
    assert "failed=" in result["stdout"] and "ROLLED_BACK" in result["stdout"]
    for secret in ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY"):
        value = stack.env_value(secret)
        assert value not in result["stdout"] + result["stderr"]
        assert all(value not in json.dumps(r) for r in reports())


def test_app_healthy_at_v2_and_no_lock_left(host):
    status, body = stack.http_get(host, f"http://127.0.0.1:{PORT}/health/")
    assert status == 200 and json.loads(body)["release"] == "v2"
    assert not glob.glob(os.path.join(WORK, "state", "locks", "*.lock"))
    assert len(reports()) == 5  # two deploys, three updates; check mode writes none

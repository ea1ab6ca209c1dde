"""Role accreditrack.ops.backup: the state converge left behind, checked on the real stack."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import stat

import pytest
import stack

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")
BACKUP_DIR = os.path.join(EPHEMERAL, "backups")
PORT = os.environ.get("ATS_BACKEND_PORT", "18040")
SCRATCH = "ats_scratch"
COUNT_SQL = (
    "SELECT coalesce(json_object_agg(table_name, n ORDER BY table_name), '{}') FROM ("
    " SELECT table_name, (xpath('/row/c/text()', query_to_xml(format("
    "'SELECT count(*) AS c FROM public.%I', table_name), false, true, '')))[1]::text::int AS n"
    " FROM information_schema.tables"
    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE') AS t"
)


@pytest.fixture(scope="module")
def results() -> dict:
    with open(os.path.join(EPHEMERAL, "backup_results.json"), encoding="utf-8") as handle:
        return json.load(handle)


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def psql_db(host, database: str, sql: str) -> list[str]:
    result = stack.compose(
        host, "exec", "-T", "db", "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
        "-U", stack.env_value("POSTGRES_USER"), "-d", database, "-c", sql,
    )  # fmt: skip
    assert result.rc == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_directory_is_0700_and_files_0600():
    assert stat.S_IMODE(os.stat(BACKUP_DIR).st_mode) == 0o700
    for name in os.listdir(BACKUP_DIR):
        assert stat.S_IMODE(os.stat(os.path.join(BACKUP_DIR, name)).st_mode) == 0o600, name


def test_retention_kept_the_newest_two_verified_backups(results):
    names = sorted(os.listdir(BACKUP_DIR))
    expected = sorted(
        os.path.basename(results[run][key])
        for run in ("second", "third")
        for key in ("path", "metadata_path")
    )
    assert names == expected
    assert not os.path.exists(results["first"]["path"])
    assert results["third"]["pruned"] == [results["first"]["path"]]


@pytest.mark.parametrize("run", ["second", "third"])
def test_metadata_matches_the_archive(results, run):
    with open(results[run]["metadata_path"], encoding="utf-8") as handle:
        meta = json.load(handle)
    path = results[run]["path"]
    assert meta["sha256"] == sha256(path) == results[run]["sha256"]
    assert meta["size"] == os.path.getsize(path)
    assert meta["database"] == "accreditrack"
    assert meta["server_version_num"] >= 170000
    assert meta["verified"] == "stream"
    assert meta["format"] == "custom"
    assert "accounts.0001_initial" in meta["migrations"]
    assert meta["start"] <= meta["end"]
    tags = {(i["Repository"], i["Tag"]) for i in meta["release"]["images"]}
    assert ("accreditrack-backend", "v1") in tags
    assert meta["collection"].startswith("accreditrack.ops ")


def test_password_is_in_no_backup_file_and_no_result():
    password = stack.env_value("POSTGRES_PASSWORD")
    for name in os.listdir(BACKUP_DIR):
        with open(os.path.join(BACKUP_DIR, name), "rb") as handle:
            assert password.encode() not in handle.read(), name
    with open(os.path.join(EPHEMERAL, "backup_results.json"), encoding="utf-8") as handle:
        assert password not in handle.read()


def test_backup_restores_into_a_scratch_database_with_equal_row_counts(host, results):
    user = stack.env_value("POSTGRES_USER")
    path = results["third"]["path"]
    psql_db(host, "postgres", f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    psql_db(host, "postgres", f'CREATE DATABASE "{SCRATCH}"')
    try:
        restore = shlex.join(
            stack.compose_argv("exec", "-T", "db", "pg_restore", "--no-owner", "--exit-on-error",
                               "-U", user, "-d", SCRATCH)
        )  # fmt: skip
        result = host.run(f"{restore} < {shlex.quote(path)}")
        assert result.rc == 0, result.stderr
        counts = json.loads(psql_db(host, SCRATCH, COUNT_SQL)[0])
    finally:
        psql_db(host, "postgres", f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    assert counts == results["counts_third"]
    assert counts["accounts_organization"] >= 500
    assert counts["accounts_member"] >= 2000


def test_check_mode_wrote_nothing(results):
    assert results["check_mode_dir_exists"] is False


def test_full_directory_failed_before_dumping(results):
    full = results["full"]
    assert full["task"] == "Fail before dumping when the directory cannot take the backup"
    assert "No backup was started" in full["msg"]
    assert full["files"] == 0


def test_truncated_and_corrupted_archives_failed_verification(results):
    damaged = results["damaged"]
    assert "not a complete, readable archive" in damaged["truncated"]
    assert "differs from the recorded" in damaged["truncated_sha"]
    assert "differs from the recorded" in damaged["corrupted"]


def test_killed_dump_left_no_file(results):
    assert "pg_dump failed" in results["killed"]["msg"]
    assert results["killed"]["partial_seen"] > 1024 * 1024
    assert not [n for n in os.listdir(BACKUP_DIR) if "killed" in n or "partial" in n]


def test_restore_removed_the_table_added_after_the_backup(host, results):
    assert psql_db(
        host, "accreditrack", "SELECT to_regclass('accounts_accreditationreview') IS NULL"
    ) == ["t"]
    assert psql_db(
        host, "accreditrack", "SELECT count(*) FROM accounts_organization WHERE slug = 'late'"
    ) == ["0"]
    assert stack.applied_migrations(host) == results["third"]["metadata"]["migrations"]
    counts = json.loads(psql_db(host, "accreditrack", COUNT_SQL)[0])
    assert counts == results["counts_third"]


def test_failed_restore_left_the_live_database_untouched(results):
    assert "was left as it was" in results["failed_restore"]
    counts = results["counts_after_failed_restore"]
    assert "accounts_accreditationreview" in counts
    assert counts["accounts_organization"] == results["counts_third"]["accounts_organization"] + 1


def test_previous_database_was_kept_with_the_new_table(host, results):
    previous = results["restore"]["previous_database"]
    assert previous.startswith("accreditrack_pre_restore_")
    assert psql_db(
        host, previous, "SELECT to_regclass('accounts_accreditationreview') IS NOT NULL"
    ) == ["t"]


def test_backend_is_back_and_healthy_after_restore(host):
    status, text = stack.http_get(host, f"http://127.0.0.1:{PORT}/health/")
    assert status == 200, text
    body = json.loads(text)
    assert body["database"] == "ok"
    assert body["migrations_pending"] == 0


def test_direct_mode(results):
    direct = results["direct"]
    if direct["host_major"] != 17:
        assert direct["task"] == "Refuse a pg_dump whose major version differs from the server's"
        assert f"the host's pg_dump is version {direct['host_major']}" in direct["msg"]
        assert direct["files"] == 0
    else:
        assert direct["task"] == ""
        assert direct["files"] == 2


def test_direct_mode_with_the_servers_major_version(results):
    direct = results["direct17"]
    path = direct["path"]
    assert sorted(os.listdir(os.path.dirname(path))) == sorted(
        [os.path.basename(path), os.path.basename(direct["metadata_path"])]
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(direct["metadata_path"], encoding="utf-8") as handle:
        meta = json.load(handle)
    assert meta["sha256"] == sha256(path)
    assert meta["mode"] == "direct"
    assert meta["verified"] == "file"
    password = stack.env_value("POSTGRES_PASSWORD").encode()
    for name in (path, direct["metadata_path"]):
        with open(name, "rb") as handle:
            assert password not in handle.read()


def test_directory_backup_is_0700_with_0600_files_and_matches_its_manifest(results):
    directory = results["directory"]
    path = directory["path"]
    assert path.endswith(".dir")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    with open(directory["metadata_path"], encoding="utf-8") as handle:
        meta = json.load(handle)
    manifest_path = os.path.join(path, "manifest.json")
    assert meta["sha256"] == sha256(manifest_path) == directory["sha256"]
    assert (meta["format"], meta["jobs"], meta["archive"]) == (
        "directory",
        2,
        os.path.basename(path),
    )
    with open(manifest_path, encoding="utf-8") as handle:
        files = json.load(handle)["files"]
    assert sorted(os.listdir(path)) == sorted([*files, "manifest.json"])
    assert "toc.dat" in files
    for name, entry in files.items():
        full = os.path.join(path, name)
        assert stat.S_IMODE(os.stat(full).st_mode) == 0o600, name
        assert (sha256(full), os.path.getsize(full)) == (entry["sha256"], entry["size"]), name
    assert meta["size"] == sum(entry["size"] for entry in files.values())
    password = stack.env_value("POSTGRES_PASSWORD").encode()
    for name in [*files, "manifest.json"]:
        with open(os.path.join(path, name), "rb") as handle:
            assert password not in handle.read(), name


def test_directory_backup_restores_into_a_scratch_database_with_equal_row_counts(host, results):
    """pg_restore -j 2 of a copy of the directory, made in the container by tar (as its user)."""
    user = stack.env_value("POSTGRES_USER")
    path = results["directory"]["path"]
    target = "/tmp/ats_scratch_dir"
    psql_db(host, "postgres", f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    psql_db(host, "postgres", f'CREATE DATABASE "{SCRATCH}"')
    try:
        assert stack.compose(host, "exec", "-T", "db", "mkdir", "-p", target).rc == 0
        copy_in = shlex.join(
            stack.compose_argv("exec", "-T", "db", "tar", "-C", target, "-xf", "-")
        )
        result = host.run(f"tar -C {shlex.quote(path)} -cf - . | {copy_in}")
        assert result.rc == 0, result.stderr
        result = stack.compose(
            host, "exec", "-T", "db", "pg_restore", "--no-owner", "--exit-on-error", "--jobs=2",
            "-U", user, "-d", SCRATCH, target,
        )  # fmt: skip
        assert result.rc == 0, result.stderr
        counts = json.loads(psql_db(host, SCRATCH, COUNT_SQL)[0])
    finally:
        stack.compose(host, "exec", "-T", "db", "rm", "-rf", target)
        psql_db(host, "postgres", f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    assert counts == results["counts_directory"]
    assert counts["accounts_organization"] >= 500


def test_damaged_directory_copies_failed_verification(results):
    truncated, toc, consistent = results["directory_damaged"]
    assert "does not match its manifest" in truncated
    assert "toc.dat has sha256" in toc
    assert "not complete and readable" in consistent


def test_directory_retention_pruned_the_older_directory_and_swept_orphans(results):
    directory = results["directory"]
    assert directory["pruned"] == [
        os.path.join(os.path.dirname(directory["path"]), "accreditrack_20200101T000000Z.dir")
    ]
    assert "/tmp/.accreditrack-ops-pg_dump.atsorphan" in directory["swept"]
    assert sorted(os.listdir(os.path.dirname(directory["path"]))) == sorted(
        [os.path.basename(directory["path"]), os.path.basename(directory["metadata_path"])]
    )


def test_directory_backup_restore_brought_the_state_back(results):
    assert results["directory_restore"]["path"] == results["directory"]["path"]
    assert results["counts_after_directory_restore"] == results["counts_directory"]


def test_restore_keeps_database_level_state_and_owners(results):
    """A fresh CREATE DATABASE + a dump without --create would lose all but the rows."""
    state = results["database_state"]
    assert state["table_owner"] == "ats_reporter"
    assert ":statement_timeout=7min" in state["settings"]
    assert ':search_path="$user", public' in state["settings"]
    assert "accreditrack:work_mem=8MB" in state["settings"]
    assert "ats_reporter=c/" in state["acl"] and "=Tc/" not in state["acl"]
    assert state["comment"] == "AccrediTrack, ats"
    assert not any(name.startswith("accreditrack_restore_") for name in state["databases"])

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.backup_prune: the listing, the rollback points, the removals, the sweep
(the decision itself: tests/unit/plugins/filter/test_backup_retention.py)."""

from __future__ import annotations

import json
import os

from ansible_collections.accreditrack.ops.plugins.modules import backup_prune as bp

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def backup(directory, stamp, kind="dump", metadata=True):
    archive = directory / f"app_{stamp}.{kind}"
    if kind == "dir":
        archive.mkdir()
        (archive / "toc.dat").write_text("x")
    else:
        archive.write_text("x")
    if metadata:
        (directory / f"app_{stamp}.json").write_text("{}")
    return str(archive)


def params(tmp_path, current, **more):
    return {
        "backup_dir": str(tmp_path / "b"),
        "prefix": "app",
        "current": current[: -len(".dump")],
        "current_archive": current,
        "keep": 2,
        "keep_days": 0,
        "now": NOW,
        "rollback_points_dir": str(tmp_path / "points"),
        **more,
    }


def test_prunes_beyond_keep_but_never_a_rollback_points_backup(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    oldest = backup(directory, "20270101T000000Z")
    old = backup(directory, "20270102T000000Z", kind="dir")
    middle = backup(directory, "20270103T000000Z")
    newer = backup(directory, "20270104T000000Z")
    current = backup(directory, "20270115T080000Z")
    points = tmp_path / "points"
    points.mkdir()
    (points / "p1.json").write_text(json.dumps({"backup": {"path": oldest}}))
    (points / "broken.json").write_text("{not json")
    (points / "none.json").write_text(json.dumps({"backup": None}))

    result = bp.prune(params(tmp_path, current), check_mode=False)

    assert result["changed"] is True
    assert sorted(result["pruned"]) == sorted([old, middle])
    assert result["kept"] == [current, newer, oldest]
    assert result["protected"] == [oldest]
    assert sorted(os.listdir(directory)) == sorted(
        os.path.basename(p) for p in [oldest, oldest[:-5] + ".json", newer, newer[:-5] + ".json",
                                      current, current[:-5] + ".json"]
    )  # fmt: skip


def test_check_mode_removes_nothing(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    for day in range(1, 5):
        backup(directory, f"2027010{day}T000000Z")
    current = backup(directory, "20270115T080000Z")
    before = sorted(os.listdir(directory))
    result = bp.prune(params(tmp_path, current), check_mode=True)
    assert len(result["pruned"]) == 3 and result["changed"] is True
    assert sorted(os.listdir(directory)) == before


def test_an_archive_without_metadata_older_than_the_oldest_kept_is_pruned(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    orphan = backup(directory, "20270101T000000Z", metadata=False)
    kept = backup(directory, "20270110T000000Z")
    young = backup(directory, "20270112T000000Z", metadata=False)
    current = backup(directory, "20270115T080000Z")
    result = bp.prune(params(tmp_path, current, keep=2), check_mode=False)
    assert result["kept"] == [current, kept]
    assert result["unverified_pruned"] == [orphan] and result["pruned"] == [orphan]
    assert os.path.exists(young) and not os.path.exists(orphan)


def test_sweeps_temporary_files_older_than_the_run_only(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    current = backup(directory, "20270115T080000Z")
    stale = directory / ".app_20270101T000000Z.dump.partial-abc"
    stale.write_text("x")
    os.utime(stale, (NOW - 60, NOW - 60))
    stale_dir = directory / ".app_20270101T000000Z.dir.partial-def"
    stale_dir.mkdir()
    os.utime(stale_dir, (NOW - 60, NOW - 60))
    running = directory / ".app_20270115T080000Z.dump.partial-ghi"
    running.write_text("x")
    os.utime(running, (NOW + 5, NOW + 5))
    result = bp.prune(params(tmp_path, current, keep=0), check_mode=False)
    assert sorted(result["swept"]) == sorted([str(stale), str(stale_dir)])
    assert result["pruned"] == [] and running.exists()
    assert not stale.exists() and not stale_dir.exists()


def test_keep_zero_and_keep_days_zero_prune_nothing_and_a_missing_directory(tmp_path):
    missing = str(tmp_path / "b" / "app_20270115T080000Z.dump")
    result = bp.prune(params(tmp_path, missing, keep=0), check_mode=False)
    assert result == {
        "changed": False,
        "pruned": [],
        "swept": [],
        "kept": [missing],  # this run's backup is always kept
        "protected": [],
        "unverified_pruned": [],
    }

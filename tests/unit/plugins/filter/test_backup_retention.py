# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters accreditrack.ops.backup_retention and rollback_point_backups: what retention prunes."""

from __future__ import annotations

import base64
import calendar
import json
import time

import pytest
from ansible_collections.accreditrack.ops.plugins.filter.backup_retention import (
    backup_retention,
)
from ansible_collections.accreditrack.ops.plugins.filter.rollback_point_backups import (
    rollback_point_backups,
)

DIR = "/var/backups/app"
NOW = calendar.timegm(time.strptime("20261210T000000Z", "%Y%m%dT%H%M%SZ"))
CURRENT = f"{DIR}/app_20261210T000000Z"


def day(n: int) -> str:
    """The stem of the backup taken n days before NOW."""
    return f"{DIR}/app_{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(NOW - n * 86400))}"


def files(*stems: str, metadata: bool = True, kind: str = "dump") -> list[dict]:
    found = []
    for stem in stems:
        found.append({"path": f"{stem}.{kind}", "isreg": kind == "dump", "isdir": kind == "dir"})
        if metadata:
            found.append({"path": f"{stem}.json", "isreg": True, "isdir": False})
    return found


def decide(found, keep=7, keep_days=0, protected=(), current_kind="dump"):
    found = [*found, *files(CURRENT, kind=current_kind)]
    return backup_retention(
        found, "app", CURRENT, f"{CURRENT}.{current_kind}", keep, keep_days, NOW, protected
    )


def test_keeps_the_newest_keep_and_prunes_the_rest():
    result = decide(files(*(day(n) for n in range(1, 10))), keep=3)
    assert result["prune"] == [day(n) for n in range(3, 10)]
    assert result["kept"] == [f"{CURRENT}.dump", f"{day(1)}.dump", f"{day(2)}.dump"]
    assert result["protected"] == [] and result["unverified"] == []


def test_an_archive_a_rollback_point_references_is_never_pruned():
    stems = [day(n) for n in range(1, 12)]
    protected = [f"{day(n)}.dump" for n in range(1, 11)]  # 10 rollback points, backup_keep 7
    result = decide(files(*stems), keep=7, protected=protected)
    assert result["prune"] == [day(11)]
    assert result["protected"] == [f"{day(n)}.dump" for n in range(7, 11)]
    assert all(path in result["kept"] for path in protected)


def test_protection_matches_paths_as_written_differently_and_directories():
    result = decide(
        files(day(5), kind="dir"),
        keep=1,
        protected=[f"{DIR}/../app//{day(5)[len(DIR) + 1 :]}.dir"],
    )
    assert result["prune"] == []
    assert result["protected"] == [f"{day(5)}.dir"]


def test_archives_without_metadata_older_than_the_kept_ones_are_pruned():
    verified = files(day(1), day(2))
    orphans = files(day(3), day(9), metadata=False) + files(day(4), metadata=False, kind="dir")
    result = decide(verified + orphans, keep=3)
    assert result["prune"] == [day(3), day(4), day(9)]
    assert result["unverified"] == [f"{day(3)}.dump", f"{day(4)}.dir", f"{day(9)}.dump"]
    assert result["archive_of"][day(4)] == f"{day(4)}.dir"


def test_an_archive_without_metadata_newer_than_a_kept_one_is_left_alone():
    found = files(day(1), day(5)) + files(day(3), metadata=False)
    result = decide(found, keep=3)
    assert result["prune"] == []  # day(5) is kept: day(3) may be a run still writing metadata


def test_an_archive_without_metadata_a_rollback_point_references_is_kept():
    found = files(day(1)) + files(day(8), metadata=False)
    assert decide(found, keep=2, protected=[f"{day(8)}.dump"])["prune"] == []


@pytest.mark.parametrize(
    ("keep", "keep_days", "pruned"),
    [
        pytest.param(2, 0, [3, 4, 6, 8, 10], id="count-only"),
        pytest.param(0, 5, [6, 8, 10], id="age-only"),
        pytest.param(2, 5, [6, 8, 10], id="either-rule-keeps"),
        pytest.param(0, 0, [], id="retention-disabled"),
    ],
)
def test_count_and_age_rules(keep, keep_days, pruned):
    found = files(*(day(n) for n in (1, 3, 4, 6, 8, 10)))
    result = decide(found, keep=keep, keep_days=keep_days)
    assert result["prune"] == [day(n) for n in pruned]


def test_this_runs_backup_is_never_pruned_and_other_prefixes_are_ignored():
    found = [*files(day(2)), {"path": f"{DIR}/other_20250101T000000Z.dump", "isreg": True}]
    found += [{"path": f"{DIR}/app_20250101T000000Z.dump", "isreg": False, "isdir": True}]
    result = decide(found, keep=0, keep_days=1)
    assert result["prune"] == [day(2)]
    assert result["kept"] == [f"{CURRENT}.dump"]


def slurped(point) -> dict:
    text = point if isinstance(point, str) else json.dumps(point)
    return {"content": base64.b64encode(text.encode()).decode(), "source": "/p.json"}


def test_rollback_point_backups_reads_the_points_and_skips_what_it_cannot():
    results = [
        slurped({"backup": {"path": "/b/app_2.dump", "sha256": "x"}}),
        slurped({"backup": {"path": "/b/app_1.dump"}}),
        slurped({"backup": None}),
        slurped("{not json"),
        slurped([1, 2]),
        {"failed": True, "msg": "file not found"},
        slurped({"backup": {"path": "/b/app_1.dump"}}),
    ]
    assert rollback_point_backups(results) == ["/b/app_1.dump", "/b/app_2.dump"]
    assert rollback_point_backups([]) == []

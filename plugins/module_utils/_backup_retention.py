# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The backup role's retention decision, pure: which backups of a database are pruned, kept or
# protected by a rollback point. Used on the managed host by accreditrack.ops.backup_prune and on
# the controller by the filter accreditrack.ops.backup_retention (its DOCUMENTATION says the rules).

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

SUFFIXES = (".dump", ".dir")


def _stem(path: str) -> str:
    for suffix in (*SUFFIXES, ".json"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def _cutoff(now: float, keep_days: int) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - keep_days * 86400))


def backup_retention(
    files: Iterable[Mapping[str, Any]],
    prefix: str,
    current: str,
    current_archive: str,
    keep: int,
    keep_days: int,
    now: float,
    protected: Iterable[str] = (),
) -> dict[str, Any]:
    """What retention prunes and keeps (see DOCUMENTATION)."""
    name = re.compile(
        rf"^{re.escape(prefix)}_(?P<stamp>[0-9]{{8}}T[0-9]{{6}}Z)(_[A-Za-z0-9-]+)?"
        r"\.(?P<kind>dump|dir|json)$"
    )
    current = os.path.normpath(current)
    archive_of: dict[str, str] = {current: os.path.normpath(current_archive)}
    metadata = {current}
    stamps: dict[str, str] = {}
    for found in files or ():
        path = os.path.normpath(str(found.get("path") or ""))
        match = name.match(os.path.basename(path))
        if not match:
            continue
        stem = _stem(path)
        kind = match.group("kind")
        if kind == "json" and found.get("isreg"):
            metadata.add(stem)
        elif (kind == "dump" and found.get("isreg")) or (kind == "dir" and found.get("isdir")):
            archive_of.setdefault(stem, path)
        else:
            continue
        stamps[stem] = match.group("stamp")
    stamps.setdefault(current, "~")  # this run's backup is the newest

    def order(stem: str) -> tuple[str, str]:
        return (stamps.get(stem, ""), stem)

    shielded = {_stem(os.path.normpath(str(p))) for p in protected or () if p}
    verified = sorted((s for s in archive_of if s in metadata), key=order, reverse=True)
    unverified = sorted((s for s in archive_of if s not in metadata), key=order, reverse=True)
    keep, keep_days = int(keep or 0), int(keep_days or 0)
    if keep <= 0 and keep_days <= 0:
        return {
            "prune": [],
            "archive_of": archive_of,
            "kept": [archive_of[stem] for stem in verified],
            "protected": [],
            "unverified": [],
        }
    cutoff = _cutoff(float(now), keep_days)
    expired = [
        stem
        for stem in verified[keep:]
        if stem != current and (keep_days == 0 or stamps[stem] < cutoff)
    ]
    prune = [stem for stem in expired if stem not in shielded]
    kept = [stem for stem in verified if stem not in prune]
    oldest_kept = min(order(stem) for stem in kept)  # this run's backup at least
    pruned_unverified = [
        stem for stem in unverified if stem not in shielded and order(stem) < oldest_kept
    ]
    prune += pruned_unverified
    only_protected = [archive_of[stem] for stem in expired if stem in shielded]
    return {
        "prune": prune,
        "archive_of": archive_of,
        "kept": [archive_of[stem] for stem in kept],
        "protected": only_protected,
        "unverified": [archive_of[stem] for stem in pruned_unverified],
    }


def rollback_point_backup(text) -> str:
    """The archive (``backup.path``) a rollback point's JSON text references ("" - none, or the
    point is unreadable)."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        point = json.loads(text)
    except (TypeError, ValueError):
        return ""
    backup = point.get("backup") if isinstance(point, dict) else None
    path = backup.get("path") if isinstance(backup, dict) else None
    return path if isinstance(path, str) else ""

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin accreditrack.ops.backup_retention: which backups the backup role prunes."""

from __future__ import annotations

DOCUMENTATION = r"""
name: backup_retention
short_description: Decide which backups of a database the backup role's retention prunes
version_added: 0.1.0
author:
  - AccrediTrack operations team (@accreditrack)
description:
  - A backup is C(NAME.dump) (a file) or C(NAME.dir) (a directory) and its metadata C(NAME.json),
    C(NAME) being C(PREFIX_YYYYMMDDTHHMMSSZ[_LABEL]). It is verified when both exist.
  - Kept are the newest O(keep) verified backups and every one younger than O(keep_days) days
    (either rule keeps a backup), this run's backup (O(current)), and every backup whose archive
    a rollback point references (O(protected)) - a rollback point never loses its backup.
  - An archive without its metadata (the metadata write failed) is pruned when it is older than
    the oldest kept backup; a newer one is left alone (another run may be writing its metadata).
  - With O(keep=0) and O(keep_days=0), nothing is pruned.
positional: _input
options:
  _input:
    description:
      - The C(files) of M(ansible.builtin.find) in the backup directory (C(path), C(isreg),
        C(isdir)).
    type: list
    elements: dict
    required: true
  prefix:
    description: The backups' name prefix (the database name or C(backup_name_prefix)).
    type: str
    required: true
  current:
    description: This run's backup, C(DIR/NAME) without suffix; never pruned.
    type: str
    required: true
  current_archive:
    description: This run's archive (C(DIR/NAME.dump) or C(DIR/NAME.dir)).
    type: str
    required: true
  keep:
    description: How many of the newest verified backups are kept (V(0) disables the rule).
    type: int
    required: true
  keep_days:
    description: Backups younger than this many days are kept (V(0) disables the rule).
    type: int
    required: true
  now:
    description: The time the age is measured from (this run's start, seconds since the epoch).
    type: float
    required: true
  protected:
    description:
      - Archives (or C(DIR/NAME) stems) never pruned - the backups the rollback points reference.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Choose what to prune
  ansible.builtin.set_fact:
    retention: >-
      {{ found.files | accreditrack.ops.backup_retention(prefix='app',
         current='/b/app_20261201T000000Z', current_archive='/b/app_20261201T000000Z.dump',
         keep=7, keep_days=0, now=1795000000, protected=['/b/app_20261101T000000Z.dump']) }}
"""

RETURN = r"""
_value:
  description:
    - C(prune) - the C(DIR/NAME) stems to prune, oldest last; C(archive_of) - each stem's archive;
      C(kept) - the kept archives, newest first; C(protected) - kept archives that only a rollback
      point keeps; C(unverified) - pruned archives that had no metadata.
  type: dict
"""

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


class FilterModule:
    def filters(self):
        return {"backup_retention": backup_retention}

#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module: retention was ten tasks (find, stat, find, a slurp per rollback point, the decision,
# mv, file, file, find, file) - eight round trips to the host on every backup. Here the listing, the
# rollback points, the decision (module_utils/_backup_retention.py, unit-tested) and the removals
# are one.

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_prune
short_description: Prune a database's old backups, never one a rollback point needs
version_added: 0.1.0
description:
  - Lists the backups of O(prefix) in O(backup_dir) (C(PREFIX_YYYYMMDDTHHMMSSZ[_LABEL].dump|.dir)
    and their C(.json) metadata) and the backups the project's rollback points in
    O(rollback_points_dir) reference, then applies the backup role's retention (the rules of the
    filter P(accreditrack.ops.backup_retention#filter)) - keeps the newest O(keep) verified backups,
    every one younger than O(keep_days), this run's O(current) backup and every backup a rollback
    point references; an archive without metadata older than the oldest kept backup is pruned.
  - A pruned archive is first renamed to a hidden C(.NAME.partial-pruned-EPOCH) (atomic, for a
    directory too), then its metadata removed, then the archive - an interrupted prune never leaves
    a half-deleted backup that still counts.
  - Then sweeps C(.*.dump|.dir.partial-*) files and directories older than O(now) (left by an
    interrupted run).
  - Check mode removes nothing and returns what would be pruned and swept.
options:
  backup_dir:
    description: The backup directory.
    type: path
    required: true
  prefix:
    description: The name prefix of the database's backups.
    type: str
    required: true
  current:
    description: This run's backup, without suffix (C(backup_dir/NAME)); always kept.
    type: path
    required: true
  current_archive:
    description: This run's archive (C(NAME.dump) or C(NAME.dir)).
    type: path
    required: true
  keep:
    description: Verified backups kept at least (V(0) with O(keep_days=0) - prune nothing).
    type: int
    default: 7
  keep_days:
    description: Verified backups younger than this many days are kept.
    type: int
    default: 0
  now:
    description: The run's start (UNIX time) - the reference for O(keep_days) and for the sweep.
    type: float
    required: true
  rollback_points_dir:
    description: The project's rollback points (C(*.json)); missing - none protects anything.
    type: path
    default: ""
attributes:
  check_mode:
    support: full
    description: Decides, removes nothing.
  diff_mode:
    support: none
    description: Nothing to compare; the result lists what was removed.
  platform:
    support: full
    platforms: posix
    description: Runs on the host that keeps the backups.
author:
  - AccrediTrack operations team (@accreditrack)
"""

EXAMPLES = r"""
- name: Prune old backups and sweep orphaned temporary files
  accreditrack.ops.backup_prune:
    backup_dir: /var/backups/shop
    prefix: shop
    current: /var/backups/shop/shop_20261204T101500Z
    current_archive: /var/backups/shop/shop_20261204T101500Z.dump
    keep: 7
    now: "{{ now(utc=true).timestamp() }}"
    rollback_points_dir: /var/lib/accreditrack-ops/rollback_points/shop
"""

RETURN = r"""
pruned:
  description: The archives pruned (in check mode, that would be).
  returned: always
  type: list
  elements: str
swept:
  description: The orphaned temporary files and directories removed.
  returned: always
  type: list
  elements: str
kept:
  description: The verified archives kept, newest first.
  returned: always
  type: list
  elements: str
protected:
  description: Archives past retention kept only because a rollback point references them.
  returned: always
  type: list
  elements: str
unverified_pruned:
  description: Archives without metadata that were pruned.
  returned: always
  type: list
  elements: str
"""

import os
import re
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._backup_retention import (
    backup_retention,
    rollback_point_backup,
)

ORPHAN = re.compile(r"^\..*\.(dump|dir)\.partial-.*$")


def listing(directory: str, prefix: str) -> list[dict]:
    """The backup files of `prefix` in `directory`, as ansible.builtin.find reports them."""
    name = re.compile(
        rf"^{re.escape(prefix)}_[0-9]{{8}}T[0-9]{{6}}Z(_[A-Za-z0-9-]+)?\.(dump|dir|json)$"
    )
    found = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if name.match(entry.name):
                found.append(
                    {
                        "path": entry.path,
                        "isreg": entry.is_file(follow_symlinks=False),
                        "isdir": entry.is_dir(follow_symlinks=False),
                    }
                )
    return found


def protected_archives(points_dir: str) -> list[str]:
    """The archives the rollback points reference; an unreadable point protects nothing."""
    if not points_dir or not os.path.isdir(points_dir):
        return []
    paths = set()
    for entry in sorted(os.listdir(points_dir)):
        if not entry.endswith(".json"):
            continue
        try:
            with open(os.path.join(points_dir, entry), "rb") as handle:
                path = rollback_point_backup(handle.read())
        except OSError:  # removed meanwhile, or unreadable
            continue
        if path:
            paths.add(path)
    return sorted(paths)


def remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def prune(p: dict, check_mode: bool) -> dict:
    """Decide, then (unless check_mode) prune and sweep; the module's result. Raises OSError."""
    directory = p["backup_dir"]
    files = listing(directory, p["prefix"]) if os.path.isdir(directory) else []
    decision = backup_retention(
        files,
        prefix=p["prefix"],
        current=p["current"],
        current_archive=p["current_archive"],
        keep=p["keep"],
        keep_days=p["keep_days"],
        now=p["now"],
        protected=protected_archives(p["rollback_points_dir"]),
    )
    archive_of = decision["archive_of"]
    pruned = [archive_of[stem] for stem in decision["prune"]]
    orphans = []
    if os.path.isdir(directory):
        for entry in sorted(os.listdir(directory)):
            path = os.path.join(directory, entry)
            if ORPHAN.match(entry) and os.lstat(path).st_mtime < p["now"]:
                orphans.append(path)
    if not check_mode:
        epoch = int(p["now"])
        for stem in decision["prune"]:
            archive = archive_of[stem]
            name = f".{os.path.basename(archive)}.partial-pruned-{epoch}"
            hidden = os.path.join(os.path.dirname(archive), name)
            os.rename(archive, hidden)
            remove(f"{stem}.json")
            remove(hidden)
        for path in orphans:
            remove(path)
    return {
        "changed": bool(pruned or orphans),
        "pruned": pruned,
        "swept": orphans,
        "kept": decision["kept"],
        "protected": decision["protected"],
        "unverified_pruned": decision["unverified"],
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "backup_dir": {"type": "path", "required": True},
            "prefix": {"type": "str", "required": True},
            "current": {"type": "path", "required": True},
            "current_archive": {"type": "path", "required": True},
            "keep": {"type": "int", "default": 7},
            "keep_days": {"type": "int", "default": 0},
            "now": {"type": "float", "required": True},
            "rollback_points_dir": {"type": "path", "default": ""},
        },
        supports_check_mode=True,
    )
    try:
        result = prune(module.params, module.check_mode)
    except OSError as exc:
        module.fail_json(msg=f"retention in {module.params['backup_dir']} failed: {exc}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()

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

from ansible_collections.accreditrack.ops.plugins.module_utils._backup_retention import (
    backup_retention,
)


class FilterModule:
    def filters(self):
        return {"backup_retention": backup_retention}

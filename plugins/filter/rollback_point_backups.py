# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin accreditrack.ops.rollback_point_backups: the archives rollback points need."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rollback_point_backups
short_description: The backup archives that rollback points reference
version_added: 0.1.0
author:
  - AccrediTrack operations team (@accreditrack)
description:
  - Reads rollback points (the migrate role's JSON) as M(ansible.builtin.slurp) returned them and
    lists the archives they reference (C(backup.path)), sorted, each once.
  - A point that is unreadable, not JSON or names no backup adds nothing.
positional: _input
options:
  _input:
    description: The C(results) of M(ansible.builtin.slurp) in a loop over rollback point files.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: The archives the kept rollback points need
  ansible.builtin.set_fact:
    protected: "{{ slurped.results | accreditrack.ops.rollback_point_backups }}"
"""

RETURN = r"""
_value:
  description: The archives' paths.
  type: list
  elements: str
"""

import base64
from collections.abc import Iterable
from typing import Any

from ansible_collections.accreditrack.ops.plugins.module_utils._backup_retention import (
    rollback_point_backup,
)


def rollback_point_backups(slurped: Iterable[Any]) -> list[str]:
    """The archives (``backup.path``) that rollback points reference, from the ``results`` of
    ansible.builtin.slurp over them; a point that is unreadable or names no backup adds none."""
    paths = []
    for result in slurped or ():
        try:
            content = base64.b64decode(result.get("content") or "")
        except (AttributeError, TypeError, ValueError):  # binascii.Error is a ValueError
            continue
        path = rollback_point_backup(content)
        if path:
            paths.append(path)
    return sorted(set(paths))


class FilterModule:
    def filters(self):
        return {"rollback_point_backups": rollback_point_backups}

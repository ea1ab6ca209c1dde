# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: failure
author: AccrediTrack operations team
version_added: 0.1.0
short_description: The failure record of a deployment's phase, from a failed or unreachable task
description:
  - Turns C(ansible_failed_result) of a C(rescue) section (or any registered result) into the record
    the playbooks put into the deploy report's C(failures) - C(phase), C(host), C(task), C(message),
    and C(unreachable) when the host could not be reached.
  - The message is the task's C(msg), followed by the end of its C(stderr) when C(msg) does not
    already say it (at most 400 characters of it).
options:
  _input:
    description: The failed task's result (C(ansible_failed_result)).
    type: dict
    required: true
  phase:
    description: The phase that failed (C(lock), C(migrate), C(restart), C(rollback) ...).
    type: str
    required: true
  host:
    description: The host it failed on.
    type: str
    required: true
  task:
    description: The name of the failed task (C(ansible_failed_task.name)).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Remember the failure
  ansible.builtin.set_fact:
    deploy_failure: >-
      {{ ansible_failed_result
         | accreditrack.ops.failure('restart', inventory_hostname, ansible_failed_task.name) }}
"""

RETURN = r"""
_value:
  description: The record - phase, host, task, message, unreachable.
  type: dict
"""

from collections.abc import Mapping
from typing import Any

STDERR_LIMIT = 400


def failure(result: Any, phase: str, host: str, task: str = "") -> dict[str, Any]:
    """The failure record of ``phase`` on ``host`` from a task's result."""
    result = result if isinstance(result, Mapping) else {}
    msg = str(result.get("msg") or "").strip() or "failed"
    stderr = str(result.get("stderr") or "").strip()
    if stderr and stderr not in msg:
        cut = stderr if len(stderr) <= STDERR_LIMIT else stderr[: STDERR_LIMIT - 3] + "..."
        msg = f"{msg}: {cut}"
    unreachable = bool(result.get("unreachable"))
    if unreachable:
        msg = f"{host} is unreachable: {msg}"
    return {
        "phase": phase,
        "host": host,
        "task": task or "",
        "message": msg,
        "unreachable": unreachable,
    }


class FilterModule:
    def filters(self):
        return {"failure": failure}

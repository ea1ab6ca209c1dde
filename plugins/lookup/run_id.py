# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: run_id
author: AccrediTrack operations team (@accreditrack)
version_added: 0.1.0
short_description: A new run id - the UTC time of the controller and a random number
description:
  - Returns a new id for one run of a playbook, C(YYYYmmddTHHMMSSZ-N) - the controller's UTC time
    to the second and a random integer N in C([0, 2147483646]), for example
    V(20261124T141800Z-1804289383). The deploy lock, the reports and the rollback points of
    accreditrack.ops name a run with it, and read it back in this format.
  - Every call returns a NEW id. Set it once with M(ansible.builtin.set_fact) and use that fact; a
    lookup in a play's or a task's C(vars) is evaluated again on every use of the variable, so each
    use would name a different run.
  - The time is the controller's, as the C(now) function of a template gives it. Like every
    lookup, it runs once per host of the task - set in a task of several hosts, each host gets an
    id of its own (read the one host's fact through C(hostvars) where the run needs one id). The
    random part comes from the operating system's random source (Python's C(secrets)).
options: {}
notes:
  - Takes no terms.
seealso:
  - module: accreditrack.ops.deploy_lock
"""

EXAMPLES = r"""
- name: Name this run (once - a fact, not a play or task var)
  ansible.builtin.set_fact:
    deploy_run_id: "{{ lookup('accreditrack.ops.run_id') }}"

- name: Take the deploy lock with it
  accreditrack.ops.deploy_lock:
    path: /var/lib/accreditrack-ops/locks/accreditrack.lock
    run_id: "{{ deploy_run_id }}"
"""

RETURN = r"""
_raw:
  description: One new run id, C(YYYYmmddTHHMMSSZ-N).
  type: list
  elements: str
  sample: [20261124T141800Z-1804289383]
"""

import re
import secrets
from datetime import datetime, timezone
from typing import Optional

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

# The random part is below 2**31 - 1, as the `2147483647 | random` the playbooks used before.
RANDOM_BOUND = 2147483647
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-\d+$")


def new_run_id(now: Optional[datetime] = None, number: Optional[int] = None) -> str:
    """The run id of NOW (default: the current UTC time) and NUMBER (default: a random one)."""
    when = now if now is not None else datetime.now(timezone.utc)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    if number is None:
        number = secrets.randbelow(RANDOM_BOUND)
    return f"{when.strftime(TIME_FORMAT)}-{number}"


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleError(f"accreditrack.ops.run_id takes no terms (got {len(terms)})")
        self.set_options(var_options=variables, direct=kwargs)
        return [new_run_id()]

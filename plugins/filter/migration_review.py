# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin accreditrack.ops.migration_review: the pending plan against the running release."""

from __future__ import annotations

DOCUMENTATION = r"""
name: migration_review
short_description: Review a pending migration plan against what the running release uses
version_added: 0.1.0
author:
  - AccrediTrack operations team (@accreditrack)
description:
  - Compares the plan of M(accreditrack.ops.django_migrate) run with
    O(accreditrack.ops.django_migrate#module:schema_changes=true) with the tables and columns the
    release that runs now uses (M(accreditrack.ops.django_models_info)), and applies a policy.
  - Breaking for the running release (rule ids C(breaks-running-release/...)) - a column it uses
    dropped, renamed or retyped (a widening such as a longer C(varchar) or C(integer) to
    C(bigint) is not), a table it uses dropped or renamed, a NOT NULL column without a database
    default added to an existing table it writes. Warnings - NOT NULL set on a column its model
    declares nullable (C(breaks-running-release/set-not-null)), data lost by a drop of what
    existed before the plan (C(loses-data/drop-column), C(loses-data/drop-table)), an operation
    Django cannot reverse (C(loses-data/irreversible-operation)), an operation the plan could not
    describe (C(review-incomplete/unknown-operation)).
  - Each finding names the migration, the operation, the table, the column, the running model
    and field, the reason, and a one-line expand/contract hint of the runbook.
  - The rules about locks and rewrites of big tables are not part of this filter yet.
positional: _input
options:
  _input:
    description: The RV(accreditrack.ops.django_migrate#module:plan) list, with C(schema_changes).
    type: list
    elements: dict
    required: true
  running:
    description:
      - The result of M(accreditrack.ops.django_models_info) for the release that runs now (its
        RV(accreditrack.ops.django_models_info#module:models) and
        RV(accreditrack.ops.django_models_info#module:unmanaged)), or a list of its model records.
      - A result with C(running=false) (no release runs) reviews against no models.
    type: raw
    required: true
  allow:
    description:
      - Reviewed exceptions - V(app.migration) skips every finding of that migration,
        V(app.migration:RULE) only those of the rule RULE. Skipped findings are returned in
        RV(_value.allowed); an entry that is neither fails.
    type: list
    elements: str
    default: []
  policy:
    description:
      - V(warn) proceeds whatever was found; V(fail) refuses when a finding is breaking (warnings
        proceed); V(off) skips (also an unquoted YAML C(off), which is V(false)).
    type: str
    default: warn
    choices: [warn, fail, "off"]
seealso:
  - module: accreditrack.ops.django_migrate
  - module: accreditrack.ops.django_models_info
"""

EXAMPLES = r"""
- name: Read what the running release uses (its running backend container)
  accreditrack.ops.django_models_info:
    runner: compose_exec
    project_src: /srv/accreditrack
  register: running

- name: Plan the new release's migrations, with what each operation does to the schema
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    schema_changes: true
  check_mode: true
  register: pending

- name: Refuse a plan that breaks the running release
  ansible.builtin.fail:
    msg: "{{ review.message }}"
  vars:
    review: >-
      {{ pending.plan | accreditrack.ops.migration_review(running=running, policy='fail',
         allow=['accounts.0007_drop_legacy:loses-data/drop-column']) }}
  when: review.action == 'refuse'
"""

RETURN = r"""
_value:
  description: The review and the decision.
  type: dict
  contains:
    action:
      description: V(proceed), V(refuse) or V(skip).
      type: str
    message:
      description: A summary line, then one line per finding (and per allowed finding).
      type: str
    breaking:
      description: How many findings are breaking.
      type: int
    warnings:
      description: How many findings are warnings.
      type: int
    findings:
      description:
        - The findings - C(rule), C(severity) (V(breaking) or V(warning)), C(migration),
          C(operation), C(kind), C(table), C(column), C(model), C(field), C(reason), C(hint).
      type: list
      elements: dict
    allowed:
      description: The findings O(allow) skipped, in the same form.
      type: list
      elements: dict
    unused_allow:
      description: The O(allow) entries that matched no finding.
      type: list
      elements: str
    running:
      description:
        - Whether a release runs - false when O(running) is a result of
          M(accreditrack.ops.django_models_info) with C(running=false) (then no finding is breaking
          for it, and RV(_value.message) says so).
      type: bool
"""

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.accreditrack.ops.plugins.module_utils._migration_review import (
    decide,
    review,
)


def migration_review(
    plan: Any, running: Any = None, allow: Any = None, policy: str = "warn"
) -> dict[str, Any]:
    if policy is False:
        policy = "off"  # an unquoted `off` in YAML
    if running is None:
        raise AnsibleFilterError(
            "migration_review: running (django_models_info's result) is required"
        )
    if not isinstance(plan, list):
        raise AnsibleFilterError("migration_review: the input must be django_migrate's plan list")
    try:
        result = review(plan, running, allow=list(allow or ()))
        decision = decide(result, str(policy))
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError(f"migration_review: {error}") from error
    # django_models_info's running=false: no release runs (a first deploy, a stopped stack) -
    # nothing to break; the message says the rules about the running release had no models.
    runs = not (isinstance(running, dict) and running.get("running") is False)
    if not runs and decision["action"] != "skip":
        head, _, rest = decision["message"].partition("\n")
        head += " (no release runs now: the breaks-running-release rules had no models to check)"
        decision["message"] = head + ("\n" + rest if rest else "")
    return {**decision, **result, "running": runs}


class FilterModule:
    """accreditrack.ops.migration_review"""

    def filters(self) -> dict:
        return {"migration_review": migration_review}

#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module: the report's outcome, durations and shape are decisions; in Jinja they were
# ~100 lines nobody could test. The action plugin of the same name decides and assembles the
# report on the controller (module_utils/_deploy_report.py) and writes it with
# accreditrack.ops.json_file; this file is its documentation (the action plugin never runs it).

from __future__ import annotations

DOCUMENTATION = r"""
module: deploy_report
short_description: Decide a deploy's outcome and write its JSON report on the managed host
version_added: 0.1.0
description:
  - Assembles the deploy report (C(format_version) 1) from what a playbook collected - the
    release before and after, the migrate role's C(migrate_result), the rollback role's
    C(rollback_result), the health check, the failures - and decides the run's
    outcome (RV(report)'s C(outcome)) - C(planned) (check mode), C(locked), C(success),
    C(no_change), C(rollback_failed), C(rolled_back) or C(failed).
  - A run that did not end well (not C(success), C(no_change) or C(planned)) gets the last
    O(logs_tail) lines of C(docker compose logs) of O(logs_services) in the report's C(logs).
  - Writes the report to O(reports_dir)/O(name) with M(accreditrack.ops.json_file) (mode 0600,
    directory 0700, atomically). Check mode writes nothing and returns the report.
  - A record of the run, like a log line, not a change of the deployment - V(changed=false).
  - Decided on the controller by the action plugin of the same name; the managed host runs only the
    C(logs) and the write.
options:
  playbook:
    description: The playbook that ran (C(deploy), C(update)); names the report.
    type: str
    required: true
  reports_dir:
    description: The directory of the project's reports (the project's C(reports_dir)).
    type: str
    required: true
  name:
    description: The report's file name. Empty - C(<UTC time>-<playbook>.json).
    type: str
    default: ""
  project:
    description: The project's name.
    type: str
    required: true
  run_id:
    description: The run's id (the deploy lock's).
    type: str
    default: ""
  hosts:
    description: The hosts of the play.
    type: list
    elements: str
    default: []
  requested:
    description: The release asked for.
    type: str
    default: ""
  before:
    description: The release that ran at the start (C(release_running) - C(release), C(containers)).
    type: dict
    default: {}
  after:
    description: The release that runs now (same shape as O(before)).
    type: dict
    default: {}
  migrate:
    description: The migrate role's C(migrate_result).
    type: dict
    default: {}
  rollback:
    description: The rollback role's C(rollback_result) (empty - no rollback).
    type: dict
    default: {}
  health:
    description: The release role's C(release_health).
    type: dict
    default: {}
  failures:
    description: The failure records (filter P(accreditrack.ops.failure#filter)), in order.
    type: list
    elements: dict
    default: []
  rollback_failures:
    description: The failure records of the rollback.
    type: list
    elements: dict
    default: []
  restarted:
    description: Whether C(up) created or recreated a container on any host.
    type: bool
    default: false
  times:
    description: UNIX timestamps of the run's marks - C(started) and one per phase of O(phases).
    type: dict
    required: true
  phases:
    description: The phase names of O(times), in order (durations are the differences).
    type: list
    elements: str
    default: []
  lock_file:
    description: The deploy lock's file.
    type: str
    default: ""
  lock:
    description: The release role's C(release_lock) (omitted - no lock was tried).
    type: dict
  compose_argv:
    description: The project's C(docker compose) argv (its C(compose_argv)); empty - no logs.
    type: list
    elements: str
    default: []
  logs_services:
    description: The services whose logs go into a failed run's report.
    type: list
    elements: str
    default: []
  logs_tail:
    description: Log lines per service.
    type: int
    default: 200
attributes:
  check_mode:
    support: full
    description: Writes nothing; returns the report.
  diff_mode:
    support: none
    description: The report is returned whole; no diff.
  platform:
    support: full
    platforms: posix
    description: Decided on the controller; written on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
"""

EXAMPLES = r"""
- name: Write the deploy report
  accreditrack.ops.deploy_report:
    playbook: update
    reports_dir: /var/lib/accreditrack-ops/reports/shop
    project: shop
    requested: v2
    before: "{{ running_before }}"
    after: "{{ release_running }}"
    migrate: "{{ migrate_result }}"
    times: {started: "{{ started }}", migrated: "{{ migrated }}"}
    phases: [migrated]
  register: written
"""

RETURN = r"""
report:
  description: The report (see the README's "The deploy report").
  returned: always
  type: dict
  sample:
    format_version: 1
    playbook: update
    outcome: no_change
    durations: {migrated: 4.2, report: 1.1, total: 5.3}
path:
  description: Where the report is (or, in check mode, would be) written.
  returned: always
  type: str
  sample: /var/lib/accreditrack-ops/reports/shop/20261204T041703Z-update.json
written:
  description: Whether the report was written (false in check mode).
  returned: always
  type: bool
"""

# Copyright: (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugin accreditrack.ops.showmigrations: parse ``manage.py showmigrations`` output."""

from __future__ import annotations

DOCUMENTATION = r"""
name: showmigrations
short_description: Parse the output of Django's C(manage.py showmigrations)
version_added: 0.1.0
author:
  - AccrediTrack operations team
description:
  - Reads the list format (default) and the C(--plan) format of C(manage.py showmigrations), at
    every verbosity, as printed by Django 3.2 to 6.0, and returns the migrations in printed order
    with their state, the pending ones, and the latest applied migration of each app.
  - A squash whose replaced migrations are all applied but which is not recorded yet
    (C([-]) line, Django 4.0+) has C(applied=partial) and is counted as pending, because
    C(migrate) still has to record it.
  - ANSI colours, CRLF line endings and lines that Docker or Docker Compose print before or
    after the listing are ignored.
  - Fails closed on a line inside the listing it cannot account for (an unknown line, an app label
    with no migration line under it, a plan line in a list). The error names the line number and
    quotes the line. A listing is never returned with a migration left out.
  - Fails when the input holds no listing (empty output, an error message such as
    C(No installed app with label 'x'.), a Python traceback or truncated output). Such output is
    never read as "nothing pending".
  - Parse the stdout of a command that exited 0. When the input is a registered command result,
    the filter checks its C(rc) and fails on a non-zero exit code.
positional: _input
options:
  _input:
    description:
      - The standard output of C(manage.py showmigrations), as a string or a list of lines
        (C(stdout_lines)).
      - Or a registered command result (a dictionary with C(stdout) and optionally C(rc)); a
        non-zero C(rc) makes the filter fail.
      - Pass stdout only; stderr carries system check messages and errors.
    type: raw
    required: true
seealso:
  - name: Django showmigrations
    description: Reference of the C(showmigrations) management command.
    link: https://docs.djangoproject.com/en/stable/ref/django-admin/#showmigrations
"""

EXAMPLES = r"""
- name: Show the migration state
  ansible.builtin.command:
    argv: [docker, compose, run, --rm, -T, --no-deps, web, python, manage.py, showmigrations]
    chdir: /srv/app
  register: showmigrations_result
  changed_when: false

- name: Fail when migrations are pending
  ansible.builtin.assert:
    that: (showmigrations_result | accreditrack.ops.showmigrations).pending_count == 0
    fail_msg: >-
      Pending: {{ (showmigrations_result | accreditrack.ops.showmigrations).pending | join(', ') }}

- name: Latest applied migration of the accounts app (null if none)
  ansible.builtin.debug:
    msg: "{{ parsed.latest_applied.accounts }}"
  vars:
    parsed: "{{ showmigrations_result.stdout | accreditrack.ops.showmigrations }}"

- name: Migrations in the order migrate will apply them
  ansible.builtin.debug:
    msg: "{{ (plan_output | accreditrack.ops.showmigrations).pending }}"
  vars:
    plan_output: |
      [X]  contenttypes.0001_initial
      [ ]  accounts.0001_initial
"""

RETURN = r"""
_value:
  description: The parsed listing.
  type: dict
  contains:
    format:
      description: C(list) or C(plan).
      type: str
      sample: list
    migrations:
      description:
        - One entry per printed migration, in Django's printed order.
        - C(applied) is C(true) for C([X]), C(false) for C([ ]) and the string C(partial) for
          C([-]) (applied but not recorded squash).
        - C(squashed) is N of C((N squashed migrations)), else null. C(applied_at) is the
          C(-v 2) timestamp, else null. C(dependencies) lists C(app.name) printed by
          C(--plan -v 2), else null.
      type: list
      elements: dict
      sample:
        - app: accounts
          name: 0001_initial
          applied: true
          squashed: null
          applied_at: "2024-05-01 10:00:00"
          dependencies: null
    apps:
      description: App labels in printed order (plan format, in first-seen order).
      type: list
      elements: str
      sample: [accounts, notes]
    apps_without_migrations:
      description: Apps printed with C((no migrations)) (list format only).
      type: list
      elements: str
      sample: [notes]
    pending:
      description: C(app.name) of every migration not applied, or applied but not recorded.
      type: list
      elements: str
      sample: [accounts.0002_profile]
    applied_count:
      description: Number of migrations with C(applied=true).
      type: int
      sample: 1
    pending_count:
      description: Number of entries in RV(_value.pending).
      type: int
      sample: 1
    latest_applied:
      description: For each app, the name of its last applied migration in printed order, or null.
      type: dict
      sample: {accounts: 0001_initial, notes: null}
"""

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError
from ansible_collections.accreditrack.ops.plugins.module_utils.showmigrations import (
    parse_showmigrations,
)


def showmigrations(data) -> dict:
    """Parse showmigrations output given as text, lines, or a registered command result."""
    if isinstance(data, Mapping):
        if "stdout" not in data:
            raise AnsibleFilterError(
                "showmigrations: a dictionary input must be a registered command result with "
                "'stdout'"
            )
        rc = data.get("rc", 0)
        if rc not in (0, None):
            raise AnsibleFilterError(
                f"showmigrations: the command failed (rc={rc}); its output is not a complete "
                f"listing. stderr: {str(data.get('stderr', ''))[-300:]!r}"
            )
        data = data["stdout"]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        data = "\n".join(str(line) for line in data)
    try:
        return parse_showmigrations(data)
    except ValueError as exc:
        raise AnsibleFilterError(f"showmigrations: {exc}") from exc


class FilterModule:
    """accreditrack.ops.showmigrations"""

    def filters(self) -> dict:
        return {"showmigrations": showmigrations}

#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: django_command
short_description: Run one Django management command and fail with Django's own message
version_added: 0.1.0
description:
  - Runs C(manage.py COMMAND ARGS...) once, for example C(check --deploy) before a migration or a
    data-migration command such as C(migrate_user_data) after it.
  - Fails when the command exits non-zero; RV(ignore:msg) carries Django's own error line
    (the exception that ended a traceback, or the C(CommandError) text), not a traceback tail.
  - A command is assumed to change state (V(changed=true)) unless the caller declares it
    O(read_only). In check mode a command that is not O(read_only) is not run (the result says
    so and is V(skipped)); a O(read_only) command runs in check mode too.
  - How Django runs (a one-off Compose container by default) is chosen by the shared runner options.
  - For migrations use P(accreditrack.ops.django_migrate#module), which reports what changed.
extends_documentation_fragment:
  - accreditrack.ops.django_runner
options:
  argv:
    description:
      - The management command and its arguments, as a list (never a shell string), for example
        V([check, --database, default]) or V([seed_demo]).
      - The first element is the command name; it must not start with C(-).
      - C(--settings) and C(--pythonpath) come from O(settings) and O(pythonpath).
    type: list
    elements: str
    required: true
  read_only:
    description:
      - Declares that the command changes nothing (C(check), C(showmigrations), C(sqlmigrate),
        C(diffsettings) ...). Then V(changed) is false and the command also runs in check mode.
      - Default V(false) assumes the command changes state, honestly reported as changed.
    type: bool
    default: false
attributes:
  check_mode:
    support: partial
    details:
      - A O(read_only) command runs in check mode; any other command is skipped with a message.
    description:
      - A O(read_only) command runs in check mode; any other command is skipped with a message.
  diff_mode:
    support: none
    description: The module shows no diff.
  platform:
    support: full
    platforms: posix
    description:
      - Runs C(docker compose), a local Python or the O(argv_prefix) command on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.django_migrate
  - module: accreditrack.ops.django_migrations_info
  - name: django-admin and manage.py
    description: Django's management commands.
    link: https://docs.djangoproject.com/en/stable/ref/django-admin/
"""

EXAMPLES = r"""
- name: System checks, including a database connection (changes nothing, runs in check mode too)
  accreditrack.ops.django_command:
    project_src: /srv/accreditrack
    argv: [check, --database, default]
    read_only: true

- name: The runbook's data migration command
  accreditrack.ops.django_command:
    project_src: /srv/accreditrack
    argv: [migrate_user_data]
  register: data_migration

- name: Load the demo data with the v2 image
  accreditrack.ops.django_command:
    project_src: /srv/accreditrack
    argv: [seed_demo]
  environment:
    BACKEND_RELEASE: v2
"""

RETURN = r"""
cmd:
  description: The command that ran (or would have run). No secret (environment values go by name).
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, run, --rm, -T, --no-deps,
           backend, python, config/manage.py, seed_demo]
rc:
  description: Exit code of the command.
  returned: when the command ran (not when it was skipped in check mode)
  type: int
  sample: 0
stdout:
  description: Standard output of the command.
  returned: always
  type: str
  sample: "Seeded 3 organizations.\n"
stderr:
  description: Standard error of the command (Compose progress, system-check warnings, logging).
  returned: always
  type: str
  sample: ""
duration:
  description: Seconds the command took.
  returned: always
  type: float
  sample: 1.93
"""

import time
from collections.abc import Mapping, Sequence
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._django_runner import (
    error_summary,
    manage_argv,
    merged_environment,
    run_cwd,
    runner_argument_spec,
    runner_required_if,
    tail,
    validate_runner_params,
)


def validate_command(argv: Sequence[str] | None) -> list[str]:
    """Problems with the `argv` option (empty: fine)."""
    if not argv:
        return ["argv must name a management command"]
    errors = []
    first = str(argv[0])
    if not first.strip():
        errors.append("argv[0] (the command name) must not be empty")
    elif first.startswith("-"):
        errors.append(f"argv[0] must be the command name, not the option {first!r}")
    if any(arg is None for arg in argv):
        errors.append("argv must not contain null elements")
    return errors


def split_command(argv: Sequence[str]) -> tuple[str, list[str]]:
    """(command, args) of the `argv` option."""
    return str(argv[0]), [str(arg) for arg in argv[1:]]


def failure_message(command: str, rc: int, stdout: str, stderr: str) -> str:
    """Django's own message for a command that exited non-zero."""
    detail = error_summary(stderr) or tail(stdout, 8) or "no output"
    return f"manage.py {command} failed (rc={rc}): {detail}"


def run_decision(read_only: bool, check_mode: bool) -> tuple[bool, bool]:
    """(run it, changed when it succeeds)."""
    if read_only:
        return True, False
    return not check_mode, True


def skipped_result(command: str, cmd: Sequence[str]) -> dict[str, Any]:
    return {
        "changed": False,
        "skipped": True,
        "msg": f"Check mode: manage.py {command} was not run (it is not declared read_only).",
        "cmd": list(cmd),
        "stdout": "",
        "stderr": "",
        "duration": 0.0,
    }


def main() -> None:
    argument_spec = runner_argument_spec()
    argument_spec.update(
        argv={"type": "list", "elements": "str", "required": True},
        read_only={"type": "bool", "default": False},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=runner_required_if(),
        supports_check_mode=True,
    )
    params: Mapping[str, Any] = module.params
    errors = validate_runner_params(params) + validate_command(params["argv"])
    if errors:
        module.fail_json(msg="; ".join(errors))

    command, args = split_command(params["argv"])
    env = merged_environment(params)
    cmd = manage_argv(params, command, args, env_names=env)
    run, changed = run_decision(params["read_only"], module.check_mode)
    if not run:
        module.exit_json(**skipped_result(command, cmd))

    started = time.monotonic()
    rc, stdout, stderr = module.run_command(cmd, environ_update=env, cwd=run_cwd(params))
    result = {
        "cmd": cmd,
        "rc": rc,
        "stdout": stdout,
        "stderr": stderr,
        "duration": round(time.monotonic() - started, 3),
    }
    if rc != 0:
        module.fail_json(
            msg=failure_message(command, rc, stdout, stderr), changed=changed, **result
        )
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: django_migrations_info
short_description: Read which Django migrations are applied and which are pending
version_added: 0.1.0
description:
  - Runs C(manage.py showmigrations) (list or plan format) and returns the state of every migration,
    parsed by the collection's C(showmigrations) parser (the same one the
    P(accreditrack.ops.showmigrations#filter) filter uses).
  - Never changes anything.
  - How Django runs (a one-off Compose container by default) is chosen by the shared runner options.
  - An unknown app label, a database that is down, a broken settings module or output that cannot be
    read fails the task with Django's own message. It is never reported as "nothing pending".
  - A line inside the listing the parser cannot account for fails the task; the message gives its
    line number and text.
extends_documentation_fragment:
  - accreditrack.ops.django_runner
options:
  format:
    description:
      - V(list) lists migrations per app (C(showmigrations --list)), V(plan) in the order they apply
        (C(showmigrations --plan)).
    type: str
    default: list
    choices: [list, plan]
  apps:
    description:
      - Only these app labels. Default is every app.
      - With O(format=plan), Django also lists the migrations of other apps these depend on.
    type: list
    elements: str
    default: []
  database:
    description:
      - The database alias (C(--database)). Default is Django's C(default).
    type: str
  verbosity:
    description:
      - C(showmigrations -v). V(2) adds when each migration was applied (list format) or its
        dependencies (plan format).
    type: int
    default: 1
    choices: [1, 2]
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description:
      - Runs C(docker compose), a local Python or the O(argv_prefix) command on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.django_migrate
  - name: Django showmigrations
    description: The command this module runs.
    link: https://docs.djangoproject.com/en/stable/ref/django-admin/#showmigrations
"""

EXAMPLES = r"""
- name: Read the migration state of the example stack
  accreditrack.ops.django_migrations_info:
    project_src: /srv/accreditrack
  register: migrations

- name: Fail when migrations are pending
  ansible.builtin.assert:
    that: migrations.pending_count == 0
    fail_msg: "Pending: {{ migrations.pending | join(', ') }}"

- name: The order in which the accounts app's migrations (and what they need) apply
  accreditrack.ops.django_migrations_info:
    project_src: /srv/accreditrack
    format: plan
    apps: [accounts]

- name: In the running backend container, with another settings module
  accreditrack.ops.django_migrations_info:
    runner: compose_exec
    project_src: /srv/accreditrack
    settings: config.settings.production

- name: Through kubectl
  accreditrack.ops.django_migrations_info:
    runner: argv_prefix
    argv_prefix: [kubectl, exec, deploy/backend, --]
    manage_py: manage.py
"""

RETURN = r"""
format:
  description: The output format that was parsed.
  returned: success
  type: str
  sample: list
migrations:
  description: Every migration Django printed, in its order.
  returned: success
  type: list
  elements: dict
  contains:
    app:
      description: App label.
      type: str
      sample: accounts
    name:
      description: Migration name.
      type: str
      sample: 0002_profile
    applied:
      description:
        - V(true) applied, V(false) pending, V(partial) for a squashed migration whose replaced
          migrations are all applied but which is not recorded yet.
      type: raw
      sample: true
  sample:
    - {app: accounts, name: 0001_initial, applied: true}
    - {app: accounts, name: 0002_profile, applied: false}
apps:
  description: App labels in the listing.
  returned: success
  type: list
  elements: str
  sample: [accounts, auth, contenttypes]
apps_without_migrations:
  description: Apps Django lists with C((no migrations)).
  returned: success
  type: list
  elements: str
  sample: []
pending:
  description: Pending migrations as C(app.name), in Django's order.
  returned: success
  type: list
  elements: str
  sample: [accounts.0002_profile]
applied_count:
  description: Number of applied migrations.
  returned: success
  type: int
  sample: 14
pending_count:
  description: Number of pending migrations.
  returned: success
  type: int
  sample: 1
latest_applied:
  description: Per app, the last applied migration in Django's order, or V(null) when none is.
  returned: success
  type: dict
  sample: {accounts: 0001_initial, auth: 0012_alter_user_first_name_max_length}
cmd:
  description: The command that ran. It holds no secret (environment values are passed by name).
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, run, --rm, -T, --no-deps,
           backend, python, config/manage.py, showmigrations, --list, --no-color, -v, "1"]
rc:
  description: Exit code of the command.
  returned: always
  type: int
  sample: 0
stdout:
  description: Standard output of the command.
  returned: always
  type: str
  sample: "accounts\n [X] 0001_initial\n [ ] 0002_profile\n"
stderr:
  description: Standard error of the command (system-check warnings, Compose progress).
  returned: always
  type: str
  sample: ""
"""

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
from ansible_collections.accreditrack.ops.plugins.module_utils.showmigrations import (
    ShowmigrationsParseError,
    parse_showmigrations,
)


def showmigrations_args(params: dict) -> list[str]:
    """Arguments of `manage.py showmigrations` for the module's options."""
    args = list(params.get("apps") or [])
    args.append("--plan" if params.get("format") == "plan" else "--list")
    if params.get("database"):
        args += ["--database", params["database"]]
    args += ["--no-color", "-v", str(params.get("verbosity") or 1)]
    return args


def failure_message(rc: int, stdout: str, stderr: str) -> str:
    """Django's own message: the last lines of stderr (or stdout when stderr is empty)."""
    detail = error_summary(stderr) or tail(stdout, 8) or "no output"
    return f"manage.py showmigrations failed (rc={rc}): {detail}"


def main() -> None:
    argument_spec = runner_argument_spec()
    argument_spec.update(
        format={"type": "str", "default": "list", "choices": ["list", "plan"]},
        apps={"type": "list", "elements": "str", "default": []},
        database={"type": "str"},
        verbosity={"type": "int", "default": 1, "choices": [1, 2]},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=runner_required_if(),
        supports_check_mode=True,
    )
    params = module.params
    errors = validate_runner_params(params)
    if errors:
        module.fail_json(msg="; ".join(errors))

    env = merged_environment(params)
    cmd = manage_argv(params, "showmigrations", showmigrations_args(params), env_names=env)
    rc, stdout, stderr = module.run_command(cmd, environ_update=env, cwd=run_cwd(params))
    result = {"changed": False, "cmd": cmd, "rc": rc, "stdout": stdout, "stderr": stderr}
    if rc != 0:
        module.fail_json(msg=failure_message(rc, stdout, stderr), **result)
    try:
        parsed = parse_showmigrations(stdout)
    except ShowmigrationsParseError as exc:
        module.fail_json(
            msg=f"Cannot read the output of showmigrations ({exc}): {tail(stderr, 8)}".rstrip(": "),
            **result,
        )
    result.update(parsed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

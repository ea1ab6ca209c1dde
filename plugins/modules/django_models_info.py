#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: django_models_info
short_description: Read the tables and columns a running Django release's models use
version_added: 0.1.0
description:
  - In one Django start-up, lists every concrete model of the code that runs (C(apps.get_models)
    with the auto-created many-to-many through models) with its table and the columns its code
    reads and writes (the C(column) of every concrete local field, the parent link of a
    multi-table child included).
  - Proxy models and swapped-out models have no table of their own and are left out. Unmanaged
    models (C(managed = False)) are returned apart, in RV(unmanaged); their code reads and writes
    their table all the same.
  - Meant for the release that runs now - O(runner=compose_exec) runs in its running backend
    container, no new container - so that a migration safety review knows, instead of guessing,
    what the running code uses while the next release's migrations run.
  - Never changes anything and runs no database query.
  - With O(skip_when_not_running=true) and O(runner=compose_exec), a service that has no running
    container (a first deploy, a stopped stack) is not an error - the module asks Compose first
    (C(docker compose ps --status running --quiet SERVICE)) and returns RV(running=false) with no
    models, without starting Django.
  - The program runs inside Django through C(manage.py shell -c) and reads itself from standard
    input, as M(accreditrack.ops.django_migrate)'s does (the runner must pass standard input
    through).
extends_documentation_fragment:
  - accreditrack.ops.django_runner
options:
  skip_when_not_running:
    description:
      - With O(runner=compose_exec) - when O(service) has no running container, return
        RV(running=false) instead of failing. Ignored by the other runners.
    type: bool
    default: false
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
notes:
  - Uses only long-stable Django APIs (C(apps.get_models), C(Model._meta)) of Django 3.2 to 6.0;
    tested with Django 4.2.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.django_migrate
"""

EXAMPLES = r"""
- name: Read what the running release's code uses (in its running backend container)
  accreditrack.ops.django_models_info:
    runner: compose_exec
    project_src: /srv/accreditrack
  register: running

- name: Show the columns of one table
  ansible.builtin.debug:
    msg: "{{ (running.models | selectattr('db_table', 'eq', 'accounts_member') | first).columns }}"
"""

RETURN = r"""
running:
  description:
    - Whether the release runs - false only with O(skip_when_not_running=true) when O(service)
      has no running container (then RV(models) and RV(unmanaged) are empty and nothing else ran).
  returned: always
  type: bool
  sample: true
models:
  description: Every concrete managed model, sorted by label.
  returned: success
  type: list
  elements: dict
  contains:
    label:
      description: The model's label.
      type: str
      sample: accounts.Member
    app_label:
      description: Its app label.
      type: str
      sample: accounts
    model_name:
      description: Its model name, lowercase.
      type: str
      sample: member
    db_table:
      description: Its table.
      type: str
      sample: accounts_member
    columns:
      description: The columns of its concrete local fields, in field order.
      type: list
      elements: str
      sample: [id, organization_id, email]
    fields:
      description: The same fields, with how the code writes them.
      type: list
      elements: dict
      contains:
        name:
          description: The field's name.
          type: str
          sample: organization
        column:
          description: Its column.
          type: str
          sample: organization_id
        "null":
          description: Whether the field allows NULL.
          type: bool
          sample: false
        primary_key:
          description: Whether it is the primary key.
          type: bool
          sample: false
        type:
          description: Its internal type (C(get_internal_type())).
          type: str
          sample: ForeignKey
        db_default:
          description: Whether it has a database default (C(db_default), Django 5.0 and later).
          type: bool
          sample: false
        generated:
          description: Whether it is a generated column (C(GeneratedField)), never written.
          type: bool
          sample: false
    auto_created:
      description: Whether Django created the model (the table of a many-to-many field).
      type: bool
      sample: false
unmanaged:
  description: The unmanaged models (C(managed = False)), in the form of RV(models).
  returned: success
  type: list
  elements: dict
  sample: []
django_version:
  description: The Django version that ran (null when RV(running=false)).
  returned: success
  type: str
  sample: 4.2.30
cmd:
  description: The command that ran (the program itself is on its standard input). No secret.
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, exec, -T, backend, python,
           config/manage.py, shell, -c, "import sys; ..."]
rc:
  description: Exit code of the command.
  returned: always
  type: int
  sample: 0
stderr:
  description: Standard error of the command (system-check warnings, Compose progress).
  returned: always
  type: str
  sample: ""
duration:
  description: Seconds the command took.
  returned: always
  type: float
  sample: 1.4
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._django_runner import (
    compose_base_argv,
    error_summary,
    manage_argv,
    merged_environment,
    run_cwd,
    runner_argument_spec,
    runner_required_if,
    validate_runner_params,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._migrate_script import (
    BOOTSTRAP,
    build_payload,
    extract_sections,
    new_marker,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._models_script import (
    MODELS_SCRIPT,
    ModelsInfoError,
    models_config,
    read_models,
)


def interpret(stdout: str, marker: str, rc: int, stderr: str) -> dict:
    """The module's result keys from the program's output; ModelsInfoError on failure."""
    try:
        result = read_models(extract_sections(stdout, marker))
    except ModelsInfoError as exc:
        detail = error_summary(stderr) or "no output on stderr"
        raise ModelsInfoError(f"Cannot read the models (rc={rc}): {exc}. {detail}") from None
    if rc != 0:
        raise ModelsInfoError(f"manage.py shell exited with rc={rc}: {error_summary(stderr)}")
    return {
        "models": result.get("models") or [],
        "unmanaged": result.get("unmanaged") or [],
        "django_version": result.get("django_version"),
    }


def not_running_argv(params: dict) -> list[str] | None:
    """The `docker compose ps` argv that lists the service's running containers, when the module
    must ask first (compose_exec with skip_when_not_running); None otherwise."""
    if not params.get("skip_when_not_running") or params.get("runner") != "compose_exec":
        return None
    service = params.get("service") or "backend"
    return [*compose_base_argv(params), "ps", "--status", "running", "--quiet", service]


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **runner_argument_spec(),
            "skip_when_not_running": {"type": "bool", "default": False},
        },
        required_if=runner_required_if(),
        supports_check_mode=True,
    )
    params = module.params
    errors = validate_runner_params(params)
    if errors:
        module.fail_json(msg="; ".join(errors))
    env = merged_environment(params)
    ps_argv = not_running_argv(params)
    if ps_argv:
        rc, stdout, stderr = module.run_command(ps_argv, environ_update=env, cwd=run_cwd(params))
        if rc != 0:
            module.fail_json(
                msg=f"docker compose ps failed (rc={rc}): {error_summary(stderr)}",
                cmd=ps_argv,
                rc=rc,
                stderr=stderr,
            )
        if not stdout.strip():
            module.exit_json(
                changed=False,
                running=False,
                models=[],
                unmanaged=[],
                django_version=None,
                cmd=ps_argv,
                rc=rc,
                stderr=stderr,
                duration=0.0,
            )
    cmd = manage_argv(params, "shell", ["-c", BOOTSTRAP], env_names=env)
    marker = new_marker()
    started = time.monotonic()
    rc, stdout, stderr = module.run_command(
        cmd,
        data=build_payload(models_config(marker), MODELS_SCRIPT),
        binary_data=True,
        environ_update=env,
        cwd=run_cwd(params),
    )
    common = {
        "changed": False,
        "cmd": cmd,
        "rc": rc,
        "stderr": stderr,
        "duration": round(time.monotonic() - started, 3),
    }
    try:
        out = interpret(stdout, marker, rc, stderr)
    except ModelsInfoError as exc:
        module.fail_json(msg=str(exc), **common)
    module.exit_json(running=True, **out, **common)


if __name__ == "__main__":
    main()

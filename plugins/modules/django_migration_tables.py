#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: django_migration_tables
short_description: Find the tables that Django migrations will lock, from their SQL
version_added: 0.1.0
description:
  - Runs C(manage.py sqlmigrate) for every migration of O(migrations), all in ONE Django process
    (C(manage.py shell -c) calling C(sqlmigrate) for each; a container start costs about a
    second), and reads the statements to find the existing tables they lock.
  - C(ALTER TABLE), C(CREATE INDEX ... ON), C(DROP TABLE), C(UPDATE)/C(DELETE)/C(INSERT)/C(TRUNCATE)
    and C(LOCK) name their table; a foreign key (C(REFERENCES)) locks the table it points to. A
    table created by the same batch is not a target, since nobody can hold a lock on it yet.
  - An operation without SQL (C(RunPython)) or a statement the parser does not know sets
    RV(whole_database), with the reason in RV(reasons); the caller should then check every table.
  - Never changes anything.
  - Where the migrations are planned with M(accreditrack.ops.django_migrate) anyway, its option
    O(accreditrack.ops.django_migrate#module:lock_targets) returns the same targets from the plan's
    own Django start-up (the same SQL, the same parser), without a second one.
extends_documentation_fragment:
  - accreditrack.ops.django_runner
options:
  migrations:
    description:
      - The migrations, as C(app.name), in the order they will be applied (for example the
        C(pending) list of M(accreditrack.ops.django_migrations_info)).
      - Empty returns no tables without running anything.
    type: list
    elements: str
    required: true
  database:
    description: The database alias (C(sqlmigrate --database)). Default is Django's C(default).
    type: str
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
  - module: accreditrack.ops.django_migrations_info
  - module: accreditrack.ops.django_migrate
  - module: accreditrack.ops.pg_lock_wait
  - name: Django sqlmigrate
    description: The command whose output is read.
    link: https://docs.djangoproject.com/en/stable/ref/django-admin/#sqlmigrate
"""

EXAMPLES = r"""
- name: Read the pending migrations
  accreditrack.ops.django_migrations_info:
    project_src: /srv/accreditrack
  register: migrations

- name: Find the tables they will lock
  accreditrack.ops.django_migration_tables:
    project_src: /srv/accreditrack
    migrations: "{{ migrations.pending }}"
  register: targets

- name: Wait until nothing holds a lock on them
  accreditrack.ops.pg_lock_wait:
    query: "{{ lookup('ansible.builtin.file', 'inspect.sql') }}"
    project_src: /srv/accreditrack
    tables: "{{ [] if targets.whole_database else targets.tables }}"
"""

RETURN = r"""
tables:
  description: Existing tables the migrations lock, sorted (schema-qualified when the SQL is).
  returned: success
  type: list
  elements: str
  sample: [accounts_accreditation, accounts_member, accounts_organization]
created:
  description: Tables the migrations create.
  returned: success
  type: list
  elements: str
  sample: [accounts_accreditationreview]
whole_database:
  description: Whether some operation cannot be attributed to tables (check every table then).
  returned: success
  type: bool
  sample: true
reasons:
  description: Why RV(whole_database) is set.
  returned: success
  type: list
  elements: str
  sample: ["accounts.0003_populate: an operation without SQL (RunPython) may touch any table"]
sql:
  description: The SQL of each migration, as C(sqlmigrate) printed it.
  returned: success
  type: dict
  sample: {accounts.0002_contact_email: "BEGIN;\nALTER TABLE ...;\nCOMMIT;\n"}
cmd:
  description: The command that ran (empty when O(migrations) is empty).
  returned: always
  type: list
  elements: str
  sample: [docker, compose, run, --rm, -T, --no-deps, backend, python, config/manage.py, shell,
           -c, "..."]
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._django_runner import (
    manage_argv,
    merged_environment,
    run_cwd,
    runner_argument_spec,
    runner_required_if,
    tail,
    validate_runner_params,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_locks import (
    migration_targets,
)

MARKER = "ACCREDITRACK_OPS_SQLMIGRATE="
_LABEL = re.compile(r"^[A-Za-z_]\w*\.\w+$")

# Runs inside `manage.py shell -c`: one Django start for all migrations. The labels arrive as a
# JSON literal (validated by _LABEL), never through a shell.
_SCRIPT = """
import io, json
from django.core.management import call_command
out = {{}}
for label in json.loads({labels!r}):
    app, name = label.split(".", 1)
    buffer = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=buffer, no_color=True{database})
    out[label] = buffer.getvalue()
print({marker!r} + json.dumps(out))
"""


def shell_code(migrations: list[str], database: str | None = None) -> str:
    """The Python that `manage.py shell -c` runs to print the SQL of every migration."""
    return _SCRIPT.format(
        labels=json.dumps(migrations),
        database=f", database={database!r}" if database else "",
        marker=MARKER,
    )


def parse_output(stdout: str) -> dict[str, str]:
    """The {label: sql} the script printed, from the line with MARKER."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise ValueError("no sqlmigrate result in the output")


def main() -> None:
    argument_spec = runner_argument_spec()
    argument_spec.update(
        migrations={"type": "list", "elements": "str", "required": True},
        database={"type": "str"},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=runner_required_if(),
        supports_check_mode=True,
    )
    params = module.params
    errors = validate_runner_params(params)
    bad = [label for label in params["migrations"] if not _LABEL.match(label)]
    if bad:
        errors.append(f"migrations must be app.name, not {', '.join(bad)}")
    if errors:
        module.fail_json(msg="; ".join(errors))

    result = {"changed": False, "cmd": [], "tables": [], "created": [], "sql": {}}
    result.update(whole_database=False, reasons=[])
    if not params["migrations"]:
        module.exit_json(**result)
    env = merged_environment(params)
    code = shell_code(params["migrations"], params.get("database"))
    cmd = manage_argv(params, "shell", ["-c", code], env_names=env)
    rc, stdout, stderr = module.run_command(cmd, environ_update=env, cwd=run_cwd(params))
    result["cmd"] = cmd
    if rc != 0:
        detail = tail(stderr, 12) or tail(stdout, 12) or "no output"
        module.fail_json(msg=f"manage.py sqlmigrate failed (rc={rc}): {detail}", rc=rc, **result)
    try:
        sql = parse_output(stdout)
    except ValueError as error:
        module.fail_json(msg=f"{error}: {tail(stderr, 8)}", rc=rc, **result)
    targets = migration_targets((label, sql.get(label, "")) for label in params["migrations"])
    result.update(
        sql=sql,
        tables=list(targets.tables),
        created=list(targets.created),
        whole_database=targets.whole_database,
        reasons=list(targets.reasons),
    )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

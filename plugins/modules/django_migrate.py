#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: django_migrate
short_description: Apply or unapply Django migrations and report exactly what changed
version_added: 0.1.0
description:
  - Migrates every app, one app, or one app to a target migration, forwards or backwards, with
    C(manage.py migrate --noinput).
  - In one run of Django (one container start, one Django start-up) it reads the state of every
    migration, plans the migration for the target, refuses a backward plan that Django cannot run,
    migrates, and reads the state again. V(changed) is true exactly when the state differs.
  - After the run the state is checked against the plan and the target; a migrate that should have
    changed the state and did not (for example a rollback target replaced by a squash, where Django
    prints C(No migrations to apply.) and exits 0) fails.
  - A lock timeout (SQLSTATE 55P03) is retried with exponential backoff and jitter; any other
    failure fails at once. On failure, RV(ignore:msg) names the migration that failed and RV(after)
    holds the state after the failure.
  - How Django runs (a one-off Compose container by default) is chosen by the shared runner options.
extends_documentation_fragment:
  - accreditrack.ops.django_runner
options:
  app:
    description:
      - The app label to migrate. Default is every app.
    type: str
  target:
    description:
      - The migration of O(app) to migrate to, forwards or backwards. Requires O(app).
      - A full name, a unique prefix (V(0001)) or V(zero) to unapply every migration of O(app).
        An ambiguous prefix fails and lists the candidates.
      - A migration a squashed migration replaced, while Django uses the squash, is mapped to the
        squash when it is the last migration the squash replaces (the same state); any other
        replaced migration is no longer a state Django can migrate to, and the task fails naming
        the squash. A squash that is not in use yet (only part of what it replaces is applied) is
        mapped to the last migration it replaces.
      - Default is the latest migration of O(app) (or of every app).
    type: str
  database:
    description:
      - The database alias (C(--database)). Default is Django's C(default).
    type: str
  allow_irreversible:
    description:
      - A backward plan that contains an operation Django cannot reverse (what
        C(migrate --plan) marks C(-> IRREVERSIBLE), for example C(RunPython) without
        C(reverse_code)) is refused before anything runs, and the result names the migration and
        the operation.
      - V(true) runs such a plan anyway. Django then unapplies the migrations before the
        irreversible one and stops there with an error; use it only to go back as far as possible.
    type: bool
    default: false
  lock_timeout:
    description:
      - PostgreSQL C(lock_timeout) for the run, a PostgreSQL duration such as V(3s), V(500ms),
        V(1min) (a bare number is milliseconds). V(0) waits without limit.
      - A DDL statement that waits for its lock blocks every later query on that table; with a
        timeout it gives up instead, and the module retries (see O(retries)).
      - Sent as C(-c lock_timeout=...) in C(PGOPTIONS), added to any C(PGOPTIONS) of O(environment)
        or of the module's own environment, and also set with C(set_config) on every PostgreSQL
        connection the run opens (so it holds where C(PGOPTIONS) does not reach the server).
        Ignored for other databases.
      - Each migration checks the value again inside its own transaction, before its first
        statement (also O(statement_timeout)). A pooler in transaction pooling (PgBouncer
        C(pool_mode = transaction)) serves that transaction from a server connection the run's
        setting never reached; the migration then fails with C(SessionSettingLost) and a message
        naming the pooler setting, before any DDL (never retried).
    type: str
    default: 10s
  statement_timeout:
    description:
      - PostgreSQL C(statement_timeout) for the run (same format as O(lock_timeout)). Default is
        the server's. Long data migrations may need a generous value.
    type: str
  retries:
    description:
      - How many times to retry C(migrate) after a lock timeout (SQLSTATE 55P03, C(canceling
        statement due to lock timeout)). Each migration runs in its own transaction, so a retry
        resumes with the migration that timed out. Any other failure is not retried, nor is a lock
        timeout in a non-atomic migration (it may be partly applied).
    type: int
    default: 3
  system_checks:
    description:
      - Run Django's system checks first, in the same Django start-up, as
        C(manage.py check --database ALIAS) does (database checks included, as C(migrate) runs
        them), with O(system_checks_args). Failing checks fail the task before anything is planned
        or changed (the stage of RV(error) is V(checks)); warnings are returned in
        RV(system_checks).
      - Saves the container start and Django start-up of a separate C(manage.py check). C(migrate)
        then skips its own run of the same checks.
    type: bool
    default: false
  system_checks_args:
    description:
      - Extra arguments of the system checks, as on the C(manage.py check) command line, for
        example V([--deploy]) or V([--fail-level, WARNING]). Only with O(system_checks).
    type: list
    elements: str
    default: []
  lock_targets:
    description:
      - Also find the existing tables the plan's migrations will lock, in the same Django start-up,
        and return them in RV(lock_targets) - what M(accreditrack.ops.django_migration_tables)
        finds with C(sqlmigrate), without starting Django again (pass RV(lock_targets) to the
        role option C(lock_check_targets) of P(accreditrack.ops.lock_check#role)).
      - The SQL of every forward step is computed the way C(manage.py sqlmigrate) computes it
        (a migration loader that does not replace squashes, C(collect_sql()) of that one migration
        from the project state at it, C(BEGIN)/C(COMMIT) around it when it is atomic), nothing
        runs, and the same parser reads it. RV(lock_targets_sql) holds that SQL.
      - A step that cannot be attributed to tables makes RV(lock_targets.whole_database) true,
        with the reason - an operation without SQL (C(RunPython)), a statement the parser does not
        know, a backward step (the SQL of an unapply is not read), a squashed migration or a
        migration a squash replaces (a partly applied squash), a table the plan creates that
        already exists (a partly applied migration), or SQL that could not be computed (never a
        failure of the task).
      - Computed after the plan, before anything runs (in a real run too, before migrating).
    type: bool
    default: false
    version_added: 0.1.0
  schema_changes:
    description:
      - Also describe what every operation of the plan's forward steps does to the database
        schema, in RV(plan[].schema_changes), in the same Django start-up (the input of a
        migration safety review).
      - Each operation is read from the project state just before it - the state of the applied
        migrations, as C(migrate) builds it, then every operation before it in plan order - so
        the tables, columns and database types are those Django will change (a field renamed
        earlier in the plan is known by its new column).
      - Never fails the task - an operation that cannot be read has the kind V(unknown) and the
        reason.
      - Computed after the plan, before anything runs (in a real run too, before migrating).
    type: bool
    default: false
    version_added: 0.1.0
  retry_delay:
    description:
      - Base of the exponential backoff, in seconds. Retry N waits between half and all of
        C(retry_delay * 2**(N-1)) (at most 60 seconds). V(0) retries at once.
    type: float
    default: 2.0
attributes:
  check_mode:
    support: full
    description:
      - Reads the state and the plan only; V(changed) is the prediction (the plan is not empty).
        A plan that would be refused fails in check mode too.
  diff_mode:
    support: full
    description: The applied migrations before and after, one C(app.name) per line.
  platform:
    support: full
    platforms: posix
    description:
      - Runs C(docker compose), a local Python or the O(argv_prefix) command on the managed host.
notes:
  - The program runs inside Django through C(manage.py shell -c) and reads itself from standard
    input. It uses only long-stable Django APIs (C(call_command), C(MigrationExecutor),
    C(MigrationLoader)) written for Django 3.2 to 6.0. Tested there - its check mode (the
    plan, C(lock_targets), the session settings) on Django 3.2, 4.0, 4.1, 4.2, 5.0, 5.1, 5.2 and 6.0
    against a real PostgreSQL (C(tests/parity/lock_targets_parity.py), run by hand); whole
    migrations, rollbacks and failures on Django 4.2 (the example) and 4.2 to 5.2 (the second test
    project, C(tests/projects/bookshelf)) in the molecule scenarios.
  - C(migrate) runs with Django's system checks, as C(manage.py migrate) does (once only, before
    anything else, with O(system_checks)).
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.django_migrations_info
  - module: accreditrack.ops.django_migration_tables
  - name: Django migrate
    description: The command this module runs.
    link: https://docs.djangoproject.com/en/stable/ref/django-admin/#migrate
  - name: PostgreSQL lock_timeout
    description: What O(lock_timeout) sets.
    link: https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
"""

EXAMPLES = r"""
- name: Apply every pending migration (one-off container of the backend service)
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    lock_timeout: 3s
    retries: 5

- name: Predict what a release would apply, showing it as a diff
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
  check_mode: true
  diff: true
  register: predicted

- name: Plan, and find the tables the plan will lock, in one Django start-up
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    lock_targets: true
  check_mode: true
  register: plan

- name: Wait until no session is in the way of those tables (no second Django start-up)
  ansible.builtin.include_role:
    name: accreditrack.ops.lock_check
  vars:
    lock_check_project_src: /srv/accreditrack
    lock_check_targets: "{{ plan.lock_targets }}"

- name: Plan, with what each pending operation does to the schema (a safety review's input)
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    schema_changes: true
  check_mode: true
  register: pending

- name: Show the columns the plan drops
  ansible.builtin.debug:
    msg: "{{ pending.plan | selectattr('schema_changes', 'defined')
             | map(attribute='schema_changes') | flatten
             | selectattr('kind', 'eq', 'drop_column') | map(attribute='columns') | flatten }}"

- name: Roll the accounts app back to 0003 (a unique prefix)
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    app: accounts
    target: "0003"

- name: Unapply every migration of the courses app
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    app: courses
    target: zero

- name: Migrate through kubectl (-i passes the program on standard input)
  accreditrack.ops.django_migrate:
    runner: argv_prefix
    argv_prefix: [kubectl, exec, -i, deploy/backend, --]
    manage_py: manage.py

- name: Migrate with a virtualenv on the host, against a staging settings module
  accreditrack.ops.django_migrate:
    runner: local
    chdir: /srv/app
    manage_py: manage.py
    virtualenv: /srv/app/.venv
    settings: config.settings.staging
    environment:
      DATABASE_PASSWORD: "{{ vault_database_password }}"

- name: Set the runner options once for the whole play
  module_defaults:
    group/accreditrack.ops.django:
      project_src: /srv/accreditrack
      project_name: accreditrack
  block:
    - name: Migrate
      accreditrack.ops.django_migrate:
      register: migrated
"""

RETURN = r"""
applied:
  description: Migrations this run applied, as C(app.name), in the order they were applied.
  returned: always
  type: list
  elements: str
  sample: [accounts.0002_profile, accounts.0003_fill_profiles]
unapplied:
  description: Migrations this run unapplied, as C(app.name), in the order they were unapplied.
  returned: always
  type: list
  elements: str
  sample: []
plan:
  description: The plan Django computed for the target, before anything ran.
  returned: when the plan could be computed
  type: list
  elements: dict
  contains:
    migration:
      description: C(app.name).
      type: str
      sample: accounts.0002_profile
    app:
      description: App label.
      type: str
      sample: accounts
    name:
      description: Migration name.
      type: str
      sample: 0002_profile
    backwards:
      description: Whether the migration is unapplied.
      type: bool
      sample: false
    atomic:
      description: Whether the migration runs in one transaction.
      type: bool
      sample: true
    operations:
      description: Its operations.
      type: list
      elements: dict
      contains:
        description:
          description: Django's description of the operation.
          type: str
          sample: Create model Profile
        type:
          description: The operation's class.
          type: str
          sample: CreateModel
        reversible:
          description: Whether Django can reverse it.
          type: bool
          sample: true
        irreversible:
          description: The step is backwards and the operation cannot be reversed.
          type: bool
          sample: false
    schema_changes:
      description:
        - What the forward step's operations do to the schema, one entry per operation (for a
          C(SeparateDatabaseAndState), one per database operation; one entry of kind V(other)
          when it has none), in order.
        - Each entry has the keys listed here; some kinds add more - V(add_column) and
          V(add_not_null_column_without_db_default) add C(field), C(null), C(db_default),
          C(has_default), C(table_exists) and C(new_db_type); V(rename_column),
          V(alter_column_type), V(set_not_null) (an C(AlterField) or C(RenameField)) add
          C(field), C(new_field), C(old_column), C(new_column), C(old_db_type), C(new_db_type),
          C(null_before) and C(null_after); V(drop_column) adds C(field); V(rename_table)
          adds C(old_table), C(new_table) (and C(new_model) for a model); V(drop_table) and
          V(create_table) add C(tables) (the model's table and its auto-created many-to-many
          tables, or the many-to-many table of a field, with C(field)); V(add_index) adds
          C(index_name), C(concurrently) and C(table_exists); V(add_unique) and V(add_check) of
          a constraint add C(constraint) and C(table_exists); V(run_sql) adds C(sql) (at most
          2000 characters); an entry of a C(SeparateDatabaseAndState) adds C(nested_in).
      returned: on forward steps, when O(schema_changes) is true
      type: list
      elements: dict
      version_added: 0.1.0
      contains:
        index:
          description: The operation's position in the migration, from 0.
          type: int
          sample: 0
        kind:
          description:
            - The main change - V(drop_column), V(rename_column), V(alter_column_type),
              V(add_not_null_column_without_db_default), V(add_column), V(set_not_null),
              V(drop_table), V(rename_table), V(create_table), V(add_index), V(add_unique),
              V(add_foreign_key), V(add_check), V(run_sql), V(run_python), V(other) (no
              change the review reads - also an operation Django runs no SQL for, on a proxy,
              unmanaged or swapped-out model or one a database router keeps off the database;
              RV(plan[].schema_changes[].reason) says which) or V(unknown) (it could not be
              read; RV(plan[].schema_changes[].reason) says why).
          type: str
          sample: drop_column
        kinds:
          description:
            - Every change of the operation, the main one first (an C(AlterField) may change
              the type and set NOT NULL; an C(AddField) of a foreign key adds its column, its
              foreign key and its index).
          type: list
          elements: str
          sample: [alter_column_type, set_not_null]
        operation:
          description: Django's description of the operation.
          type: str
          sample: Remove field legacy_code from member
        type:
          description: The operation's class.
          type: str
          sample: RemoveField
        model:
          description: The model's label before the operation (C(app_label.ModelName)).
          type: str
          sample: accounts.Member
        db_table:
          description: The model's table before the operation (after it for C(CreateModel)).
          type: str
          sample: accounts_member
        columns:
          description: The columns it changes, by their names before the operation.
          type: list
          elements: str
          sample: [legacy_code]
        reason:
          description: Why the kind is V(other) or V(unknown), when there is something to say.
          type: str
          sample: "cannot be described: LookupError: no model accounts.member in the project state"
irreversible:
  description: Backward steps of the plan Django cannot run.
  returned: always
  type: list
  elements: dict
  contains:
    migration:
      description: C(app.name).
      type: str
      sample: accounts.0004_fill
    operation:
      description: The operation.
      type: str
      sample: Raw Python operation
  sample: []
before:
  description:
    - The state before, as parsed by the C(showmigrations) parser (the keys
      P(accreditrack.ops.django_migrations_info#module) returns).
  returned: when it could be read
  type: dict
  sample: {format: list, pending: [accounts.0002_profile], pending_count: 1, applied_count: 14}
after:
  description:
    - The state after the run, in the same form; after a failure, the state after the failure.
    - In check mode and when nothing was to do, the state before.
  returned: when it could be read
  type: dict
  sample: {format: list, pending: [], pending_count: 0, applied_count: 15}
resolved_target:
  description: The full name O(target) resolved to (V(zero) for zero).
  returned: when O(target) is set and was resolved
  type: str
  sample: 0003_fill_profiles
target_note:
  description: How O(target) was mapped, when it was (a squash).
  returned: when O(target) was mapped
  type: str
  sample: accounts.0004_x was replaced by accounts.0001_squashed_0004_x, which ends with it
attempts:
  description: The C(migrate) attempts (more than one after lock timeouts).
  returned: always
  type: list
  elements: dict
  contains:
    attempt:
      description: Attempt number.
      type: int
      sample: 1
    ok:
      description: Whether the attempt succeeded.
      type: bool
      sample: true
    seconds:
      description: Duration of the attempt.
      type: float
      sample: 0.84
    delay:
      description: Seconds waited before the next attempt.
      type: float
      sample: null
    error:
      description: The error of a failed attempt (type, message, SQLSTATE, migration).
      type: dict
      sample: null
system_checks:
  description: What the system checks printed (their warnings), when O(system_checks) ran them.
  returned: when O(system_checks) is true and the checks passed
  type: str
  sample: ""
unknown_applied:
  description:
    - Migrations recorded as applied in C(django_migrations) for the code's migrated apps that the
      code has no migration for (neither on disk nor replaced by a squash on disk), oldest first.
    - RV(unknown_applied[].ahead) marks those recorded after the app's latest known applied
      migration (or in an app with no known migration applied) - the database was migrated by a
      newer release, and this code is older than the schema. Rows recorded before it are history
      (for example migrations deleted once a squash that replaces them was in use everywhere).
    - Django ignores such rows; the module only reports them. The role
      P(accreditrack.ops.migrate#role) refuses to go on when one is ahead.
  returned: when the plan could be computed
  type: list
  elements: dict
  contains:
    migration:
      description: C(app.name).
      type: str
      sample: courses.0003_add_level
    app:
      description: App label.
      type: str
      sample: courses
    name:
      description: Migration name.
      type: str
      sample: 0003_add_level
    applied:
      description: When it was recorded as applied (ISO 8601, as stored).
      type: str
      sample: "2026-11-24T16:01:02.123456+00:00"
    ahead:
      description: Recorded after the app's latest migration this code knows.
      type: bool
      sample: true
  sample: []
lock_targets:
  description:
    - The existing tables the plan's forward steps lock, as
      M(accreditrack.ops.django_migration_tables) returns them for the same migrations (the keys
      of the role option C(lock_check_targets) of P(accreditrack.ops.lock_check#role)).
    - No forward step (nothing pending) returns empty lists and RV(lock_targets.whole_database)
      false, as M(accreditrack.ops.django_migration_tables) does for no migration.
  returned: when O(lock_targets) is true and the plan could be computed
  type: dict
  version_added: 0.1.0
  contains:
    tables:
      description: Existing tables the migrations lock, sorted (schema-qualified when the SQL is).
      type: list
      elements: str
      sample: [accounts_accreditation, accounts_member, accounts_organization]
    created:
      description: Tables the migrations create.
      type: list
      elements: str
      sample: [accounts_accreditationreview]
    whole_database:
      description: Whether some step cannot be attributed to tables (check every table then).
      type: bool
      sample: true
    reasons:
      description: Why RV(lock_targets.whole_database) is set.
      type: list
      elements: str
      sample: ["accounts.0003_populate: an operation without SQL (RunPython) may touch any table"]
lock_targets_sql:
  description:
    - The SQL of each forward step of the plan, exactly as C(manage.py sqlmigrate) prints it, in
      plan order.
  returned: when O(lock_targets) is true and the plan could be computed
  type: dict
  version_added: 0.1.0
  sample: {accounts.0002_contact_email: "BEGIN;\n--\n-- Add field contact_email ...\nCOMMIT;\n"}
lock_timeout_effective:
  description: C(lock_timeout) as the PostgreSQL session reported it (V(null) for other databases).
  returned: when the plan could be computed
  type: str
  sample: 10s
django_version:
  description: The Django version that ran.
  returned: when Django started
  type: str
  sample: 4.2.30
error:
  description:
    - The error record of a failure (stage, type, message, pgcode, migration).
    - When the process ended without the program's result (killed by the OOM killer or
      C(docker kill), a crashed container, exit status 137), the record is built from the output
      instead - V(migration) is the migration that had started and not ended (the program prints a
      flushed marker before each migration starts and after it ends), V(atomic) its flag from the
      plan printed before migrating (V(false) when unknown, V(true) when no migration was running),
      V(killed) is V(true), V(signal) the signal when the exit status says (V(SIGKILL),
      V(SIGTERM)), V(rc) the exit status, and V(stage) V(migrate) (V(process) when migrate never
      started).
  returned: on failure, when Django reported it or the process ended without its result
  type: dict
  sample: {stage: migrate, type: OperationalError, pgcode: 55P03, migration: accounts.0005_x}
cmd:
  description: The command that ran (the program itself is on its standard input). No secret.
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, run, --rm, -T, --no-deps, -e,
           PGOPTIONS, backend, python, config/manage.py, shell, -c, "import sys; ..."]
duration:
  description: Seconds the command took.
  returned: always
  type: float
  sample: 2.7
migrate_output:
  description: What C(migrate) printed, every attempt.
  returned: when migrate ran
  type: str
  sample: "Running migrations:\n  Applying accounts.0002_profile... OK\n"
rc:
  description: Exit code of the command.
  returned: always
  type: int
  sample: 0
stdout:
  description: Standard output of the command (the sections the program printed, and anything else).
  returned: always
  type: str
  sample: ""
stderr:
  description: Standard error of the command (system-check warnings, Compose progress).
  returned: always
  type: str
  sample: ""
"""

import json
import os
import re
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
from ansible_collections.accreditrack.ops.plugins.module_utils._migrate_script import (
    BOOTSTRAP,
    build_payload,
    extract_sections,
    new_marker,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_locks import (
    migration_targets,
)
from ansible_collections.accreditrack.ops.plugins.module_utils.showmigrations import (
    ShowmigrationsParseError,
    parse_showmigrations,
)

_DURATION = re.compile(r"^[0-9]+(us|ms|s|min|h|d)?$")
_PROGRESS = re.compile(r"^\s*(Applying|Unapplying) ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.\.\.(.*)$")


class MigrateError(Exception):
    """A failure to report: the message, and the result keys that go with it."""

    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result


def normalize_duration(value: str | None) -> str | None:
    """'3 s' -> '3s'; None stays None; ValueError for anything PostgreSQL would not take."""
    if value is None:
        return None
    text = re.sub(r"\s+", "", str(value))
    if not _DURATION.match(text):
        raise ValueError(
            f"{value!r} is not a PostgreSQL duration (a number with us, ms, s, min, h or d)"
        )
    return text


def validate_migrate_params(params: Mapping[str, Any]) -> list[str]:
    """Problems with the module's own options (runner options are checked separately)."""
    errors = []
    if params.get("target") and not params.get("app"):
        errors.append("target requires app")
    for option in ("lock_timeout", "statement_timeout"):
        try:
            normalize_duration(params.get(option))
        except ValueError as exc:
            errors.append(f"{option}: {exc}")
    if (params.get("retries") or 0) < 0:
        errors.append("retries must be 0 or more")
    if (params.get("retry_delay") or 0) < 0:
        errors.append("retry_delay must be 0 or more")
    if params.get("system_checks_args") and not params.get("system_checks"):
        errors.append("system_checks_args requires system_checks=true")
    return errors


def session_settings(params: Mapping[str, Any]) -> dict[str, str]:
    """PostgreSQL settings for the run's sessions."""
    settings = {}
    for option in ("lock_timeout", "statement_timeout"):
        value = normalize_duration(params.get(option))
        if value is not None:
            settings[option] = value
    return settings


def merge_pgoptions(existing: str | None, settings: Mapping[str, str]) -> str:
    """PGOPTIONS with `-c name=value` for each setting after what was there (later -c wins)."""
    parts = [existing.strip()] if existing and existing.strip() else []
    parts += [f"-c {name}={value}" for name, value in sorted(settings.items())]
    return " ".join(parts)


def script_config(params: Mapping[str, Any], marker: str, check_mode: bool) -> dict[str, Any]:
    return {
        "marker": marker,
        "app": params.get("app"),
        "target": params.get("target"),
        "database": params.get("database"),
        "allow_irreversible": bool(params.get("allow_irreversible")),
        "check_mode": bool(check_mode),
        "retries": int(params.get("retries") or 0),
        "retry_delay": float(params.get("retry_delay") or 0),
        "session_settings": session_settings(params),
        "system_checks": bool(params.get("system_checks")),
        "system_checks_args": [str(a) for a in params.get("system_checks_args") or ()],
        "lock_targets": bool(params.get("lock_targets")),
        "describe_schema_changes": bool(params.get("schema_changes")),
    }


def shell_args() -> list[str]:
    """`manage.py shell` arguments: run BOOTSTRAP, which runs the program read from stdin."""
    return ["-c", BOOTSTRAP]


def state_map(parsed: Mapping[str, Any] | None) -> dict[str, Any]:
    """{"app.name": True | False | "partial"} in Django's order."""
    if not parsed:
        return {}
    return {f"{m['app']}.{m['name']}": m["applied"] for m in parsed.get("migrations") or ()}


def applied_lines(state: Mapping[str, Any]) -> list[str]:
    return [key for key, applied in state.items() if applied is True]


def _plan_order(keys: Sequence[str], plan: Sequence[Mapping[str, Any]], listing: Sequence[str]):
    position = {r["migration"]: i for i, r in enumerate(plan)}
    listed = {k: i for i, k in enumerate(listing)}
    return sorted(
        keys, key=lambda k: (position.get(k, len(position)), listed.get(k, len(listed)), k)
    )


def state_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    plan: Sequence[Mapping[str, Any]] = (),
    migrated: bool = False,
) -> tuple[list[str], list[str]]:
    """(applied, unapplied) between two state maps, in plan order.

    A migration missing from one listing (a squash came into use, or went out of use) counts when
    the other listing marks it applied; with `migrated`, plan steps that left the listing count as
    done (Django applied them, then started listing their squash instead).
    """
    applied = [k for k, v in after.items() if v is True and before.get(k) is not True]
    unapplied = [k for k, v in before.items() if v is True and after.get(k) is False]
    if migrated:
        for record in plan:
            key = record["migration"]
            if key in after:
                continue
            target = unapplied if record["backwards"] else applied
            if key not in target:
                target.append(key)
    listing = list(before) + [k for k in after if k not in before]
    return _plan_order(applied, plan, listing), _plan_order(unapplied, plan, listing)


def predicted_state(before: Mapping[str, Any], plan: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The state map the plan would leave (for check mode and the diff)."""
    state = dict(before)
    for record in plan:
        state[record["migration"]] = not record["backwards"]
    return state


def diff_text(state: Mapping[str, Any]) -> str:
    lines = applied_lines(state)
    return "".join(f"{line}\n" for line in lines)


def plan_violations(after: Mapping[str, Any], plan: Sequence[Mapping[str, Any]]) -> list[str]:
    """Plan steps whose effect is not in the state after a successful migrate."""
    problems = []
    for record in plan:
        key = record["migration"]
        if key not in after:
            continue
        if record["backwards"] and after[key] is True:
            problems.append(f"{key} is still applied")
        elif not record["backwards"] and after[key] is not True:
            problems.append(f"{key} is still not applied")
    return problems


def target_violation(
    after_parsed: Mapping[str, Any] | None, app: str | None, resolved: str | None
) -> str | None:
    """Why the state after does not match app+target, or None when it does (or cannot be told)."""
    if not app or not resolved or not after_parsed:
        return None
    state = state_map(after_parsed)
    mine = {k: v for k, v in state.items() if k.split(".", 1)[0] == app}
    if resolved == "zero":
        left = [k for k, v in mine.items() if v is not False]
        return (
            f"{app} should have no migration applied, but has {', '.join(left)}" if left else None
        )
    key = f"{app}.{resolved}"
    if key not in mine:
        return None  # the listing now shows a squash instead; plan_violations covered the steps
    latest = (after_parsed.get("latest_applied") or {}).get(app)
    if mine[key] is not True or latest != resolved:
        return (
            f"{app} should be at {resolved}, but its latest applied migration is {latest or 'none'}"
        )
    return None


def lock_targets(lock_sql: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(targets, sql) from what the program's lock_sql() returned.

    `targets` has the keys and meaning of django_migration_tables' result (tables, created,
    whole_database, reasons), from the same parser (_pg_locks.migration_targets) over the same
    sqlmigrate text; the reasons of the parser come first, in plan order. Then, conservatively,
    whatever the SQL cannot be trusted for makes the whole database the target: a backward step,
    a step a squash is involved in, a table the plan creates that exists already (a partly applied
    migration), a step whose SQL could not be computed.
    """
    pairs = [(str(label), str(text)) for label, text in lock_sql.get("sql") or ()]
    found = migration_targets(pairs)
    reasons = list(found.reasons)
    for label in lock_sql.get("backwards") or ():
        reasons.append(
            f"{label}: a backward step; the SQL of an unapply is not read, any table may be locked"
        )
    for label, note in lock_sql.get("squashes") or ():
        reasons.append(
            f"{label}: a squash is involved ({note}); sqlmigrate's SQL for it is not trusted"
        )
    existing = set(lock_sql.get("existing_tables") or ())
    for name in found.created:
        if name not in found.tables and name.rpartition(".")[2] in existing:
            reasons.append(
                f"{name}: the plan creates it but it exists already (a partly applied migration?)"
            )
    for label, error in lock_sql.get("errors") or ():
        reasons.append(f"{label}: its SQL could not be computed ({error})")
    if lock_sql.get("error"):
        reasons.append(f"the plan's SQL could not be computed ({lock_sql['error']})")
    targets = {
        "tables": list(found.tables),
        "created": list(found.created),
        "whole_database": bool(reasons),
        "reasons": reasons,
    }
    return targets, dict(pairs)


def last_started(text: str) -> str | None:
    """The migration `migrate` output started last and did not finish ("app.name"), else None."""
    current = None
    for line in (text or "").splitlines():
        match = _PROGRESS.match(line)
        if match:
            done = match.group(4).strip().startswith(("OK", "FAKED"))
            current = None if done else f"{match.group(2)}.{match.group(3)}"
    return current


# Exit statuses of a process ended by a signal: 128+N from a shell or `docker compose run`, -N from
# Python's subprocess.
KILL_STATUSES = {137: "SIGKILL", -9: "SIGKILL", 143: "SIGTERM", -15: "SIGTERM"}


def step_events(sections: Mapping[str, str]) -> list[tuple[str, str]]:
    """(action, "app.name") of the program's STEP lines (extract_sections), in printed order."""
    events = []
    for line in (sections.get("__steps__") or "").splitlines():
        parts = line.split()
        if len(parts) == 3:
            events.append((parts[1], parts[2]))
    return events


def running_migration(sections: Mapping[str, str], migrate_text: str) -> str | None:
    """The migration that had started and not ended where the output stops ("app.name"), or None.

    From the program's STEP lines, flushed before each migration starts and after it ended; a
    run without any (nothing started, or an older program) falls back to Django's own
    "  Applying app.name..." lines without their " OK".
    """
    events = step_events(sections)
    if not events:
        return last_started(migrate_text)
    current = None
    for action, key in events:
        if action.endswith("_start"):
            current = key
        elif action.endswith("_success") and current == key:
            current = None
    return current


def finished_steps(sections: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(applied, unapplied): the migrations the STEP lines show as ended, in order."""
    applied: list[str] = []
    unapplied: list[str] = []
    for action, key in step_events(sections):
        done = {"apply_success": applied, "unapply_success": unapplied}.get(action)
        if done is not None and key not in done:
            done.append(key)
    return applied, unapplied


def early_plan(sections: Mapping[str, str]) -> list[dict[str, Any]] | None:
    """The plan section the program prints before migrating (None when absent or unreadable)."""
    try:
        records = json.loads(sections["plan"])
    except (KeyError, TypeError, ValueError):
        return None
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else None


def ended_without_result(
    sections: Mapping[str, str], migrate_text: str, rc: int, stderr: str
) -> dict[str, Any]:
    """The error record of a process that ended without its result section (killed by the OOM
    killer or `docker kill`, a crashed container...).

    `migration` is the one that was running (see running_migration()), `atomic` its flag from the
    plan the program printed before migrating - false when the plan does not say (assume the
    worst), true when no migration was running - and `killed` is always true: the program did not
    get to its end.
    """
    migration = running_migration(sections, migrate_text)
    atomic = True
    if migration is not None:
        known = {r.get("migration"): r.get("atomic") for r in early_plan(sections) or ()}
        atomic = known.get(migration) is True
    signal = KILL_STATUSES.get(rc)
    how = f"was killed ({signal})" if signal else "ended"
    message = f"the process {how} without the migration program's result (rc={rc})"
    if migration is not None:
        message += f" while migrating {migration}"
        if not atomic:
            message += f"; {migration} is not atomic and may be partly applied"
    summary = error_summary(stderr)
    return {
        "stage": "migrate" if any(k.startswith("migrate-") for k in sections) else "process",
        "type": "ProcessKilled" if signal else "ProcessEnded",
        "message": f"{message}: {summary}" if summary else message,
        "pgcode": None,
        "lock_timeout": False,
        "migration": migration,
        "atomic": atomic,
        "killed": True,
        "signal": signal,
        "rc": rc,
    }


def irreversible_message(params: Mapping[str, Any], steps: Sequence[Mapping[str, str]]) -> str:
    where = f"{params.get('app')} to {params.get('target')}" if params.get("app") else "backwards"
    listed = "; ".join(f"{s['migration']}: {s['operation']}" for s in steps)
    return (
        f"Refusing to migrate {where}: the plan unapplies migrations with operations Django cannot "
        f"reverse ({listed}). Nothing was changed. Django would unapply the migrations before "
        f"{steps[0]['migration']} and then stop with IrreversibleError; set "
        "allow_irreversible=true to do that anyway."
    )


def error_message(params: Mapping[str, Any], result: Mapping[str, Any], stderr: str) -> str:
    """The `msg` for the error record the program returned."""
    error = result["error"]
    stage = error.get("stage")
    text = f"{error.get('type')}: {error.get('message')}"
    if stage == "irreversible":
        return irreversible_message(params, result.get("irreversible") or [])
    if stage == "before":
        return f"Could not read the migration state: {text}"
    if stage == "checks":
        message = str(error.get("message") or "").strip()
        if message.startswith("SystemCheckError:"):
            message = message[len("SystemCheckError:") :].strip()
        return f"Django's system checks failed: {message or text}"
    if stage == "plan":
        return (
            error.get("message") if error.get("type") == "TargetError" else f"Cannot plan: {text}"
        )
    if stage == "migrate":
        attempts = len(result.get("attempts") or ())
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        code = f" (SQLSTATE {error['pgcode']})" if error.get("pgcode") else ""
        if error.get("migration"):
            return f"Migration {error['migration']} failed{tries}{code}: {text}"
        return f"migrate failed{tries}{code}: {text}"
    return f"The migration program failed ({stage}): {text}. {error_summary(stderr)}".strip()


def parse_state(text: str | None) -> tuple[dict | None, str | None]:
    """(parsed, None); (None, why) when the listing cannot be read; (None, None) without one.

    The parser fails closed (a line inside the listing it cannot account for is an error, quoted
    with its line number), so a state is never read with a migration left out.
    """
    if text is None:
        return None, None
    try:
        return dict(parse_showmigrations(text)), None
    except ShowmigrationsParseError as exc:
        return None, str(exc)


def exit_status_problem(rc: int, stderr: str) -> str:
    """Why a non-zero exit status fails the run even though the program printed its result."""
    return (
        f"manage.py shell exited with rc={rc}, so the run failed whatever the migration program "
        f"reported; stderr: {tail(stderr, 8) or 'nothing'}"
    )


def interpret(
    params: Mapping[str, Any],
    sections: Mapping[str, str],
    check_mode: bool,
    rc: int,
    stderr: str,
) -> dict[str, Any]:
    """Turn the program's sections into the module result; raise MigrateError on failure.

    A non-zero exit status always fails, with the rc and the end of stderr in the message, even
    when the program's result section was read (it may say success).
    """
    try:
        out = _interpret(params, sections, check_mode, rc, stderr)
    except MigrateError as exc:
        if rc != 0 and "result" in sections:
            exc.msg = f"{exc.msg}. {exit_status_problem(rc, stderr)}"
        raise
    if rc != 0:
        raise MigrateError(exit_status_problem(rc, stderr), **out)
    return out


def _interpret(
    params: Mapping[str, Any],
    sections: Mapping[str, str],
    check_mode: bool,
    rc: int,
    stderr: str,
) -> dict[str, Any]:
    attempts = sorted((k for k in sections if k.startswith("migrate-")), key=lambda k: int(k[8:]))
    migrate_text = "".join(sections[k].strip("\n") + "\n" for k in attempts)
    before, before_problem = parse_state(sections.get("before"))
    after, after_problem = parse_state(sections.get("after"))
    if "result" not in sections:
        error = ended_without_result(sections, migrate_text, rc, stderr)
        if rc == 0 and not sections:
            raise MigrateError(
                "manage.py shell exited 0 without running the migration program: it reads the "
                "program from standard input, so the runner must pass stdin through (for "
                "example `docker exec -i`, `kubectl exec -i`). "
                f"{error_summary(stderr)}".strip(),
                error=error,
            )
        failed_in = error["migration"]
        where = f" while migrating {failed_in}" if failed_in else ""
        msg = f"manage.py shell failed{where} (rc={rc}): {error_summary(stderr) or 'no output'}"
        if failed_in and not error["atomic"]:
            msg += f"; {failed_in} is not atomic and may be partly applied"
        applied, unapplied = finished_steps(sections)
        failed: dict[str, Any] = {
            "before": before,
            "after": after,
            "migrate_output": migrate_text,
            "error": error,
            "applied": applied,
            "unapplied": unapplied,
            # What ended changed the state; so may a non-atomic migration that did not end.
            "changed": bool(applied or unapplied) or bool(failed_in and not error["atomic"]),
        }
        if early_plan(sections) is not None:
            failed["plan"] = early_plan(sections)
        raise MigrateError(msg, **failed)
    result = json.loads(sections["result"])
    plan = result.get("plan") or []
    out: dict[str, Any] = {
        "plan": result.get("plan"),
        "irreversible": result.get("irreversible") or [],
        "attempts": result.get("attempts") or [],
        "resolved_target": result.get("resolved_target"),
        "target_note": result.get("target_note"),
        "lock_timeout_effective": result.get("lock_timeout_effective"),
        "system_checks": result.get("system_checks"),
        "unknown_applied": result.get("unknown_applied") or [],
        "django_version": result.get("django_version"),
        "before": before,
        "migrate_output": migrate_text,
    }
    if result.get("lock_sql") is not None:
        out["lock_targets"], out["lock_targets_sql"] = lock_targets(result["lock_sql"])
    if before is None and not result.get("error"):
        why = f": {before_problem}" if before_problem else ""
        raise MigrateError(f"Cannot read the state before (showmigrations output){why}", **out)
    before_state = state_map(before)
    if result.get("error"):
        error = result["error"]
        if error.get("stage") != "script":
            error.pop("traceback", None)  # Django's message says it; an unexpected failure keeps it
        if error.get("stage") == "migrate" and not error.get("migration"):
            error["migration"] = running_migration(sections, migrate_text)
        out["error"] = error
        ran = bool(out["attempts"])
        out["after"] = after if after is not None or ran else before
        if out["after"] is None:
            # migrate ran and the state after is unknown: assume it changed (the honest default).
            out["changed"] = ran
        else:
            after_state = state_map(out["after"])
            out["applied"], out["unapplied"] = state_changes(before_state, after_state, plan)
            out["changed"] = after_state != before_state
        message = error_message(params, result, stderr)
        if after_problem:
            message += f". The state after could not be read: {after_problem}"
        raise MigrateError(message, **out)

    if check_mode or result.get("skipped_migrate"):
        # Nothing ran: `after` is the state before; in check mode `changed` and the lists predict.
        predicted = predicted_state(before_state, plan)
        partial = any(v == "partial" for v in before_state.values())
        out["after"] = before
        out["changed"] = bool(plan) or partial
        out["applied"], out["unapplied"] = state_changes(before_state, predicted, plan, True)
        out["diff"] = {"before": diff_text(before_state), "after": diff_text(predicted)}
        return out

    if after is None:
        why = after_problem or (result.get("after_error") or {}).get("message", "no listing")
        raise MigrateError(
            f"migrate succeeded but the state after could not be read: {why}",
            changed=True,
            **out,
        )
    after_state = state_map(after)
    out["after"] = after
    out["changed"] = after_state != before_state
    out["applied"], out["unapplied"] = state_changes(before_state, after_state, plan, True)
    out["diff"] = {"before": diff_text(before_state), "after": diff_text(after_state)}
    problems = plan_violations(after_state, plan)
    mismatch = target_violation(after, params.get("app"), result.get("resolved_target"))
    if mismatch:
        problems.append(mismatch)
    if problems:
        raise MigrateError(
            "Django reported success but the state after does not match the plan: "
            + "; ".join(problems),
            **out,
        )
    return out


def main() -> None:
    argument_spec = runner_argument_spec()
    argument_spec.update(
        app={"type": "str"},
        target={"type": "str"},
        database={"type": "str"},
        allow_irreversible={"type": "bool", "default": False},
        lock_timeout={"type": "str", "default": "10s"},
        statement_timeout={"type": "str"},
        retries={"type": "int", "default": 3},
        retry_delay={"type": "float", "default": 2.0},
        system_checks={"type": "bool", "default": False},
        system_checks_args={"type": "list", "elements": "str", "default": []},
        lock_targets={"type": "bool", "default": False},
        schema_changes={"type": "bool", "default": False},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=runner_required_if(),
        required_by={"target": "app"},
        supports_check_mode=True,
    )
    params = module.params
    errors = validate_runner_params(params) + validate_migrate_params(params)
    if errors:
        module.fail_json(msg="; ".join(errors))

    settings = session_settings(params)
    extra = {}
    if settings:
        existing = (params.get("environment") or {}).get("PGOPTIONS") or os.environ.get("PGOPTIONS")
        extra["PGOPTIONS"] = merge_pgoptions(existing, settings)
    env = merged_environment(params, extra)
    cmd = manage_argv(params, "shell", shell_args(), env_names=env)
    marker = new_marker()
    payload = build_payload(script_config(params, marker, module.check_mode))

    started = time.monotonic()
    rc, stdout, stderr = module.run_command(
        cmd, data=payload, binary_data=True, environ_update=env, cwd=run_cwd(params)
    )
    common = {
        "cmd": cmd,
        "rc": rc,
        "stdout": stdout,
        "stderr": stderr,
        "duration": round(time.monotonic() - started, 3),
    }
    sections = extract_sections(stdout, marker)
    try:
        out = interpret(params, sections, module.check_mode, rc, stderr)
    except MigrateError as exc:
        failed = {"changed": False, "applied": [], "unapplied": [], "attempts": []}
        failed.update(exc.result)
        failed.update(common)
        if not module._diff:
            failed.pop("diff", None)
        module.fail_json(msg=exc.msg, **failed)
    if out.get("irreversible") and module.check_mode:
        module.warn(
            "allow_irreversible=true: Django will unapply the migrations planned before "
            f"{out['irreversible'][0]['migration']} (if any) and then stop with IrreversibleError."
        )
    out.update(common)
    if not module._diff:
        out.pop("diff", None)
    module.exit_json(**out)


if __name__ == "__main__":
    main()

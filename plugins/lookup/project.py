# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: project
author: AccrediTrack operations team (@accreditrack)
version_added: 0.1.0
short_description: The project's address and layout, from the project variables given once
description:
  - Every role and playbook of accreditrack.ops reads the project it works on through this lookup,
    so the project variables below are set ONCE - in the inventory (C(group_vars), C(host_vars)),
    with C(-e), or in the vars of a user's own play - and reach every role and module. No role has
    a copy of them.
  - Ansible's precedence applies as usual - C(-e) over play vars over C(host_vars) over
    C(group_vars); the defaults below are the lowest of all.
  - Returns the resolved project - validated, C(project_src) without trailing slashes, the
    docker compose argv built once (C(compose_argv)), and the option sets of the module groups
    (C(django) for C(group/accreditrack.ops.django), C(db) for C(group/accreditrack.ops.postgresql),
    C(compose) for community.docker.docker_compose_v2), the environment of every docker compose
    process (C(environment) - C(compose_environment) plus C(secret_environment)), and the paths of
    the deploy lock (C(lock_file)), reports (C(reports_dir)) and rollback points
    (C(rollback_points_dir)).
  - With a term, returns only that key of the project (for example V(django)).
  - A missing or wrong variable fails with a message that names it.
options:
  _terms:
    description: At most one key of the project to return (default - the whole project).
    required: false
  require_compose:
    description:
      - >-
        Fail when project_src is not set. V(false) for the direct modes (a PostgreSQL server
        without Compose).
    type: bool
    default: true
  project_src:
    description:
      - >-
        The compose project directory on the managed host (absolute; a trailing C(/) is fine).
        Required.
    type: str
    vars:
      - name: project_src
  project_name:
    description:
      - The compose project name (C(--project-name)). Empty - Compose's own default.
      - Also names the project's deploy lock, reports and rollback points; empty - the last part
        of project_src.
    type: str
    default: ""
    vars:
      - name: project_name
  compose_files:
    description:
      - >-
        Compose files (C(--file)), in order; relative to project_src or absolute. Empty -
        Compose's default file.
    type: list
    elements: str
    default: []
    vars:
      - name: compose_files
  env_files:
    description: Env files Compose reads for interpolation (C(--env-file)).
    type: list
    elements: str
    default: []
    vars:
      - name: env_files
  profiles:
    description: Compose profiles (C(--profile)), given to every compose command.
    type: list
    elements: str
    default: []
    vars:
      - name: profiles
  docker_cli:
    description: The Docker CLI.
    type: str
    default: docker
    vars:
      - name: docker_cli
  backend_service:
    description: The service that runs Django (its image has manage.py).
    type: str
    default: backend
    vars:
      - name: backend_service
  db_service:
    description: The service that runs PostgreSQL.
    type: str
    default: db
    vars:
      - name: db_service
  app_services:
    description:
      - >-
        The long-running services that run a release (brought up with C(up --wait)). Empty -
        [backend_service].
    type: list
    elements: str
    default: []
    vars:
      - name: app_services
  manage_py:
    description: manage.py inside the backend image, relative to its working directory or absolute.
    type: str
    default: config/manage.py
    vars:
      - name: manage_py
  python:
    description: The Python inside the backend image that runs manage.py (for example C(python3)).
    type: str
    default: python
    vars:
      - name: python
  django_settings:
    description:
      - >-
        C(--settings) for every manage.py command. Empty - the container's
        DJANGO_SETTINGS_MODULE.
    type: str
    default: ""
    vars:
      - name: django_settings
  django_runner:
    description:
      - How Django runs - C(compose_run) (a one-off C(docker compose run --rm -T --no-deps)
        container), C(compose_exec) (in the running backend container), C(local) or
        C(argv_prefix) (see the accreditrack.ops.django_runner doc fragment).
    type: str
    default: compose_run
    choices: [compose_run, compose_exec, local, argv_prefix]
    vars:
      - name: django_runner
  django_argv_prefix:
    description:
      - >-
        With django_runner C(argv_prefix) - the argv that runs Python with manage.py in the
        right place.
    type: list
    elements: str
    default: []
    vars:
      - name: django_argv_prefix
  django_chdir:
    description: With django_runner C(local) or C(argv_prefix) - the directory to run in.
    type: str
    default: ""
    vars:
      - name: django_chdir
  django_virtualenv:
    description: With django_runner C(local) - the virtualenv whose Python runs manage.py.
    type: str
    default: ""
    vars:
      - name: django_virtualenv
  django_environment:
    description:
      - Variables for Django's process (for example credentials Django reads). Passed by name only
        (C(-e NAME)); values are never in argv, reports or rollback points.
    type: dict
    default: {}
    vars:
      - name: django_environment
  compose_environment:
    description:
      - Environment of every docker compose process (for example a release variable). Recorded in
        reports and rollback points - no secrets here.
    type: dict
    default: {}
    vars:
      - name: compose_environment
  secret_environment:
    description:
      - Environment of every docker compose process that is secret - for example the database
        password a compose file interpolates with C(${DB_PASSWORD:?}). Never recorded, never in
        argv.
      - >-
        On C(ansible_connection=local) docker compose also inherits the controller's environment;
        over SSH it does not, so pass exported variables on, for example
        C(secret_environment: {DB_PASSWORD: "{{ lookup('ansible.builtin.env', 'DB_PASSWORD') }}"}).
    type: dict
    default: {}
    vars:
      - name: secret_environment
  db_name:
    description: The database. Empty - POSTGRES_DB of the db container's environment.
    type: str
    default: ""
    vars:
      - name: db_name
  db_user:
    description: The database user. Empty - POSTGRES_USER of the db container's environment.
    type: str
    default: ""
    vars:
      - name: db_user
  release_variable:
    description:
      - >-
        The variable the compose file selects the release's images with (C(image:
        app:${BACKEND_RELEASE})).
    type: str
    default: BACKEND_RELEASE
    vars:
      - name: release_variable
  state_dir:
    description: Where the deploy lock, rollback points and reports live on the managed host.
    type: str
    default: /var/lib/accreditrack-ops
    vars:
      - name: state_dir
notes:
  - The lookup runs on the controller and reads variables only; it runs no command.
"""

EXAMPLES = r"""
# group_vars/shop.yml - the project, once, for every playbook and role of the collection
# project_src: /srv/shop
# compose_files: [deploy/compose.prod.yml]
# backend_service: web
# db_service: postgres
# app_services: [web, worker]
# manage_py: manage.py
# python: python3

- name: Run a management command in the project, addressed once
  accreditrack.ops.django_command:
    argv: [clearsessions]
  module_defaults:
    group/accreditrack.ops.django: "{{ lookup('accreditrack.ops.project', 'django') }}"
  environment: "{{ lookup('accreditrack.ops.project', 'environment') }}"

- name: Show the compose command the collection runs
  ansible.builtin.debug:
    msg: "{{ lookup('accreditrack.ops.project', 'compose_argv') | join(' ') }}"
"""

RETURN = r"""
_raw:
  description: The project (a mapping), or the key a term names.
  type: raw
"""

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_project import (
    ProjectError,
    resolve_project,
)

# The options read from variables (every documented option but the lookup's own).
VARIABLES = (
    "project_src",
    "project_name",
    "compose_files",
    "env_files",
    "profiles",
    "docker_cli",
    "backend_service",
    "db_service",
    "app_services",
    "manage_py",
    "python",
    "django_settings",
    "django_runner",
    "django_argv_prefix",
    "django_chdir",
    "django_virtualenv",
    "django_environment",
    "compose_environment",
    "secret_environment",
    "db_name",
    "db_user",
    "release_variable",
    "state_dir",
)


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        # Variables reach a lookup as written (templates included): template the ones it reads.
        given = {
            name: self._templar.template(variables[name]) for name in VARIABLES if name in variables
        }
        self.set_options(var_options=given, direct=kwargs)
        values = {name: self.get_option(name) for name in VARIABLES}
        try:
            project = resolve_project(values, require_compose=self.get_option("require_compose"))
        except ProjectError as exc:
            raise AnsibleError(f"accreditrack.ops project variables: {exc}") from None
        if not terms:
            return [project]
        if len(terms) > 1:
            raise AnsibleError(
                "accreditrack.ops.project takes at most one term (a key of the project)"
            )
        if terms[0] not in project:
            keys = ", ".join(sorted(project))
            raise AnsibleError(f"accreditrack.ops.project has no key {terms[0]!r}; keys: {keys}")
        return [project[terms[0]]]

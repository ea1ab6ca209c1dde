# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options that decide how a module runs Django's manage.py (module_utils/_django_runner.py).
    DOCUMENTATION = r"""
options:
  runner:
    description:
      - How to run C(manage.py).
      - V(compose_run) starts a one-off container of O(service) with
        C(docker compose run --rm -T --no-deps), the way the runbook does, without starting the
        services it depends on (the database must already be up).
      - V(compose_exec) runs in the already running container of O(service) with
        C(docker compose exec -T).
      - V(local) runs C(python manage.py) on the managed host, optionally from O(virtualenv) and in
        O(chdir).
      - V(argv_prefix) runs O(argv_prefix) followed by C(python manage.py ...), for example
        V([kubectl, exec, -i, deploy/backend, --]). The prefix must pass standard input through
        (C(-i)) for modules that feed Django a program on stdin, such as
        M(accreditrack.ops.django_migrate).
    type: str
    default: compose_run
    choices: [argv_prefix, compose_exec, compose_run, local]
  project_src:
    description:
      - The Compose project directory (C(docker compose --project-directory)); Compose reads
        C(compose.yaml) and C(.env) from it. The command is also started in this directory.
      - Only for the compose runners.
    type: path
  project_name:
    description:
      - The Compose project name (C(docker compose --project-name)).
      - Only for the compose runners.
    type: str
  files:
    description:
      - Compose files (C(docker compose --file)), in order.
      - Only for the compose runners.
    type: list
    elements: path
  env_files:
    description:
      - Files Compose reads variables for interpolation from (C(docker compose --env-file)).
      - Only for the compose runners.
    type: list
    elements: path
  profiles:
    description:
      - Compose profiles to enable (C(docker compose --profile)).
      - Only for the compose runners.
    type: list
    elements: str
  service:
    description:
      - The Compose service that runs Django.
    type: str
    default: backend
  manage_py:
    description:
      - Path of C(manage.py), relative to the working directory of the container (compose runners)
        or to O(chdir) (other runners).
    type: str
    default: config/manage.py
  python:
    description:
      - The Python interpreter that runs O(manage_py).
      - With O(runner=local) and O(virtualenv), a relative name is taken from the virtualenv's
        C(bin) directory.
    type: str
    default: python
  settings:
    description:
      - The Django settings module (C(manage.py --settings)). Default is what C(manage.py) sets,
        usually C(DJANGO_SETTINGS_MODULE).
    type: str
  pythonpath:
    description:
      - A directory to add to the Python path (C(manage.py --pythonpath)).
    type: str
  environment:
    description:
      - Environment variables for Django, for example database credentials.
      - The values never appear in the command line. The compose runners pass C(-e NAME) only and
        give the value to the C(docker compose) process in its environment. V(compose_exec) does
        not persist them; V(compose_run) necessarily copies them into the configuration of its
        one-off container (visible to C(docker inspect) while that container exists; it is removed
        at the end because of C(--rm)).
      - With V(local) and V(argv_prefix) they are set in the environment of the process that is
        started; with V(argv_prefix) it is up to the prefix command to forward them (for example
        C(docker exec -e NAME)).
    type: dict
    default: {}
  docker_cli:
    description:
      - The Docker CLI to run C(docker compose) with (name or path).
    type: str
    default: docker
  chdir:
    description:
      - Directory to run the command in.
      - Only for V(local) and V(argv_prefix).
    type: path
  virtualenv:
    description:
      - A Python virtual environment whose C(bin/python) runs O(manage_py).
      - Only for V(local).
    type: path
  argv_prefix:
    description:
      - The command that precedes C(python manage.py ...) with O(runner=argv_prefix), as a list
        (never a shell string).
      - Required with O(runner=argv_prefix), not allowed otherwise.
    type: list
    elements: str
notes:
  - The database must be reachable from where Django runs; O(runner=compose_run) does not start it.
requirements:
  - Docker with the Compose v2 plugin (C(docker compose)) on the managed host, for the compose
    runners.
"""

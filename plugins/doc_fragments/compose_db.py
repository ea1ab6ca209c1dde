# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options that address a Compose project and its PostgreSQL service
    # (module_utils/_pg_archive.py compose_argument_spec()).
    DOCUMENTATION = r"""
options:
  project_src:
    description:
      - The Compose project directory (C(docker compose --project-directory)).
    type: path
    required: true
  project_name:
    description:
      - The Compose project name (C(docker compose --project-name)).
    type: str
  files:
    description:
      - Compose files (C(docker compose --file)), in order.
    type: list
    elements: path
    default: []
  env_files:
    description:
      - Files Compose reads variables for interpolation from (C(docker compose --env-file)).
    type: list
    elements: path
    default: []
  profiles:
    description:
      - Compose profiles (C(docker compose --profile)), for a project whose services need one.
    type: list
    elements: str
    default: []
  service:
    description:
      - The Compose service that runs PostgreSQL.
    type: str
    default: db
  docker_cli:
    description:
      - The Docker CLI executable.
    type: str
    default: docker
"""

    # The database and role psql connects as in the service's container, and the attributes of a
    # module that only reads the catalog (module_utils/_pg_archive.py database_and_user()).
    CATALOG_READER = r"""
options:
  db_name:
    description:
      - The database. Default is C(POSTGRES_DB) of the service's container, else O(db_user).
    type: str
  db_user:
    description:
      - The role C(psql) connects as (through the container's local socket, no password).
      - Default is C(POSTGRES_USER) of the service's container, else V(postgres).
    type: str
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to diff.
  platform:
    support: full
    platforms: posix
    description: Runs on the managed host, where the Docker CLI and the compose files are.
"""

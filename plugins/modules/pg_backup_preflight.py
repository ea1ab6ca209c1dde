#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module: before every backup the role asked the db container for POSTGRES_DB and
# POSTGRES_USER (two execs), the server's version and size (psql), whether django_migrations
# exists and what it holds (two more psql), then created, inspected and measured the backup
# directory (file, stat, df): nine round trips. community.postgresql cannot reach a server that
# only listens inside its container. Here they are one module call: one exec for the environment,
# two psql, and the directory on the host.

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_backup_preflight
short_description: What a backup must know first - database, server, migration state, directory
version_added: 0.1.0
description:
  - Reads, in the db service's running container (C(docker compose exec), its local socket, no
    password), the database and user psql connects with (O(db_name) and O(db_user), else the
    container's C(POSTGRES_DB) and C(POSTGRES_USER), else the user and C(postgres), as the official
    image does), the server's version, the database's size, and the migration state recorded in
    C(django_migrations) (null when the table does not exist - a database Django never migrated).
  - Then creates O(backup_dir) with O(directory_mode) (not in check mode), and returns whether it
    is a writable directory and the bytes free in it, and the bytes a backup needs -
    C(database_size x space_factor + min_free_bytes). The caller decides (the backup role fails
    before dumping).
  - Changes nothing but the directory.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
  - accreditrack.ops.compose_db.catalog_reader
options:
  backup_dir:
    description: The backup directory on the managed host.
    type: path
    required: true
  directory_mode:
    description: Permissions of O(backup_dir) when it is created, and set on it (octal string).
    type: str
    default: "0700"
  space_factor:
    description: RV(needed_bytes) is the database's size times this, plus O(min_free_bytes).
    type: float
    default: 1.0
  min_free_bytes:
    description: Bytes to leave free beyond the estimate.
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    description: Reads the same; creates no directory.
  diff_mode:
    support: none
    description: Reads only (but the directory).
  platform:
    support: full
    platforms: posix
    description: Any host that runs the Compose project.
author:
  - AccrediTrack operations team (@accreditrack)
"""

EXAMPLES = r"""
- name: Find out what the backup needs to know
  accreditrack.ops.pg_backup_preflight:
    project_src: /srv/shop
    service: postgres
    backup_dir: /var/backups/shop
  register: preflight
"""

RETURN = r"""
database:
  description: The database (the one psql connected to).
  returned: always
  type: str
  sample: shop
user:
  description: The user psql connected as.
  returned: always
  type: str
  sample: shop
server_version:
  description: The server's C(server_version).
  returned: always
  type: str
  sample: "17.2 (Debian 17.2-1.pgdg120+1)"
server_version_num:
  description: The server's C(server_version_num).
  returned: always
  type: int
  sample: 170002
database_size:
  description: C(pg_database_size) of the database, in bytes.
  returned: always
  type: int
migrations:
  description:
    - The rows of C(django_migrations) as C(app.name), in id order; null without that table.
  returned: always
  type: list
  elements: str
  sample: [contenttypes.0001_initial, accounts.0001_initial]
directory:
  description:
    - O(backup_dir) - C(exists), C(isdir), C(writeable), C(created), C(free_bytes) (null when it
      is not a directory).
  returned: always
  type: dict
needed_bytes:
  description: What the backup needs free.
  returned: always
  type: int
"""

import json
import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_project import (
    compose_argv_of,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    compose_argument_spec,
    database_and_user,
    read_catalog,
)

APPLICATION_NAME = "accreditrack-ops backup preflight"

SERVER_SQL = """SELECT json_build_object(
    'server_version', current_setting('server_version'),
    'server_version_num', current_setting('server_version_num')::int,
    'database_size', pg_database_size(current_database()),
    'has_migrations', to_regclass('django_migrations') IS NOT NULL)::text;
"""

# A second statement: PostgreSQL resolves every table name of a statement before running it, so a
# query naming django_migrations fails on a database without it, whatever a CASE says.
MIGRATIONS_SQL = """SELECT coalesce(json_agg(app || '.' || name ORDER BY id), '[]')::text
FROM django_migrations;
"""


def parse_json_line(out: str) -> Any:
    """The JSON psql printed (-At: the value alone, on the last line)."""
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines:
        raise ValueError("psql printed nothing")
    return json.loads(lines[-1])


def needed_bytes(database_size: int, space_factor: float, min_free_bytes: int) -> int:
    return int(int(database_size) * float(space_factor) + int(min_free_bytes))


def directory_state(path: str, mode: int, create: bool) -> dict[str, Any]:
    """Create PATH (and parents) with MODE unless it exists or CREATE is false; say what it is."""
    created = False
    if create and not os.path.lexists(path):
        os.makedirs(path, mode)
        created = True
    if create and os.path.isdir(path) and os.stat(path).st_mode & 0o7777 != mode:
        os.chmod(path, mode)
        created = True
    exists = os.path.exists(path)
    isdir = os.path.isdir(path)
    free = None
    if isdir:
        stat = os.statvfs(path)
        free = stat.f_bavail * stat.f_frsize
    return {
        "exists": exists,
        "isdir": isdir,
        "writeable": isdir and os.access(path, os.W_OK),
        "created": created,
        "free_bytes": free,
    }


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        {
            "db_name": {"type": "str"},
            "db_user": {"type": "str"},
            "backup_dir": {"type": "path", "required": True},
            "directory_mode": {"type": "str", "default": "0700"},
            "space_factor": {"type": "float", "default": 1.0},
            "min_free_bytes": {"type": "int", "default": 0},
        }
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    try:
        mode = int(p["directory_mode"], 8)
    except ValueError:
        module.fail_json(msg=f"directory_mode must be octal, such as 0700: {p['directory_mode']!r}")
    target = database_and_user(module, compose_argv_of(p), p["service"], p["db_name"], p["db_user"])
    database, user = target
    what = "the server version and size"
    _db, out, _argv = read_catalog(module, SERVER_SQL, APPLICATION_NAME, what, target=target)
    try:
        server = parse_json_line(out)
    except ValueError as exc:
        module.fail_json(msg=f"Could not read the server version of database {database}: {exc}")
    migrations = None
    if server["has_migrations"]:
        what = "django_migrations"
        _db, out, _argv = read_catalog(
            module, MIGRATIONS_SQL, APPLICATION_NAME, what, target=target
        )
        try:
            migrations = parse_json_line(out)
        except ValueError as exc:
            module.fail_json(msg=f"Could not read django_migrations of database {database}: {exc}")
    try:
        directory = directory_state(p["backup_dir"], mode, create=not module.check_mode)
    except OSError as exc:
        module.fail_json(msg=f"No backup was started: cannot create {p['backup_dir']}: {exc}")
    module.exit_json(
        changed=directory["created"],
        database=database,
        user=user,
        server_version=server["server_version"],
        server_version_num=int(server["server_version_num"]),
        database_size=int(server["database_size"]),
        migrations=migrations,
        directory=directory,
        needed_bytes=needed_bytes(server["database_size"], p["space_factor"], p["min_free_bytes"]),
    )


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: compose_pg_restore
short_description: Restore a pg_dump archive into an existing database of a Compose service
version_added: 0.1.0
description:
  - Streams the archive at O(path) from the managed host into C(docker compose exec -T SERVICE
    pg_restore --no-owner --role=ROLE --dbname=DATABASE --exit-on-error) and computes its sha256
    in the same pass. pg_restore runs inside the database container, so it has the server's
    version.
  - O(database) must exist, and should be a fresh, empty database (the
    P(accreditrack.ops.backup#role) role creates one with a temporary name and swaps names
    afterwards, so a failed restore never touches the live database).
  - Fails when pg_restore fails or when the sha256 differs from O(sha256); the target database then
    holds a partial restore and must be dropped by the caller.
  - Why a module? C(ansible.builtin.command) cannot feed a binary file into a process's stdin;
    C(community.postgresql.postgresql_db) runs the host's pg_restore, which must match the
    server's major version.
  - The archive is read from stdin, so pg_restore runs with one job (C(-j) needs a seekable file).
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  path:
    description:
      - The archive (custom format).
    type: path
    required: true
  sha256:
    description:
      - The expected sha256. Default is to report it only.
    type: str
  database:
    description:
      - The existing database to restore into.
    type: str
    required: true
  user:
    description:
      - The role pg_restore connects as (over the container's local socket, no password).
    type: str
    required: true
  role:
    description:
      - The role that owns the restored objects (C(pg_restore --role)). Default is O(user).
    type: str
attributes:
  check_mode:
    support: full
    description: Reports the command it would run; runs nothing.
  diff_mode:
    support: none
    description: A restored database has no diff to show.
  platform:
    support: full
    platforms: posix
    description: Runs C(docker compose) on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.compose_pg_dump
  - module: accreditrack.ops.pg_archive_verify
"""

EXAMPLES = r"""
- name: Restore a backup into a fresh database
  accreditrack.ops.compose_pg_restore:
    project_src: /srv/accreditrack
    path: /var/backups/accreditrack/accreditrack_20260101T000000Z.dump
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    database: accreditrack_restore_20260102
    user: accreditrack
"""

RETURN = r"""
sha256:
  description: sha256 of the archive as it was streamed.
  returned: when the restore ran
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
size:
  description: Size of the archive in bytes.
  returned: when the restore ran
  type: int
  sample: 104857
cmd:
  description: The pg_restore command.
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, exec, -T, db, pg_restore,
           --no-owner, --role=accreditrack, --username=accreditrack,
           --dbname=accreditrack_restore_20260102, --exit-on-error]
stderr:
  description: pg_restore's standard error.
  returned: when the restore ran
  type: str
  sample: ""
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    ChildProcesses,
    compose_argument_spec,
    compose_base_argv,
    compose_exec_argv,
    pg_restore_argv,
    stream_from_file,
)


def restore_command(params: dict) -> list[str]:
    """The argv of the pg_restore that restores the archive."""
    base = compose_base_argv(
        params["project_src"],
        params.get("project_name"),
        params.get("files") or (),
        params.get("env_files") or (),
        params.get("docker_cli") or "docker",
    )
    return compose_exec_argv(
        base,
        params.get("service") or "db",
        pg_restore_argv(params["database"], params["user"], params.get("role")),
    )


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        path={"type": "path", "required": True},
        sha256={"type": "str"},
        database={"type": "str", "required": True},
        user={"type": "str", "required": True},
        role={"type": "str"},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    path = module.params["path"]
    cmd = restore_command(module.params)
    result = {"changed": False, "cmd": cmd}
    if not os.path.isfile(path):
        module.fail_json(msg=f"{path} does not exist or is not a file", **result)
    if module.check_mode:
        result["changed"] = True
        module.exit_json(**result)
    try:
        done = stream_from_file(ChildProcesses(), path, cmd, cwd=module.params["project_src"])
    except OSError as error:
        module.fail_json(msg=f"could not stream {path}: {error}", **result)
    result.update(changed=True, sha256=done.sha256, size=done.size, stderr=done.stderr)
    expected = (module.params.get("sha256") or "").strip().lower()
    if done.rc != 0:
        module.fail_json(msg=f"pg_restore failed (exit {done.rc}): {done.stderr}", **result)
    if expected and expected != done.sha256:
        module.fail_json(
            msg=f"{path}: sha256 {done.sha256} differs from the recorded {expected}; "
            f"the restored database {module.params['database']} must not be used",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

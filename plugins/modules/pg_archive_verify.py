#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_archive_verify
short_description: Check a pg_dump archive's sha256 and read the whole archive back
version_added: 0.1.0
description:
  - Streams the archive at O(path) into C(pg_restore --file=/dev/null) and computes its sha256 in
    the same pass. Fails when pg_restore cannot read the WHOLE archive (a truncated or corrupted
    file; C(pg_restore --list) alone would pass a truncated one) or when the sha256 differs from
    O(sha256).
  - pg_restore runs in the database container (O(runner=compose), so it has the server's version)
    or on the managed host (O(runner=local), for the direct mode of the
    P(accreditrack.ops.backup#role) role).
  - Never changes anything.
  - Why a module? C(ansible.builtin.command) cannot feed a binary file into a process's stdin,
    and C(ansible.builtin.stat) checksums in a separate pass.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  path:
    description:
      - The archive (custom format) to check.
    type: path
    required: true
  sha256:
    description:
      - The expected sha256 (for example from the backup's metadata). Default is to report it only.
    type: str
  runner:
    description:
      - V(compose) runs pg_restore with C(docker compose exec -T O(service)).
      - V(local) runs O(pg_restore) on the managed host.
    type: str
    default: compose
    choices: [compose, local]
  pg_restore:
    description:
      - The pg_restore executable (inside the container or on the host).
    type: str
    default: pg_restore
  project_src:
    description:
      - The Compose project directory. Required with O(runner=compose).
    type: path
    required: false
attributes:
  check_mode:
    support: full
    description: Only reads; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Runs C(docker compose) or pg_restore on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.compose_pg_dump
"""

EXAMPLES = r"""
- name: Recheck a backup before restoring it
  accreditrack.ops.pg_archive_verify:
    project_src: /srv/accreditrack
    path: /var/backups/accreditrack/accreditrack_20260101T000000Z.dump
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

- name: With the host's pg_restore
  accreditrack.ops.pg_archive_verify:
    runner: local
    pg_restore: /usr/lib/postgresql/17/bin/pg_restore
    path: /var/backups/managed/app_20260101T000000Z.dump
"""

RETURN = r"""
path:
  description: The archive.
  returned: always
  type: str
  sample: /var/backups/accreditrack/accreditrack_20260101T000000Z.dump
sha256:
  description: sha256 of the archive as read.
  returned: when the file could be read
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
size:
  description: Size in bytes.
  returned: when the file could be read
  type: int
  sample: 104857
cmd:
  description: The pg_restore command that read the archive.
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, exec, -T, db, pg_restore,
           --file=/dev/null]
stderr:
  description: pg_restore's standard error.
  returned: when the file could be read
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
    pg_restore_verify_argv,
    stream_from_file,
)


def verify_command(params: dict) -> list[str]:
    """The argv of the pg_restore that reads the archive."""
    reader = pg_restore_verify_argv(params.get("pg_restore") or "pg_restore")
    if params.get("runner") == "local":
        return reader
    base = compose_base_argv(
        params["project_src"],
        params.get("project_name"),
        params.get("files") or (),
        params.get("env_files") or (),
        params.get("docker_cli") or "docker",
    )
    return compose_exec_argv(base, params.get("service") or "db", reader)


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec["project_src"]["required"] = False
    argument_spec.update(
        path={"type": "path", "required": True},
        sha256={"type": "str"},
        runner={"type": "str", "default": "compose", "choices": ["compose", "local"]},
        pg_restore={"type": "str", "default": "pg_restore"},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("runner", "compose", ["project_src"])],
    )
    path = module.params["path"]
    cmd = verify_command(module.params)
    result = {"changed": False, "path": path, "cmd": cmd}
    if not os.path.isfile(path):
        module.fail_json(msg=f"{path} does not exist or is not a file", **result)
    try:
        checked = stream_from_file(
            ChildProcesses(), path, cmd, cwd=module.params.get("project_src") or None
        )
    except OSError as error:
        module.fail_json(msg=f"could not read {path} back: {error}", **result)
    result.update(sha256=checked.sha256, size=checked.size, stderr=checked.stderr)
    expected = (module.params.get("sha256") or "").strip().lower()
    if expected and expected != checked.sha256:
        module.fail_json(
            msg=f"{path}: sha256 {checked.sha256} differs from the recorded {expected}", **result
        )
    if checked.rc != 0:
        module.fail_json(
            msg=f"{path} is not a complete, readable archive (pg_restore exit {checked.rc}): "
            f"{checked.stderr}",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

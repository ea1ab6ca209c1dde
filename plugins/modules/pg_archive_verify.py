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
  - A directory archive (O(path) is a directory written by M(accreditrack.ops.compose_pg_dump)
    with C(format=directory)) is checked file by file; the sha256 of its C(manifest.json) must
    equal O(sha256), and every file must be listed there with its size and sha256 (a missing,
    changed or extra file fails). With O(runner=compose) the files are hashed while they are
    copied into a fresh temporary directory of the container (in O(container_tmp_dir), removed
    afterwards); then C(pg_restore --list) and C(pg_restore --file=/dev/null) read it whole.
  - Never changes anything (a temporary copy in the container is removed again).
  - Why a module? C(ansible.builtin.command) cannot feed a binary file into a process's stdin,
    and C(ansible.builtin.stat) checksums in a separate pass.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  path:
    description:
      - The archive to check, a custom-format file or a directory archive with its C(manifest.json).
    type: path
    required: true
  sha256:
    description:
      - The expected sha256 (for example from the backup's metadata). Default is to report it only.
      - For a directory archive, the sha256 of its C(manifest.json).
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
  container_tmp_dir:
    description:
      - A directory archive with O(runner=compose) is copied into a fresh directory in this
        directory of the container (it must have room for the archive).
    type: path
    default: /tmp
  project_src:
    description:
      - The Compose project directory. Required with O(runner=compose).
    type: path
    required: false
attributes:
  check_mode:
    support: full
    description:
      - Only reads (a directory archive's temporary copy in the container is removed again).
      - Runs the same in check mode.
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

- name: Recheck a directory backup, file by file
  accreditrack.ops.pg_archive_verify:
    project_src: /srv/accreditrack
    path: /var/backups/accreditrack/accreditrack_20260101T000000Z.dir
    sha256: 2dc4677073a089ec2014a11b5d679cd7ea253d632adc6813327ebd88a52ce39f  # of manifest.json

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
  description: sha256 of the archive as read (of the C(manifest.json) of a directory archive).
  returned: when the file could be read
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
size:
  description: Size in bytes (of the files a directory archive's manifest lists).
  returned: when the file could be read
  type: int
  sample: 104857
format:
  description: V(custom) (a file) or V(directory).
  returned: always
  type: str
  sample: custom
files:
  description: The number of files a directory archive's manifest lists.
  returned: when a directory archive matched its manifest
  type: int
  sample: 17
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
from typing import Optional

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    ArchiveError,
    ArchiveModule,
    ChildProcesses,
    Interrupted,
    compose_argument_spec,
    pg_restore_verify_argv,
    signals_raise_interrupted,
    stream_from_file,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_dir_archive import (
    CONTAINER_TEMP_PREFIX,
    Wrap,
    check_directory,
    compose_exec_wrap,
    discard_container_dir,
    read_back,
    stage_in_container,
)


def container_wrapper(params: dict) -> Wrap:
    """Turns a command into the argv that runs it: as it is (runner local) or in the container."""
    return list if params.get("runner") == "local" else compose_exec_wrap(params)


def verify_command(params: dict, archive: Optional[str] = None) -> list[str]:
    """The argv of the pg_restore that reads the archive (stdin, or the directory ``archive``)."""
    reader = pg_restore_verify_argv(params.get("pg_restore") or "pg_restore", archive)
    return container_wrapper(params)(reader)


def verify_directory(module: AnsibleModule, result: dict) -> None:
    """Check a directory archive against its manifest and read it back whole."""
    params = module.params
    path = params["path"]
    expected = (params.get("sha256") or "").strip().lower() or None
    executable = params.get("pg_restore") or "pg_restore"
    children = ChildProcesses()
    wrap = container_wrapper(params)
    cwd = params.get("project_src") or None
    if params["runner"] == "local":
        sha, files = check_directory(path, expected)
        result.update(sha256=sha, files=len(files), size=sum(f.size for f in files.values()))
        result["cmd"] = read_back(children, wrap, path, cwd, executable)[-1]
        return
    parent = params["container_tmp_dir"]
    result["cmd"] = verify_command(params, f"{parent.rstrip('/')}/{CONTAINER_TEMP_PREFIX}verify.X")
    target = None
    try:
        sha, files, target = stage_in_container(
            children, wrap, path, expected, parent, "verify", cwd
        )
        result.update(sha256=sha, files=len(files), size=sum(f.size for f in files.values()))
        result["cmd"] = read_back(children, wrap, target, cwd, executable)[-1]
    except BaseException:
        children.kill_all()
        raise
    finally:
        discard_container_dir(module.warn, wrap, target, cwd)


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec["project_src"]["required"] = False
    argument_spec.update(
        path={"type": "path", "required": True},
        sha256={"type": "str"},
        runner={"type": "str", "default": "compose", "choices": ["compose", "local"]},
        pg_restore={"type": "str", "default": "pg_restore"},
        container_tmp_dir={"type": "path", "default": "/tmp"},
    )
    module = ArchiveModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("runner", "compose", ["project_src"])],
    )
    path = module.params["path"]
    if os.path.isdir(path):
        result = {"changed": False, "path": path, "format": "directory", "cmd": []}
        if not os.path.isabs(module.params["container_tmp_dir"]):
            module.fail_json(msg="container_tmp_dir must be an absolute path", **result)
        with signals_raise_interrupted():
            try:
                verify_directory(module, result)
            except (ArchiveError, Interrupted, OSError) as error:
                module.fail_json(msg=f"{path} failed verification: {error}", **result)
        module.exit_json(**result)
    cmd = verify_command(module.params)
    result = {"changed": False, "path": path, "format": "custom", "cmd": cmd}
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

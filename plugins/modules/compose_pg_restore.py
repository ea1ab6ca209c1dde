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
    pg_restore --dbname=DATABASE --exit-on-error) and computes its sha256 in the same pass.
    pg_restore runs inside the database container, so it has the server's version. The objects
    keep the owners they had when they were dumped (O(no_owner) gives them all to O(role)).
  - O(database) must exist, and should be a fresh, empty database (the
    P(accreditrack.ops.backup#role) role creates one with a temporary name and swaps names
    afterwards, so a failed restore never touches the live database).
  - Fails when pg_restore fails or when the sha256 differs from O(sha256); the target database then
    holds a partial restore and must be dropped by the caller.
  - Why a module? C(ansible.builtin.command) cannot feed a binary file into a process's stdin;
    C(community.postgresql.postgresql_db) runs the host's pg_restore, which must match the
    server's major version.
  - A custom-format archive is read from stdin, so pg_restore runs with one job (C(-j) needs a
    seekable file).
  - A directory archive (written by M(accreditrack.ops.compose_pg_dump) with C(format=directory))
    is checked against its C(manifest.json) first (its sha256 must equal O(sha256); a missing,
    extra or resized file fails before anything is copied), then copied into a fresh temporary
    directory of the container (in O(container_tmp_dir)) with every file hashed on the way; only
    when every file matched does C(pg_restore --jobs=O(jobs) ... DIRECTORY) run. The temporary
    directory is always removed.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  path:
    description:
      - The archive, a custom-format file or a directory archive with its C(manifest.json).
    type: path
    required: true
  sha256:
    description:
      - The expected sha256 (of the C(manifest.json) of a directory archive). Default is to
        report it only.
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
      - The role pg_restore runs as (C(pg_restore --role)); with O(no_owner=true) it owns every
        restored object. Default - O(user).
    type: str
  no_owner:
    description:
      - Give every restored object to O(role) (C(pg_restore --no-owner)) instead of the owner it
        had. For a O(user) that may not set other owners (not a superuser); a restore should
        otherwise give back the owners it dumped.
    type: bool
    default: false
  jobs:
    description:
      - Parallel jobs of pg_restore (C(--jobs)) for a directory archive. More than 1 with a
        custom-format archive fails (it is read from stdin).
    type: int
    default: 1
  container_tmp_dir:
    description:
      - A directory archive is copied into a fresh directory in this directory of the container
        (it must have room for the archive).
    type: path
    default: /tmp
attributes:
  check_mode:
    support: full
    description: Reports the command it would run; runs nothing (a directory archive is not copied).
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

- name: Restore a directory backup with four jobs
  accreditrack.ops.compose_pg_restore:
    project_src: /srv/accreditrack
    path: /var/backups/accreditrack/accreditrack_20260101T000000Z.dir
    sha256: 2dc4677073a089ec2014a11b5d679cd7ea253d632adc6813327ebd88a52ce39f  # of manifest.json
    database: accreditrack_restore_20260102
    user: accreditrack
    jobs: 4
"""

RETURN = r"""
sha256:
  description: sha256 of the archive as it was streamed (of a directory archive's C(manifest.json)).
  returned: when the restore ran
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
size:
  description: Size of the archive in bytes (of the files a directory archive's manifest lists).
  returned: when the restore ran
  type: int
  sample: 104857
files:
  description: The number of files a directory archive's manifest lists.
  returned: when a directory archive was restored
  type: int
  sample: 17
cmd:
  description: The pg_restore command.
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, exec, -T, db, pg_restore,
           --username=accreditrack,
           --dbname=accreditrack_restore_20260102, --exit-on-error]
stderr:
  description: pg_restore's standard error.
  returned: when the restore ran
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
    pg_restore_argv,
    run_captured,
    signals_raise_interrupted,
    stream_from_file,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_dir_archive import (
    CONTAINER_TEMP_PREFIX,
    compose_exec_wrap,
    discard_container_dir,
    stage_in_container,
)


def restore_command(params: dict, archive: Optional[str] = None) -> list[str]:
    """The argv of the pg_restore that restores the archive (stdin, or the directory
    ``archive`` in the container with O(jobs) jobs)."""
    return compose_exec_wrap(params)(
        pg_restore_argv(
            params["database"],
            params["user"],
            params.get("role"),
            jobs=(params.get("jobs") or 1) if archive else 1,
            archive=archive,
            no_owner=bool(params.get("no_owner")),
        )
    )


def restore_directory(module: AnsibleModule, result: dict) -> None:
    """Check the directory archive, copy it into the container, pg_restore -j N from there."""
    params = module.params
    children = ChildProcesses()
    wrap = compose_exec_wrap(params)
    cwd = params["project_src"]
    expected = (params.get("sha256") or "").strip().lower() or None
    target = None
    try:
        sha, files, target = stage_in_container(
            children, wrap, params["path"], expected, params["container_tmp_dir"], "restore", cwd
        )
        result.update(sha256=sha, size=sum(f.size for f in files.values()), files=len(files))
        result["cmd"] = restore_command(params, target)
        result["changed"] = True
        rc, _out, err = run_captured(children, result["cmd"], cwd)
        result["stderr"] = err
        if rc != 0:
            raise ArchiveError(f"pg_restore failed (exit {rc}): {err}")
    except BaseException:
        children.kill_all()
        raise
    finally:
        discard_container_dir(module.warn, wrap, target, cwd)


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        path={"type": "path", "required": True},
        sha256={"type": "str"},
        database={"type": "str", "required": True},
        user={"type": "str", "required": True},
        role={"type": "str"},
        no_owner={"type": "bool", "default": False},
        jobs={"type": "int", "default": 1},
        container_tmp_dir={"type": "path", "default": "/tmp"},
    )
    module = ArchiveModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    path = params["path"]
    directory = os.path.isdir(path)
    placeholder = f"{params['container_tmp_dir'].rstrip('/')}/{CONTAINER_TEMP_PREFIX}restore.X"
    result = {"changed": False, "cmd": restore_command(params, placeholder if directory else None)}
    if params["jobs"] < 1:
        module.fail_json(msg=f"jobs must be 1 or more, not {params['jobs']}", **result)
    if not directory and not os.path.isfile(path):
        module.fail_json(msg=f"{path} does not exist or is not a file or directory", **result)
    if not directory and params["jobs"] > 1:
        module.fail_json(
            msg=f"jobs={params['jobs']} needs a directory archive: {path} is a custom-format "
            f"file, read from stdin by one pg_restore job",
            **result,
        )
    if directory and not os.path.isabs(params["container_tmp_dir"]):
        module.fail_json(msg="container_tmp_dir must be an absolute path", **result)
    if module.check_mode:
        result["changed"] = True
        module.exit_json(**result)
    if directory:
        with signals_raise_interrupted():
            try:
                restore_directory(module, result)
            except (ArchiveError, Interrupted, OSError) as error:
                module.fail_json(
                    msg=f"{error}; the database {params['database']} must not be used", **result
                )
        module.exit_json(**result)
    cmd = result["cmd"]
    try:
        done = stream_from_file(ChildProcesses(), path, cmd, cwd=params["project_src"])
    except OSError as error:
        module.fail_json(msg=f"could not stream {path}: {error}", **result)
    result.update(changed=True, sha256=done.sha256, size=done.size, stderr=done.stderr)
    expected = (params.get("sha256") or "").strip().lower()
    if done.rc != 0:
        module.fail_json(msg=f"pg_restore failed (exit {done.rc}): {done.stderr}", **result)
    if expected and expected != done.sha256:
        module.fail_json(
            msg=f"{path}: sha256 {done.sha256} differs from the recorded {expected}; "
            f"the restored database {params['database']} must not be used",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

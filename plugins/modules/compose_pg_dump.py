#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: compose_pg_dump
short_description: Write a verified pg_dump archive of a database that runs as a Compose service
version_added: 0.1.0
description:
  - Runs C(pg_dump --format=custom) INSIDE the database container
    (C(docker compose exec -T SERVICE pg_dump ...)), so the client always has the server's
    major version, and streams the archive into a temporary file (mode O(mode)) in the directory
    of O(dest), computing its sha256 in the same pass.
  - Checks pg_dump's exit status, fsyncs the file, verifies that the WHOLE archive can be read
    back (C(pg_restore --file=/dev/null) in the same container; C(pg_restore --list) alone passes
    a truncated archive), and only then renames it to O(dest) and fsyncs the directory.
  - On any failure, and on SIGTERM, SIGINT or SIGHUP, the temporary file is removed and O(dest)
    is not created. Other files in the directory are never touched. A SIGKILL cannot be caught;
    the hidden temporary file it leaves (C(.NAME.partial-*)) is swept by the
    P(accreditrack.ops.backup#role) role.
  - Why not C(community.postgresql.postgresql_db) with C(state=dump)? It runs pg_dump on the
    managed host (a client older than the server fails with "server version mismatch"), writes
    the target in place, does not verify the archive and always reports changed. Why not
    C(community.docker.docker_compose_v2_exec)? It returns stdout as text in memory and cannot
    stream a binary archive into a file.
  - Only the custom format is written (one file, streamed). The directory format
    (C(pg_dump -j)) would have to be written inside the container and copied out; it is not
    supported.
  - No password is used or needed, pg_dump connects over the container's local socket.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  database:
    description:
      - The database to dump.
    type: str
    required: true
  user:
    description:
      - The PostgreSQL role pg_dump connects as (over the local socket, without a password).
    type: str
    required: true
  dest:
    description:
      - The archive to create. Its directory must exist.
      - If it exists already, the module fails and leaves it alone.
    type: path
    required: true
  compression:
    description:
      - Passed as C(pg_dump --compress=VALUE), for example V(6), V(0), or, with PostgreSQL 16 or
        newer, V(zstd:3) or V(lz4). Default is pg_dump's own (gzip).
    type: str
  extra_args:
    description:
      - More pg_dump arguments, for example V([--exclude-table-data=audit_log]).
      - Never put a secret here.
    type: list
    elements: str
    default: []
  verify:
    description:
      - V(stream) feeds the bytes to C(pg_restore --file=/dev/null) while they are written (a second
        CPU core does the read-back, so it costs little time), then re-reads the written file and
        checks that its sha256 equals the streamed one.
      - V(file) reads the written file back into pg_restore after the dump (a second pass).
      - V(none) skips the read-back. The archive is then NOT verified; use only when something else
        verifies it, for example M(accreditrack.ops.pg_archive_verify).
    type: str
    default: stream
    choices: [stream, file, none]
  mode:
    description:
      - Permissions of the archive, as an octal string such as V("0600") or an integer.
    type: raw
    default: "0600"
attributes:
  check_mode:
    support: full
    description: Reports the command it would run and O(dest); runs nothing and writes nothing.
  diff_mode:
    support: none
    description: An archive is binary; there is no diff to show.
  platform:
    support: full
    platforms: posix
    description: Runs C(docker compose) on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.pg_archive_verify
  - module: accreditrack.ops.compose_pg_restore
  - module: community.postgresql.postgresql_db
  - name: pg_dump
    description: PostgreSQL's documentation of pg_dump.
    link: https://www.postgresql.org/docs/current/app-pgdump.html
"""

EXAMPLES = r"""
- name: Dump the example stack's database into a verified archive
  accreditrack.ops.compose_pg_dump:
    project_src: /srv/accreditrack
    database: accreditrack
    user: accreditrack
    dest: /var/backups/accreditrack/accreditrack_20260101T000000Z.dump
  register: dump

- name: Faster, larger archive (PostgreSQL 16 or newer)
  accreditrack.ops.compose_pg_dump:
    project_src: /srv/accreditrack
    project_name: accreditrack
    env_files: [/srv/accreditrack/.env]
    database: accreditrack
    user: accreditrack
    compression: lz4
    dest: /var/backups/accreditrack/fast.dump
"""

RETURN = r"""
path:
  description: The archive (O(dest)).
  returned: always
  type: str
  sample: /var/backups/accreditrack/accreditrack_20260101T000000Z.dump
sha256:
  description: sha256 of the archive, computed while it was written.
  returned: success and not check mode
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
size:
  description: Size of the archive in bytes.
  returned: success and not check mode
  type: int
  sample: 104857
verified:
  description: How the archive was read back (O(verify)); V(none) means it was not.
  returned: success and not check mode
  type: str
  sample: stream
start:
  description: When pg_dump started (UTC, ISO 8601).
  returned: success and not check mode
  type: str
  sample: "2026-01-01T00:00:00.123456+00:00"
end:
  description: When the archive was in place (UTC, ISO 8601).
  returned: success and not check mode
  type: str
  sample: "2026-01-01T00:00:04.654321+00:00"
duration:
  description: Seconds from RV(start) to RV(end).
  returned: success and not check mode
  type: float
  sample: 4.53
cmd:
  description: The pg_dump command (it holds no secret).
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, exec, -T, db, pg_dump,
           --format=custom, --username=accreditrack, --dbname=accreditrack]
verify_cmd:
  description: The command that read the archive back, if any.
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, exec, -T, db, pg_restore,
           --file=/dev/null]
stderr:
  description: pg_dump's standard error (warnings), if any.
  returned: always
  type: str
  sample: ""
"""

import datetime
import os
import secrets
import signal
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    ArchiveError,
    ChildProcesses,
    compose_argument_spec,
    compose_base_argv,
    compose_exec_argv,
    fsync_directory,
    pg_dump_argv,
    pg_restore_verify_argv,
    sha256_of_file,
    stream_from_file,
    stream_to_file,
    temp_path_for,
)


class Interrupted(Exception):
    """A signal asked the module to stop."""


def _raise_interrupted(signum, _frame):
    raise Interrupted(f"interrupted by signal {signum}")


def build_commands(params: dict) -> tuple[list[str], list[str]]:
    """The pg_dump argv and the verifier argv (empty when O(verify=none))."""
    base = compose_base_argv(
        params["project_src"],
        params.get("project_name"),
        params.get("files") or (),
        params.get("env_files") or (),
        params.get("docker_cli") or "docker",
    )
    service = params.get("service") or "db"
    dump = compose_exec_argv(
        base,
        service,
        pg_dump_argv(
            params["database"],
            params["user"],
            params.get("compression"),
            params.get("extra_args") or (),
        ),
    )
    verify = (
        []
        if params.get("verify") == "none"
        else compose_exec_argv(base, service, pg_restore_verify_argv())
    )
    return dump, verify


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def write_archive(module: AnsibleModule, dump_cmd: list[str], verify_cmd: list[str]) -> dict:
    """Dump into a temporary file, verify it, rename it to dest. Raises ArchiveError."""
    params = module.params
    dest = params["dest"]
    mode = int(params["mode"], 8) if isinstance(params["mode"], str) else params["mode"]
    directory = os.path.dirname(dest) or "."
    tmp = temp_path_for(dest, f"{os.getpid()}-{secrets.token_hex(4)}")
    children = ChildProcesses()
    cwd = params["project_src"]
    started = _now()
    clock = time.monotonic()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not widen or narrow it
        reader = verify_cmd if params["verify"] == "stream" else None
        result = stream_to_file(children, dump_cmd, fd, reader, cwd=cwd)
        if result.rc != 0:
            raise ArchiveError(f"pg_dump failed (exit {result.rc}): {result.stderr}")
        if result.size == 0:
            raise ArchiveError("pg_dump exited 0 but wrote nothing")
        os.fsync(fd)
        if params["verify"] == "stream":
            if result.reader_rc != 0:
                raise ArchiveError(
                    f"the archive could not be read back (pg_restore exit {result.reader_rc}): "
                    f"{result.reader_stderr}"
                )
            on_disk, size = sha256_of_file(tmp)
            if (on_disk, size) != (result.sha256, result.size):
                raise ArchiveError(
                    f"the file on disk ({size} bytes, sha256 {on_disk}) differs from what "
                    f"pg_dump wrote ({result.size} bytes, sha256 {result.sha256})"
                )
        elif params["verify"] == "file":
            check = stream_from_file(children, tmp, verify_cmd, cwd=cwd)
            if check.rc != 0:
                raise ArchiveError(
                    f"the archive could not be read back (pg_restore exit {check.rc}): "
                    f"{check.stderr}"
                )
            if check.sha256 != result.sha256:
                raise ArchiveError("the file on disk differs from what pg_dump wrote")
        if os.path.lexists(dest):
            raise ArchiveError(f"{dest} appeared while the dump ran; it was left alone")
        os.rename(tmp, dest)
        fsync_directory(directory)
    except BaseException:
        children.kill_all()
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)
    ended = _now()
    return {
        "sha256": result.sha256,
        "size": result.size,
        "verified": params["verify"],
        "start": started.isoformat(),
        "end": ended.isoformat(),
        "duration": round(time.monotonic() - clock, 3),
        "stderr": result.stderr,
    }


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        database={"type": "str", "required": True},
        user={"type": "str", "required": True},
        dest={"type": "path", "required": True},
        compression={"type": "str"},
        extra_args={"type": "list", "elements": "str", "default": []},
        verify={"type": "str", "default": "stream", "choices": ["stream", "file", "none"]},
        mode={"type": "raw", "default": "0600"},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    dump_cmd, verify_cmd = build_commands(module.params)
    dest = module.params["dest"]
    result = {
        "changed": False,
        "path": dest,
        "cmd": dump_cmd,
        "verify_cmd": verify_cmd,
        "stderr": "",
    }

    directory = os.path.dirname(dest) or "."
    if os.path.lexists(dest):
        module.fail_json(msg=f"{dest} exists already; a backup is never overwritten", **result)
    if not os.path.isdir(directory):
        if module.check_mode:
            module.warn(f"{directory} does not exist; the real run would fail unless it is created")
        else:
            module.fail_json(msg=f"the directory {directory} does not exist", **result)
    if module.check_mode:
        result["changed"] = True
        module.exit_json(**result)

    previous = {
        sig: signal.signal(sig, _raise_interrupted)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    }
    try:
        result.update(write_archive(module, dump_cmd, verify_cmd))
    except (ArchiveError, Interrupted, OSError) as error:
        module.fail_json(msg=f"no backup was written: {error}", **result)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    result["changed"] = True
    module.exit_json(**result)


if __name__ == "__main__":
    main()

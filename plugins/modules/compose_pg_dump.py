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
  - With O(format=directory), C(pg_dump --format=directory --jobs=O(jobs)) writes the archive into a
    fresh temporary directory of the container (C(.accreditrack-ops-pg_dump.RANDOM) in
    O(container_tmp_dir), which pg_dump creates with mode 0700) after checking that
    O(container_tmp_dir) has O(container_free_needed) bytes free (default C(pg_database_size));
    the directory is streamed out (C(tar -cf -)) and unpacked into a hidden temporary directory
    beside O(dest) while every file is hashed and fsynced; at the same time the archive is read
    back in the container (C(pg_restore --list) and C(pg_restore --file=/dev/null), which reads
    and decompresses every data file) and every file hashed there with C(sha256sum); the two
    sets of checksums must be equal. A tar member that is not a regular file or whose name holds
    C(/) or C(..) is refused.
    Then C(manifest.json) (file, sha256, size) is written into the directory, whose sha256 is the
    archive's RV(sha256), the directory is renamed to O(dest) and the parent directory fsynced. The
    container's temporary directory is always removed; on failure or a signal the host's too.
  - The directory format is for large databases, where C(pg_dump -j) dumps several tables at once.
    It costs more container round trips (about a second) and needs free space in the container.
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
      - The archive to create (a file with O(format=custom), a directory with O(format=directory)).
        Its parent directory must exist.
      - If it exists already, the module fails and leaves it alone.
    type: path
    required: true
  format:
    description:
      - V(custom) streams C(pg_dump --format=custom) into one file.
      - V(directory) writes C(pg_dump --format=directory) with O(jobs) jobs in the container, then
        copies it out as described above.
    type: str
    default: custom
    choices: [custom, directory]
  jobs:
    description:
      - Tables dumped at once (C(pg_dump --jobs)); more than 1 needs O(format=directory). pg_dump
        opens O(jobs) + 1 connections.
    type: int
    default: 1
  container_tmp_dir:
    description:
      - O(format=directory), the directory of the container where pg_dump writes the temporary
        archive (a fresh C(.accreditrack-ops-pg_dump.*) directory in it, removed afterwards).
      - Verify and restore (M(accreditrack.ops.pg_archive_verify),
        M(accreditrack.ops.compose_pg_restore)) use C(.accreditrack-ops-verify.*) and
        C(.accreditrack-ops-restore.*) directories there.
    type: path
    default: /tmp
  container_free_needed:
    description:
      - O(format=directory), the free bytes O(container_tmp_dir) must have before pg_dump starts.
        Default is the database's C(pg_database_size) (read with psql in the container). V(0)
        skips the check.
    type: int
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
      - With O(format=directory), V(stream) reads the archive back in the container while it is
        copied out, V(file) before it is copied out; both compare every file's sha256 in the
        container and on the host (twice on the host, while it is written and then from disk).
        V(none) skips the read-back, not the checksums.
    type: str
    default: stream
    choices: [stream, file, none]
  verify_niceness:
    description:
      - The read-back runs in the database container as C(nice -n VERIFY_NICENESS pg_restore ...),
        so whenever it competes for a CPU core with pg_dump's own work (the server's C(COPY), the
        compression) or with the app's queries, those go first. With O(verify=stream) the
        read-back then mostly uses the CPU time the dump leaves idle.
      - V(0) runs pg_restore as it is, without C(nice) (for an image that has no C(nice)
        command; the module says so when that is the case).
    type: int
    default: 19
    version_added: 0.1.0
  lock_wait_timeout:
    description:
      - Passed as C(pg_dump --lock-wait-timeout=VALUE) - how long pg_dump waits for the
        C(ACCESS SHARE) lock of each table before it fails, instead of queueing behind a session
        that holds or waits for a conflicting lock (everything after it would queue behind
        pg_dump then). A number of milliseconds or a PostgreSQL time such as V(30s), V(2min).
      - V(0) or empty waits without limit (no C(--lock-wait-timeout)).
      - When pg_dump fails because of it, the failure message says so and names this option.
    type: str
    default: 30s
    version_added: 0.1.0
  mode:
    description:
      - Permissions of the archive, as an octal string such as V("0600") or an integer.
      - With O(format=directory), the permissions of its files; the directory gets 0700.
    type: raw
    default: "0600"
attributes:
  check_mode:
    support: full
    description:
      - Reports the command it would run and O(dest); writes nothing.
      - With O(format=directory) it reads the free space of O(container_tmp_dir) and fails as the
        real run would when it is too small.
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

- name: A large database, four tables at once, in the directory format
  accreditrack.ops.compose_pg_dump:
    project_src: /srv/accreditrack
    database: accreditrack
    user: accreditrack
    format: directory
    jobs: 4
    container_tmp_dir: /var/lib/postgresql/dump-tmp  # a volume with room for the archive
    dest: /var/backups/accreditrack/accreditrack_20260101T000000Z.dir
"""

RETURN = r"""
path:
  description: The archive (O(dest)).
  returned: always
  type: str
  sample: /var/backups/accreditrack/accreditrack_20260101T000000Z.dump
sha256:
  description:
    - sha256 of the archive, computed while it was written.
    - With O(format=directory), the sha256 of its C(manifest.json), which lists every file's sha256.
  returned: success and not check mode
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
size:
  description: Size of the archive in bytes (with O(format=directory), of pg_dump's files).
  returned: success and not check mode
  type: int
  sample: 104857
format:
  description: O(format).
  returned: always
  type: str
  sample: directory
jobs:
  description: O(jobs).
  returned: always
  type: int
  sample: 4
files:
  description: O(format=directory), the number of pg_dump's files (the manifest not counted).
  returned: success with O(format=directory), not check mode
  type: int
  sample: 17
manifest:
  description: O(format=directory), the path of the manifest.
  returned: success with O(format=directory), not check mode
  type: str
  sample: /var/backups/accreditrack/accreditrack_20260101T000000Z.dir/manifest.json
container_free:
  description: O(format=directory), the free bytes of O(container_tmp_dir) before the dump.
  returned: with O(format=directory)
  type: int
  sample: 80192237568
container_needed:
  description: O(format=directory), the free bytes that were required (0 = not checked).
  returned: with O(format=directory)
  type: int
  sample: 1105432311
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
  description:
    - The command that read the archive back, if any.
    - With O(format=directory), the full read-back (C(pg_restore --list) runs before it).
  returned: always
  type: list
  elements: str
  sample: [docker, compose, --project-directory, /srv/accreditrack, exec, -T, db, nice, -n, "19",
           pg_restore, --file=/dev/null]
stderr:
  description: pg_dump's standard error (warnings), if any.
  returned: always
  type: str
  sample: ""
"""

import contextlib
import datetime
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Callable, Optional

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_application import (
    pg_dump_application_name,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    CHUNK_SIZE,
    ArchiveError,
    ArchiveModule,
    ChildProcesses,
    Interrupted,
    compose_argument_spec,
    fsync_directory,
    missing_nice,
    niced_argv,
    pg_dump_argv,
    pg_restore_verify_argv,
    run_captured,
    sha256_of_file,
    signals_ignored,
    signals_raise_interrupted,
    stream_from_file,
    stream_to_file,
    temp_path_for,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_dir_archive import (
    CONTAINER_TEMP_PREFIX,
    DIR_MODE,
    MANIFEST_NAME,
    FileSum,
    build_manifest,
    compose_exec_wrap,
    container_free_bytes,
    database_size_argv,
    discard_container_dir,
    hash_files,
    listing_argv,
    manifest_problems,
    parse_listing,
    parse_sha256sum,
    read_back,
    sha256sum_argv,
    tar_out_argv,
    unpack_tar_stream,
    write_file,
)

# What pg_dump's --lock-wait-timeout accepts here: milliseconds, or a number with a unit.
LOCK_WAIT_TIMEOUT = re.compile(r"^\s*[0-9]+(\.[0-9]+)?\s*(us|ms|s|min|h|d)?\s*$")
# pg_dump's errors when a table lock was not granted: the leader's LOCK TABLE cancelled by the
# timeout it sets from --lock-wait-timeout (statement_timeout), a lock_timeout from PGOPTIONS, or a
# parallel worker's LOCK TABLE NOWAIT ("could not obtain lock on relation").
LOCK_FAILURE = re.compile(
    r"could not obtain lock|canceling statement due to (statement|lock) timeout"
)


def container_wrapper(
    params: dict, application_name: Optional[str] = None
) -> Callable[[list[str]], list[str]]:
    """Turns a command into ``docker compose ... exec -T SERVICE command``; with
    ``application_name``, libpq's PGAPPNAME is set for it (not a secret: a name to find its
    sessions by)."""
    return compose_exec_wrap(params, {"PGAPPNAME": application_name} if application_name else None)


def placeholder_dir(params: dict, token: str = "RANDOM") -> str:
    """The container's temporary directory (with a random token; a placeholder until it runs)."""
    parent = (params.get("container_tmp_dir") or "/tmp").rstrip("/")
    return f"{parent}/{CONTAINER_TEMP_PREFIX}pg_dump.{token}"


def build_commands(
    params: dict, container_dir: Optional[str] = None, application_name: Optional[str] = None
) -> tuple[list[str], list[str]]:
    """The pg_dump argv and the verifier argv (empty when O(verify=none)). With the directory
    format both name ``container_dir`` (a placeholder until it exists), and pg_dump's sessions
    carry ``application_name``."""
    wrap = container_wrapper(params)
    fmt = params.get("format") or "custom"
    archive = (container_dir or placeholder_dir(params)) if fmt == "directory" else None
    dump = container_wrapper(params, application_name)(
        pg_dump_argv(
            params["database"],
            params["user"],
            params.get("compression"),
            params.get("extra_args") or (),
            fmt=fmt,
            jobs=params.get("jobs") or 1,
            file=archive,
            lock_wait_timeout=params.get("lock_wait_timeout"),
        )
    )
    verify = (
        []
        if params.get("verify") == "none"
        else wrap(niced_argv(verify_niceness(params), pg_restore_verify_argv(archive=archive)))
    )
    return dump, verify


def verify_niceness(params: dict) -> int:
    """O(verify_niceness) (19 where it is not given, as in the argument spec)."""
    value = params.get("verify_niceness")
    return 19 if value is None else value


def option_errors(params: dict) -> list[str]:
    """Contradictory or impossible options, as messages."""
    errors = []
    jobs = params.get("jobs")
    if jobs is None or jobs < 1:
        errors.append(f"jobs must be 1 or more, not {jobs}")
    elif jobs > 1 and params.get("format") != "directory":
        errors.append(
            f"jobs={jobs} needs format=directory: pg_dump dumps tables in parallel only into "
            f"a directory archive"
        )
    if not os.path.isabs(params.get("container_tmp_dir") or ""):
        errors.append(
            f"container_tmp_dir must be an absolute path: {params.get('container_tmp_dir')!r}"
        )
    niceness = params.get("verify_niceness")
    if niceness is not None and not 0 <= niceness <= 19:
        errors.append(f"verify_niceness must be from 0 to 19, not {niceness}")
    timeout = params.get("lock_wait_timeout")
    if timeout and not LOCK_WAIT_TIMEOUT.match(str(timeout)):
        errors.append(
            f"lock_wait_timeout must be a number of milliseconds or a time such as 30s or 2min, "
            f"not {timeout!r}"
        )
    needed = params.get("container_free_needed")
    if needed is not None and needed < 0:
        errors.append(f"container_free_needed must be 0 or more, not {needed}")
    return errors


def end_sessions(params: dict, application_name: str, cwd: str) -> None:
    """Terminate the sessions of an interrupted pg_dump (they hold ACCESS SHARE locks), so it
    ends in the container too. ``application_name`` is a generated token, safe in SQL."""
    sql = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE application_name = '{application_name}'"
    )
    argv = container_wrapper(params)(
        ["psql", "-X", "-A", "-t", f"--username={params['user']}",
         f"--dbname={params['database']}", "-c", sql]
    )  # fmt: skip
    with contextlib.suppress(OSError):  # best effort: they end with pg_dump at the latest
        run_captured(ChildProcesses(), argv, cwd)


def dump_failure(params: dict, rc: Optional[int], stderr: str) -> str:
    """The message for a pg_dump that failed; names O(lock_wait_timeout) when a lock was it."""
    text = f"pg_dump failed (exit {rc}): {stderr}"
    if not LOCK_FAILURE.search(stderr or ""):
        return text
    timeout = params.get("lock_wait_timeout")
    waited = f"within lock_wait_timeout={timeout}" if timeout else "(no lock_wait_timeout set)"
    return (
        f"pg_dump could not obtain the lock of a table {waited}: another session holds or waits "
        "for a conflicting lock (a migration's DDL, a VACUUM FULL, ...). Nothing was dumped. Run "
        "again when it is gone, or raise lock_wait_timeout (backup_lock_wait_timeout with the "
        f"backup role). {text}"
    )


def read_back_failure(params: dict, rc: Optional[int], stderr: str) -> str:
    """The message for a read-back that failed; names the missing ``nice`` when that was it."""
    if verify_niceness(params) and missing_nice(rc, stderr):
        return (
            f"the archive could not be read back: the {params.get('service') or 'db'} container "
            f"has no `nice` command ({stderr.strip()}); set verify_niceness: 0 "
            f"(backup_verify_niceness with the backup role) to read back without it"
        )
    return f"the archive could not be read back (pg_restore exit {rc}): {stderr}"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def write_archive(module: AnsibleModule, dump_cmd: list[str], verify_cmd: list[str]) -> dict:
    """Dump into a temporary file, verify it, rename it to dest. Raises ArchiveError."""
    params = module.params
    dest = params["dest"]
    mode = file_mode(params)
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
            raise ArchiveError(dump_failure(params, result.rc, result.stderr))
        if result.size == 0:
            raise ArchiveError("pg_dump exited 0 but wrote nothing")
        os.fsync(fd)
        if params["verify"] == "stream":
            if result.reader_rc != 0:
                raise ArchiveError(
                    read_back_failure(params, result.reader_rc, result.reader_stderr)
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
                raise ArchiveError(read_back_failure(params, check.rc, check.stderr))
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


def file_mode(params: dict) -> int:
    return int(params["mode"], 8) if isinstance(params["mode"], str) else params["mode"]


def check_container_space(
    children: ChildProcesses, wrap: Callable, params: dict, result: dict
) -> None:
    """Fill RV(container_free) and RV(container_needed); raise when the room is too small."""
    cwd = params["project_src"]
    needed = params.get("container_free_needed")
    if needed is None:
        rc, out, err = run_captured(
            children, wrap(database_size_argv(params["database"], params["user"])), cwd
        )
        try:
            needed = int(out.strip()) if rc == 0 else None
        except ValueError:
            needed = None
        if needed is None:
            raise ArchiveError(f"could not read pg_database_size (exit {rc}): {err or out}")
    tmp_dir = params["container_tmp_dir"]
    free = container_free_bytes(children, wrap, tmp_dir, cwd)
    result.update(container_free=free, container_needed=needed)
    if free < needed:
        raise ArchiveError(
            f"{tmp_dir} in the {params['service']} container has {free} bytes free, but "
            f"{needed} are needed (container_free_needed, by default pg_database_size). Free "
            f"space there or set container_tmp_dir to a directory with room, e.g. on a volume"
        )


class _Background(threading.Thread):
    """A container command that runs while the archive is copied out (read-back, sha256sum)."""

    def __init__(self, function: Callable, *args) -> None:
        super().__init__(daemon=True)
        self.function = function
        self.args = args
        self.value = None
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            self.value = self.function(*self.args)
        except BaseException as error:  # reported by the main thread
            self.error = error

    def outcome(self):
        self.join()
        if self.error is not None:
            raise self.error
        return self.value


def container_sums(
    children: ChildProcesses, wrap: Callable, container_dir: str, names: list[str], cwd: str
) -> dict[str, str]:
    """sha256 of every file of the container's archive, by sha256sum in the container."""
    rc, out, err = run_captured(children, wrap(sha256sum_argv(container_dir, names)), cwd)
    if rc != 0:
        raise ArchiveError(f"sha256sum in the container failed (exit {rc}): {err}")
    sums = parse_sha256sum(out, container_dir)
    if sorted(sums) != names:
        raise ArchiveError("sha256sum did not report every file of pg_dump's directory")
    return sums


def copy_out(
    children: ChildProcesses,
    wrap: Callable,
    container_dir: str,
    names: list[str],
    tmp: str,
    mode: int,
    cwd: str,
) -> dict:
    """``tar -cf -`` of the container's archive, unpacked into ``tmp`` with every file hashed."""
    with tempfile.TemporaryFile() as err:
        proc = children.start(
            wrap(tar_out_argv(container_dir, names)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=cwd,
        )
        try:
            sums = unpack_tar_stream(proc.stdout, tmp, mode)
            while proc.stdout.read(CHUNK_SIZE):
                pass  # tar pads its last record; let it finish writing
        finally:
            proc.stdout.close()
        rc = proc.wait()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace").strip()
    if rc != 0:
        raise ArchiveError(f"tar in the container failed (exit {rc}): {stderr}")
    return sums


def write_directory(module: AnsibleModule, result: dict) -> dict:
    """pg_dump -Fd -j N in the container, read back and hashed there, copied out and hashed in
    the same pass, manifest, fsync, rename to dest. Raises ArchiveError."""
    params = module.params
    dest = params["dest"]
    mode = file_mode(params)
    cwd = params["project_src"]
    wrap = container_wrapper(params)
    children = ChildProcesses()
    started = _now()
    clock = time.monotonic()
    container_dir = None
    tmp = None
    dumping = False
    try:
        # pg_dump creates the directory itself, mode 0700 (one round trip less than mktemp).
        container_dir = placeholder_dir(params, secrets.token_hex(8))
        application_name = pg_dump_application_name(secrets.token_hex(8))
        dump_cmd, verify_cmd = build_commands(params, container_dir, application_name)
        result.update(cmd=dump_cmd, verify_cmd=verify_cmd, container_tmp=container_dir)
        dumping = True
        rc, _out, dump_stderr = run_captured(children, dump_cmd, cwd)
        dumping = False
        if rc != 0:
            raise ArchiveError(dump_failure(params, rc, dump_stderr))
        rc, out, err = run_captured(children, wrap(listing_argv(container_dir)), cwd)
        if rc != 0:
            raise ArchiveError(f"could not list pg_dump's directory (exit {rc}): {err}")
        sizes = parse_listing(out)
        names = sorted(sizes)
        niceness = verify_niceness(params)

        def wrap_niced(command: list[str]) -> list[str]:
            return wrap(niced_argv(niceness, command))

        if params["verify"] == "file":
            read_back(children, wrap_niced, container_dir, cwd)
        # Hashing and reading back in the container run while tar streams the files out.
        background = [_Background(container_sums, children, wrap, container_dir, names, cwd)]
        if params["verify"] == "stream":
            background.append(_Background(read_back, children, wrap_niced, container_dir, cwd))
        for job in background:
            job.start()
        tmp = temp_path_for(dest, f"{os.getpid()}-{secrets.token_hex(4)}")
        os.mkdir(tmp, DIR_MODE)
        os.chmod(tmp, DIR_MODE)  # the umask must not widen or narrow it
        copied = copy_out(children, wrap, container_dir, names, tmp, mode, cwd)
        sums = background[0].outcome()
        for job in background[1:]:
            job.outcome()
        expected = {name: FileSum(sums[name], sizes[name]) for name in names}
        problems = manifest_problems(expected, copied)
        if problems:
            raise ArchiveError(f"the copy differs from pg_dump's files: {'; '.join(problems)}")
        problems = manifest_problems(expected, hash_files(tmp, names))
        if problems:
            raise ArchiveError(f"the files on disk differ from pg_dump's: {'; '.join(problems)}")
        manifest = build_manifest(expected)
        write_file(tmp, MANIFEST_NAME, manifest, mode)
        fsync_directory(tmp)
        if os.path.lexists(dest):
            raise ArchiveError(f"{dest} appeared while the dump ran; it was left alone")
        os.rename(tmp, dest)
        tmp = None
        fsync_directory(os.path.dirname(dest) or ".")
    except BaseException:
        children.kill_all()
        with signals_ignored():
            if dumping:  # ending docker compose exec does not end pg_dump in the container
                end_sessions(params, application_name, cwd)
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        discard_container_dir(module.warn, wrap, container_dir, cwd)
    return {
        "sha256": hashlib.sha256(manifest).hexdigest(),
        "size": sum(sizes.values()),
        "files": len(names),
        "manifest": os.path.join(dest, MANIFEST_NAME),
        "verified": params["verify"],
        "start": started.isoformat(),
        "end": _now().isoformat(),
        "duration": round(time.monotonic() - clock, 3),
        "stderr": dump_stderr,
    }


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        database={"type": "str", "required": True},
        user={"type": "str", "required": True},
        dest={"type": "path", "required": True},
        format={"type": "str", "default": "custom", "choices": ["custom", "directory"]},
        jobs={"type": "int", "default": 1},
        container_tmp_dir={"type": "path", "default": "/tmp"},
        container_free_needed={"type": "int"},
        compression={"type": "str"},
        extra_args={"type": "list", "elements": "str", "default": []},
        verify={"type": "str", "default": "stream", "choices": ["stream", "file", "none"]},
        verify_niceness={"type": "int", "default": 19},
        lock_wait_timeout={"type": "str", "default": "30s"},
        mode={"type": "raw", "default": "0600"},
    )
    module = ArchiveModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    dest = params["dest"]
    result = {
        "changed": False,
        "path": dest,
        "format": params["format"],
        "jobs": params["jobs"],
        "cmd": [],
        "verify_cmd": [],
        "stderr": "",
    }
    errors = option_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors), **result)
    dump_cmd, verify_cmd = build_commands(params)
    result.update(cmd=dump_cmd, verify_cmd=verify_cmd)

    directory = os.path.dirname(dest) or "."
    if os.path.lexists(dest):
        module.fail_json(msg=f"{dest} exists already; a backup is never overwritten", **result)
    if not os.path.isdir(directory):
        if module.check_mode:
            module.warn(f"{directory} does not exist; the real run would fail unless it is created")
        else:
            module.fail_json(msg=f"the directory {directory} does not exist", **result)
    directory_format = params["format"] == "directory"
    with signals_raise_interrupted():
        try:
            if directory_format:
                check_container_space(ChildProcesses(), container_wrapper(params), params, result)
        except (ArchiveError, Interrupted, OSError) as error:
            module.fail_json(msg=f"no backup was started: {error}", **result)
        if module.check_mode:
            result["changed"] = True
            module.exit_json(**result)
        try:
            if directory_format:
                result.update(write_directory(module, result))
            else:
                result.update(write_archive(module, dump_cmd, verify_cmd))
        except (ArchiveError, Interrupted, OSError) as error:
            module.fail_json(msg=f"no backup was written: {error}", **result)
    result["changed"] = True
    module.exit_json(**result)


if __name__ == "__main__":
    main()

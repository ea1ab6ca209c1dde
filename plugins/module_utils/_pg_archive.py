# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: this is not a public API. It may change in any
# release, without a deprecation period. Do not import it from outside this collection.
#
# What the modules compose_pg_dump, pg_archive_verify and compose_pg_restore share: pure argv
# builders (unit-tested) and the streaming helpers that move a PostgreSQL custom-format archive
# between a process and a file while computing its sha256 in the same pass. The directory format
# (pg_dump -Fd -j N) has its own helpers in _pg_dir_archive.py.
#
# Why not module.run_command(): it buffers the whole output in memory as text, and cannot feed a
# file into a process's stdin. An archive is binary and can be many gigabytes, so these helpers use
# subprocess.Popen with argv lists (never a shell) and copy in fixed-size chunks.

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, Optional

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_project import (
    compose_argv,
    compose_argv_of,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_schema import psql_argv

CHUNK_SIZE = 1024 * 1024
VERIFY_MODES = frozenset(("stream", "file", "none"))
FORMATS = frozenset(("custom", "directory"))
TEMP_MARKER = ".partial-"
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StreamResult(NamedTuple):
    """What one streaming pass produced."""

    sha256: str
    size: int
    rc: int
    stderr: str
    reader_rc: Optional[int]
    reader_stderr: str


class ArchiveError(Exception):
    """A dump, verification or restore failed; the message says which step and why."""


class Interrupted(Exception):
    """A signal asked the module to stop."""


def _raise_interrupted(signum, _frame):
    raise Interrupted(f"interrupted by signal {signum}")


@contextlib.contextmanager
def signals_raise_interrupted() -> Iterator[None]:
    """SIGTERM, SIGINT and SIGHUP raise Interrupted inside the block, so cleanup code runs."""
    previous = {sig: signal.signal(sig, _raise_interrupted) for sig in HANDLED_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """Cleanup that must not be cut short by a second signal."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in HANDLED_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class ArchiveModule(AnsibleModule):
    """AnsibleModule that keeps the module's own ``size``: add_path_info() would replace it with
    the size of the ``path`` entry itself, 4096 for a directory archive."""

    def add_path_info(self, kwargs):
        size = kwargs.get("size")
        kwargs = super().add_path_info(kwargs)
        if size is not None:
            kwargs["size"] = size
        return kwargs


def compose_argument_spec() -> dict[str, dict[str, Any]]:
    """Options that address the Compose project and its database service (a fresh copy)."""
    return {
        "project_src": {"type": "path", "required": True},
        "project_name": {"type": "str"},
        "files": {"type": "list", "elements": "path", "default": []},
        "env_files": {"type": "list", "elements": "path", "default": []},
        "profiles": {"type": "list", "elements": "str", "default": []},
        "service": {"type": "str", "default": "db"},
        "docker_cli": {"type": "str", "default": "docker"},
    }


def compose_base_argv(
    project_src: str,
    project_name: Optional[str] = None,
    files: Sequence[str] = (),
    env_files: Sequence[str] = (),
    docker_cli: str = "docker",
    profiles: Sequence[str] = (),
) -> list[str]:
    """``docker compose`` with the options that address one project (_compose_project)."""
    return compose_argv(project_src, project_name, files, env_files, profiles, docker_cli)


def compose_exec_argv(
    base: Sequence[str],
    service: str,
    command: Sequence[str],
    environment: Optional[dict[str, str]] = None,
) -> list[str]:
    """Run ``command`` in the running container of ``service`` with stdin attached, no TTY.
    ``environment`` goes into argv: never put a secret there."""
    options = [f"--env={name}={value}" for name, value in (environment or {}).items()]
    return [*base, "exec", "-T", *options, service, *command]


def container_env(module: AnsibleModule, base: Sequence[str], service: str, name: str) -> str:
    """The value of NAME in the running container of SERVICE (empty when unset or unreadable):
    where the image keeps POSTGRES_USER / POSTGRES_DB, read without a shell."""
    argv = compose_exec_argv(base, service, ["printenv", name])
    rc, out, _err = module.run_command(argv, cwd=module.params["project_src"])
    return out.strip() if rc == 0 else ""


def database_and_user(
    module: AnsibleModule,
    base: Sequence[str],
    service: str,
    db_name: Optional[str] = None,
    db_user: Optional[str] = None,
) -> tuple[str, str]:
    """(database, user) psql connects with: the options, else POSTGRES_DB / POSTGRES_USER of the
    service's running container, else the user / ``postgres``. Both unknown: one exec asks for
    both (printenv prints them in order, and fails when one is unset - then each is asked alone)."""
    if not db_name and not db_user:
        argv = compose_exec_argv(base, service, ["printenv", "POSTGRES_USER", "POSTGRES_DB"])
        rc, out, _err = module.run_command(argv, cwd=module.params["project_src"])
        lines = out.splitlines()
        if rc == 0 and len(lines) == 2 and all(line.strip() for line in lines):
            return lines[1].strip(), lines[0].strip()
    user = db_user or container_env(module, base, service, "POSTGRES_USER") or "postgres"
    return db_name or container_env(module, base, service, "POSTGRES_DB") or user, user


def read_catalog(
    module: AnsibleModule,
    sql: str,
    application: str,
    what: str,
    psql_args: Sequence[str] = (),
    target: Optional[tuple[str, str]] = None,
) -> tuple[str, str, list[str]]:
    """SQL run read-only with psql in the db service's container (``docker compose exec``, its
    local socket, no password), as APPLICATION (PGAPPNAME), for the catalog-reading modules. The
    module's params are the compose address plus service, db_name and db_user. Fails the module,
    naming WHAT and the database, when psql fails. TARGET: the (database, user) database_and_user()
    resolved already. Returns (database, stdout, argv)."""
    p = module.params
    base = compose_argv_of(p)
    database, user = target or database_and_user(
        module, base, p["service"], p["db_name"], p["db_user"]
    )
    command = [*psql_argv(database, user), *psql_args]
    argv = compose_exec_argv(base, p["service"], command, {"PGAPPNAME": application})
    rc, out, err = module.run_command(argv, data=sql, cwd=p["project_src"])
    if rc != 0:
        module.fail_json(
            msg=f"Could not read {what} of database {database} in service {p['service']} "
            f"(rc={rc}): {(err or out).strip()[-2000:]}",
            cmd=argv,
            rc=rc,
        )
    return database, out, argv


# A lock_wait_timeout that means "no limit": 0 in any unit (pg_dump would wait forever anyway).
NO_TIMEOUT = re.compile(r"^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$")


def pg_dump_argv(
    database: str,
    user: str,
    compression: Optional[str] = None,
    extra_args: Sequence[str] = (),
    executable: str = "pg_dump",
    fmt: str = "custom",
    jobs: int = 1,
    file: Optional[str] = None,
    lock_wait_timeout: Optional[str] = None,
) -> list[str]:
    """pg_dump writing a custom-format archive to stdout, or (``fmt="directory"``) a directory
    archive into ``file`` with ``jobs`` parallel jobs. No password: the socket is trusted.
    ``lock_wait_timeout`` (``--lock-wait-timeout``): fail instead of queueing behind a lock for
    longer; empty or ``0`` waits without limit."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "custom" and (jobs != 1 or file):
        raise ValueError("the custom format is streamed to stdout with one job")
    if fmt == "directory" and not file:
        raise ValueError("the directory format needs the directory to write")
    argv = [executable, f"--format={fmt}"]
    if fmt == "directory":
        argv += [f"--jobs={jobs}", f"--file={file}"]
    argv += [f"--username={user}", f"--dbname={database}"]
    if lock_wait_timeout and not NO_TIMEOUT.match(str(lock_wait_timeout)):
        argv.append(f"--lock-wait-timeout={lock_wait_timeout}")
    if compression:
        argv.append(f"--compress={compression}")
    argv += list(extra_args)
    return argv


def niced_argv(niceness: int, command: Sequence[str]) -> list[str]:
    """``command`` under ``nice -n NICENESS`` (0 = the command as it is). Inside the database
    container, a positive niceness lets the database's own processes (pg_dump's COPY, the app's
    queries) go first whenever the read-back competes with them for a CPU core."""
    if not 0 <= niceness <= 19:
        raise ValueError(f"niceness must be from 0 to 19, not {niceness}")
    return ["nice", "-n", str(niceness), *command] if niceness else list(command)


def missing_nice(rc: Optional[int], stderr: str) -> bool:
    """Whether a command run under ``nice`` failed because the container has no ``nice``."""
    return rc in (126, 127) and '"nice"' in stderr and "not found" in stderr


def pg_restore_verify_argv(
    executable: str = "pg_restore", archive: Optional[str] = None, list_only: bool = False
) -> list[str]:
    """pg_restore reading a whole archive (stdin, or ``archive``) and writing the SQL to /dev/null.

    ``pg_restore --list`` reads only the table of contents and passes a truncated archive;
    writing the script reads (and decompresses) every data block, so truncation fails.
    ``list_only`` builds the --list run (the table of contents alone).
    """
    argv = [executable, *(["--list"] if list_only else []), "--file=/dev/null"]
    return [*argv, archive] if archive else argv


def pg_restore_argv(
    database: str,
    user: str,
    role: Optional[str] = None,
    executable: str = "pg_restore",
    jobs: int = 1,
    archive: Optional[str] = None,
    no_owner: bool = False,
) -> list[str]:
    """pg_restore reading an archive from stdin (or the directory ``archive``, with ``jobs``
    parallel jobs) into ``database``, which must exist. Objects keep the owners they had (a
    restore gives back what was dumped); ``no_owner`` gives every object to ``role`` or ``user``."""
    if jobs != 1 and not archive:
        raise ValueError("pg_restore reads stdin with one job only")
    argv = [
        executable,
        *(
            ["--no-owner", f"--role={role or user}"]
            if no_owner
            else ([f"--role={role}"] if role else [])
        ),
        f"--username={user}",
        f"--dbname={database}",
        "--exit-on-error",
    ]
    if archive:
        argv += [*([f"--jobs={jobs}"] if jobs != 1 else []), archive]
    return argv


def temp_path_for(dest: str, token: str) -> str:
    """The temporary name of ``dest`` while it is written: hidden, same directory, never *.dump."""
    directory, name = os.path.split(dest)
    return os.path.join(directory, f".{name}{TEMP_MARKER}{token}")


def fsync_directory(path: str) -> None:
    """Make a rename in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of_file(path: str) -> tuple[str, int]:
    """sha256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK_SIZE)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _read_text(handle) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", "replace").strip()


def run_captured(
    children: ChildProcesses, argv: Sequence[str], cwd: Optional[str] = None
) -> tuple[int, str, str]:
    """Run a command with small output; return (rc, stdout, stderr) as text."""
    proc = children.start(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
    )
    out, err = proc.communicate()
    return (
        proc.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace").strip(),
    )


class _Feeder(threading.Thread):
    """Feeds chunks from a bounded queue into a process's stdin, so the dump never waits on the
    verifier longer than the queue allows and the two run on separate CPU cores."""

    def __init__(self, proc: subprocess.Popen) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.queue: queue.Queue = queue.Queue(maxsize=16)
        self.broken = False

    def run(self) -> None:
        while True:
            chunk = self.queue.get()
            if chunk is None:
                break
            if self.broken:
                continue
            try:
                self.proc.stdin.write(chunk)
            except (BrokenPipeError, OSError):
                self.broken = True
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            self.broken = True


class ChildProcesses:
    """Remembers started processes so an error or a signal can end them all."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen:
        proc = subprocess.Popen(list(argv), **kwargs)  # argv list, never a shell
        self.procs.append(proc)
        return proc

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def stream_to_file(
    children: ChildProcesses,
    producer_argv: Sequence[str],
    out_fd: int,
    reader_argv: Optional[Sequence[str]] = None,
    cwd: Optional[str] = None,
) -> StreamResult:
    """Run ``producer_argv``, write its stdout to ``out_fd``, hash it, and feed the same bytes to
    ``reader_argv`` (a verifier) at the same time. Returns once both processes have ended."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as reader_err:
        producer = children.start(
            producer_argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, cwd=cwd
        )
        feeder = None
        reader = None
        if reader_argv:
            reader = children.start(
                reader_argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=reader_err,
                cwd=cwd,
            )
            feeder = _Feeder(reader)
            feeder.start()
        with os.fdopen(os.dup(out_fd), "wb", buffering=0) as out:
            while True:
                chunk = producer.stdout.read(CHUNK_SIZE)
                if not chunk:
                    break
                if feeder is not None:
                    feeder.queue.put(chunk)
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        producer.stdout.close()
        rc = producer.wait()
        reader_rc = None
        if feeder is not None and reader is not None:
            feeder.queue.put(None)
            feeder.join()
            reader_rc = reader.wait()
        return StreamResult(
            digest.hexdigest(), size, rc, _read_text(err), reader_rc, _read_text(reader_err)
        )


def stream_from_file(
    children: ChildProcesses,
    path: str,
    reader_argv: Sequence[str],
    cwd: Optional[str] = None,
) -> StreamResult:
    """Feed the file at ``path`` into ``reader_argv``'s stdin, hashing it in the same pass."""
    digest = hashlib.sha256()
    size = 0
    broken = False
    with tempfile.TemporaryFile() as err:
        reader = children.start(
            reader_argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd
        )
        with open(path, "rb") as handle:
            while True:
                chunk = handle.read(CHUNK_SIZE)
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
                if not broken:
                    try:
                        reader.stdin.write(chunk)
                    except (BrokenPipeError, OSError):
                        broken = True  # keep hashing: the checksum is still reported
        with contextlib.suppress(BrokenPipeError, OSError):
            reader.stdin.close()
        rc = reader.wait()
        stderr = _read_text(err)
        return StreamResult(digest.hexdigest(), size, rc, stderr, rc, stderr)

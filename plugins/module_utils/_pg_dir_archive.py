# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: this is not a public API. It may change in any
# release, without a deprecation period. Do not import it from outside this collection.
#
# The directory format of pg_dump (-Fd -j N) for compose_pg_dump, pg_archive_verify and
# compose_pg_restore. pg_dump writes the directory INSIDE the database container (the server's own
# client); it travels between the container and the managed host as a tar stream through
# `docker compose exec -T SERVICE tar`, and every file is hashed in the same pass.
#
# A directory backup on the host is NAME.dir (0700) holding pg_dump's files (0600) and
# manifest.json: {"format": ..., "files": {name: {"sha256": ..., "size": ...}}}. The sha256 of the
# manifest file is the backup's sha256 (recorded in the role's metadata), so one checksum still
# covers every byte. Only plain file names are ever accepted (pg_dump writes toc.dat, NNNN.dat[.gz|
# .lz4|.zst], blobs*.toc, blob_NNNN.dat...): a tar member that is not a regular file, or whose name
# holds '/' or '..', is refused before anything is written.

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, NamedTuple, Optional

from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    CHUNK_SIZE,
    ArchiveError,
    ChildProcesses,
    compose_base_argv,
    compose_exec_argv,
    pg_restore_verify_argv,
    run_captured,
    signals_ignored,
)

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "accreditrack.ops pg_dump directory archive"
MANIFEST_VERSION = 1
CONTAINER_TEMP_PREFIX = ".accreditrack-ops-"
DIR_MODE = 0o700
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")

Wrap = Callable[[Sequence[str]], list]  # turns a container command into the argv that runs it


def compose_exec_wrap(params: Mapping, environment: Optional[dict[str, str]] = None) -> Wrap:
    """The Wrap of the modules' Compose options (``project_src``, ``project_name``, ``files``,
    ``env_files``, ``profiles``, ``docker_cli``, ``service``, default ``db``): ``docker compose ...
    exec -T SERVICE command``. ``environment`` goes into argv: never put a secret there."""
    base = compose_base_argv(
        params["project_src"],
        params.get("project_name"),
        params.get("files") or (),
        params.get("env_files") or (),
        params.get("docker_cli") or "docker",
        params.get("profiles") or (),
    )
    service = params.get("service") or "db"
    return lambda command: compose_exec_argv(base, service, command, environment)


class FileSum(NamedTuple):
    """sha256 and size of one file of a directory archive."""

    sha256: str
    size: int


def check_file_name(name: str) -> str:
    """Return ``name`` if it is a plain file name a directory archive may hold, else raise."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise ArchiveError(f"refused the entry {name!r}: not a plain file name")
    if name == MANIFEST_NAME:
        raise ArchiveError(f"refused the entry {name!r}: the name of the manifest is reserved")
    return name


def check_tar_member(member: tarfile.TarInfo) -> str:
    """The file name of a tar member that may be unpacked: a regular file with a plain name."""
    if not member.isreg():
        raise ArchiveError(
            f"refused the tar member {member.name!r}: not a regular file (type {member.type!r})"
        )
    return check_file_name(member.name)


def build_manifest(files: Mapping[str, FileSum]) -> bytes:
    """The manifest's bytes: deterministic (sorted keys), so equal directories hash equal."""
    body = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "files": {
            check_file_name(name): {"sha256": files[name].sha256, "size": files[name].size}
            for name in sorted(files)
        },
    }
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, FileSum]:
    """The files a manifest lists; raises ArchiveError on anything unexpected."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ArchiveError(f"the manifest is not valid JSON: {error}") from None
    if not isinstance(body, dict) or body.get("format") != MANIFEST_FORMAT:
        raise ArchiveError("the manifest is not a manifest of a directory archive")
    if body.get("version") != MANIFEST_VERSION:
        raise ArchiveError(f"unknown manifest version {body.get('version')!r}")
    files = body.get("files")
    if not isinstance(files, dict) or "toc.dat" not in files:
        raise ArchiveError("the manifest lists no toc.dat")
    parsed = {}
    for name, entry in files.items():
        check_file_name(name)
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        size = entry.get("size") if isinstance(entry, dict) else None
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise ArchiveError(f"the manifest's entry {name!r} has no valid sha256")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ArchiveError(f"the manifest's entry {name!r} has no valid size")
        parsed[name] = FileSum(sha, size)
    return parsed


def manifest_problems(expected: Mapping[str, FileSum], actual: Mapping[str, FileSum]) -> list[str]:
    """What differs between two listings (empty when they are equal), one phrase per file."""
    problems = [f"{name} is missing" for name in sorted(set(expected) - set(actual))]
    problems += [f"{name} is not in the manifest" for name in sorted(set(actual) - set(expected))]
    for name in sorted(set(expected) & set(actual)):
        want, got = expected[name], actual[name]
        if want.size != got.size:
            problems.append(f"{name} has {got.size} bytes, not {want.size}")
        elif want.sha256 != got.sha256:
            problems.append(f"{name} has sha256 {got.sha256}, not {want.sha256}")
    return problems


def parse_listing(text: str) -> dict[str, int]:
    """Parse ``find DIR -mindepth 1 -printf '%y %s %P\\n'``: {name: size}; only plain files."""
    sizes = {}
    for line in text.splitlines():
        kind, size, name = [*line.split(" ", 2), "", ""][:3]
        if kind != "f":
            raise ArchiveError(f"pg_dump's directory holds {name!r}, which is not a regular file")
        if not size.isdigit():
            raise ArchiveError(f"unexpected listing line {line!r}")
        sizes[check_file_name(name)] = int(size)
    if "toc.dat" not in sizes:
        raise ArchiveError("pg_dump's directory holds no toc.dat")
    return sizes


def parse_sha256sum(text: str, directory: str) -> dict[str, str]:
    """Parse ``sha256sum DIR/NAME...``: {name: sha256}."""
    sums = {}
    prefix = directory.rstrip("/") + "/"
    for line in text.splitlines():
        digest, path = [*line.split("  ", 1), ""][:2]
        if not _SHA256.match(digest) or not path.startswith(prefix):
            raise ArchiveError(f"unexpected sha256sum output: {line!r}")
        sums[check_file_name(path[len(prefix) :])] = digest
    return sums


# Commands run inside the container (pure argv builders).
def free_bytes_argv(directory: str) -> list[str]:
    return ["df", "--output=avail", "-B1", directory]


def parse_free_bytes(text: str) -> int:
    """The last line of ``df --output=avail -B1 DIR``."""
    try:
        return int(text.strip().splitlines()[-1].strip())
    except (IndexError, ValueError):
        raise ArchiveError(f"could not read the free space from df: {text.strip()!r}") from None


def database_size_argv(database: str, user: str) -> list[str]:
    return [
        "psql", "-X", "-A", "-t", f"--username={user}", f"--dbname={database}",
        "-c", "SELECT pg_database_size(current_database())",
    ]  # fmt: skip


def mktemp_argv(parent: str, purpose: str) -> list[str]:
    """A fresh directory (mode 0700) in ``parent``; the sweep knows the prefix."""
    return ["mktemp", "-d", "-p", parent, f"{CONTAINER_TEMP_PREFIX}{purpose}.XXXXXXXXXX"]


def listing_argv(directory: str) -> list[str]:
    return ["find", directory, "-mindepth", "1", "-printf", "%y %s %P\\n"]


def sha256sum_argv(directory: str, names: Iterable[str]) -> list[str]:
    return ["sha256sum", "--", *(f"{directory}/{name}" for name in names)]


def tar_out_argv(directory: str, names: Iterable[str]) -> list[str]:
    return ["tar", "-C", directory, "-cf", "-", "--", *names]


def tar_in_argv(directory: str) -> list[str]:
    return ["tar", "-C", directory, "-xf", "-"]


def remove_argv(directory: str) -> list[str]:
    return ["rm", "-rf", "--", directory]


# Host side: hashing, unpacking, packing, fsync.
def hash_files(directory: str, names: Iterable[str]) -> dict[str, FileSum]:
    """sha256 and size of each named file of ``directory``."""
    sums = {}
    for name in names:
        digest = hashlib.sha256()
        size = 0
        with open(os.path.join(directory, check_file_name(name)), "rb") as handle:
            for chunk in iter(lambda h=handle: h.read(CHUNK_SIZE), b""):
                digest.update(chunk)
                size += len(chunk)
        sums[name] = FileSum(digest.hexdigest(), size)
    return sums


def list_directory(path: str) -> list[str]:
    """The entries of a directory archive on the host; anything but a plain file is refused."""
    names = []
    with os.scandir(path) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                raise ArchiveError(f"{path} holds {entry.name!r}, which is not a regular file")
            if entry.name != MANIFEST_NAME:
                names.append(check_file_name(entry.name))
    return sorted(names)


def read_manifest(
    path: str, expected_sha256: Optional[str] = None
) -> tuple[str, dict[str, FileSum]]:
    """The sha256 of ``path``/manifest.json and the files it lists; raises ArchiveError when
    that sha256 differs from ``expected_sha256`` (when one is given)."""
    manifest = os.path.join(path, MANIFEST_NAME)
    try:
        with open(manifest, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ArchiveError(f"{path} has no readable {MANIFEST_NAME}: {error}") from None
    sha, files = hashlib.sha256(data).hexdigest(), parse_manifest(data)
    if expected_sha256 and expected_sha256 != sha:
        raise ArchiveError(
            f"{path}: the sha256 of its {MANIFEST_NAME} {sha} differs from the recorded "
            f"{expected_sha256}"
        )
    return sha, files


def check_directory(path: str, expected_sha256: Optional[str] = None) -> tuple[str, dict]:
    """Check a directory archive against its manifest (and the manifest against
    ``expected_sha256``) by hashing every file. Returns (manifest sha256, files)."""
    sha, files = read_manifest(path, expected_sha256)
    problems = manifest_problems(files, hash_files(path, list_directory(path)))
    if problems:
        raise ArchiveError(f"{path} does not match its manifest: {'; '.join(problems)}")
    return sha, files


def write_file(directory: str, name: str, data: bytes, mode: int) -> None:
    fd = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def unpack_tar_stream(stream: IO[bytes], directory: str, mode: int) -> dict[str, FileSum]:
    """Unpack a tar stream of plain files into ``directory``, hashing each file as it is written
    and fsyncing it. Refuses (ArchiveError) any other member before writing it. The directory's
    mtime is refreshed while it fills, so a sweep of orphans never takes it for one."""
    sums: dict[str, FileSum] = {}
    touched = time.monotonic()
    try:
        archive = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115 - closed below
    except tarfile.TarError as error:
        raise ArchiveError(f"the tar stream could not be read: {error}") from None
    with archive:
        try:
            for member in archive:
                name = check_tar_member(member)
                if name in sums:
                    raise ArchiveError(f"the tar stream holds {name!r} twice")
                source = archive.extractfile(member)
                digest = hashlib.sha256()
                size = 0
                fd = os.open(
                    os.path.join(directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode
                )
                try:
                    os.fchmod(fd, mode)
                    with os.fdopen(os.dup(fd), "wb", buffering=0) as out:
                        for chunk in iter(lambda s=source: s.read(CHUNK_SIZE), b""):
                            out.write(chunk)
                            digest.update(chunk)
                            size += len(chunk)
                            if time.monotonic() - touched > 1:
                                os.utime(directory)
                                touched = time.monotonic()
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if size != member.size:
                    raise ArchiveError(f"{name}: the tar stream ended after {size} bytes")
                sums[name] = FileSum(digest.hexdigest(), size)
        except tarfile.TarError as error:
            raise ArchiveError(f"the tar stream is damaged: {error}") from None
    return sums


class _HashingReader:
    """A file object that hashes what tarfile reads from it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def pack_tar_stream(directory: str, names: Iterable[str], out: IO[bytes]) -> dict[str, FileSum]:
    """Write the named plain files of ``directory`` as a tar stream to ``out`` (mode 0600 in the
    headers), hashing each file in the same pass."""
    sums = {}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT) as archive:
        for name in names:
            path = os.path.join(directory, check_file_name(name))
            with open(path, "rb") as handle:
                info = tarfile.TarInfo(name)
                info.size = os.fstat(handle.fileno()).st_size
                info.mode = 0o600
                info.mtime = int(time.time())
                reader = _HashingReader(handle)
                archive.addfile(info, reader)
                sums[name] = FileSum(reader.digest.hexdigest(), reader.size)
    return sums


# Moving a directory archive into the container (verify, restore).
def container_free_bytes(
    children: ChildProcesses, wrap: Wrap, directory: str, cwd: Optional[str]
) -> int:
    rc, out, err = run_captured(children, wrap(free_bytes_argv(directory)), cwd)
    if rc != 0:
        raise ArchiveError(f"could not measure the free space of {directory}: {err}")
    return parse_free_bytes(out)


def make_container_dir(
    children: ChildProcesses, wrap: Wrap, parent: str, purpose: str, cwd: Optional[str]
) -> str:
    rc, out, err = run_captured(children, wrap(mktemp_argv(parent, purpose)), cwd)
    path = out.strip()
    if rc != 0 or not path.startswith(parent.rstrip("/") + "/" + CONTAINER_TEMP_PREFIX):
        raise ArchiveError(f"could not create a temporary directory in {parent}: {err or out}")
    return path


def remove_container_dir(
    children: ChildProcesses, wrap: Wrap, path: str, cwd: Optional[str]
) -> Optional[str]:
    """Remove a temporary directory of the container; returns a warning when it stays."""
    try:
        rc, _out, err = run_captured(children, wrap(remove_argv(path)), cwd)
    except OSError as error:
        rc, err = -1, str(error)
    if rc != 0:
        return (
            f"the container's temporary directory {path} could not be removed ({err}); the "
            f"next directory-format backup sweeps it"
        )
    return None


def discard_container_dir(
    warn: Callable[[str], None], wrap: Wrap, path: Optional[str], cwd: Optional[str]
) -> None:
    """The ``finally`` of every use of a temporary directory of the container: remove ``path``
    (nothing to do while it is None), with the handled signals ignored so a second signal cannot
    cut the removal short, through fresh ChildProcesses (the caller's may have been killed). A
    directory that stays is passed to ``warn`` (``module.warn``), never raised."""
    if path is None:
        return
    with signals_ignored():
        warning = remove_container_dir(ChildProcesses(), wrap, path, cwd)
    if warning:
        warn(warning)


def copy_into_container(
    children: ChildProcesses,
    wrap: Wrap,
    path: str,
    files: Mapping[str, FileSum],
    target: str,
    cwd: Optional[str],
) -> None:
    """Stream the files of the directory archive ``path`` into the container's existing directory
    ``target`` (tar), hashing each file in the same pass; fails when a file differs from
    ``files`` (the manifest). Nothing reads ``target`` before this returns."""
    with tempfile.TemporaryFile() as err:
        proc = children.start(
            wrap(tar_in_argv(target)),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=cwd,
        )
        broken = None
        try:
            sums = pack_tar_stream(path, sorted(files), proc.stdin)
        except (BrokenPipeError, ConnectionResetError) as error:
            sums, broken = {}, error
        with contextlib.suppress(BrokenPipeError, OSError):
            proc.stdin.close()
        rc = proc.wait()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace").strip()
    if broken is not None or rc != 0:
        raise ArchiveError(f"copying {path} into the container failed (tar exit {rc}): {stderr}")
    problems = manifest_problems(files, sums)
    if problems:
        raise ArchiveError(f"{path} does not match its manifest: {'; '.join(problems)}")


def read_back(
    children: ChildProcesses,
    wrap: Wrap,
    archive: str,
    cwd: Optional[str],
    executable: str = "pg_restore",
) -> list[list[str]]:
    """``pg_restore --list`` then ``pg_restore --file=/dev/null`` of a directory archive (every
    data file read and decompressed). Returns the commands; raises ArchiveError on failure."""
    commands = [
        wrap(pg_restore_verify_argv(executable, archive, list_only=True)),
        wrap(pg_restore_verify_argv(executable, archive)),
    ]
    for argv in commands:
        rc, _out, err = run_captured(children, argv, cwd)
        if rc != 0:
            raise ArchiveError(
                f"the directory archive is not complete and readable (pg_restore exit {rc}): {err}"
            )
    return commands


def listing_problems(path: str, files: Mapping[str, FileSum]) -> list[str]:
    """Names and sizes of a directory archive on the host against its manifest (no hashing)."""
    actual = {}
    for name in list_directory(path):
        actual[name] = FileSum("", os.stat(os.path.join(path, name)).st_size)
    expected = {name: FileSum("", entry.size) for name, entry in files.items()}
    return manifest_problems(expected, actual)


def stage_in_container(
    children: ChildProcesses,
    wrap: Wrap,
    path: str,
    expected_sha256: Optional[str],
    parent: str,
    purpose: str,
    cwd: Optional[str],
) -> tuple[str, dict[str, FileSum], str]:
    """Check the directory archive ``path`` against its manifest (and the manifest against
    ``expected_sha256``), check the container's free space, and copy it into a fresh directory of
    the container, hashing every file on the way. Returns (manifest sha256, files, container
    directory); the caller removes the directory. Nothing in the container reads it before every
    file matched: a changed or missing file fails here."""
    sha, files = read_manifest(path, expected_sha256)
    problems = listing_problems(path, files)
    if problems:
        raise ArchiveError(f"{path} does not match its manifest: {'; '.join(problems)}")
    needed = sum(entry.size for entry in files.values())
    free = container_free_bytes(children, wrap, parent, cwd)
    if free < needed:
        raise ArchiveError(
            f"{parent} in the database container has {free} bytes free, but the archive needs "
            f"{needed}; free space there or choose another container_tmp_dir"
        )
    target = make_container_dir(children, wrap, parent, purpose, cwd)
    try:
        copy_into_container(children, wrap, path, files, target, cwd)
    except BaseException:
        children.kill_all()
        remove_container_dir(ChildProcesses(), wrap, target, cwd)
        raise
    return sha, files, target

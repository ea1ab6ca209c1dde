# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_pg_dir_archive: the directory format's pure parts (names, tar members, manifest, listings)
and its host-side tar unpacking/packing, with no Docker."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import stat
import tarfile
from collections.abc import Callable

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    ArchiveError,
    pg_dump_argv,
    pg_restore_argv,
    pg_restore_verify_argv,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_dir_archive import (
    MANIFEST_NAME,
    FileSum,
    build_manifest,
    check_directory,
    check_file_name,
    check_tar_member,
    compose_exec_wrap,
    discard_container_dir,
    listing_problems,
    manifest_problems,
    pack_tar_stream,
    parse_free_bytes,
    parse_listing,
    parse_manifest,
    parse_sha256sum,
    read_manifest,
    tar_out_argv,
    unpack_tar_stream,
)

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.mark.parametrize(
    "name",
    ["toc.dat", "3420.dat.gz", "3421.dat.lz4", "3422.dat.zst", "blobs_3423.toc", "blob_16385.dat"],
)
def test_plain_names_of_pg_dump_are_accepted(name):
    assert check_file_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param(".", id="dot"),
        pytest.param("..", id="dotdot"),
        pytest.param("../etc/passwd", id="parent-path"),
        pytest.param("a/b", id="slash"),
        pytest.param("/abs", id="absolute"),
        pytest.param("./toc.dat", id="dot-slash"),
        pytest.param(".hidden", id="hidden"),
        pytest.param("a..b", id="dotdot-inside"),
        pytest.param("toc.dat\n", id="newline"),
        pytest.param("x y", id="space"),
        pytest.param(MANIFEST_NAME, id="manifest-reserved"),
    ],
)
def test_other_names_are_refused(name):
    with pytest.raises(ArchiveError):
        check_file_name(name)


def member(name: str, kind: bytes = tarfile.REGTYPE, **attrs) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


@pytest.mark.parametrize(
    ("info", "message"),
    [
        pytest.param(
            member("toc.dat", tarfile.SYMTYPE, linkname="/etc"), "not a regular", id="symlink"
        ),
        pytest.param(
            member("toc.dat", tarfile.LNKTYPE, linkname="x"), "not a regular", id="hardlink"
        ),
        pytest.param(member("sub", tarfile.DIRTYPE), "not a regular", id="directory"),
        pytest.param(member("dev", tarfile.CHRTYPE), "not a regular", id="device"),
        pytest.param(member("fifo", tarfile.FIFOTYPE), "not a regular", id="fifo"),
        pytest.param(member("../x.dat"), "not a plain file name", id="parent"),
        pytest.param(member("sub/x.dat"), "not a plain file name", id="nested"),
        pytest.param(member("/x.dat"), "not a plain file name", id="absolute"),
    ],
)
def test_tar_members_that_are_refused(info, message):
    with pytest.raises(ArchiveError, match=message):
        check_tar_member(info)


def test_a_regular_member_is_accepted():
    assert check_tar_member(member("3420.dat.gz")) == "3420.dat.gz"


def test_manifest_round_trip_is_deterministic():
    files = {"toc.dat": FileSum(SHA_A, 10), "3420.dat.gz": FileSum(SHA_B, 0)}
    data = build_manifest(files)
    assert data == build_manifest(dict(reversed(list(files.items()))))
    assert parse_manifest(data) == files
    body = json.loads(data)
    assert list(body["files"]) == ["3420.dat.gz", "toc.dat"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"not json", "not valid JSON", id="not-json"),
        pytest.param(b"[]", "not a manifest", id="list"),
        pytest.param(
            json.dumps({"format": "x", "version": 1, "files": {}}),
            "not a manifest",
            id="other-format",
        ),
        pytest.param({"version": 2}, "unknown manifest version", id="version"),
        pytest.param({"files": {"x.dat": {"sha256": SHA_A, "size": 1}}}, "no toc.dat", id="no-toc"),
        pytest.param({"files": {"toc.dat": {"sha256": "xyz", "size": 1}}}, "sha256", id="bad-sha"),
        pytest.param({"files": {"toc.dat": {"sha256": SHA_A, "size": -1}}}, "size", id="neg-size"),
        pytest.param({"files": {"toc.dat": {"sha256": SHA_A, "size": True}}}, "size", id="bool"),
        pytest.param(
            {
                "files": {
                    "toc.dat": {"sha256": SHA_A, "size": 1},
                    "../x": {"sha256": SHA_A, "size": 1},
                }
            },
            "not a plain file name",
            id="path-in-manifest",
        ),
    ],
)
def test_bad_manifests_are_refused(body, message):
    if isinstance(body, dict):
        base = json.loads(build_manifest({"toc.dat": FileSum(SHA_A, 1)}))
        base.update(body)
        body = json.dumps(base)
    if isinstance(body, str):
        body = body.encode()
    with pytest.raises(ArchiveError, match=message):
        parse_manifest(body)


def test_manifest_problems_name_every_difference():
    expected = {
        "toc.dat": FileSum(SHA_A, 5),
        "1.dat.gz": FileSum(SHA_A, 7),
        "2.dat.gz": FileSum(SHA_A, 1),
    }
    actual = {
        "toc.dat": FileSum(SHA_B, 5),
        "1.dat.gz": FileSum(SHA_A, 3),
        "3.dat.gz": FileSum(SHA_A, 1),
    }
    assert manifest_problems(expected, actual) == [
        "2.dat.gz is missing",
        "3.dat.gz is not in the manifest",
        "1.dat.gz has 3 bytes, not 7",
        f"toc.dat has sha256 {SHA_B}, not {SHA_A}",
    ]
    assert manifest_problems(expected, dict(expected)) == []


def test_parse_listing_of_find():
    text = "f 1657 toc.dat\nf 4393641 3420.dat.gz\n"
    assert parse_listing(text) == {"toc.dat": 1657, "3420.dat.gz": 4393641}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("f 1 toc.dat\nd 4096 sub\n", "not a regular file", id="subdirectory"),
        pytest.param("f 1 toc.dat\nl 4 link\n", "not a regular file", id="symlink"),
        pytest.param("f 1 toc.dat\nf 2 sub/x.dat\n", "not a plain file name", id="nested"),
        pytest.param("f 1 x.dat\n", "no toc.dat", id="no-toc"),
        pytest.param("f 1 toc.dat\nf x 1.dat\n", "unexpected listing line", id="bad-size"),
        pytest.param("f 1 toc.dat\nf\n", "unexpected listing line", id="short-line"),
    ],
)
def test_parse_listing_refuses(text, message):
    with pytest.raises(ArchiveError, match=message):
        parse_listing(text)


def test_parse_sha256sum():
    text = f"{SHA_A}  /tmp/d/toc.dat\n{SHA_B}  /tmp/d/1.dat.gz\n"
    assert parse_sha256sum(text, "/tmp/d") == {"toc.dat": SHA_A, "1.dat.gz": SHA_B}
    with pytest.raises(ArchiveError):
        parse_sha256sum(f"{SHA_A}  /elsewhere/toc.dat\n", "/tmp/d")
    with pytest.raises(ArchiveError):
        parse_sha256sum(f"\\{SHA_A}  /tmp/d/a\\nb\n", "/tmp/d")


def test_parse_free_bytes():
    assert parse_free_bytes("      Avail\n80192237568\n") == 80192237568
    with pytest.raises(ArchiveError):
        parse_free_bytes("df: /x: No such file or directory\n")


def test_argv_builders():
    assert pg_dump_argv("app", "u", "lz4", fmt="directory", jobs=3, file="/tmp/d") == [
        "pg_dump", "--format=directory", "--jobs=3", "--file=/tmp/d", "--username=u",
        "--dbname=app", "--compress=lz4",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        pg_dump_argv("app", "u", jobs=2)
    with pytest.raises(ValueError):
        pg_dump_argv("app", "u", fmt="directory")
    assert pg_restore_argv("db", "u", jobs=2, archive="/tmp/d")[-2:] == ["--jobs=2", "/tmp/d"]
    with pytest.raises(ValueError):
        pg_restore_argv("db", "u", jobs=2)
    assert pg_restore_verify_argv(archive="/d", list_only=True) == [
        "pg_restore", "--list", "--file=/dev/null", "/d",
    ]  # fmt: skip
    assert tar_out_argv("/d", ["toc.dat"]) == ["tar", "-C", "/d", "-cf", "-", "--", "toc.dat"]


def test_compose_exec_wrap_of_the_modules_options():
    wrap = compose_exec_wrap({"project_src": "/srv/a", "project_name": None, "service": None})
    assert wrap(["pg_restore", "--list"]) == [
        "docker", "compose", "--project-directory", "/srv/a", "exec", "-T", "db",
        "pg_restore", "--list",
    ]  # fmt: skip
    params = {
        "project_src": "/srv/a", "project_name": "p", "files": ["a.yml", "b.yml"],
        "env_files": [".env"], "docker_cli": "/usr/bin/docker", "service": "postgres",
    }  # fmt: skip
    wrap = compose_exec_wrap(params, {"PGAPPNAME": "ops-1"})
    assert wrap(["true"]) == [
        "/usr/bin/docker", "compose", "--project-directory", "/srv/a", "--project-name", "p",
        "--file", "a.yml", "--file", "b.yml", "--env-file", ".env",
        "exec", "-T", "--env=PGAPPNAME=ops-1", "postgres", "true",
    ]  # fmt: skip


def tar_bytes(entries) -> bytes:
    """A tar stream of (TarInfo, data) pairs."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w|") as archive:
        for info, data in entries:
            info.size = len(data) if info.isreg() else 0
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def test_unpack_hashes_every_file_and_writes_0600(tmp_path):
    data = {"toc.dat": b"toc" * 1000, "3420.dat.gz": os.urandom(3 * 1024 * 1024 + 5)}
    stream = io.BytesIO(tar_bytes([(member(name), body) for name, body in data.items()]))
    sums = unpack_tar_stream(stream, str(tmp_path), 0o600)
    assert sums == {
        name: FileSum(hashlib.sha256(body).hexdigest(), len(body)) for name, body in data.items()
    }
    for name, body in data.items():
        assert (tmp_path / name).read_bytes() == body
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "info",
    [
        pytest.param(member("evil", tarfile.SYMTYPE, linkname="/etc/passwd"), id="symlink"),
        pytest.param(member("../evil.dat"), id="parent"),
        pytest.param(member("sub", tarfile.DIRTYPE), id="directory"),
    ],
)
def test_unpack_refuses_before_writing(tmp_path, info):
    stream = io.BytesIO(tar_bytes([(member("toc.dat"), b"t"), (info, b"x")]))
    with pytest.raises(ArchiveError, match="refused"):
        unpack_tar_stream(stream, str(tmp_path), 0o600)
    assert sorted(os.listdir(tmp_path)) == ["toc.dat"]
    assert not (tmp_path.parent / "evil.dat").exists()


def test_unpack_refuses_a_duplicate(tmp_path):
    stream = io.BytesIO(tar_bytes([(member("toc.dat"), b"a"), (member("toc.dat"), b"b")]))
    with pytest.raises(ArchiveError):
        unpack_tar_stream(stream, str(tmp_path), 0o600)


def test_unpack_fails_on_a_truncated_stream(tmp_path):
    whole = tar_bytes([(member("toc.dat"), os.urandom(100000))])
    with pytest.raises(ArchiveError):
        unpack_tar_stream(io.BytesIO(whole[:50000]), str(tmp_path), 0o600)


def make_archive(path, files: dict[str, bytes]) -> str:
    path.mkdir()
    sums = {}
    for name, body in files.items():
        (path / name).write_bytes(body)
        sums[name] = FileSum(hashlib.sha256(body).hexdigest(), len(body))
    manifest = build_manifest(sums)
    (path / MANIFEST_NAME).write_bytes(manifest)
    return hashlib.sha256(manifest).hexdigest()


def test_pack_then_unpack_round_trip(tmp_path):
    files = {"toc.dat": b"toc", "1.dat.gz": os.urandom(200000)}
    make_archive(tmp_path / "a", files)
    buffer = io.BytesIO()
    packed = pack_tar_stream(str(tmp_path / "a"), sorted(files), buffer)
    buffer.seek(0)
    (tmp_path / "b").mkdir()
    assert unpack_tar_stream(buffer, str(tmp_path / "b"), 0o600) == packed


def test_check_directory_accepts_an_intact_archive(tmp_path):
    sha = make_archive(tmp_path / "a.dir", {"toc.dat": b"toc", "1.dat.gz": b"data"})
    assert check_directory(str(tmp_path / "a.dir"), sha)[0] == sha
    assert read_manifest(str(tmp_path / "a.dir"))[0] == sha
    assert read_manifest(str(tmp_path / "a.dir"), sha)[0] == sha


def test_read_manifest_refuses_another_sha256(tmp_path):
    make_archive(tmp_path / "a.dir", {"toc.dat": b"toc"})
    with pytest.raises(
        ArchiveError, match=f"manifest.json [0-9a-f]{{64}} differs from the recorded {SHA_A}"
    ):
        read_manifest(str(tmp_path / "a.dir"), SHA_A)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(
            lambda d: (d / "1.dat.gz").write_bytes(b"dat"), "has 3 bytes, not 4", id="truncated"
        ),
        pytest.param(lambda d: (d / "1.dat.gz").write_bytes(b"DATA"), "has sha256", id="changed"),
        pytest.param(lambda d: (d / "1.dat.gz").unlink(), "1.dat.gz is missing", id="missing"),
        pytest.param(
            lambda d: (d / "2.dat.gz").write_bytes(b"x"), "not in the manifest", id="extra"
        ),
        pytest.param(lambda d: (d / "sub").mkdir(), "not a regular file", id="subdirectory"),
        pytest.param(
            lambda d: (d / "ln").symlink_to("/etc/passwd"), "not a regular file", id="symlink"
        ),
        pytest.param(
            lambda d: (d / MANIFEST_NAME).unlink(), "no readable manifest", id="no-manifest"
        ),
        pytest.param(
            lambda d: (d / MANIFEST_NAME).write_bytes((d / MANIFEST_NAME).read_bytes() + b" "),
            "differs from the recorded",
            id="manifest-changed",
        ),
    ],
)
def test_check_directory_fails_on_damage(tmp_path, damage, message):
    archive = tmp_path / "a.dir"
    sha = make_archive(archive, {"toc.dat": b"toc", "1.dat.gz": b"data"})
    damage(archive)
    with pytest.raises(ArchiveError, match=message):
        check_directory(str(archive), sha)


def test_listing_problems_need_no_hashing(tmp_path):
    archive = tmp_path / "a.dir"
    make_archive(archive, {"toc.dat": b"toc", "1.dat.gz": b"data"})
    files = read_manifest(str(archive))[1]
    assert listing_problems(str(archive), files) == []
    (archive / "1.dat.gz").write_bytes(b"DATA")  # same size: only the copy's hashing tells
    assert listing_problems(str(archive), files) == []
    (archive / "toc.dat").unlink()
    assert listing_problems(str(archive), files) == ["toc.dat is missing"]


def recording_wrap(command: list[str], calls: list) -> Callable[[list[str]], list[str]]:
    """A wrap that records each container command and the SIGTERM handler it ran under, and runs
    ``command`` on the host instead."""

    def wrap(argv):
        calls.append((list(argv), signal.getsignal(signal.SIGTERM)))
        return command

    return wrap


def test_discard_container_dir_removes_with_signals_ignored_and_no_warning():
    calls, warnings = [], []
    before = signal.getsignal(signal.SIGTERM)
    discard_container_dir(
        warnings.append, recording_wrap(["true"], calls), "/tmp/.x.restore.1", None
    )
    assert calls == [(["rm", "-rf", "--", "/tmp/.x.restore.1"], signal.SIG_IGN)]
    assert warnings == []
    assert signal.getsignal(signal.SIGTERM) == before  # the handlers are back


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["sh", "-c", "echo busy >&2; exit 1"], id="rm-fails"),
        pytest.param(["/nonexistent/docker"], id="oserror"),
    ],
)
def test_discard_container_dir_warns_when_the_directory_stays(command):
    calls, warnings = [], []
    discard_container_dir(warnings.append, recording_wrap(command, calls), "/tmp/.x.verify.1", None)
    assert len(calls) == 1 and len(warnings) == 1
    assert "/tmp/.x.verify.1 could not be removed" in warnings[0]
    assert "sweeps it" in warnings[0]


def test_discard_container_dir_without_a_directory_runs_nothing():
    calls, warnings = [], []
    discard_container_dir(warnings.append, recording_wrap(["false"], calls), None, None)
    assert calls == [] and warnings == []

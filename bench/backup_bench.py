#!/usr/bin/env python3
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: accreditrack.ops.compose_pg_dump against the runbook's bare pg_dump.

Brings up the example stack's db service as its own Compose project, fills it with pgbench data
(scale 70 is about 1.05 GB), then, in the same run and alternating, measures

* bare:   ``docker compose exec -T db pg_dump -Fc -U USER DB > FILE``
* direct: the module compose_pg_dump run as Ansible runs it on the managed host (temp file, sha256
  while streaming, the whole archive read back by pg_restore, re-hash, fsync, rename)
* not_niced: the same with ``verify_niceness: 0`` (the read-back not under ``nice``)
* ansible: the same through ``ansible localhost -m accreditrack.ops.compose_pg_dump`` (adds the
  controller's start-up, a fixed cost of about a second that any task pays)

and prints each time and the ratio module/bare (goal: <= 1.10). The order alternates per round.
Then the directory format with 2 jobs, alternating too (``--no-directory`` skips it):

* bare_dir:   ``docker compose exec -T db pg_dump -Fd -j 2 -f DIR``
              + ``docker compose cp db:DIR HOSTDIR`` (+ ``rm -rf DIR`` in the container)
* module_dir: compose_pg_dump with ``format: directory, jobs: 2`` run as Ansible runs it (free-space
  check, dump in the container, read back there while tar streams it out, sha256 of every file on
  both sides, manifest, fsync, rename)
Everything is removed afterwards (containers, volume, archives) unless --keep is given.

Run from the repository root after ``source scripts/lib.sh``:
    python3 bench/backup_bench.py [--scale 70] [--rounds 2] [--no-directory]
(``--scale 1 --rounds 1`` checks that it works in a minute.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = "ats_bench_backup"


def compose(env_file: str, *args: str) -> list[str]:
    return [
        "docker", "compose", "--project-directory", os.path.join(ROOT, "example"),
        "--project-name", PROJECT, "--env-file", env_file, *args,
    ]  # fmt: skip


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, **kwargs)


def env_value(env_file: str, name: str) -> str:
    with open(env_file, encoding="utf-8") as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").partition("=")
            if key == name:
                return value
    raise KeyError(name)


COMPRESSION: list[str] = []  # set once from --compression, e.g. ["--compress=lz4"]


def bare_dump(env_file: str, user: str, db: str, dest: str) -> float:
    start = time.monotonic()
    argv = compose(
        env_file, "exec", "-T", "db", "pg_dump", "-Fc", *COMPRESSION, "-U", user, "-d", db
    )
    with open(dest, "wb") as out:
        run(argv, stdout=out)
    return time.monotonic() - start


def bare_dir_dump(env_file: str, user: str, db: str, dest: str) -> float:
    inside = f"/tmp/bench_dir_{os.getpid()}"
    start = time.monotonic()
    run(compose(env_file, "exec", "-T", "db", "pg_dump", "-Fd", "-j", "2", *COMPRESSION,
                "-U", user, "-d", db, "-f", inside))  # fmt: skip
    run(compose(env_file, "cp", f"db:{inside}", dest), capture_output=True)
    run(compose(env_file, "exec", "-T", "db", "rm", "-rf", inside))
    return time.monotonic() - start


def module_dump(env_file: str, user: str, db: str, dest: str) -> tuple[float, dict]:
    args = {
        "project_src": os.path.join(ROOT, "example"),
        "project_name": PROJECT,
        "env_files": [env_file],
        "database": db,
        "user": user,
        "dest": dest,
    }
    if COMPRESSION:
        args["compression"] = COMPRESSION[0].split("=", 1)[1]
    argv = [
        "ansible", "localhost", "-i", "localhost,", "-c", "local", "-o",
        "-e", f"ansible_python_interpreter={sys.executable}",
        "-m", "accreditrack.ops.compose_pg_dump", "-a", json.dumps(args),
    ]  # fmt: skip
    start = time.monotonic()
    done = run(argv, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    result = json.loads(done.stdout.split("=>", 1)[1])
    return elapsed, result


def module_direct(
    env_file: str, user: str, db: str, dest: str, directory: bool = False, **options
) -> tuple[float, dict]:
    """The module's own work, without Ansible's controller (run as Ansible runs it on the host)."""
    args = {
        "ANSIBLE_MODULE_ARGS": {
            "project_src": os.path.join(ROOT, "example"),
            "project_name": PROJECT,
            "env_files": [env_file],
            "database": db,
            "user": user,
            "dest": dest,
            **({"format": "directory", "jobs": 2} if directory else {}),
            **options,
        }
    }
    if COMPRESSION:
        args["ANSIBLE_MODULE_ARGS"]["compression"] = COMPRESSION[0].split("=", 1)[1]
    args_file = dest + ".args.json"
    with open(args_file, "w", encoding="utf-8") as handle:
        json.dump(args, handle)
    module = os.path.join(ROOT, "plugins", "modules", "compose_pg_dump.py")
    start = time.monotonic()
    done = run([sys.executable, module, args_file], capture_output=True, text=True)
    elapsed = time.monotonic() - start
    os.unlink(args_file)
    return elapsed, json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 = about 1.05 GB)")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each, alternating")
    parser.add_argument("--keep", action="store_true", help="keep the stack and the archives")
    parser.add_argument("--compression", help="pg_dump --compress value for both, e.g. lz4")
    parser.add_argument(
        "--no-directory", action="store_true", help="skip the directory format (-Fd -j 2)"
    )
    opts = parser.parse_args()
    if opts.compression:
        COMPRESSION.append(f"--compress={opts.compression}")

    work = tempfile.mkdtemp(prefix="backup_bench.")
    os.chmod(work, 0o700)
    env_file = os.path.join(work, "stack.env")
    run([os.path.join(ROOT, "scripts", "example_env.sh"), env_file])
    user, db = env_value(env_file, "POSTGRES_USER"), env_value(env_file, "POSTGRES_DB")
    try:
        run(compose(env_file, "up", "-d", "--wait", "db"))
        print(f"[bench] pgbench -i -s {opts.scale} ...", flush=True)
        start = time.monotonic()
        run(
            compose(env_file, "exec", "-T", "db", "pgbench", "-i", "-q", "-s", str(opts.scale),
                    "-U", user, db),
            capture_output=True,
        )  # fmt: skip
        size = run(
            compose(env_file, "exec", "-T", "db", "psql", "-XAt", "-U", user, "-d", db, "-c",
                    "SELECT pg_database_size(current_database())"),
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        print(f"[bench] database size {int(size) / 1e9:.2f} GB "
              f"(generated in {time.monotonic() - start:.0f} s)", flush=True)  # fmt: skip

        names = ("bare", "direct", "not_niced", "ansible")
        times: dict[str, list[float]] = {name: [] for name in (*names, "read_back")}
        for i in range(opts.rounds):
            files = {name: os.path.join(work, f"{name}{i}.dump") for name in names}
            order = list(names) if i % 2 == 0 else list(reversed(names))
            for name in order:
                if name == "bare":
                    times[name].append(bare_dump(env_file, user, db, files[name]))
                    continue
                if name == "ansible":
                    elapsed, result = module_dump(env_file, user, db, files[name])
                else:  # not_niced: the read-back without nice (verify_niceness 0), for comparison
                    niceness = {"verify_niceness": 0} if name == "not_niced" else {}
                    elapsed, result = module_direct(env_file, user, db, files[name], **niceness)
                times[name].append(elapsed)
                assert result["verified"] == "stream" and len(result["sha256"]) == 64, result
            start = time.monotonic()
            with open(files["bare"], "rb") as archive:
                run(
                    compose(env_file, "exec", "-T", "db", "pg_restore", "--file=/dev/null"),
                    stdin=archive,
                )
            times["read_back"].append(time.monotonic() - start)
            sizes = {name: os.path.getsize(path) / 1e6 for name, path in files.items()}
            notes = ", ".join(
                f"{name} {times[name][-1]:.2f} s ({sizes[name]:.1f} MB)" for name in order
            )
            print(f"[bench] round {i + 1}: {notes}", flush=True)
            if not opts.keep:
                for path in files.values():
                    os.unlink(path)
        bare = statistics.median(times["bare"])
        direct = statistics.median(times["direct"])
        ansible = statistics.median(times["ansible"])
        not_niced = statistics.median(times["not_niced"])
        print(f"[bench] median bare `docker compose exec -T db pg_dump -Fc > file`: {bare:.2f} s")
        print(
            f"[bench] median compose_pg_dump (temp file, sha256, read-back, fsync): {direct:.2f} s"
        )
        print(
            f"[bench] median the same, read-back not niced (verify_niceness 0): {not_niced:.2f} s"
        )
        print(
            f"[bench] median the same through `ansible -m` (controller start-up): {ansible:.2f} s"
        )
        print(f"[bench] median pg_restore --file=/dev/null of the archive alone (sequential): "
              f"{statistics.median(times['read_back']):.2f} s")  # fmt: skip
        print(f"[bench] ratio module/bare {direct / bare:.3f} (goal <= 1.10); not niced "
              f"{not_niced / bare:.3f}; with Ansible's start-up {ansible / bare:.3f}")  # fmt: skip
        # Paired: each round's ratio against the bare dump of that round (drifts of a shared
        # machine cancel out), then the median of those.
        paired = {
            name: statistics.median(a / b for a, b in zip(times[name], times["bare"]))
            for name in ("direct", "not_niced", "ansible")
        }
        print(
            f"[bench] median of per-round ratios: module {paired['direct']:.3f}, not niced "
            f"{paired['not_niced']:.3f}, through ansible {paired['ansible']:.3f}"
        )
        # On a shared machine the fastest round of each is the least disturbed one.
        low = {name: min(values) for name, values in times.items()}
        print(
            f"[bench] fastest rounds: bare {low['bare']:.2f} s, module {low['direct']:.2f} s "
            f"(ratio {low['direct'] / low['bare']:.3f}), not niced {low['not_niced']:.2f} s "
            f"(ratio {low['not_niced'] / low['bare']:.3f}), through ansible {low['ansible']:.2f} s "
            f"(ratio {low['ansible'] / low['bare']:.3f})"
        )
        if not opts.no_directory:
            directory_rounds(opts, env_file, user, db, work)
        return 0
    finally:
        if not opts.keep:
            subprocess.run(compose(env_file, "down", "--volumes", "--remove-orphans"),
                           capture_output=True, check=False)  # fmt: skip
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"[bench] kept the project {PROJECT} and {work}")


def directory_rounds(opts, env_file: str, user: str, db: str, work: str) -> None:
    """The directory format with 2 jobs: module vs bare pg_dump -Fd -j 2 + docker compose cp."""
    times: dict[str, list[float]] = {"bare_dir": [], "module_dir": []}
    for i in range(opts.rounds):
        paths = {name: os.path.join(work, f"{name}{i}.dir") for name in times}
        order = ["bare_dir", "module_dir"] if i % 2 == 0 else ["module_dir", "bare_dir"]
        for name in order:
            if name == "bare_dir":
                times[name].append(bare_dir_dump(env_file, user, db, paths[name]))
                continue
            elapsed, result = module_direct(env_file, user, db, paths[name], directory=True)
            times[name].append(elapsed)
            assert result.get("format") == "directory" and len(result["sha256"]) == 64, result
        size = sum(
            os.path.getsize(os.path.join(paths["bare_dir"], name))
            for name in os.listdir(paths["bare_dir"])
        )
        notes = ", ".join(f"{name} {times[name][-1]:.2f} s" for name in order)
        print(f"[bench] directory round {i + 1}: {notes} ({size / 1e6:.1f} MB)", flush=True)
        if not opts.keep:
            for path in paths.values():
                shutil.rmtree(path)
    bare = statistics.median(times["bare_dir"])
    module = statistics.median(times["module_dir"])
    print(f"[bench] median bare `pg_dump -Fd -j 2 -f dir` + `docker compose cp`: {bare:.2f} s")
    print(f"[bench] median compose_pg_dump format=directory jobs=2: {module:.2f} s")
    low_bare, low_module = min(times["bare_dir"]), min(times["module_dir"])
    print(
        f"[bench] directory ratio module/bare {module / bare:.3f} (goal <= 1.10); fastest "
        f"rounds {low_module:.2f} s / {low_bare:.2f} s = {low_module / low_bare:.3f}"
    )


if __name__ == "__main__":
    sys.exit(main())

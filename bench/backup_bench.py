#!/usr/bin/env python3
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: accreditrack.ops.compose_pg_dump against the runbook's bare pg_dump.

Brings up the example stack's db service as its own Compose project, fills it with pgbench data
(scale 70 is about 1.05 GB), then, in the same run and alternating, measures

* bare:   ``docker compose exec -T db pg_dump -Fc -U USER DB > FILE``
* module: ``ansible localhost -m accreditrack.ops.compose_pg_dump`` (temp file, sha256 while
  streaming, the whole archive read back by pg_restore, fsync, rename; Ansible's own start-up
  included)

and prints each time and the ratio module/bare (goal: <= 1.10). Everything is removed afterwards
(containers, volume, archives) unless --keep is given.

Run from the repository root after ``source scripts/lib.sh``:
    python3 bench/backup_bench.py [--scale 70] [--rounds 2]
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


def bare_dump(env_file: str, user: str, db: str, dest: str) -> float:
    start = time.monotonic()
    with open(dest, "wb") as out:
        run(
            compose(env_file, "exec", "-T", "db", "pg_dump", "-Fc", "-U", user, "-d", db),
            stdout=out,
        )
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 = about 1.05 GB)")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each, alternating")
    parser.add_argument("--keep", action="store_true", help="keep the stack and the archives")
    opts = parser.parse_args()

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

        bare_times, module_times, inner_times = [], [], []
        for i in range(opts.rounds):
            bare_file = os.path.join(work, f"bare{i}.dump")
            module_file = os.path.join(work, f"module{i}.dump")
            bare_times.append(bare_dump(env_file, user, db, bare_file))
            elapsed, result = module_dump(env_file, user, db, module_file)
            module_times.append(elapsed)
            inner_times.append(result["duration"])
            print(
                f"[bench] round {i + 1}: bare {bare_times[-1]:.2f} s "
                f"({os.path.getsize(bare_file) / 1e6:.1f} MB), module {elapsed:.2f} s "
                f"(inside the module {result['duration']:.2f} s, {result['size'] / 1e6:.1f} MB, "
                f"verified={result['verified']}, sha256={result['sha256'][:12]}...)",
                flush=True,
            )
            if not opts.keep:
                os.unlink(bare_file)
                os.unlink(module_file)
        bare, module = statistics.median(bare_times), statistics.median(module_times)
        inner = statistics.median(inner_times)
        print(f"[bench] median bare pg_dump -Fc > file: {bare:.2f} s")
        print(f"[bench] median compose_pg_dump (verify, sha256, Ansible start-up): {module:.2f} s")
        print(f"[bench] ratio {module / bare:.3f} (goal <= 1.10); module alone {inner / bare:.3f}")
        return 0
    finally:
        if not opts.keep:
            subprocess.run(compose(env_file, "down", "--volumes", "--remove-orphans"),
                           capture_output=True, check=False)  # fmt: skip
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"[bench] kept the project {PROJECT} and {work}")


if __name__ == "__main__":
    sys.exit(main())

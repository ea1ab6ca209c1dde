#!/usr/bin/env python3
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the playbook accreditrack.ops.update against the runbook's bare commands.

Brings the example stack up at v1 as its own Compose project (``ats_bench_update``), then:

* no-op: ``docker compose run --rm backend python config/manage.py migrate`` and
  ``docker compose up -d`` vs ``ansible-playbook accreditrack.ops.update -e release=v1``
  (nothing pending, same release)
* pending: ``pg_dump`` + ``migrate`` + ``up -d`` of v2, in sequence, vs the update v1 -> v2
  (preflight, rollback point, lock check, verified backup, migrate, restart, health check);
  the database is migrated back to v1 between the two
* review: the pending update again with ``migrate_safety=off``, vs the pending update above (the
  migration safety review's cost: one Django start in the running backend, ``compose exec``)
* failure: the update v2 -> v3 (0005 fails halfway): the time from the failed migration to v2
  healthy again (the report's restart + rollback phases), vs the manual recovery with the bare
  commands (``migrate accounts 0003`` with the v3 code, ``up -d --wait`` of v2)

and prints each time, the ratio playbook/bare and the playbook's task count (the goals of issue
12: no-op <= 2.0x and 25 tasks, pending <= 2.0x and 60 tasks, failure <= 2.0x). Everything is
removed afterwards unless --keep is given.

Run from the repository root after ``source scripts/lib.sh``:
    python3 bench/update_bench.py [--rounds 1]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = "ats_bench_update"
PORT = "18078"


def compose(env_file: str, *args: str) -> list[str]:
    return [
        "docker", "compose", "--project-directory", os.path.join(ROOT, "example"),
        "--project-name", PROJECT, "--env-file", env_file, *args,
    ]  # fmt: skip


def run(argv: list[str], release: str | None = None, check: bool = True, **kwargs):
    env = dict(os.environ)
    if release:
        env["BACKEND_RELEASE"] = release
    return subprocess.run(argv, check=check, env=env, **kwargs)


def timed(steps: list[tuple[list[str], str | None]], **kwargs) -> float:
    start = time.monotonic()
    for argv, release in steps:
        run(argv, release, **kwargs)
    return time.monotonic() - start


def env_value(env_file: str, name: str) -> str:
    with open(env_file, encoding="utf-8") as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").partition("=")
            if key == name:
                return value
    raise KeyError(name)


def manage(env_file: str, *args: str) -> list[str]:
    return compose(env_file, "run", "--rm", "backend", "python", "config/manage.py", *args)


def playbook(
    work: str, env_file: str, name: str, release: str, **options
) -> tuple[float, int, dict]:
    """Run accreditrack.ops.NAME (OPTIONS: more variables); return (seconds, exit code, the report
    it printed)."""
    extra = {
        "target": "localhost",
        "project_src": os.path.join(ROOT, "example"),
        "project_name": PROJECT,
        "env_files": [env_file],
        "pull": "never",
        "build": "never",
        "health_path": "/health/",
        "state_dir": os.path.join(work, "state"),
        "backup_dir": os.path.join(work, "backups"),
        "release": release,
        **options,
    }
    argv = [
        "ansible-playbook", "-i", "localhost,", "-c", "local",
        "-e", f"ansible_python_interpreter={sys.executable}", "-e", json.dumps(extra),
        f"accreditrack.ops.{name}",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = run(argv, check=False, capture_output=True, text=True)
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reports = sorted(glob.glob(os.path.join(work, "state", "reports", PROJECT, "*.json")))
    printed = [path for path in reports if path in result.stdout]
    report = {}
    if printed:
        with open(printed[-1], encoding="utf-8") as handle:
            report = json.load(handle)
    report["_tasks"] = recap_tasks(result.stdout)
    # user+sys CPU seconds of ansible-playbook and everything it started on this host (with -c local
    # the modules and the docker CLI too; not dockerd, not the containers).
    report["_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 2) or not report:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-2000:])
        raise SystemExit(f"{name} {release}: exit {result.returncode}, no report")
    return seconds, result.returncode, report


def recap_tasks(stdout: str) -> int:
    """Tasks a run went through: its PLAY RECAP's ok + failed + skipped + unreachable, all hosts."""
    total = 0
    for line in stdout.splitlines():
        counts = dict(re.findall(r"\b(ok|failed|skipped|unreachable)=(\d+)", line))
        if len(counts) == 4 and " : " in line:
            total += sum(int(n) for n in counts.values())
    return total


def ansible_floor(work: str) -> float:
    """ansible-playbook with as many plays as the update playbook and no task: what Ansible's
    start-up and its plays cost before any work, the part of the ratio no playbook can avoid."""
    path = os.path.join(work, "floor.yml")
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(5):
            handle.write(f"- name: Play {number}\n  hosts: localhost\n  gather_facts: false\n"
                         "  tasks: []\n")  # fmt: skip
    argv = [
        "ansible-playbook", "-i", "localhost,", "-c", "local",
        "-e", f"ansible_python_interpreter={sys.executable}", path,
    ]  # fmt: skip
    start = time.monotonic()
    run(argv, capture_output=True)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the stack and the files")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="update_bench.")
    env_file = os.path.join(work, "stack.env")
    script = os.path.join(ROOT, "scripts", "example_env.sh")
    subprocess.run([script, env_file], check=True, env=dict(os.environ, BACKEND_PORT=PORT))
    user, db = env_value(env_file, "POSTGRES_USER"), env_value(env_file, "POSTGRES_DB")
    # review: (the pending update with migrate_safety=off, the same with the default warn)
    results: dict[str, list[tuple[float, float]]] = {
        "no-op": [],
        "pending": [],
        "review": [],
        "failure": [],
    }
    tasks: dict[str, list[int]] = {case: [] for case in results}
    cpu: list[float] = []
    outcomes: list[str] = []
    floors: list[float] = []
    try:
        run(compose(env_file, "up", "-d", "--wait", "db"), "v1")
        run(manage(env_file, "migrate", "--noinput"), "v1", capture_output=True)
        run(compose(env_file, "up", "-d", "--wait"), "v1")
        for _ in range(args.rounds):
            # no-op: the stack runs v1 with everything applied
            bare = timed(
                [(manage(env_file, "migrate"), "v1"), (compose(env_file, "up", "-d"), "v1")],
                capture_output=True,
            )
            seconds, rc, report = playbook(work, env_file, "update", "v1")
            assert rc == 0 and report["migrations"]["status"] == "nothing_pending", report
            outcomes.append(report["outcome"])
            results["no-op"].append((bare, seconds))
            tasks["no-op"].append(report["_tasks"])
            cpu.append(report["_cpu"])
            floors.append(ansible_floor(work))

            # pending: v1 -> v2, the bare way, then back to v1, then the playbook
            dump = os.path.join(work, "bare.dump")
            start = time.monotonic()
            with open(dump, "wb") as out:
                run(compose(env_file, "exec", "-T", "db", "pg_dump", "-Fc", "-U", user, "-d", db),
                    stdout=out)  # fmt: skip
            dumped = time.monotonic() - start
            bare = dumped + timed(
                [(manage(env_file, "migrate"), "v2"), (compose(env_file, "up", "-d"), "v2")],
                capture_output=True,
            )
            run(manage(env_file, "migrate", "accounts", "0001"), "v2", capture_output=True)
            run(compose(env_file, "up", "-d", "--wait"), "v1", capture_output=True)
            seconds, rc, report = playbook(work, env_file, "update", "v2")
            assert rc == 0 and report["outcome"] == "success", report["outcome"]
            results["pending"].append((bare, seconds))
            tasks["pending"].append(report["_tasks"])

            # the migration safety review's cost: the same update with migrate_safety=off
            run(manage(env_file, "migrate", "accounts", "0001"), "v2", capture_output=True)
            run(compose(env_file, "up", "-d", "--wait"), "v1", capture_output=True)
            off, rc, report_off = playbook(work, env_file, "update", "v2", migrate_safety="off")
            assert rc == 0 and report_off["migrations"]["review"] is None, report_off["outcome"]
            results["review"].append((off, seconds))
            tasks["review"].append(report_off["_tasks"])

            # failure: v2 -> v3 fails in 0005; the playbook rolls back to v2 and checks its health
            seconds, rc, report = playbook(work, env_file, "update", "v3")
            assert rc != 0 and report["outcome"] == "rolled_back", report["outcome"]
            recovery = report["durations"]["restarted"] + report["durations"]["rolled_back"]
            run(manage(env_file, "migrate"), "v3", check=False, capture_output=True)  # fails again
            bare = timed(
                [
                    (manage(env_file, "migrate", "accounts", "0003"), "v3"),
                    (compose(env_file, "up", "-d", "--wait"), "v2"),
                ],
                capture_output=True,
            )
            results["failure"].append((bare, recovery))
            tasks["failure"].append(report["_tasks"])
            # back to v1 for the next round
            run(manage(env_file, "migrate", "accounts", "0001"), "v2", capture_output=True)
            run(compose(env_file, "up", "-d", "--wait"), "v1", capture_output=True)
    finally:
        if not args.keep:
            run(compose(env_file, "down", "--volumes", "--remove-orphans"), check=False,
                capture_output=True)  # fmt: skip
            shutil.rmtree(work, ignore_errors=True)

    # Issue 12's goals: ratio and tasks (the recap's ok + failed + skipped + unreachable).
    goals = {
        "no-op": "2.0x, 25 tasks",
        "pending": "2.0x, 60 tasks",
        "review": "-",
        "failure": "2.0x",
    }
    print(f"{'case':<10}{'bare':>8}{'playbook':>10}{'ratio':>8}{'tasks':>7}  goal")
    for case, pairs in results.items():
        bare = statistics.median(p[0] for p in pairs)
        mine = statistics.median(p[1] for p in pairs)
        count = statistics.median(tasks[case]) if tasks[case] else 0
        print(
            f"{case:<10}{bare:>8.2f}{mine:>10.2f}{mine / bare:>7.2f}x{count:>7.0f}  {goals[case]}"
        )
    floor = statistics.median(floors)
    noop_bare = statistics.median(p[0] for p in results["no-op"])
    noop = statistics.median(p[1] for p in results["no-op"])
    beyond = (noop - floor) / noop_bare
    print(f"ansible-playbook alone (5 plays, no task): {floor:.2f} s = {floor / noop_bare:.2f}x "
          f"the bare no-op; the no-op's work beyond it: {beyond:.2f}x")  # fmt: skip
    print(f"no-op: the playbook's outcomes {outcomes} (no_change = not even a container recreated)")
    print(f"no-op: controller CPU (user+sys of ansible-playbook and its children on this host) "
          f"median {statistics.median(cpu):.2f} s")  # fmt: skip
    print("failure: playbook = the report's restart + rollback phases (failed migration -> v2 up);")
    print("         bare = migrate accounts 0003 with the v3 code, then up -d --wait of v2")
    print("tasks: the median of the playbook's PLAY RECAP ok + failed + skipped + unreachable")
    print("       (review: of the run with migrate_safety=off; failure: the whole failed update)")
    print("review: bare = the pending update with migrate_safety=off; playbook = the same with the")
    print("        review (default warn: one Django start in the running backend)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark: accreditrack.ops.django_migrate against the runbook's bare migrate command.

In one run, on the example stack (its own compose project), it times
  - baseline: ``docker compose run --rm backend python config/manage.py migrate``
  - ours:     the django_migrate module, executed the way Ansible executes it (the module file
              with a JSON arguments file), i.e. everything the module does on the managed host;
              and, for transparency, the whole ad-hoc Ansible task (adds Ansible's fixed cost),
for a no-op (nothing pending) and for pending migrations (release v2 on a v1 database: accounts
0002 + 0003), and prints the medians and the ratios. Goals: no-op <= 1.2x, pending <= 1.5x.

Usage: source scripts/lib.sh && python bench/migrate_bench.py [--runs N]
Needs the example images (scripts/build_example_images.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_SRC = ROOT / "example"
PROJECT = "ats_bench_migrate"
MODULE = ROOT / "plugins" / "modules" / "django_migrate.py"


def compose(env_file: Path, *args: str, release: str = "v1", check: bool = True):
    argv = [
        "docker",
        "compose",
        "--project-directory",
        str(PROJECT_SRC),
        "-p",
        PROJECT,
        "--env-file",
        str(env_file),
        *args,
    ]
    env = {**os.environ, "BACKEND_RELEASE": release}
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=check)


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {argv}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def module_argv(args_file: Path) -> list[str]:
    return [sys.executable, str(MODULE), str(args_file)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="migrate-bench-"))
    env_file = tmp / "stack.env"
    subprocess.run([str(ROOT / "scripts" / "example_env.sh"), str(env_file)], check=True)
    args_file = tmp / "args.json"
    args_file.write_text(
        json.dumps(
            {
                "ANSIBLE_MODULE_ARGS": {
                    "project_src": str(PROJECT_SRC),
                    "project_name": PROJECT,
                    "env_files": [str(env_file)],
                }
            }
        )
    )
    base_env = dict(os.environ)
    bare = [
        "docker",
        "compose",
        "--project-directory",
        str(PROJECT_SRC),
        "-p",
        PROJECT,
        "--env-file",
        str(env_file),
        "run",
        "--rm",
        "backend",
        "python",
        "config/manage.py",
        "migrate",
    ]
    adhoc = [
        "ansible",
        "localhost",
        "-c",
        "local",
        "-i",
        "localhost,",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        "-m",
        "accreditrack.ops.django_migrate",
        "-a",
        json.dumps(
            {"project_src": str(PROJECT_SRC), "project_name": PROJECT, "env_files": [str(env_file)]}
        ),
    ]
    results: dict[str, dict[str, list[float]]] = {}
    try:
        compose(env_file, "up", "-d", "--wait", "db")
        compose(env_file, "run", "--rm", "-T", "backend", "python", "config/manage.py", "migrate")
        for case, release in (("no-op", "v1"), ("pending", "v2")):
            env = {**base_env, "BACKEND_RELEASE": release}
            times: dict[str, list[float]] = {"bare": [], "module": [], "ansible task": []}
            for _ in range(opts.runs):
                for name, argv in (
                    ("bare", bare),
                    ("module", module_argv(args_file)),
                    ("ansible task", adhoc),
                ):
                    if case == "pending":  # back to the v1 state, with the v2 code (not timed)
                        compose(
                            env_file,
                            "run",
                            "--rm",
                            "-T",
                            "backend",
                            "python",
                            "config/manage.py",
                            "migrate",
                            "accounts",
                            "0001",
                            release="v2",
                        )
                    times[name].append(timed(argv, env))
            results[case] = times
    finally:
        compose(env_file, "down", "-v", "--remove-orphans", check=False)

    print(
        f"django_migrate vs bare `docker compose run --rm backend python config/manage.py "
        f"migrate` (median of {opts.runs} runs, seconds)"
    )
    print(
        f"{'case':<10}{'bare':>8}{'module':>9}{'ratio':>8}{'goal':>7}"
        f"{'ansible task':>15}{'ratio':>8}"
    )
    for case, goal in (("no-op", 1.2), ("pending", 1.5)):
        t = {k: statistics.median(v) for k, v in results[case].items()}
        print(
            f"{case:<10}{t['bare']:>8.2f}{t['module']:>9.2f}{t['module'] / t['bare']:>7.2f}x"
            f"{goal:>6.1f}x{t['ansible task']:>15.2f}{t['ansible task'] / t['bare']:>7.2f}x"
        )


if __name__ == "__main__":
    main()

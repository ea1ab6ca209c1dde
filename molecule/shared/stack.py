"""Helpers for the testinfra verifiers: address the scenario's own example stack.

Every scenario runs its own compose project (``ats_<scenario>``) with its own env file, written by
``shared/prepare_stack.yml`` into the scenario's ephemeral directory.
"""

from __future__ import annotations

import glob
import json
import os
import shlex

ROOT = os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.getcwd())
SCENARIO = os.environ.get("MOLECULE_SCENARIO_NAME", "default")
PROJECT = f"ats_{SCENARIO}"
WORK = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")
ENV_FILE = os.path.join(WORK, "stack.env")
RESULTS = os.path.join(WORK, "results")  # what a scenario's converge recorded, as JSON files
PROJECT_SRC = os.path.join(ROOT, "example")
V2_ACCOUNTS = [
    "accounts.0001_initial",
    "accounts.0002_contact_email_accreditationreview",
    "accounts.0003_populate_contact_email",
]  # django_migrations of app accounts at release v2, in order


def env_value(name: str) -> str:
    """Return a value from the scenario's env file."""
    with open(ENV_FILE, encoding="utf-8") as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").partition("=")
            if key == name:
                return value
    raise KeyError(name)


def compose_argv(*args: str) -> list[str]:
    """Return the argv of a ``docker compose`` command for the scenario's project."""
    return [
        "docker",
        "compose",
        "--project-directory",
        PROJECT_SRC,
        "-p",
        PROJECT,
        "--env-file",
        ENV_FILE,
        *args,
    ]


def compose(host, *args: str):
    """Run ``docker compose ARGS`` for the scenario's project through testinfra."""
    return host.run(shlex.join(compose_argv(*args)))


def psql(host, sql: str) -> list[str]:
    """Run SQL in the db container as the app's user; return the rows (fields joined by ``|``)."""
    result = compose(
        host,
        "exec",
        "-T",
        "db",
        "psql",
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "-At",
        "-U",
        env_value("POSTGRES_USER"),
        "-d",
        env_value("POSTGRES_DB"),
        "-c",
        sql,
    )
    assert result.rc == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def applied_migrations(host) -> list[str]:
    """Return ``app.name`` of every row in django_migrations, in id order."""
    return psql(host, "SELECT app || '.' || name FROM django_migrations ORDER BY id")


def container_states(host) -> dict[str, dict]:
    """Return ``{service: {"State": ..., "Health": ...}}`` from ``docker compose ps``."""
    result = compose(host, "ps", "--all", "--format", "json")
    assert result.rc == 0, result.stderr
    text = result.stdout.strip()
    rows = json.loads(text) if text.startswith("[") else [json.loads(x) for x in text.splitlines()]
    return {row["Service"]: row for row in rows}


_HTTP_GET = """
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
        print(response.status); print(response.read().decode())
except urllib.error.HTTPError as error:
    print(error.code); print(error.read().decode())
"""


def http_get(host, url: str) -> tuple[int, str]:
    """GET ``url`` from the managed host; return (status, body). Fails on connection errors."""
    result = host.run(shlex.join(["python3", "-c", _HTTP_GET, url]))
    assert result.rc == 0, result.stderr
    status, _, body = result.stdout.partition("\n")
    return int(status), body


def load(name: str) -> dict:
    """Return the JSON file ``name`` of the scenario's results directory."""
    with open(os.path.join(RESULTS, name), encoding="utf-8") as handle:
        return json.load(handle)


def accounts(snapshot: dict) -> list[str]:
    """The migrations of app accounts in a snapshot's ``migrations`` (``app.name``, in order)."""
    return [m for m in snapshot["migrations"] if m.startswith("accounts.")]


def reports() -> list[dict]:
    """Every run report of the scenario's project (``state_dir`` is ``WORK/state``), oldest
    first, each with its path under ``_path``."""
    paths = sorted(glob.glob(os.path.join(WORK, "state", "reports", PROJECT, "*.json")))
    result = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            result.append(json.load(handle) | {"_path": path})
    return result


def report_of(run: str) -> dict:
    """The report whose path the run ``run`` (results/RUN.run.json) printed."""
    output = load(f"{run}.run.json")["stdout"]
    matches = [r for r in reports() if r["_path"] in output]
    assert len(matches) == 1, output[-2000:]
    return matches[0]

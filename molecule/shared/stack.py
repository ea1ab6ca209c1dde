"""Helpers for the testinfra verifiers: address the scenario's own example stack.

Every scenario runs its own compose project (``ats_<scenario>``) with its own env file, written by
``shared/prepare_stack.yml`` into the scenario's ephemeral directory.
"""

from __future__ import annotations

import json
import os
import shlex

ROOT = os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.getcwd())
SCENARIO = os.environ.get("MOLECULE_SCENARIO_NAME", "default")
PROJECT = f"ats_{SCENARIO}"
ENV_FILE = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"), "stack.env")
PROJECT_SRC = os.path.join(ROOT, "example")


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

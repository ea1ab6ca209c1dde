# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# How a module of this collection runs Django's manage.py: one shared option spec
# (runner_argument_spec(), documented by the doc fragment accreditrack.ops.django_runner) and pure
# functions that turn those options into an argv list and an environment. Nothing here runs a
# process; modules call module.run_command(argv, environ_update=env, cwd=cwd).
#
# Secrets: the values of the `environment` option never enter argv. The compose runners pass
# `-e NAME` only, and docker compose reads the value from its own environment (environ_update).

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.accreditrack.ops.plugins.module_utils._compose_project import (
    compose_argv_of,
)

RUNNERS = frozenset(("compose_run", "compose_exec", "local", "argv_prefix"))
COMPOSE_RUNNERS = frozenset(("compose_run", "compose_exec"))

# Options that only mean something for some runners: setting one for another runner is a mistake
# that would otherwise pass silently (for example `virtualenv` with the default compose_run).
_OPTIONS_ONLY_FOR = {
    "project_src": COMPOSE_RUNNERS,
    "project_name": COMPOSE_RUNNERS,
    "files": COMPOSE_RUNNERS,
    "env_files": COMPOSE_RUNNERS,
    "profiles": COMPOSE_RUNNERS,
    "chdir": frozenset(("local", "argv_prefix")),
    "virtualenv": frozenset(("local",)),
    "argv_prefix": frozenset(("argv_prefix",)),
}

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def runner_argument_spec() -> dict[str, dict[str, Any]]:
    """The options shared by every module of the collection that runs Django (a fresh copy)."""
    return {
        "runner": {
            "type": "str",
            "default": "compose_run",
            "choices": sorted(RUNNERS),
        },
        "project_src": {"type": "path"},
        "project_name": {"type": "str"},
        "files": {"type": "list", "elements": "path"},
        "env_files": {"type": "list", "elements": "path"},
        "profiles": {"type": "list", "elements": "str"},
        "service": {"type": "str", "default": "backend"},
        "manage_py": {"type": "str", "default": "config/manage.py"},
        "python": {"type": "str", "default": "python"},
        "settings": {"type": "str"},
        "pythonpath": {"type": "str"},
        "environment": {"type": "dict", "default": {}, "no_log": True},
        "docker_cli": {"type": "str", "default": "docker"},
        "chdir": {"type": "path"},
        "virtualenv": {"type": "path"},
        "argv_prefix": {"type": "list", "elements": "str"},
    }


def runner_required_if() -> list[tuple[str, str, list[str]]]:
    """`required_if` rules for AnsibleModule that go with runner_argument_spec()."""
    return [("runner", "argv_prefix", ["argv_prefix"])]


def validate_runner_params(params: Mapping[str, Any]) -> list[str]:
    """Problems with the runner options that the argument spec cannot express (empty: all fine)."""
    errors = []
    runner = params.get("runner") or "compose_run"
    if runner not in RUNNERS:
        errors.append(f"runner must be one of {', '.join(sorted(RUNNERS))}, got {runner!r}")
        return errors
    for option, runners in sorted(_OPTIONS_ONLY_FOR.items()):
        if params.get(option) and runner not in runners:
            errors.append(
                f"option {option} applies only to runner {' or '.join(sorted(runners))}, "
                f"not to runner {runner}"
            )
    for name in sorted((params.get("environment") or {}).keys()):
        if not _ENV_NAME.match(str(name)):
            errors.append(f"environment variable name {name!r} is not a valid name")
    if runner == "argv_prefix" and not params.get("argv_prefix"):
        errors.append("runner argv_prefix needs a non-empty argv_prefix list")
    for option in ("service", "manage_py", "python", "docker_cli"):
        if option in params and not params.get(option):
            errors.append(f"option {option} must not be empty")
    return errors


def compose_base_argv(params: Mapping[str, Any]) -> list[str]:
    """`docker compose` plus the project options (directory, name, files, env files, profiles)."""
    return compose_argv_of(params)


def python_executable(params: Mapping[str, Any]) -> str:
    """The Python to run manage.py with: a relative `python` is looked up in `virtualenv`/bin."""
    python = params.get("python") or "python"
    venv = params.get("virtualenv")
    if params.get("runner") == "local" and venv and not os.path.isabs(python):
        return os.path.join(venv, "bin", python)
    return python


def django_common_args(params: Mapping[str, Any]) -> list[str]:
    """manage.py options every command accepts; they go after the subcommand."""
    args = []
    if params.get("settings"):
        args += ["--settings", params["settings"]]
    if params.get("pythonpath"):
        args += ["--pythonpath", params["pythonpath"]]
    return args


def merged_environment(
    params: Mapping[str, Any], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The variables to hand to Django: the user's `environment`, then the module's own `extra`."""
    env = {
        str(k): "" if v is None else str(v) for k, v in (params.get("environment") or {}).items()
    }
    env.update({str(k): str(v) for k, v in (extra or {}).items()})
    return env


def manage_argv(
    params: Mapping[str, Any],
    command: str,
    args: Sequence[str] = (),
    env_names: Sequence[str] = (),
) -> list[str]:
    """The full argv that runs `manage.py COMMAND ARGS` with the chosen runner.

    `env_names` are the variables Django must see; for the compose runners each becomes `-e NAME`
    (name only: the value travels in the environment of the docker compose process). The other
    runners pass the environment of the process itself and need no argv for it.
    """
    runner = params.get("runner") or "compose_run"
    django = [python_executable(params), params.get("manage_py") or "config/manage.py", command]
    django += list(args) + django_common_args(params)
    env_flags = [flag for name in sorted(set(env_names)) for flag in ("-e", name)]
    service = params.get("service") or "backend"
    if runner == "compose_run":
        run = ["run", "--rm", "-T", "--no-deps"]
        return [*compose_base_argv(params), *run, *env_flags, service, *django]
    if runner == "compose_exec":
        return [*compose_base_argv(params), "exec", "-T", *env_flags, service, *django]
    if runner == "argv_prefix":
        return list(params.get("argv_prefix") or ()) + django
    if runner == "local":
        return django
    raise ValueError(f"unknown runner {runner!r}")


def run_cwd(params: Mapping[str, Any]) -> str | None:
    """The directory to start the process in (compose: the project directory)."""
    if (params.get("runner") or "compose_run") in COMPOSE_RUNNERS:
        return params.get("project_src") or None
    return params.get("chdir") or None


def tail(text: str, lines: int = 15) -> str:
    """The last non-empty lines of `text`: where Django puts the message of a failure."""
    kept = [line for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
    return "\n".join(kept[-lines:])


def error_summary(stderr: str, lines: int = 8) -> str:
    """Django's own message from stderr: after a traceback, the exception lines that end it
    (`django.db.utils.OperationalError: ...`); otherwise the last lines (a CommandError)."""
    kept = [line for line in (stderr or "").replace("\r\n", "\n").split("\n") if line.strip()]
    if any(line.startswith("Traceback (most recent call last)") for line in kept):
        message: list[str] = []
        for line in reversed(kept):
            if line.startswith((" ", "\t")) or line.startswith("Traceback"):
                break
            message.insert(0, line)
        if message:
            return "\n".join(message[-lines:])
    return "\n".join(kept[-lines:])

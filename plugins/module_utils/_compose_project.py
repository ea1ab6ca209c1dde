# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# The project's address and layout, built ONCE: the docker compose argv every module of the
# collection runs (compose_argv), and the project - resolved from the project variables a user sets
# once (inventory, -e, play vars) - with the option sets each module group and community.docker's
# docker_compose_v2 take. The lookup plugin accreditrack.ops.project reads the variables and calls
# resolve_project(); the modules call compose_argv() with their own options. Pure functions only.

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

DJANGO_RUNNERS = ("compose_run", "compose_exec", "local", "argv_prefix")
COMPOSE_RUNNERS = frozenset(("compose_run", "compose_exec"))
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class ProjectError(ValueError):
    """A project variable is missing or wrong; the message names the variable and the fix."""


def compose_argv(
    project_src: Optional[str] = None,
    project_name: Optional[str] = None,
    files: Sequence[str] = (),
    env_files: Sequence[str] = (),
    profiles: Sequence[str] = (),
    docker_cli: str = "docker",
) -> list[str]:
    """``docker compose`` with the options that address one project, in Compose's own order:
    the project directory, name, files, env files and profiles (every compose subcommand needs
    the same ones: a profiled service is invisible to a command without its profile)."""
    argv = [docker_cli or "docker", "compose"]
    if project_src:
        argv += ["--project-directory", project_src]
    if project_name:
        argv += ["--project-name", project_name]
    for name in files or ():
        argv += ["--file", name]
    for name in env_files or ():
        argv += ["--env-file", name]
    for name in profiles or ():
        argv += ["--profile", name]
    return argv


def compose_argv_of(params: Mapping[str, Any]) -> list[str]:
    """compose_argv() of a module's options (project_src, project_name, files, env_files,
    profiles, docker_cli), as every module of the collection names them."""
    return compose_argv(
        params.get("project_src"),
        params.get("project_name"),
        params.get("files") or (),
        params.get("env_files") or (),
        params.get("profiles") or (),
        params.get("docker_cli") or "docker",
    )


def normalize_dir(path: str) -> str:
    """A directory without trailing slashes (``/srv/app/`` -> ``/srv/app``; ``/`` stays)."""
    stripped = path.rstrip("/")
    return stripped or ("/" if path.startswith("/") else path)


def file_name_of(project_name: str, project_src: str, fallback: str = "") -> str:
    """The name of the project's lock file, report and rollback-point folders: the compose
    project name, else the last part of its directory (``/srv/shop/`` -> ``shop``), else
    ``fallback``; characters a file name should not hold become ``_``."""
    name = (project_name or "").strip() or posixpath.basename(normalize_dir(project_src or ""))
    name = name or fallback
    return _FILE_NAME_UNSAFE.sub("_", name)


def _env(name: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ProjectError(f"{name} must be a mapping of variable names to values, got {value!r}")
    out = {}
    for key, val in value.items():
        if not _ENV_NAME.match(str(key)):
            raise ProjectError(f"{name}: {key!r} is not a valid environment variable name")
        if isinstance(val, (Mapping, list, tuple)):
            raise ProjectError(f"{name}.{key} must be a string, number or boolean")
        out[str(key)] = "" if val is None else str(val)
    return out


def _names(name: str, value: Any, allow_empty: bool = True) -> list[str]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ProjectError(f"{name} must be a list of strings, got {value!r}")
    out = [str(v) for v in value]
    if any(not v.strip() for v in out):
        raise ProjectError(f"{name} must not contain empty strings: {out!r}")
    if not allow_empty and not out:
        raise ProjectError(f"{name} must name at least one service")
    return out


def _text(values: Mapping[str, Any], name: str, default: str = "") -> str:
    value = values.get(name)
    if value is None:
        return default
    if isinstance(value, (Mapping, list, tuple)):
        raise ProjectError(f"{name} must be a string, got {value!r}")
    return str(value).strip()


def _required_text(values: Mapping[str, Any], name: str, default: str) -> str:
    value = _text(values, name, default)
    if not value:
        raise ProjectError(f"{name} must not be empty (default: {default!r})")
    return value


def _is_abs(path: str) -> bool:
    return path.startswith("/") or path == "~" or path.startswith("~/")


def resolve_project(values: Mapping[str, Any], require_compose: bool = True) -> dict[str, Any]:
    """The project from its variables (see the lookup accreditrack.ops.project for each one's
    meaning and default): validated, normalized, with the argv and the option sets built once.

    ``require_compose=False`` accepts a missing project_src (direct mode: a PostgreSQL server
    reached without Compose); the compose parts are then empty."""
    src = _text(values, "project_src")
    if src and not _is_abs(src):
        raise ProjectError(
            f"project_src must be an absolute path on the managed host (the compose project "
            f"directory), got {src!r}"
        )
    if not src and require_compose:
        raise ProjectError(
            "project_src is required: the compose project directory on the managed host. Set it "
            "once where Ansible reads variables - group_vars/host_vars of the inventory, -e, or "
            "the play's vars - e.g. project_src: /srv/myapp"
        )
    src = normalize_dir(src) if src else ""
    name = _text(values, "project_name")
    files = _names("compose_files", values.get("compose_files"))
    env_files = _names("env_files", values.get("env_files"))
    profiles = _names("profiles", values.get("profiles"))
    docker_cli = _required_text(values, "docker_cli", "docker")
    backend = _required_text(values, "backend_service", "backend")
    db = _required_text(values, "db_service", "db")
    apps = values.get("app_services")
    apps = [backend] if apps is None or apps == [] else _names("app_services", apps, False)
    runner = _required_text(values, "django_runner", "compose_run")
    if runner not in DJANGO_RUNNERS:
        raise ProjectError(
            f"django_runner must be one of {', '.join(DJANGO_RUNNERS)}, got {runner!r}"
        )
    release_variable = _required_text(values, "release_variable", "BACKEND_RELEASE")
    if not _ENV_NAME.match(release_variable):
        raise ProjectError(f"release_variable {release_variable!r} is not a valid variable name")
    state_dir = _required_text(values, "state_dir", "/var/lib/accreditrack-ops")
    if not _is_abs(state_dir):
        raise ProjectError(
            f"state_dir must be an absolute path on the managed host, got {state_dir!r}"
        )
    state_dir = normalize_dir(state_dir)
    compose_env = _env("compose_environment", values.get("compose_environment"))
    secret_env = _env("secret_environment", values.get("secret_environment"))
    django_env = _env("django_environment", values.get("django_environment"))
    if release_variable in compose_env or release_variable in secret_env:
        raise ProjectError(
            f"compose_environment sets {release_variable}, the release_variable: give the release "
            "with `release` (each playbook sets it for the code it runs), not compose_environment"
        )
    both = sorted(set(compose_env) & set(secret_env))
    if both:
        raise ProjectError(
            f"{', '.join(both)} set in both compose_environment and secret_environment: keep a "
            "secret only in secret_environment (compose_environment is recorded in reports)"
        )
    argv_prefix = _names("django_argv_prefix", values.get("django_argv_prefix"))
    if runner == "argv_prefix" and not argv_prefix:
        raise ProjectError("django_runner argv_prefix needs django_argv_prefix (a non-empty list)")
    db_name = _text(values, "db_name")
    file_name = file_name_of(name, src, db_name or "default")

    compose = {"project_src": src} if src else {}
    if name:
        compose["project_name"] = name
    if files:
        compose["files"] = files
    if env_files:
        compose["env_files"] = env_files
    if profiles:
        compose["profiles"] = profiles
    # The address as the collection's compose modules take it (module_defaults of their groups).
    address = dict(compose, docker_cli=docker_cli)
    db_options = dict(address, service=db)
    django: dict[str, Any] = {
        "runner": runner,
        "service": backend,
        "manage_py": _required_text(values, "manage_py", "config/manage.py"),
        "python": _required_text(values, "python", "python"),
        "docker_cli": docker_cli,
        "environment": django_env,
    }
    if runner in COMPOSE_RUNNERS:
        django.update(compose)
    settings = _text(values, "django_settings")
    if settings:
        django["settings"] = settings
    if runner == "argv_prefix":
        django["argv_prefix"] = argv_prefix
    for option in ("chdir", "virtualenv"):
        value = _text(values, f"django_{option}")
        if value and runner in ("local", "argv_prefix"):
            django[option] = value
    # docker_compose_v2 takes a path for docker_cli, not a bare command name.
    compose_module = dict(compose, **({"docker_cli": docker_cli} if "/" in docker_cli else {}))
    return {
        "name": file_name,
        "project_src": src,
        "project_name": name,
        "compose_files": files,
        "env_files": env_files,
        "profiles": profiles,
        "docker_cli": docker_cli,
        "backend_service": backend,
        "db_service": db,
        "app_services": apps,
        "manage_py": django["manage_py"],
        "python": django["python"],
        "django_settings": settings,
        "django_runner": runner,
        "db_name": db_name,
        "db_user": _text(values, "db_user"),
        "release_variable": release_variable,
        "state_dir": state_dir,
        "lock_file": f"{state_dir}/locks/{file_name}.lock",
        "reports_dir": f"{state_dir}/reports/{file_name}",
        "rollback_points_dir": f"{state_dir}/rollback_points/{file_name}",
        "compose_argv": compose_argv(src, name, files, env_files, profiles, docker_cli)
        if src
        else [],
        "compose_environment": compose_env,
        # The environment of every docker compose process: the recorded part and the secrets.
        "environment": dict(compose_env, **secret_env),
        "compose": compose_module,
        "address": address,
        "django": django,
        "db": db_options,
    }

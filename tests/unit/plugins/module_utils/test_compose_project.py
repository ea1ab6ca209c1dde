# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The project's address built once: compose argv, validation, the option sets of each group."""

from __future__ import annotations

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _compose_project as cp

EXAMPLE = {"project_src": "/srv/accreditrack"}
SHELF = {
    "project_src": "/srv/shelf/",
    "project_name": "shelf_prod",
    "compose_files": ["deploy/compose.prod.yml"],
    "env_files": ["deploy/prod.env"],
    "profiles": ["app"],
    "backend_service": "web",
    "db_service": "postgres",
    "app_services": ["web", "worker"],
    "manage_py": "manage.py",
    "python": "python3",
    "django_settings": "bookshelf.settings.production",
    "release_variable": "SHELF_VERSION",
    "state_dir": "/home/deployer/state/",
    "compose_environment": {"TZ": "UTC"},
    "secret_environment": {"SHELF_DB_PASSWORD": "s3cret"},
    "django_environment": {"SENTRY_DSN": "x"},
}


def test_compose_argv_long_options_in_order():
    argv = cp.compose_argv(
        "/p", "n", ["a.yml", "b.yml"], [".env"], ["app", "ops"], "/usr/bin/docker"
    )
    assert argv == [
        "/usr/bin/docker", "compose", "--project-directory", "/p", "--project-name", "n",
        "--file", "a.yml", "--file", "b.yml", "--env-file", ".env",
        "--profile", "app", "--profile", "ops",
    ]  # fmt: skip


def test_compose_argv_of_module_options():
    params = {"project_src": "/p", "files": ["x.yml"], "profiles": ["app"], "docker_cli": None}
    assert cp.compose_argv_of(params) == [
        "docker", "compose", "--project-directory", "/p", "--file", "x.yml", "--profile", "app",
    ]  # fmt: skip


def test_defaults_are_the_seed_layout():
    p = cp.resolve_project(EXAMPLE)
    assert p["name"] == "accreditrack"
    assert p["backend_service"] == "backend" and p["db_service"] == "db"
    assert p["app_services"] == ["backend"]
    assert p["django"] == {
        "runner": "compose_run", "service": "backend", "manage_py": "config/manage.py",
        "python": "python", "docker_cli": "docker", "environment": {},
        "project_src": "/srv/accreditrack",
    }  # fmt: skip
    assert p["db"] == {"project_src": "/srv/accreditrack", "service": "db", "docker_cli": "docker"}
    assert p["compose"] == {"project_src": "/srv/accreditrack"}
    assert p["lock_file"] == "/var/lib/accreditrack-ops/locks/accreditrack.lock"
    assert p["compose_argv"] == ["docker", "compose", "--project-directory", "/srv/accreditrack"]


def test_every_dimension_reaches_every_group():
    p = cp.resolve_project(SHELF)
    address = {
        "project_src": "/srv/shelf",
        "project_name": "shelf_prod",
        "files": ["deploy/compose.prod.yml"],
        "env_files": ["deploy/prod.env"],
        "profiles": ["app"],
    }
    assert p["compose"] == address
    assert p["db"] == dict(address, service="postgres", docker_cli="docker")
    assert p["address"] == dict(address, docker_cli="docker")
    assert p["django"] == dict(
        address,
        runner="compose_run",
        service="web",
        manage_py="manage.py",
        python="python3",
        settings="bookshelf.settings.production",
        docker_cli="docker",
        environment={"SENTRY_DSN": "x"},
    )
    assert p["app_services"] == ["web", "worker"]
    assert p["compose_argv"][-2:] == ["--profile", "app"]
    assert p["state_dir"] == "/home/deployer/state"
    assert p["reports_dir"] == "/home/deployer/state/reports/shelf_prod"
    assert p["rollback_points_dir"] == "/home/deployer/state/rollback_points/shelf_prod"
    # The environment of compose processes carries the secret; the recorded part does not.
    assert p["environment"] == {"TZ": "UTC", "SHELF_DB_PASSWORD": "s3cret"}
    assert p["compose_environment"] == {"TZ": "UTC"}


@pytest.mark.parametrize(
    ("src", "name", "expected"),
    [
        pytest.param("/srv/shop/", "", "shop", id="trailing-slash"),
        pytest.param("/srv/shop///", "", "shop", id="trailing-slashes"),
        pytest.param("/srv/my shop", "", "my_shop", id="unsafe-characters"),
        pytest.param("/srv/shop", "shop-prod", "shop-prod", id="project-name-wins"),
    ],
)
def test_file_name_never_empty(src, name, expected):
    p = cp.resolve_project({"project_src": src, "project_name": name})
    assert p["name"] == expected
    assert p["lock_file"].endswith(f"/locks/{expected}.lock")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param({}, "project_src is required", id="missing-src"),
        pytest.param({"project_src": "srv/app"}, "absolute path", id="relative-src"),
        pytest.param(
            {**EXAMPLE, "backend_service": ""},
            "backend_service must not be empty",
            id="empty-service",
        ),
        pytest.param(
            {**EXAMPLE, "app_services": [""]}, "app_services must not contain empty", id="empty-app"
        ),
        pytest.param(
            {**EXAMPLE, "django_runner": "kubectl"}, "django_runner must be one of", id="runner"
        ),
        pytest.param(
            {**EXAMPLE, "release_variable": "APP-VERSION"}, "not a valid variable name", id="relvar"
        ),
        pytest.param(
            {**EXAMPLE, "state_dir": "state"}, "state_dir must be an absolute", id="state-dir"
        ),
        pytest.param(
            {**EXAMPLE, "compose_environment": {"A B": "1"}},
            "not a valid environment",
            id="env-name",
        ),
        pytest.param(
            {**EXAMPLE, "compose_environment": ["A=1"]}, "must be a mapping", id="env-list"
        ),
        pytest.param(
            {**EXAMPLE, "compose_environment": {"PW": "x"}, "secret_environment": {"PW": "y"}},
            "PW set in both",
            id="secret-in-both",
        ),
        pytest.param(
            {**EXAMPLE, "compose_environment": {"BACKEND_RELEASE": "v2"}},
            "give the release with `release`",
            id="release-in-compose-environment",
        ),
        pytest.param(
            {**EXAMPLE, "django_runner": "argv_prefix"}, "needs django_argv_prefix", id="prefix"
        ),
        pytest.param(
            {**EXAMPLE, "compose_files": {"a": 1}}, "compose_files must be a list", id="files-map"
        ),
    ],
)
def test_bad_values_are_named(values, message):
    with pytest.raises(cp.ProjectError, match=message):
        cp.resolve_project(values)


def test_direct_mode_without_compose():
    p = cp.resolve_project({"db_name": "shop"}, require_compose=False)
    assert p["compose_argv"] == [] and p["name"] == "shop"
    assert cp.resolve_project({}, require_compose=False)["name"] == "default"


def test_local_runner_has_no_compose_options():
    p = cp.resolve_project({**EXAMPLE, "django_runner": "local", "django_virtualenv": "/venv"})
    assert "project_src" not in p["django"] and p["django"]["virtualenv"] == "/venv"


def test_home_relative_paths_are_accepted():
    assert (
        cp.resolve_project({"project_src": "~/app", "state_dir": "~/state"})["state_dir"]
        == "~/state"
    )

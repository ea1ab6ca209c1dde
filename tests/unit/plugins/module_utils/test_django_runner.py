# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared runner options: argv builders, environment handling and validation."""

from __future__ import annotations

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _django_runner as runner


def params(**overrides):
    """Module params as AnsibleModule would fill them from runner_argument_spec()."""
    values = {name: spec.get("default") for name, spec in runner.runner_argument_spec().items()}
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {},
            [
                "docker",
                "compose",
                "run",
                "--rm",
                "-T",
                "--no-deps",
                "backend",
                "python",
                "config/manage.py",
                "showmigrations",
            ],
            id="compose_run-defaults",
        ),
        pytest.param(
            {
                "project_src": "/srv/app",
                "project_name": "h3",
                "files": ["a.yml", "b.yml"],
                "env_files": ["x.env"],
                "profiles": ["ops"],
                "service": "web",
                "docker_cli": "/usr/bin/docker",
            },
            [
                "/usr/bin/docker",
                "compose",
                "--project-directory",
                "/srv/app",
                "--project-name",
                "h3",
                "--file",
                "a.yml",
                "--file",
                "b.yml",
                "--env-file",
                "x.env",
                "--profile",
                "ops",
                "run",
                "--rm",
                "-T",
                "--no-deps",
                "web",
                "python",
                "config/manage.py",
                "showmigrations",
            ],
            id="compose_run-project-options",
        ),
        pytest.param(
            {"runner": "compose_exec", "project_name": "h3"},
            [
                "docker",
                "compose",
                "--project-name",
                "h3",
                "exec",
                "-T",
                "backend",
                "python",
                "config/manage.py",
                "showmigrations",
            ],
            id="compose_exec",
        ),
        pytest.param(
            {"runner": "local", "manage_py": "manage.py", "python": "python3"},
            ["python3", "manage.py", "showmigrations"],
            id="local",
        ),
        pytest.param(
            {"runner": "local", "manage_py": "manage.py", "virtualenv": "/venv"},
            ["/venv/bin/python", "manage.py", "showmigrations"],
            id="local-virtualenv",
        ),
        pytest.param(
            {"runner": "local", "virtualenv": "/venv", "python": "/usr/bin/python3.12"},
            ["/usr/bin/python3.12", "config/manage.py", "showmigrations"],
            id="local-virtualenv-absolute-python-wins",
        ),
        pytest.param(
            {
                "runner": "argv_prefix",
                "argv_prefix": ["kubectl", "exec", "deploy/backend", "--"],
                "manage_py": "manage.py",
            },
            ["kubectl", "exec", "deploy/backend", "--", "python", "manage.py", "showmigrations"],
            id="argv_prefix",
        ),
        pytest.param(
            {"settings": "config.settings.prod", "pythonpath": "/app/src"},
            [
                "docker",
                "compose",
                "run",
                "--rm",
                "-T",
                "--no-deps",
                "backend",
                "python",
                "config/manage.py",
                "showmigrations",
                "--settings",
                "config.settings.prod",
                "--pythonpath",
                "/app/src",
            ],
            id="settings-and-pythonpath-after-the-command",
        ),
    ],
)
def test_manage_argv(overrides, expected):
    assert runner.manage_argv(params(**overrides), "showmigrations") == expected


def test_args_follow_the_command_and_precede_common_options():
    argv = runner.manage_argv(params(settings="s"), "migrate", ["accounts", "zero"])
    assert argv[-5:] == ["migrate", "accounts", "zero", "--settings", "s"]


@pytest.mark.parametrize("runner_name", ["compose_run", "compose_exec"])
def test_compose_runners_pass_environment_by_name_only(runner_name):
    p = params(runner=runner_name, environment={"DB_PASSWORD": "s3cret", "A": 1})
    env = runner.merged_environment(p, {"PGOPTIONS": "-c lock_timeout=3s"})
    argv = runner.manage_argv(p, "migrate", env_names=env)
    assert "s3cret" not in " ".join(argv)
    assert "-c lock_timeout=3s" not in argv
    flags = argv[argv.index("-T") + 1 : argv.index("backend")]
    if runner_name == "compose_run":
        flags = flags[1:]  # --no-deps
    assert flags == ["-e", "A", "-e", "DB_PASSWORD", "-e", "PGOPTIONS"]
    assert env == {"DB_PASSWORD": "s3cret", "A": "1", "PGOPTIONS": "-c lock_timeout=3s"}


@pytest.mark.parametrize("runner_name", ["local", "argv_prefix"])
def test_other_runners_put_no_environment_in_argv(runner_name):
    p = params(runner=runner_name, argv_prefix=["ssh", "host"], environment={"X": "secret"})
    argv = runner.manage_argv(p, "migrate", env_names=["X"])
    assert "-e" not in argv
    assert "X" not in argv
    assert "secret" not in argv


def test_merged_environment_module_values_win_and_none_is_empty():
    p = params(environment={"PGOPTIONS": "-c search_path=app", "EMPTY": None})
    env = runner.merged_environment(p, {"PGOPTIONS": "merged"})
    assert env == {"PGOPTIONS": "merged", "EMPTY": ""}


def test_environment_is_no_log():
    assert runner.runner_argument_spec()["environment"]["no_log"] is True


def test_argument_spec_is_a_fresh_copy():
    spec = runner.runner_argument_spec()
    spec["service"]["default"] = "changed"
    assert runner.runner_argument_spec()["service"]["default"] == "backend"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"virtualenv": "/venv"},
            "option virtualenv applies only to runner local",
            id="virtualenv-with-compose",
        ),
        pytest.param(
            {"runner": "local", "project_src": "/srv"},
            "option project_src applies only to runner compose_exec or compose_run",
            id="project_src-with-local",
        ),
        pytest.param(
            {"argv_prefix": ["x"]},
            "option argv_prefix applies only to runner argv_prefix",
            id="argv_prefix-with-compose",
        ),
        pytest.param(
            {"runner": "argv_prefix", "argv_prefix": []},
            "runner argv_prefix needs a non-empty argv_prefix list",
            id="empty-prefix",
        ),
        pytest.param({"environment": {"BAD NAME": "x"}}, "is not a valid name", id="env-name"),
        pytest.param({"service": ""}, "option service must not be empty", id="empty-service"),
        pytest.param({"runner": "ssh"}, "runner must be one of", id="unknown-runner"),
    ],
)
def test_validate_runner_params_rejects(overrides, message):
    errors = runner.validate_runner_params(params(**overrides))
    assert any(message in e for e in errors), errors


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"runner": "local", "chdir": "/app", "virtualenv": "/venv"}, id="local"),
        pytest.param(
            {
                "runner": "argv_prefix",
                "argv_prefix": ["kubectl", "exec", "x", "--"],
                "chdir": "/tmp",
            },
            id="argv_prefix",
        ),
        pytest.param(
            {"runner": "compose_exec", "files": ["a.yml"], "profiles": ["p"]}, id="compose_exec"
        ),
    ],
)
def test_validate_runner_params_accepts(overrides):
    assert runner.validate_runner_params(params(**overrides)) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"project_src": "/srv/app"}, "/srv/app", id="compose-project-dir"),
        pytest.param({}, None, id="compose-default"),
        pytest.param({"runner": "local", "chdir": "/app"}, "/app", id="local-chdir"),
    ],
)
def test_run_cwd(overrides, expected):
    assert runner.run_cwd(params(**overrides)) == expected


def test_unknown_runner_raises():
    with pytest.raises(ValueError, match="unknown runner"):
        runner.manage_argv(params(runner="telnet"), "migrate")


TRACEBACK = """Traceback (most recent call last):
  File "/app/config/manage.py", line 22, in <module>
    main()
  File "/usr/lib/python3/dist-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
django.db.utils.OperationalError: could not translate host name "db" to address: Name or service \
not known

"""


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        pytest.param(
            TRACEBACK,
            'django.db.utils.OperationalError: could not translate host name "db" to address: '
            "Name or service not known",
            id="traceback-keeps-the-exception-line",
        ),
        pytest.param(
            "No installed app with label 'x'.\n",
            "No installed app with label 'x'.",
            id="command-error",
        ),
        pytest.param("", "", id="empty"),
        pytest.param(
            'Traceback (most recent call last):\n  File "x", line 1\nValueError: a\nmore: b\n',
            "ValueError: a\nmore: b",
            id="multi-line-message",
        ),
    ],
)
def test_error_summary(stderr, expected):
    assert runner.error_summary(stderr) == expected


def test_tail_drops_blank_lines_and_crlf():
    assert runner.tail("a\r\n\r\nb\r\nc\r\n", 2) == "b\nc"

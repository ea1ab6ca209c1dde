# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""django_models_info: when it asks Compose first whether the service runs
(skip_when_not_running)."""

from __future__ import annotations

from ansible_collections.accreditrack.ops.plugins.modules.django_models_info import not_running_argv

PARAMS = {
    "runner": "compose_exec",
    "project_src": "/srv/shop",
    "project_name": "shop",
    "files": ["compose.yaml", "compose.prod.yaml"],
    "env_files": [],
    "profiles": ["web"],
    "service": "web",
    "docker_cli": "/usr/bin/docker",
    "skip_when_not_running": True,
}


def test_asks_compose_for_the_running_containers_of_the_service_with_the_project_address():
    argv = not_running_argv(PARAMS)
    assert argv[0] == "/usr/bin/docker" and argv[1] == "compose"
    assert argv[-5:] == ["ps", "--status", "running", "--quiet", "web"]
    for flag in ("--project-directory", "/srv/shop", "--project-name", "shop", "--profile", "web"):
        assert flag in argv
    assert argv.count("--file") == 2


def test_does_not_ask_without_the_option_or_with_another_runner():
    assert not_running_argv({**PARAMS, "skip_when_not_running": False}) is None
    assert not_running_argv({**PARAMS, "runner": "compose_run"}) is None
    assert not_running_argv({**PARAMS, "runner": "local"}) is None

# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lookup accreditrack.ops.project: its documented options are the variables it reads, and a
real ansible-playbook run honours Ansible's precedence (defaults < group_vars < host_vars < play
vars < -e) for them, with templated values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from ansible_collections.accreditrack.ops.plugins.lookup import project

PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Write what the lookup resolved
      ansible.builtin.copy:
        content: "{{ lookup('accreditrack.ops.project') | to_json }}"
        dest: "{{ out }}/{{ inventory_hostname }}.json"
        mode: "0600"
"""


def test_documented_options_are_the_variables_read():
    options = yaml.safe_load(project.DOCUMENTATION)["options"]
    assert set(options) - {"_terms", "require_compose"} == set(project.VARIABLES)
    for name in project.VARIABLES:
        assert [v["name"] for v in options[name]["vars"]] == [name]


def run_playbook(tmp_path: Path, collections_root: Path, *extra: str, play_vars: str = "") -> dict:
    inv = tmp_path / "inventory"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "host_vars").mkdir()
    (inv / "hosts.yml").write_text(
        "all:\n  children:\n    shop:\n      hosts:\n        web1: {}\n        web2: {}\n"
    )
    (inv / "group_vars" / "shop.yml").write_text(
        "project_src: /srv/{{ app_name }}/\napp_name: shop\nbackend_service: web\n"
        "app_services: [web, worker]\nmanage_py: manage.py\nprofiles: [app]\n"
        "secret_environment: {PW: \"{{ lookup('ansible.builtin.env', 'SHOP_PW') }}\"}\n"
    )
    (inv / "host_vars" / "web2.yml").write_text("db_service: postgres\n")
    play = tmp_path / "play.yml"
    text = (
        PLAYBOOK if not play_vars else PLAYBOOK.replace("  tasks:", f"  vars:\n{play_vars}  tasks:")
    )
    play.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(collections_root),
        SHOP_PW="from-the-shell",
        ANSIBLE_HOST_KEY_CHECKING="false",
    )
    cmd = [
        Path(sys.executable).with_name("ansible-playbook"),
        "-i", str(inv), "-c", "local", "-e", f"out={out}",
        "-e", f"ansible_python_interpreter={sys.executable}", *extra, str(play),
    ]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


def test_inventory_is_honoured(tmp_path, collections_root):
    got = run_playbook(tmp_path, collections_root)
    web1, web2 = got["web1"], got["web2"]
    assert web1["project_src"] == "/srv/shop" and web1["name"] == "shop"
    assert web1["django"]["service"] == "web" and web1["django"]["manage_py"] == "manage.py"
    assert web1["db_service"] == "db" and web2["db_service"] == "postgres"
    assert web1["app_services"] == ["web", "worker"]
    assert web1["compose_argv"][-2:] == ["--profile", "app"]
    assert web1["environment"] == {"PW": "from-the-shell"}


def test_play_vars_and_extra_vars_win(tmp_path, collections_root):
    got = run_playbook(
        tmp_path,
        collections_root,
        "-e",
        "db_service=pg_extra",
        play_vars="    backend_service: api\n",
    )
    assert got["web2"]["db_service"] == "pg_extra"
    assert got["web1"]["backend_service"] == "api"


def test_a_wrong_variable_is_named(tmp_path, collections_root):
    inv = tmp_path / "hosts"
    inv.write_text("h ansible_connection=local\n")
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug: {msg: \"{{ lookup('accreditrack.ops.project') }}\"}\n"
    )
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root))
    cmd = [
        Path(sys.executable).with_name("ansible-playbook"),
        "-i",
        str(inv),
        "-e",
        "project_src=relative",
        str(play),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "project_src must be an absolute path" in done.stdout + done.stderr

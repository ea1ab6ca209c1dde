# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's metadata and layout: galaxy.yml, the changelog, the roles' meta, and the
.collections link that lets Ansible find the collection in a plain clone."""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LINK = ROOT / ".collections" / "ansible_collections" / "accreditrack" / "ops"


def load(relative: str):
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def test_galaxy_names_no_placeholder_url():
    galaxy = load("galaxy.yml")
    for key in ("repository", "documentation", "homepage", "issues"):
        value = galaxy.get(key) or ""
        assert "example." not in value and "invalid" not in value, (key, value)


@pytest.mark.parametrize(
    "path",
    [
        ".ansible/x",
        ".config/molecule/config.yml",
        ".collections/ansible_collections/accreditrack/ops",
        ".venv/bin/python",
        ".cache/x",
        ".pytest_cache/x",
        "ansible.cfg",
        "tests/output/x",
        "molecule/backup/converge.yml",
        "scripts/lib.sh",
        "changelogs/fragments/x.yml",
    ],
)
def test_build_ignore_covers_what_is_not_collection_content(path):
    patterns = load("galaxy.yml")["build_ignore"]
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    assert any(fnmatch.fnmatch(p, pattern) for p in prefixes for pattern in patterns), path


def test_every_role_requires_the_ansible_meta_runtime_requires():
    required = re.match(r">=\s*([0-9]+\.[0-9]+)", load("meta/runtime.yml")["requires_ansible"])
    assert required
    for meta in sorted((ROOT / "roles").glob("*/meta/main.yml")):
        info = yaml.safe_load(meta.read_text())["galaxy_info"]
        assert str(info["min_ansible_version"]) == required.group(1), meta


def test_the_changelog_is_not_empty():
    changes = load("changelogs/changelog.yaml")
    version = load("galaxy.yml")["version"]
    assert version in (changes.get("releases") or {})
    text = (ROOT / "CHANGELOG.rst").read_text()
    assert f"v{version}" in text and "Bugfixes" in text


def test_collections_link_points_at_this_checkout_relatively():
    assert LINK.is_symlink()
    assert not os.path.isabs(os.readlink(LINK))
    assert LINK.resolve() == ROOT.resolve()
    config = configparser.ConfigParser()
    config.read(ROOT / "ansible.cfg")
    paths = config["defaults"]["collections_path"].split(":")
    assert "./.collections" in paths


def test_tools_do_not_walk_the_link():
    assert ".collections/" in load(".ansible-lint")["exclude_paths"]
    assert ".collections/" in load(".yamllint")["ignore"]
    assert '".collections"' in (ROOT / "pyproject.toml").read_text()


def test_a_plain_ansible_finds_the_collection_through_ansible_cfg(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PYTHONPATH"] = ""
    run = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", "filter", "accreditrack.ops.backup_retention"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "backup_retention" in run.stdout


def test_the_built_tarball_ships_no_link_nor_development_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    argv = [str(BIN / "ansible-galaxy"), "collection", "build", str(ROOT)]
    argv += ["--output-path", str(tmp_path)]
    run = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    (tarball,) = tmp_path.glob("accreditrack-ops-*.tar.gz")
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    tops = {name.split("/")[0] for name in names}
    assert tops <= {
        "MANIFEST.json", "FILES.json", "LICENSE", "README.md", "CHANGELOG.rst", "changelogs",
        "meta", "playbooks", "plugins", "roles", "requirements.yml",
    }, tops  # fmt: skip
    assert "CHANGELOG.rst" in tops
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "changelogs/fragments" not in {os.path.dirname(n) for n in names}

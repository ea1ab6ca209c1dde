"""The collection builds into a tarball that installs and is usable by FQCN from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    work = tmp_path_factory.mktemp("install")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PYTHONPATH"] = ""
    run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "build",
            str(ROOT),
            "--output-path",
            str(work / "dist"),
        ],
        cwd=work,
        env=env,
    )
    tarballs = sorted((work / "dist").glob("accreditrack-ops-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    # --no-deps: community.docker/postgresql come with the `ansible` package (no Galaxy here).
    run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--no-deps",
            "--force",
            "-p",
            str(work / "collections"),
            str(tarballs[0]),
        ],
        cwd=work,
        env=env,
    )
    env["ANSIBLE_COLLECTIONS_PATH"] = str(work / "collections")
    return work, env


def test_tarball_ships_no_development_files(installed):
    work, _env = installed
    root = work / "collections" / "ansible_collections" / "accreditrack" / "ops"
    manifest = json.loads((root / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == "0.1.0"
    shipped = {p.relative_to(root).parts[0] for p in root.iterdir()}
    assert not shipped & {"tests", "molecule", "example", "scripts", ".venv", "bench", ".git"}
    assert {"galaxy.yml", "README.md", "LICENSE", "meta"} - shipped == {"galaxy.yml"}


def test_installed_collection_is_listed(installed):
    work, env = installed
    out = run(
        [str(BIN / "ansible-galaxy"), "collection", "list", "accreditrack.ops", "--format", "json"],
        cwd=work,
        env=env,
    ).stdout
    listing = json.loads(out)
    assert any("accreditrack.ops" in found for found in listing.values())


def test_plugins_usable_by_fqcn_from_another_directory(installed):
    work, env = installed
    plugins = run(
        [str(BIN / "ansible-doc"), "--list", "--json", "accreditrack.ops"], cwd=work, env=env
    ).stdout
    for module in sorted(json.loads(plugins)):
        run([str(BIN / "ansible-doc"), module], cwd=work, env=env)
    playbook = work / "uses_fqcn.yml"
    playbook.write_text(
        "---\n- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.assert:\n"
        "        that:\n"
        "          - parsed.pending == ['accounts.0002_profile']\n"
        "          - parsed.latest_applied.accounts == '0001_initial'\n"
        "      vars:\n"
        "        parsed: \"{{ 'accounts\\n [X] 0001_initial\\n [ ] 0002_profile\\n'"
        ' | accreditrack.ops.showmigrations }}"\n'
    )
    run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)],
        cwd=work,
        env=env,
    )

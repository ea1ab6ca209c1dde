# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make this checkout importable as ``ansible_collections.accreditrack.ops`` under plain pytest.

``ansible-test units`` runs from a tree that ends in ``ansible_collections/accreditrack/ops``;
a plain ``pytest tests/unit`` from a checkout anywhere else gets a temporary
``ansible_collections/accreditrack/ops`` symlink to the checkout, put first on ``sys.path``
(``ansible_collections`` is a namespace package, so the collections that the ``ansible``
package installs stay importable).  The ``collections_root`` fixture gives that directory,
e.g. for ``ANSIBLE_COLLECTIONS_PATH`` of an ``ansible-doc`` subprocess.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _collections_root() -> Path:
    if REPO_ROOT.parts[-3:] == ("ansible_collections", "accreditrack", "ops"):
        return REPO_ROOT.parents[2]
    root = Path(tempfile.mkdtemp(prefix="accreditrack-ops-pytest-"))
    namespace = root / "ansible_collections" / "accreditrack"
    namespace.mkdir(parents=True)
    (namespace / "ops").symlink_to(REPO_ROOT, target_is_directory=True)
    atexit.register(shutil.rmtree, root, True)
    return root


COLLECTIONS_ROOT = _collections_root()
if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))


@pytest.fixture(scope="session")
def collections_root() -> Path:
    """Directory holding ``ansible_collections/accreditrack/ops`` (this checkout)."""
    return COLLECTIONS_ROOT


def ansible_bin(name: str) -> str | None:
    """An Ansible command beside this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


@pytest.fixture
def ansible_playbook(collections_root, tmp_path):
    """Run a playbook against localhost (local connection, this Python) with this checkout as the
    collection; returns the CompletedProcess. Skips the test without ansible-playbook."""
    import os
    import subprocess

    binary = ansible_bin("ansible-playbook")
    if binary is None:
        pytest.skip("ansible-playbook is not installed")

    def run(playbook: Path, *args: str) -> subprocess.CompletedProcess:
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=str(collections_root),
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_NOCOLOR="1",
        )
        argv = [binary, "-i", "localhost,", "-c", "local"]
        argv += ["-e", f"ansible_python_interpreter={sys.executable}", *args, str(playbook)]
        return subprocess.run(
            argv, env=env, capture_output=True, text=True, check=False, cwd=tmp_path
        )

    return run

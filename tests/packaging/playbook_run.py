# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the packaging tests that run a role's tasks with ansible-playbook share: this checkout as
a collection, and one way to run a playbook against localhost without the caller's ANSIBLE_*."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def make_collections_root(base: Path) -> Path:
    """BASE holding ansible_collections/accreditrack/ops: this checkout."""
    (base / "ansible_collections" / "accreditrack").mkdir(parents=True)
    (base / "ansible_collections" / "accreditrack" / "ops").symlink_to(ROOT)
    return base


def run_playbook(
    playbook: Path,
    extra: dict[str, Any],
    collections_root: Path,
    cwd: Path,
    args: Sequence[str] = (),
    env_extra: Optional[dict[str, str]] = None,
) -> subprocess.CompletedProcess:
    """ansible-playbook -i localhost, PLAYBOOK -e EXTRA [ARGS], with this checkout as the
    collection (and ENV_EXTRA, for example a stdout callback, in the environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_root),
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    env.update(env_extra or {})
    argv = [
        str(BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        str(playbook),
        "-e",
        json.dumps(extra),
        *args,
    ]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)

#!/usr/bin/env bash
# Creates (or refreshes) the project's virtual environment .venv from requirements-dev.txt.
# Idempotent: reinstalls only when requirements-dev.txt changed since the last successful install.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${ACCREDITRACK_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
req="$root/requirements-dev.txt"

command -v "$python" >/dev/null || { echo "[setup_venv] ERROR: $python not found (need Python >= 3.11)" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "[setup_venv] ERROR: Python >= 3.11 required (ansible-core 2.19), found $($python --version)" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" || { echo "[setup_venv] ERROR: '$python -m venv' failed: apt-get install python3-venv" >&2; exit 1; }
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r "$req"
  echo "$want" >"$stamp"
fi
echo "[setup_venv] $venv ready: $("$venv/bin/ansible" --version | head -1)" >&2

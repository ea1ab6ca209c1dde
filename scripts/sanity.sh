#!/usr/bin/env bash
# Runs `ansible-test sanity` (every test, validate-modules included) on the collection exactly as
# it ships: the tarball from `ansible-galaxy collection build`, unpacked at a path ending in
# ansible_collections/accreditrack/ops. Needs no Docker (`--venv`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work="$STATE_DIR/sanity"
rm -rf "$work" && mkdir -p "$work/dist" "$work/ansible_collections/accreditrack/ops"
ansible-galaxy collection build "$ROOT" --output-path "$work/dist" --force >/dev/null
tar -xzf "$work"/dist/accreditrack-ops-*.tar.gz -C "$work/ansible_collections/accreditrack/ops"
# ansible-test downloads a pip bootstrap script from a host that is not reachable here.
cache="$HOME/.ansible/test/cache"
pip_version=$(python - <<'PY'
import re, ansible_test, pathlib
src = (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
mkdir -p "$cache"
cp "$ROOT/scripts/ansible_test_get_pip.py" "$cache/get_pip_${pip_version//./_}.py"
pyver=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$work/ansible_collections/accreditrack/ops"
ansible-test sanity --venv --python "$pyver" --color no "$@"

# Sourced by the scripts in this folder: paths and the collection layout Ansible needs.
# Ansible finds a collection only under .../ansible_collections/<namespace>/<name>: we link the
# checkout there, outside the repository, for molecule and ansible-playbook runs from any directory.
# (The committed .collections link serves tools run from the checkout through ansible.cfg; the
# linters exclude it so they do not walk the tree twice.)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${ACCREDITRACK_VENV:-$ROOT/.venv}"
STATE_DIR="${ACCREDITRACK_STATE_DIR:-${TMPDIR:-/tmp}/accreditrack-ops-$(id -u)}"
COLLECTIONS_DIR="$STATE_DIR/collections"
mkdir -p "$COLLECTIONS_DIR/ansible_collections/accreditrack"
ln -sfn "$ROOT" "$COLLECTIONS_DIR/ansible_collections/accreditrack/ops"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_DIR"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"
export PYTHONPATH="$COLLECTIONS_DIR${PYTHONPATH:+:$PYTHONPATH}"

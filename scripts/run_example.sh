#!/usr/bin/env bash
# The main job on the bundled example, from a bare Debian 12/13 machine: sets up the host (Docker
# engine, Compose v2, base image) and the venv, builds the example images, writes example/.env with
# random secrets, then brings the AccrediTrack stack up at release v1 with Ansible and shows its health.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup_host.sh"
"$root/scripts/setup_venv.sh"
source "$root/scripts/lib.sh"
"$root/scripts/build_example_images.sh"
"$root/scripts/example_env.sh" "$root/example/.env"
cd "$root"
ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$VENV/bin/python" example/bring_up.yml "$@"
port=$(sed -n 's/^BACKEND_PORT=//p' example/.env)
echo "GET http://127.0.0.1:${port:-8000}/health/ ->"
python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())" \
  "http://127.0.0.1:${port:-8000}/health/"

#!/usr/bin/env bash
# The main job on the bundled example, from a bare Debian 12/13 machine: sets up the host (Docker
# engine, Compose v2, base image) and the venv, builds the example images, writes example/.env with
# random secrets, then deploys the AccrediTrack stack at release v1 (accreditrack.ops.deploy), updates it to
# v2 (accreditrack.ops.update), prints the update's deploy report and the backend's health.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup_host.sh"
"$root/scripts/setup_venv.sh"
source "$root/scripts/lib.sh"
"$root/scripts/build_example_images.sh"
"$root/scripts/example_env.sh" "$root/example/.env"
cd "$root"
# The project is configured in the example's inventory (example/inventory/group_vars/accreditrack.yml);
# only this machine's paths come from the command line: state (deploy lock, rollback points, reports)
# and backups under the user's state directory.
# The quiet stdout callback of the collection (README "Quiet output"); ANSIBLE_STDOUT_CALLBACK=default
# in the caller's environment, or -v, gives the default output.
export ANSIBLE_STDOUT_CALLBACK="${ANSIBLE_STDOUT_CALLBACK:-accreditrack.ops.phases}"
run() { ansible-playbook -i "$root/example/inventory" -e "state_dir=$STATE_DIR/state" -e "backup_dir=$STATE_DIR/backups" "$@"; }
# A second run must not put the v1 code back on a database that is already at v2: deploy v1 only when
# the example is not running yet (update to v2 is then a no-op on an already updated stack).
cid=$(docker compose --project-directory example -p accreditrack --env-file example/.env ps -q backend 2>/dev/null || true)
running=""
if [ -n "$cid" ]; then
  running=$(docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$cid" | sed -n 's/^APP_RELEASE=//p')
fi
if [ -z "$running" ]; then
  echo "== accreditrack.ops.deploy (release v1)"
  run accreditrack.ops.deploy -e release=v1 "$@"
else
  echo "== the example already runs release $running: no first deploy"
fi
echo "== accreditrack.ops.update (release v2)"
run accreditrack.ops.update -e release=v2 "$@"
report=$(ls -1t "$STATE_DIR/state/reports/accreditrack/"*-update.json | head -n 1)
echo "== deploy report: $report"
python3 -m json.tool "$report"
port=$(sed -n 's/^BACKEND_PORT=//p' example/.env)
echo "GET http://127.0.0.1:${port:-8000}/health/ ->"
python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())" \
  "http://127.0.0.1:${port:-8000}/health/"

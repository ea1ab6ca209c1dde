#!/usr/bin/env bash
# stop_on_new_point.sh DIR PIDFILE: wait until DIR holds one file more than now (the update's new
# rollback point), then stop the process whose pid PIDFILE holds (the second host's sshd).
set -u
dir=$1 pidfile=$2
count() { local files=("$dir"/*.json); [ -e "${files[0]}" ] && echo "${#files[@]}" || echo 0; }
n0=$(count)
for _ in $(seq 1 3000); do
  [ "$(count)" -gt "$n0" ] && { kill "$(cat "$pidfile")"; exit 0; }
  sleep 0.2
done
exit 1

#!/usr/bin/env bash
# Writes an env file for the example stack with random secrets, unless it exists already.
# Usage: example_env.sh [FILE]   (default: example/.env)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
file="${1:-$root/example/.env}"
[ -s "$file" ] && exit 0
umask 077
rand() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
{
  echo "POSTGRES_DB=accreditrack"
  echo "POSTGRES_USER=accreditrack"
  echo "POSTGRES_PASSWORD=$(rand)"
  echo "DJANGO_SECRET_KEY=$(rand)"
  echo "BACKEND_RELEASE=v1"
  echo "BACKEND_PORT=${BACKEND_PORT:-8000}"
} >"$file.tmp"
mv "$file.tmp" "$file"
echo "[example_env] wrote $file (mode 0600)" >&2

#!/usr/bin/env bash
# Builds the example stack's images locally: accreditrack-db:17 and accreditrack-backend:<release>
# for every release in example/backend/releases/ (or only the releases given as arguments).
# Docker's layer cache makes a rebuild of unchanged releases take a second or two.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/example/backend/releases"
if [ $# -gt 0 ]; then releases=("$@"); else releases=(v*/); releases=("${releases[@]%/}"); fi
cd "$root/example"
docker build -q -t accreditrack-db:17 db >/dev/null
for r in "${releases[@]}"; do
  [ -d "backend/releases/$r" ] || { echo "[build_example_images] ERROR: no release '$r' in example/backend/releases" >&2; exit 1; }
  docker build -q --build-arg "APP_RELEASE=$r" -t "accreditrack-backend:$r" backend >/dev/null
done
echo "[build_example_images] built accreditrack-db:17 and accreditrack-backend:{${releases[*]}}" >&2

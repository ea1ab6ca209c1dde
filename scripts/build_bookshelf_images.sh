#!/usr/bin/env bash
# Builds the second test project's images (tests/projects/bookshelf, see its README.md):
# bookshelf-web:<release> for every release in web/releases/ (or only those given). The wheels of each
# release's pinned requirements are downloaded on the host (pip; no network inside the build) into
# web/wheels/<release>/ once; Docker's layer cache makes a rebuild take seconds. The database image is
# the example's accreditrack-db:17 (scripts/build_example_images.sh builds it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web="$root/tests/projects/bookshelf/web"
python="${PYTHON:-python3}"
cd "$web/releases"
if [ $# -gt 0 ]; then releases=("$@"); else releases=(*/); releases=("${releases[@]%/}"); fi
for r in "${releases[@]}"; do
  [ -f "$web/releases/$r/requirements.txt" ] || { echo "[build_bookshelf_images] ERROR: no release '$r'" >&2; exit 1; }
  wheels="$web/wheels/$r"
  if [ ! -f "$wheels/.complete" ]; then
    rm -rf "$wheels"; mkdir -p "$wheels"
    "$python" -m pip download -q --no-deps --only-binary=:all: -d "$wheels" -r "$web/releases/$r/requirements.txt" \
      || { echo "[build_bookshelf_images] ERROR: could not download the wheels of $r from the package index" >&2; exit 1; }
    touch "$wheels/.complete"
  fi
  docker build -q --build-arg "SHELF_VERSION=$r" -t "bookshelf-web:$r" "$web" >/dev/null
done
echo "[build_bookshelf_images] built bookshelf-web:{${releases[*]}}" >&2

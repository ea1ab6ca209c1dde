#!/usr/bin/env bash
# The whole test suite, from a bare Debian 12/13 machine or a developer laptop:
#   host set-up (Docker engine, Compose v2, base image), the venv, lint (yamllint, ansible-lint,
#   ruff), unit tests, ansible-test sanity, the collection build/install test, then every molecule
#   scenario against the real example stack. Every step runs; the exit code is non-zero if any failed.
# Usage: scripts/test.sh [SCENARIO ...]   (only these molecule scenarios; default: all)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
logs="${ACCREDITRACK_TEST_LOGS:-$root/tests/output/logs}"
mkdir -p "$logs"
passed=0 failed=0 failures=()
start_all=$(date +%s)

step() {  # step NAME COMMAND...: run, log to a file, print one line; on failure print the log's tail.
  local name=$1; shift
  local log="$logs/${name//[^A-Za-z0-9_.-]/_}.log" t0=$(date +%s) rc
  "$@" >"$log" 2>&1; rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); printf 'PASS  %-40s %4ss\n' "$name" $(( $(date +%s) - t0 ))
  else
    failed=$((failed + 1)); failures+=("$name")
    printf 'FAIL  %-40s %4ss (rc=%s, log: %s)\n' "$name" $(( $(date +%s) - t0 )) "$rc" "$log"
    tail -n 60 "$log" | sed 's/^/      | /'
  fi
  return $rc
}

step setup-host "$root/scripts/setup_host.sh" || { echo "host set-up failed: nothing else can run"; echo "0 passed, 1 failed"; exit 1; }
step setup-venv "$root/scripts/setup_venv.sh" || { echo "venv set-up failed: nothing else can run"; echo "1 passed, 1 failed"; exit 1; }
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
cd "$root"

step yamllint yamllint --strict .
step ansible-lint ansible-lint --offline -q
step ruff-check ruff check .
step ruff-format ruff format --check .
step changelog-lint antsibull-changelog lint
step pytest python -m pytest -q -p no:cacheprovider tests/unit tests/packaging
step ansible-test-sanity "$root/scripts/sanity.sh"
step build-example-images "$root/scripts/build_example_images.sh"
step build-bookshelf-images "$root/scripts/build_bookshelf_images.sh"

if [ $# -gt 0 ]; then scenarios=("$@"); else
  scenarios=(); for f in molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$f")")"); done
fi
molecule_test() {  # a fresh ephemeral state first: molecule skips `prepare` in a scenario it thinks is prepared
  molecule reset -s "$1" >/dev/null 2>&1 || true
  molecule test -s "$1"
}
for s in "${scenarios[@]}"; do
  step "molecule-$s" molecule_test "$s"
done

echo "suite took $(( $(date +%s) - start_all ))s"
[ ${#failures[@]} -eq 0 ] || echo "failed steps: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

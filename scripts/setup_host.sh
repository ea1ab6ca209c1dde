#!/usr/bin/env bash
# Brings a bare Debian 12/13 machine (root, no Docker daemon, no container registry) to:
#   - a running Docker engine,
#   - Docker Compose v2 (`docker compose version` >= 2),
#   - the local base image debian:trixie-slim (built with debootstrap when it cannot be pulled).
# Idempotent: where Docker already runs with Compose v2 and the image exists, it changes nothing.
# Where it cannot succeed it stops with a message saying what is missing and how to get it.
set -euo pipefail

BASE_IMAGE="${ACCREDITRACK_BASE_IMAGE:-debian:trixie-slim}"
BASE_SUITE="${ACCREDITRACK_BASE_SUITE:-trixie}"
DEBIAN_MIRROR="${ACCREDITRACK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKERD_LOG="${ACCREDITRACK_DOCKERD_LOG:-/var/log/accreditrack-dockerd.log}"

log() { printf '[setup_host] %s\n' "$*" >&2; }
die() { printf '[setup_host] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else command -v sudo >/dev/null || die "need root (or sudo) to run: $*"; sudo "$@"; fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian 12/13 only. Install Docker, Compose v2 and a '$BASE_IMAGE' image yourself."
  if [ "$apt_updated" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed: is Debian's package mirror reachable?"
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# --- 1. Docker engine -------------------------------------------------------------------------
docker_ready() { docker info >/dev/null 2>&1; }

if docker_ready; then
  log "Docker engine already running"
else
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing the Docker engine (docker.io)"
    apt_install docker.io ca-certificates iptables
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd still missing after installing docker.io"
  log "starting dockerd (log: $DOCKERD_LOG)"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl start docker || true
  fi
  if ! docker_ready; then
    as_root sh -c "nohup dockerd >>'$DOCKERD_LOG' 2>&1 &"
  fi
  for _ in $(seq 1 60); do docker_ready && break; sleep 1; done
  docker_ready || die "dockerd did not become ready in 60 s; see $DOCKERD_LOG"
  log "Docker engine ready"
fi

# --- 2. Compose v2 ----------------------------------------------------------------------------
compose_v2() {
  local v
  v=$(docker compose version --short 2>/dev/null) || return 1
  v=${v#v}
  [ "${v%%.*}" -ge 2 ] 2>/dev/null
}

if compose_v2; then
  log "Compose $(docker compose version --short) present"
else
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" != "bookworm" ]; then
    log "installing docker-compose from Debian ($codename)"
    apt_install docker-compose
  fi
  if ! compose_v2; then
    # Debian 12's docker-compose is v1 (1.29): take the v2 plugin binary from Debian 13's package,
    # using a throw-away apt sources list so the system's sources are never touched.
    log "fetching Compose v2 from Debian 13 (trixie) with a private apt sources list"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
    echo "deb $DEBIAN_MIRROR trixie main" >"$tmp/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" update -qq || die "could not read Debian 13's package list from $DEBIAN_MIRROR"
    (cd "$tmp" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null) \
      || die "could not download Debian 13's docker-compose package"
    dpkg -x "$tmp"/docker-compose_*.deb "$tmp/root"
    plugin="$tmp/root/usr/libexec/docker/cli-plugins/docker-compose"
    [ -x "$plugin" ] || die "Debian 13's docker-compose package has no cli plugin at usr/libexec/docker/cli-plugins"
    as_root install -D -m 0755 "$plugin" /usr/libexec/docker/cli-plugins/docker-compose
    rm -rf "$tmp"; trap - EXIT
  fi
  compose_v2 || die "Compose v2 still not available: install the 'docker-compose' package from Debian 13 or Docker's compose plugin"
  log "Compose $(docker compose version --short) installed"
fi

# --- 3. Base image ----------------------------------------------------------------------------
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE present"
elif docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
  log "pulled $BASE_IMAGE"
else
  log "no registry: building $BASE_IMAGE with debootstrap ($BASE_SUITE from $DEBIAN_MIRROR)"
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  rootfs=$(mktemp -d /var/tmp/accreditrack-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  as_root debootstrap --variant=minbase "$BASE_SUITE" "$rootfs" "$DEBIAN_MIRROR" >/dev/null \
    || die "debootstrap $BASE_SUITE failed: is $DEBIAN_MIRROR reachable?"
  # Keep the image small and apt usable, like the official slim image.
  as_root rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  as_root tar -C "$rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"; trap - EXIT
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "docker import of $BASE_IMAGE failed"
  log "built $BASE_IMAGE"
fi
log "host ready: $(docker version --format 'engine {{.Server.Version}}'), compose $(docker compose version --short), image $BASE_IMAGE"

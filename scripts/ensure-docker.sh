#!/usr/bin/env bash
# Makes sure a Docker engine answers and the kernel limits suit a fleet of
# systemd containers. Installs Debian's docker.io and starts dockerd when
# none runs (needs root). Idempotent: does nothing where all is in place.
set -euo pipefail
say() { echo "[pirun setup] $*" >&2; }

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    say "no Docker engine answers and this is not root: start Docker, then run again"; exit 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing Debian's docker.io (no Docker engine found)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    say "starting dockerd (log: /var/log/pirun-dockerd.log)"
    if command -v systemctl >/dev/null 2>&1 && systemctl start docker 2>/dev/null && sleep 1 && docker info >/dev/null 2>&1; then
      :
    else
      nohup dockerd >/var/log/pirun-dockerd.log 2>&1 &
    fi
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { say "dockerd did not start: see /var/log/pirun-dockerd.log"; exit 1; }
  fi
fi

# Past about 20 systemd containers the default of 128 inotify instances runs out.
if [ "$(id -u)" = 0 ]; then
  cur=$(sysctl -n fs.inotify.max_user_instances 2>/dev/null || echo 0)
  if [ "$cur" -lt 8192 ]; then
    say "raising fs.inotify.max_user_instances from $cur to 8192"
    sysctl -qw fs.inotify.max_user_instances=8192 || say "could not raise the inotify limit"
    sysctl -qw fs.inotify.max_user_watches=1048576 || true
  fi
fi

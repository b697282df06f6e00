#!/usr/bin/env bash
# Builds the Debian 12 (bookworm) image that pirun's tests, demo and benchmark
# run as throwaway hosts: systemd as PID 1, sshd, a `pi` user with password
# `raspberry` and sudo, avahi-daemon and triggerhappy enabled (a fresh Pi's
# state). No container registry is needed: the root file system comes from
# Debian's packages through debootstrap and `docker import`. The image is
# cached by a tag derived from this script, so a rebuild happens only when it
# changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "[pirun setup] $*" >&2; }
tag="pirun-test-debian:$(sha256sum "$0" | cut -c1-12)"
if [ "${1:-}" = "--tag" ]; then echo "$tag"; exit 0; fi
if docker image inspect "$tag" >/dev/null 2>&1; then exit 0; fi

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

# Use the Debian mirror this machine's apt already uses.
mirror=$(grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | awk '{print $2}' | grep -v -- '-security' | grep -E '/debian/?$' | head -1 || true)
mirror=${mirror:-${PIRUN_DEBIAN_MIRROR:-}}
[ -n "$mirror" ] || { say "cannot find a Debian mirror in /etc/apt: set PIRUN_DEBIAN_MIRROR"; exit 1; }
security=${mirror%/debian*}/debian-security

root=$(mktemp -d /tmp/pirun-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
say "building test image $tag with debootstrap (about two minutes)"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,openssh-server,sudo,iproute2,procps,iputils-ping,avahi-daemon,triggerhappy,apt-utils,ca-certificates,netcat-openbsd \
  bookworm "$root" "$mirror" >/tmp/pirun-debootstrap.log 2>&1 || { say "debootstrap failed: see /tmp/pirun-debootstrap.log"; exit 1; }

cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SRC
cp "$here/image/setup-in-rootfs.sh" "$root/tmp/setup.sh"
chroot "$root" /bin/bash /tmp/setup.sh >>/tmp/pirun-debootstrap.log 2>&1 || { say "image setup failed: see /tmp/pirun-debootstrap.log"; exit 1; }
rm -f "$root/tmp/setup.sh"
tar -C "$root" -c . | docker import -c 'CMD ["/lib/systemd/systemd"]' - "$tag" >/dev/null
say "built $tag"

#!/usr/bin/env bash
# Builds the Debian 12 (bookworm) image that pirun's tests, demo and benchmark
# run as throwaway hosts: systemd as PID 1, sshd, a `pi` user with password
# `raspberry` and sudo, avahi-daemon and triggerhappy enabled (a fresh Pi's
# state). No container registry is needed: the root file system comes from
# Debian's packages through debootstrap and `docker import`. The image is
# cached by a tag derived from this script, so a rebuild happens only when it
# changes.
#
# Usage: build-test-image.sh [--arch amd64|arm64|armhf] [--tag]
# arm64 and armhf are Raspberry Pi OS's two architectures; they are built and
# run through qemu-user-static (scripts/ensure-binfmt.sh sets it up).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "[pirun setup] $*" >&2; }
arch=amd64
print_tag=0
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:-}; shift 2 ;;
    --tag) print_tag=1; shift ;;
    *) say "Cannot build the test image: unknown argument \"$1\" (expected --arch amd64|arm64|armhf, --tag)"; exit 1 ;;
  esac
done
case "$arch" in
  amd64) suffix= ;;
  arm64|armhf) suffix="-$arch" ;;
  *) say "Cannot build the test image: unknown architecture \"$arch\" (expected amd64, arm64 or armhf)"; exit 1 ;;
esac
tag="pirun-test-debian$suffix:$(cat "$0" "$here/image/setup-in-rootfs.sh" | sha256sum | cut -c1-12)"
if [ "$print_tag" = 1 ]; then echo "$tag"; exit 0; fi
if docker image inspect "$tag" >/dev/null 2>&1; then exit 0; fi
if [ "$arch" != amd64 ]; then bash "$here/ensure-binfmt.sh"; fi

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
log=/tmp/pirun-debootstrap-$arch.log
# The setup mounts /proc inside the root file system: unmount it before
# removing the tree, and never cross into another file system while removing.
cleanup() {
  umount -l "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
if [ "$arch" = amd64 ]; then
  say "building test image $tag with debootstrap (about two minutes)"
else
  say "building emulated $arch test image $tag with debootstrap (10 to 20 minutes under qemu)"
fi
debootstrap --variant=minbase --arch="$arch" \
  --include=systemd,systemd-sysv,dbus,openssh-server,sudo,iproute2,procps,iputils-ping,avahi-daemon,triggerhappy,apt-utils,ca-certificates,netcat-openbsd \
  bookworm "$root" "$mirror" >$log 2>&1 || { say "debootstrap failed: see $log"; exit 1; }

cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SRC
cp "$here/image/setup-in-rootfs.sh" "$root/tmp/setup.sh"
chroot "$root" /bin/bash /tmp/setup.sh >>$log 2>&1 || { say "image setup failed: see $log"; exit 1; }
rm -f "$root/tmp/setup.sh"
tar -C "$root" -c . | docker import -c 'CMD ["/lib/systemd/systemd"]' - "$tag" >/dev/null
say "built $tag"

#!/usr/bin/env bash
# Makes this machine run arm64 and armhf programs (Raspberry Pi OS's two
# architectures) through Debian's qemu-user-static, for the emulated Pi hosts
# of pirun's tests. Idempotent: safe to run before every test run.
#  - installs qemu-user-static when it is missing;
#  - mounts binfmt_misc where it is not mounted;
#  - registers the aarch64 and arm handlers with the flags OCPF. Debian
#    registers them with PF; without C (credentials) setuid binaries do not
#    work in the emulated host, so `sudo` fails with "effective uid is not 0".
#    F makes the kernel open the interpreter at registration, so it also
#    works inside containers that do not contain qemu.
set -euo pipefail
say() { echo "[pirun setup] $*" >&2; }
[ "$(id -u)" = 0 ] || { say "Cannot set up ARM emulation: needs root (binfmt_misc registration)"; exit 1; }

if ! [ -x /usr/bin/qemu-aarch64-static ] || ! [ -x /usr/bin/qemu-arm-static ]; then
  say "installing qemu-user-static"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
fi
bf=/proc/sys/fs/binfmt_misc
if ! [ -e "$bf/register" ]; then
  mount -t binfmt_misc binfmt_misc "$bf"
fi

# name, magic, mask (as in qemu's qemu-binfmt-conf.sh), interpreter
register() {
  local name=$1 magic=$2 mask=$3 interp=$4
  if [ -e "$bf/$name" ]; then
    local flags
    flags=$(sed -n 's/^flags: //p' "$bf/$name")
    if grep -q "^interpreter $interp\$" "$bf/$name" && [[ $flags == *O* && $flags == *C* && $flags == *P* && $flags == *F* ]]; then return 0; fi
    echo -1 >"$bf/$name"
  fi
  printf ':%s:M::%s:%s:%s:OCPF\n' "$name" "$magic" "$mask" "$interp" >"$bf/register"
  say "registered $name with flags OCPF"
}
register qemu-aarch64 \
  '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00' \
  '\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff' \
  /usr/bin/qemu-aarch64-static
register qemu-arm \
  '\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00' \
  '\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff' \
  /usr/bin/qemu-arm-static

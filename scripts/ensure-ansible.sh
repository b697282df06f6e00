#!/usr/bin/env bash
# Makes sure ansible-inventory is installed: the unit tests compare pirun's
# reading of the inventory fixtures with Ansible's own. Installs Debian's
# ansible-core when it is missing (needs root). Idempotent.
set -euo pipefail
say() { echo "[pirun setup] $*" >&2; }

command -v ansible-inventory >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ]; then
  say "ansible-inventory is missing and this is not root: install Debian's ansible-core (apt-get install ansible-core), then run again"; exit 1
fi
say "installing Debian's ansible-core (the reference for the inventory tests)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ansible-core >/dev/null
command -v ansible-inventory >/dev/null 2>&1 || { say "ansible-inventory still missing after installing ansible-core"; exit 1; }

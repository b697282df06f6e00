#!/bin/bash
# Runs inside the debootstrapped root file system (chroot) to make it a
# throwaway "fresh Pi" host for tests.
set -euxo pipefail
export DEBIAN_FRONTEND=noninteractive
mount -t proc proc /proc || true
trap 'umount /proc 2>/dev/null || true' EXIT
# A mirror caught mid-sync serves an index that does not match its Release
# file: retry, and if only the security index of this architecture stays
# broken, build without it (the log says so) rather than not at all.
updated=0
for attempt in 1 2 3; do
  if apt-get update; then updated=1; break; fi
  sleep 10
done
if [ "$updated" = 0 ]; then
  echo "pirun setup: the security index cannot be downloaded for $(dpkg --print-architecture); building without it" >&2
  sed -i '/-security/d' /etc/apt/sources.list
  apt-get update
fi
# Pre-download what the roles install, so tests don't depend on the mirror's speed.
apt-get install -y --download-only fail2ban python3-systemd ufw unattended-upgrades wireguard-tools wireguard-go ssh-audit nftables iptables curl
umount /proc || true

# A fresh Pi: user pi / raspberry with passwordless sudo, password SSH login on.
useradd -m -s /bin/bash -G sudo pi
echo 'pi:raspberry' | chpasswd
echo 'pi ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/010_pi-nopasswd
chmod 0440 /etc/sudoers.d/010_pi-nopasswd
# A second admin whose sudo asks for a password (for --ask-become-pass).
useradd -m -s /bin/bash -G sudo admin
echo 'admin:admin-pass' | chpasswd

# Each container gets its own host keys and machine id at boot.
rm -f /etc/ssh/ssh_host_*
cat >/etc/systemd/system/ssh-hostkeys.service <<UNIT
[Unit]
Description=Generate SSH host keys
Before=ssh.service
[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable ssh-hostkeys.service ssh.service avahi-daemon.service triggerhappy.service
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
# Units that cannot work in a container.
systemctl mask systemd-udevd.service systemd-udevd-kernel.socket systemd-udevd-control.socket getty@tty1.service console-getty.service systemd-modules-load.service sys-kernel-config.mount || true

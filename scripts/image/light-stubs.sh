#!/bin/bash
# Turns a hardened full bench host into the source of a "light" host image
# (sshd only, no systemd): `record` wraps the tools whose answers need a
# running system (systemctl, ufw, apt-get, fail2ban-client, iptables, nft, ...)
# so that every call passes through to the real tool and its answer is saved;
# `replay` makes the wrappers answer from those recordings instead, and
# installs the container's entry point. Run `record`, then pirun warm/check
# and the floor probe, then `replay`, then `docker commit` (bench/lib/light.mjs).
# Files, packages (dpkg-query) and sshd -T stay real: the image holds them.
set -euo pipefail
lib=/usr/local/lib/pirun-light
data=/var/lib/pirun-light/replay
tools="systemctl ufw apt-get apt-cache fail2ban-client iptables ip6tables iptables-save ip6tables-save nft journalctl unattended-upgrade wg wg-quick"

install_shim() {
  mkdir -p "$lib/real"
  cat >"$lib/shim" <<'SHIM'
#!/bin/bash
# Answers for a tool on a light bench host: recorded answers, by argument list.
name=$1; shift
lib=/usr/local/lib/pirun-light
dir=/var/lib/pirun-light/replay/$name
real=$(cat "$lib/real/$name")
key=$(printf '%s\0' "$@" | sha256sum | cut -c1-32)
if [ "$(cat "$lib/mode")" = record ]; then
  tmp=$(mktemp -d)
  (exec -a "$name" "$real" "$@") >"$tmp/out" 2>"$tmp/err"
  code=$?
  cat "$tmp/out"; cat "$tmp/err" >&2
  if mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ]; then
    cp "$tmp/out" "$dir/$key.out"; cp "$tmp/err" "$dir/$key.err"
    printf '%s\n' "$*" >"$dir/$key.argv"; echo "$code" >"$dir/$key.code"
  fi
  rm -rf "$tmp"
  exit "$code"
fi
if [ -f "$dir/$key.code" ]; then
  cat "$dir/$key.out"; cat "$dir/$key.err" >&2
  exit "$(cat "$dir/$key.code")"
fi
# Nothing recorded: state-changing verbs succeed silently; anything else is a miss.
case "$name:${1:-}" in
  systemctl:start|systemctl:stop|systemctl:restart|systemctl:reload|systemctl:enable|systemctl:disable|systemctl:daemon-reload|systemctl:mask|systemctl:unmask|systemctl:try-restart|systemctl:reload-or-restart) exit 0 ;;
esac
echo "$name $*" >>/var/log/pirun-light-misses.log 2>/dev/null || true
echo "pirun light host: no recorded answer for: $name $*" >&2
exit 1
SHIM
  chmod 755 "$lib/shim"
  for t in $tools; do
    p=$(command -v "$t" 2>/dev/null) || continue
    [ -f "$lib/real/$t" ] && continue
    mv "$p" "$p.pirun-real"
    echo "$p.pirun-real" >"$lib/real/$t"
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$lib/shim" "$t" >"$p"
    chmod 755 "$p"
  done
}

case "${1:-}" in
  record)
    install_shim
    mkdir -p "$data"; chmod 1777 "$data" /var/lib/pirun-light
    echo record >"$lib/mode"
    ;;
  replay)
    echo replay >"$lib/mode"
    chmod -R a+rX,go-w "$data"
    cat >/usr/local/sbin/pirun-light-init <<'INIT'
#!/bin/sh
# Light bench host: sshd is the only process.
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e
INIT
    chmod 755 /usr/local/sbin/pirun-light-init
    echo "recorded answers: $(find "$data" -name '*.code' | wc -l)"
    ;;
  *) echo "usage: $0 record|replay" >&2; exit 2 ;;
esac

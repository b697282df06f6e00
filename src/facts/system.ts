// Facts about the host that plays may use in `when` and templates: OS, arch,
// hostname, Raspberry Pi model, init system and the SSH address in use.
import type { Probe } from './probe.js';

export interface SystemFacts {
  os: { id: string; version_id: string; codename: string; pretty_name: string };
  arch: string;
  dpkg_arch: string;
  hostname: string;
  is_raspberry_pi: boolean;
  pi_model: string | null;
  init: string;
  connection: { address: string; port: number; client_address: string };
  auth_log_exists: boolean;
}

export const systemProbe: Probe<SystemFacts> = {
  key: 'system',
  script: [
    `. /etc/os-release 2>/dev/null`,
    `printf 'id=%s\\nversion_id=%s\\ncodename=%s\\npretty=%s\\n' "$ID" "$VERSION_ID" "$VERSION_CODENAME" "$PRETTY_NAME"`,
    `printf 'arch=%s\\ndpkg_arch=%s\\nhostname=%s\\n' "$(uname -m)" "$(dpkg --print-architecture 2>/dev/null)" "$(hostname)"`,
    // The Pi's model from the device tree: /proc/device-tree links to the
    // firmware's copy, which some kernels and containers only show under /sys.
    `printf 'model=%s\\n' "$(tr -d '\\0' </proc/device-tree/model 2>/dev/null || tr -d '\\0' </sys/firmware/devicetree/base/model 2>/dev/null)"`,
    `printf 'init=%s\\n' "$(cat /proc/1/comm 2>/dev/null)"`,
    // Under sudo the variable is reset: read it from the nearest ancestor that has it.
    `c="$SSH_CONNECTION"; p=$$; while [ -z "$c" ] && [ "$p" -gt 1 ] 2>/dev/null; do c=$(tr '\\0' '\\n' </proc/$p/environ 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p'); p=$(cut -d' ' -f4 /proc/$p/stat 2>/dev/null || echo 1); done`,
    `printf 'ssh=%s\\n' "$c"`,
    `[ -e /var/log/auth.log ] && echo authlog=1 || echo authlog=0`,
  ].join('; '),
  parse: (out) => parseSystem(out),
};

export function parseSystem(out: string): SystemFacts {
  const kv = Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const [clientAddr = '', , serverAddr = '', serverPort = '22'] = (kv.ssh ?? '').split(' ');
  const model = kv.model?.trim() || '';
  return {
    os: { id: kv.id ?? '', version_id: kv.version_id ?? '', codename: kv.codename ?? '', pretty_name: kv.pretty ?? '' },
    arch: kv.arch ?? '',
    dpkg_arch: kv.dpkg_arch ?? '',
    hostname: kv.hostname ?? '',
    is_raspberry_pi: /raspberry pi/i.test(model),
    pi_model: /raspberry pi/i.test(model) ? model : null,
    init: kv.init === 'systemd' ? 'systemd' : kv.init ?? 'unknown',
    connection: { address: serverAddr, port: Number(serverPort), client_address: clientAddr },
    auth_log_exists: kv.authlog === '1',
  };
}

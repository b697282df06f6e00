// ufw's state read from its own files (ufw.conf, /etc/default/ufw and the
// `### tuple ###` lines of user.rules / user6.rules, comments included), plus
// firewall rules that some other tool loaded, all in one probe. Parsing
// `ufw status` would need ufw active and is meant for humans.
import type { Probe } from './probe.js';

export type UfwPolicy = 'allow' | 'deny' | 'reject';

export interface UfwRule {
  action: string; // allow, deny, reject, limit
  log: string; // '', 'log' or 'log-all'
  proto: string; // tcp, udp, any, ...
  dport: string; // '22', '6000:6100', '80,443' or 'any'
  dst: string; // 0.0.0.0/0, ::/0 or an address
  sport: string;
  src: string;
  dapp: string; // application profile names ('' when none)
  sapp: string;
  direction: 'in' | 'out';
  iface: string; // interface part of the direction field ('' when none)
  route: boolean;
  comment: string;
  v6: boolean;
}

export interface UfwFact {
  installed: boolean;
  enabled: boolean;
  ipv6: boolean;
  logging: string; // off, low, medium, high, full
  defaults: { incoming: UfwPolicy; outgoing: UfwPolicy; routed: UfwPolicy };
  rules: UfwRule[];
  // Rules loaded by something other than ufw (iptables-save / nft lines).
  foreign: string[];
}

// What a fresh `apt-get install ufw` leaves on Debian.
export const UFW_INSTALL_DEFAULTS: Omit<UfwFact, 'foreign'> = {
  installed: true,
  enabled: false,
  ipv6: true,
  logging: 'low',
  defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' },
  rules: [],
};

const FOREIGN_NFT = `nft list ruleset 2>/dev/null | awk '/^table /{t=$2" "$3; skip=(($2=="ip"||$2=="ip6") && $3 ~ /^(filter|nat|mangle|raw|security)$/); next} /^\\tchain /{c=1; next} /^\\t}/{c=0; next} c && !skip && !/^\\t\\ttype / && NF {sub(/^[\\t ]+/, ""); print "nft " t ": " $0}'`;

export const ufwProbe: Probe<UfwFact> = {
  key: 'ufw',
  become: true,
  script: [
    `if command -v ufw >/dev/null 2>&1 || [ -x /usr/sbin/ufw ]; then echo '@installed'; fi`,
    `echo '@conf'; cat /etc/ufw/ufw.conf 2>/dev/null`,
    `echo '@default'; cat /etc/default/ufw 2>/dev/null`,
    `echo '@v4'; grep '^### tuple ###' /etc/ufw/user.rules 2>/dev/null`,
    `echo '@v6'; grep '^### tuple ###' /etc/ufw/user6.rules 2>/dev/null`,
    // Rules in chains ufw did not create and that do not jump into ufw's chains.
    `echo '@foreign'; { iptables-save; ip6tables-save; } 2>/dev/null | grep '^-A ' | grep -v -e '^-A ufw6\\?-' -e ' -j ufw6\\?-'`,
    `if command -v nft >/dev/null 2>&1; then ${FOREIGN_NFT}; fi`,
    'true',
  ].join('\n'),
  parse: (out) => parseUfw(out),
};

function sections(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of out.split('\n')) {
    if (/^@(installed|conf|default|v4|v6|foreign)$/.test(line)) {
      current = [];
      map.set(line.slice(1), current);
    } else if (current && line.trim()) {
      current.push(line);
    }
  }
  return map;
}

function keyValues(lines: string[]): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const l of lines) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(l);
    if (m) kv[m[1]] = m[2].trim().replace(/^"(.*)"$/, '$1');
  }
  return kv;
}

const POLICY: Record<string, UfwPolicy> = { ACCEPT: 'allow', DROP: 'deny', REJECT: 'reject' };

export function parseUfw(out: string): UfwFact {
  const s = sections(out);
  const conf = keyValues(s.get('conf') ?? []);
  const def = keyValues(s.get('default') ?? []);
  const policy = (v: string | undefined, fallback: UfwPolicy) => POLICY[v ?? ''] ?? fallback;
  return {
    installed: s.has('installed'),
    enabled: conf.ENABLED === 'yes',
    ipv6: (def.IPV6 ?? 'yes') === 'yes',
    logging: conf.LOGLEVEL ?? 'low',
    defaults: {
      incoming: policy(def.DEFAULT_INPUT_POLICY, 'deny'),
      outgoing: policy(def.DEFAULT_OUTPUT_POLICY, 'allow'),
      routed: policy(def.DEFAULT_FORWARD_POLICY, 'deny'),
    },
    rules: [
      ...(s.get('v4') ?? []).map((l) => parseTuple(l, false)),
      ...(s.get('v6') ?? []).map((l) => parseTuple(l, true)),
    ].filter((r): r is UfwRule => r !== null),
    foreign: s.get('foreign') ?? [],
  };
}

// `### tuple ### ACTION PROTO DPORT DST SPORT SRC [DAPP SAPP] DIRECTION [comment=HEX]`
// (format of ufw's backend_iptables; DAPP/SAPP only for application rules).
export function parseTuple(line: string, v6: boolean): UfwRule | null {
  let body = line.replace(/^### tuple ###\s*/, '');
  let comment = '';
  const at = body.indexOf(' comment=');
  if (at >= 0) {
    comment = Buffer.from(body.slice(at + ' comment='.length).trim(), 'hex').toString('utf8');
    body = body.slice(0, at);
  }
  const f = body.trim().split(/\s+/);
  if (f.length < 6 || f.length > 9) return null;
  const withApps = f.length >= 8;
  const dirField = (f.length === 7 || f.length === 9 ? f[f.length - 1] : 'in') ?? 'in';
  let action = f[0];
  const route = action.startsWith('route:');
  if (route) action = action.slice('route:'.length);
  const [verb, log = ''] = action.split('_');
  const [dirPart] = dirField.split('!');
  const direction = dirPart.startsWith('out') ? 'out' : 'in';
  const unapp = (v: string | undefined) => (!v || v === '-' ? '' : v.replace(/%20/g, ' '));
  return {
    action: verb,
    log,
    proto: f[1],
    dport: f[2],
    dst: f[3],
    sport: f[4],
    src: f[5],
    dapp: withApps ? unapp(f[6]) : '',
    sapp: withApps ? unapp(f[7]) : '',
    direction,
    iface: dirField.includes('_') || dirField.includes('!') ? dirField : '',
    route,
    comment,
    v6,
  };
}

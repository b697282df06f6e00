// ufw rules as values: the rule a task asks for, the same normalisation ufw
// applies before it writes user.rules (so a re-run compares equal), matching
// against the parsed tuples, the ufw command lines, and whether a rule set
// lets an SSH connection in.
import { isIPv4, isIPv6 } from 'node:net';
import type { UfwRule } from '../facts/ufw.js';
import { sh } from '../transport/quote.js';

export interface WantedRule {
  action: 'allow' | 'deny' | 'limit' | 'reject';
  proto: 'tcp' | 'udp' | 'any';
  port: string; // 'any' when none
  src: string; // normalised address or 'any'
  dst: string;
  direction: 'in' | 'out';
  comment?: string;
}

// What a task does to the rule list: the rules left, and the commands' inputs.
export interface RulePlan {
  rules: UfwRule[];
  added: { rule: WantedRule; summary: string; prepend?: boolean }[];
  removals: { summary: string; script: string }[];
  deleted: UfwRule[];
}

const PORTS = /^\d{1,5}(:\d{1,5})?(,\d{1,5}(:\d{1,5})?)*$/;

// ufw's port syntax, checked before ufw rejects it on the host.
export function normalPort(port: string | number | undefined): string {
  if (port === undefined || port === 'any' || port === '') return 'any';
  const p = String(port).replace(/\s+/g, '');
  if (!PORTS.test(p)) throw new Error(`port must be a number, a range "A:B" or a list "A,B", got "${port}"`);
  return p;
}

// ufw masks host bits, drops /32 and /128, lowercases and compresses IPv6.
export function normalAddress(addr: string | undefined): string {
  if (addr === undefined || addr === '' || addr === 'any') return 'any';
  const [ip, prefixText, extra] = addr.trim().split('/');
  if (extra !== undefined) throw new Error(`invalid address "${addr}"`);
  const prefix = prefixText === undefined ? undefined : Number(prefixText);
  if (isIPv4(ip)) {
    if (prefix === undefined || prefix === 32) return ip;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid prefix in "${addr}"`);
    if (prefix === 0) return 'any';
    const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const masked = prefix === 0 ? 0 : n - (n % 2 ** (32 - prefix));
    return `${[24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join('.')}/${prefix}`;
  }
  if (isIPv6(ip)) {
    if (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > 128)) throw new Error(`invalid prefix in "${addr}"`);
    if (prefix === 0) return 'any';
    const compact = compressIPv6(expandIPv6(ip));
    return prefix === undefined || prefix === 128 ? compact : `${compact}/${prefix}`;
  }
  throw new Error(`invalid address "${addr}": expected an IPv4 or IPv6 address or network, or "any"`);
}

// Eight 16-bit groups (an embedded IPv4 tail becomes two groups).
function expandIPv6(ip: string): number[] {
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

// RFC 5952: the longest run (two or more) of zero groups becomes "::".
function compressIPv6(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

// Address family of a normalised address ('any' fits both).
export function family(addr: string): 'v4' | 'v6' | 'any' {
  if (addr === 'any') return 'any';
  return addr.includes(':') ? 'v6' : 'v4';
}

// Which rules files the rule lands in.
export function families(w: WantedRule, ipv6: boolean): boolean[] {
  const fams = new Set([family(w.src), family(w.dst)].filter((f) => f !== 'any'));
  if (fams.size > 1) throw new Error(`rule mixes IPv4 and IPv6 addresses (from "${w.src}", to "${w.dst}")`);
  if (fams.has('v4')) return [false];
  if (fams.has('v6')) return [true];
  return ipv6 ? [false, true] : [false];
}

const anyAddr = (v6: boolean) => (v6 ? '::/0' : '0.0.0.0/0');
const fromTuple = (addr: string) => (addr === '0.0.0.0/0' || addr === '::/0' ? 'any' : addr);

// The tuple ufw writes for a wanted rule in one rules file.
export function toTuple(w: WantedRule, v6: boolean): UfwRule {
  return {
    action: w.action,
    log: '',
    proto: w.proto,
    dport: w.port,
    dst: w.dst === 'any' ? anyAddr(v6) : w.dst,
    sport: 'any',
    src: w.src === 'any' ? anyAddr(v6) : w.src,
    dapp: '',
    sapp: '',
    direction: w.direction,
    iface: '',
    route: false,
    comment: w.comment ?? '',
    v6,
  };
}

// Same rule (comment aside): ufw would say "Skipping adding existing rule".
export function sameRule(t: UfwRule, w: WantedRule, v6: boolean): boolean {
  return (
    t.v6 === v6 && !t.route && !t.iface && !t.dapp && !t.sapp && t.log === '' && t.sport === 'any' &&
    t.action === w.action && t.proto === w.proto && t.dport === w.port && t.direction === w.direction &&
    fromTuple(t.src) === w.src && fromTuple(t.dst) === w.dst
  );
}

// A wanted rule in the words of the change summaries.
export function describeRule(w: WantedRule): string {
  const port = w.port === 'any' ? 'any port' : `${w.port}/${w.proto}`;
  const from = w.src === 'any' ? '' : ` from ${w.src}`;
  const to = w.dst === 'any' ? '' : ` to ${w.dst}`;
  return `${w.action} ${w.direction === 'out' ? 'out ' : ''}${port}${from}${to}${w.comment ? ` (${w.comment})` : ''}`;
}

// `ufw [delete|prepend] ACTION DIR [proto P] from SRC to DST [port N] [comment C]`
// With prepend the rule goes first, ahead of any deny rule that would shadow it.
export function ruleCommand(w: WantedRule, opts: { delete?: boolean; prepend?: boolean } = {}): string {
  const words = [
    ...(opts.delete ? ['delete'] : opts.prepend ? ['prepend'] : []),
    w.action,
    w.direction,
    ...(w.proto === 'any' ? [] : ['proto', w.proto]),
    ...['from', w.src, 'to', w.dst],
    ...(w.port === 'any' ? [] : ['port', w.port]),
    ...(!opts.delete && w.comment !== undefined ? ['comment', w.comment] : []),
  ];
  return sh`ufw ${words}`;
}

// Deletes an existing rule exactly as written in the rules file.
export function deleteTupleCommand(t: UfwRule): string {
  const [dir, iface] = t.iface ? (t.iface.split('!')[0].split('_') as [string, string]) : [t.direction, ''];
  const apps = t.dapp || t.sapp;
  const words = [
    'delete',
    t.action,
    dir,
    ...(iface ? ['on', iface] : []),
    ...(t.log ? [t.log] : []),
    ...(apps || t.proto === 'any' ? [] : ['proto', t.proto]),
    ...['from', fromTuple(t.src), ...(t.sapp ? ['app', t.sapp] : t.sport !== 'any' ? ['port', t.sport] : [])],
    ...['to', fromTuple(t.dst), ...(t.dapp ? ['app', t.dapp] : t.dport !== 'any' ? ['port', t.dport] : [])],
  ];
  return sh`ufw ${words}`;
}

// ufw ports: 'any', a number, a range A:B or a comma list of those.
function portMatches(spec: string, port: number): boolean {
  if (spec === 'any') return true;
  return spec.split(',').some((part) => {
    const [a, b] = part.split(':').map(Number);
    return b === undefined ? a === port : port >= a && port <= b;
  });
}

// An address as one integer, for prefix comparisons.
function ipNumber(ip: string): bigint {
  if (isIPv4(ip)) return ip.split('.').reduce((acc, o) => acc * 256n + BigInt(o), 0n);
  return expandIPv6(ip).reduce((acc, g) => acc * 65536n + BigInt(g), 0n);
}

// True when the rule's address or network contains `addr`.
function addressMatches(spec: string, addr: string): boolean {
  if (spec === '0.0.0.0/0' || spec === '::/0' || spec === 'any') return true;
  if (!addr) return false;
  const [net, prefixText] = spec.split('/');
  const bits = isIPv4(net) ? 32 : 128;
  if (bits === 32 ? !isIPv4(addr) : !isIPv6(addr)) return false;
  const size = 2n ** BigInt(bits - (prefixText === undefined ? bits : Number(prefixText)));
  return ipNumber(net) / size === ipNumber(addr) / size;
}

export interface SshConnection {
  port: number;
  clientAddress: string;
  serverAddress: string;
}

// True when the first rule matching a new TCP connection to the SSH port
// allows it (rules apply in file order; no match means the default policy).
export function allowsSsh(rules: UfwRule[], conn: SshConnection): boolean {
  const client = conn.clientAddress.replace(/^::ffff:/, '');
  const v6 = isIPv6(client);
  for (const r of rules) {
    if (r.v6 !== v6 || r.route || r.direction !== 'in' || r.iface) continue;
    if (r.proto !== 'tcp' && r.proto !== 'any') continue;
    if (r.sport !== 'any' || !portMatches(r.dport, conn.port)) continue;
    if (!addressMatches(r.src, client) || !addressMatches(r.dst, conn.serverAddress.replace(/^::ffff:/, ''))) continue;
    return r.action === 'allow' || r.action === 'limit';
  }
  return false;
}

// Read-only facts for Ansible's info modules (stat, service_facts, getent):
// each is one small probe, batched with the other tasks' probes.
import { sh } from '../transport/quote.js';
import type { Probe } from './probe.js';

export interface StatFact {
  exists: boolean;
  path: string;
  [k: string]: unknown;
}

const TYPES: Record<string, string> = { 'regular file': 'isreg', 'regular empty file': 'isreg', directory: 'isdir', 'symbolic link': 'islnk', 'block special file': 'isblk', 'character special file': 'ischr', fifo: 'isfifo', socket: 'issock' };
const CHECKSUMS: Record<string, string> = { sha1: 'sha1sum', sha224: 'sha224sum', sha256: 'sha256sum', sha384: 'sha384sum', sha512: 'sha512sum', md5: 'md5sum' };

// The `stat` keys Ansible registers: type flags, mode, owner, size, times, and the checksum of a regular file.
export function statProbe(path: string, opts: { follow: boolean; checksum: string | false }): Probe<StatFact> {
  const L = opts.follow ? '-L ' : '';
  const sum = opts.checksum ? CHECKSUMS[opts.checksum] : undefined;
  return {
    key: `stat:${opts.follow ? 'L' : ''}:${opts.checksum || ''}:${path}`,
    become: true,
    script: [
      sh`p=${path}`,
      `{ [ -e "$p" ] || [ -L "$p" ]; } || exit 3`,
      `stat ${L}-c '%F|%a|%u|%g|%U|%G|%s|%Y|%X|%Z|%i|%h|%d' -- "$p"`,
      `if [ -L "$p" ]; then printf 'link|%s|%s\\n' "$(readlink -- "$p")" "$(readlink -f -- "$p")"; fi`,
      sum ? `if [ -f "$p" ] && [ -r "$p" ]; then printf 'sum|'; ${sum} < "$p" | cut -d' ' -f1; fi` : '',
    ].filter(Boolean).join('\n'),
    parse: (out, code) => parseStat(path, out, code),
  };
}

export function parseStat(path: string, out: string, code: number): StatFact {
  if (code === 3 || !out.trim()) return { exists: false, path };
  const [first, ...rest] = out.trim().split('\n');
  const [kind, mode, uid, gid, owner, group, size, mtime, atime, ctime, inode, nlink, dev] = first.split('|');
  const flags = Object.fromEntries(Object.values(TYPES).map((t) => [t, TYPES[kind] === t]));
  const m = parseInt(mode, 8);
  const fact: StatFact = {
    exists: true,
    path,
    ...flags,
    mode: mode.padStart(4, '0'),
    uid: Number(uid),
    gid: Number(gid),
    pw_name: owner,
    gr_name: group,
    size: Number(size),
    mtime: Number(mtime),
    atime: Number(atime),
    ctime: Number(ctime),
    inode: Number(inode),
    nlink: Number(nlink),
    dev: Number(dev),
    isuid: (m & 0o4000) !== 0,
    isgid: (m & 0o2000) !== 0,
    rusr: (m & 0o400) !== 0, wusr: (m & 0o200) !== 0, xusr: (m & 0o100) !== 0,
    rgrp: (m & 0o40) !== 0, wgrp: (m & 0o20) !== 0, xgrp: (m & 0o10) !== 0,
    roth: (m & 0o4) !== 0, woth: (m & 0o2) !== 0, xoth: (m & 0o1) !== 0,
  };
  for (const line of rest) {
    const [tag, a, b] = line.split('|');
    if (tag === 'link') Object.assign(fact, { islnk: true, lnk_target: a, lnk_source: b });
    if (tag === 'sum' && a) fact.checksum = a.trim();
  }
  return fact;
}

export interface ServiceFact {
  name: string;
  state: 'running' | 'stopped' | 'failed' | 'unknown';
  status: string;
  source: 'systemd';
}

// Every systemd service with its run state and its unit-file state, as service_facts reports them.
export const servicesProbe: Probe<Record<string, ServiceFact>> = {
  key: 'services',
  script: 'systemctl list-units --type=service --all --no-legend --no-pager --plain; echo @files; systemctl list-unit-files --type=service --no-legend --no-pager',
  parse: (out) => parseServices(out),
};

export function parseServices(out: string): Record<string, ServiceFact> {
  const [units, files = ''] = out.split('@files\n');
  const status = new Map<string, string>();
  for (const line of files.split('\n')) {
    const [name, state] = line.trim().split(/\s+/);
    if (name?.endsWith('.service')) status.set(name, state);
  }
  const services: Record<string, ServiceFact> = {};
  for (const line of units.split('\n')) {
    const [name, , active, sub] = line.replace(/^\W+\s*/, '').trim().split(/\s+/);
    if (!name?.endsWith('.service')) continue;
    const state = sub === 'running' ? 'running' : active === 'failed' ? 'failed' : sub ? 'stopped' : 'unknown';
    services[name] = { name, state, status: status.get(name) ?? 'unknown', source: 'systemd' };
  }
  for (const [name, s] of status) if (!services[name] && !name.includes('@')) services[name] = { name, state: 'stopped', status: s, source: 'systemd' };
  return services;
}

// `getent DATABASE [KEY]`: null when the key is not found (exit 2).
export function getentProbe(database: string, key?: string): Probe<string[] | null> {
  return {
    key: `getent:${database}:${key ?? ''}`,
    script: key === undefined ? sh`getent -- ${database}` : sh`getent -- ${database} ${key}`,
    parse: (out, code) => (code === 2 ? null : out.split('\n').filter((l) => l.length > 0)),
  };
}

// Whether a kernel module is loaded (or built in): /sys/module/NAME exists.
export function kernelModuleProbe(name: string): Probe<boolean> {
  return {
    key: `kmod:${name}`,
    script: sh`n=${name.replace(/-/g, '_')}; [ -d "/sys/module/$n" ] && echo loaded || echo absent`,
    parse: (out) => out.trim() === 'loaded',
  };
}

// What `find` sees below some folders: one line per path with its type,
// mode, owner, size and mtime, NUL-free (a path with a newline is skipped).
import { sh } from '../transport/quote.js';
import type { Probe } from './probe.js';

export interface FoundPath {
  path: string;
  type: 'file' | 'directory' | 'link' | 'other';
  mode: string;
  uid: number;
  gid: number;
  pw_name: string;
  gr_name: string;
  size: number;
  mtime: number;
}

const TYPE: Record<string, FoundPath['type']> = { f: 'file', d: 'directory', l: 'link' };

export function findProbe(paths: string[], opts: { depth?: number; follow: boolean }): Probe<FoundPath[]> {
  const depth = opts.depth === undefined ? [] : ['-maxdepth', String(opts.depth)];
  return {
    key: `find:${opts.follow ? 'L' : ''}:${opts.depth ?? ''}:${paths.join('\0')}`,
    become: true,
    script: sh`for p in ${paths}; do [ -d "$p" ] && find ${opts.follow ? ['-L'] : []} "$p" -mindepth 1 ${depth} -printf '%y|%m|%U|%G|%u|%g|%s|%T@|%p\\n'; done; true`,
    parse: (out) => parseFound(out),
  };
}

export function parseFound(out: string): FoundPath[] {
  const found: FoundPath[] = [];
  for (const line of out.split('\n')) {
    const parts = line.split('|');
    if (parts.length < 9) continue;
    const [y, mode, uid, gid, user, group, size, mtime, ...path] = parts;
    found.push({ path: path.join('|'), type: TYPE[y] ?? 'other', mode: mode.padStart(4, '0'), uid: Number(uid), gid: Number(gid), pw_name: user, gr_name: group, size: Number(size), mtime: Number(mtime) });
  }
  return found;
}

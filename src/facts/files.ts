// File state: type, mode, owner, group and sha256, so an unchanged file costs
// no upload. Content is read only where a module needs it (lineinfile, diffs).
import { sh } from '../transport/quote.js';
import type { Probe } from './probe.js';

export interface FileFact {
  type: 'file' | 'directory' | 'link' | 'other';
  mode: string; // octal, 4 digits, e.g. "0644"
  owner: string;
  group: string;
  size: number;
  sha256?: string;
  linkTarget?: string;
}

// The scripts below read the path from "$p" (exit 3: absent), so composite
// probes can run them on a path they find on the host.
export const STAT_SCRIPT = `if [ -L "$p" ]; then printf 'link %s %s %s %s\\n' "$(stat -c '%a %U %G %s' "$p")" "$(readlink "$p")"; elif [ -e "$p" ]; then stat -c '%F|%a|%U|%G|%s' "$p"; [ -f "$p" ] && sha256sum "$p" | cut -d' ' -f1; else exit 3; fi`;
export const CONTENT_SCRIPT = `[ -f "$p" ] || exit 3; base64 -w0 "$p"`;

export const parseFileFact = (out: string, code: number): FileFact | null => (code === 3 || !out.trim() ? null : parseStat(out));
export const parseContent = (out: string, code: number): Buffer | null => (code === 3 ? null : Buffer.from(out.trim(), 'base64'));

export function fileProbe(path: string): Probe<FileFact | null> {
  return { key: `file:${path}`, script: `${sh`p=${path}`}; ${STAT_SCRIPT}`, become: true, parse: parseFileFact };
}

export function parseStat(out: string): FileFact {
  const lines = out.trim().split('\n');
  if (lines[0].startsWith('link ')) {
    const [, mode, owner, group, size, ...target] = lines[0].split(' ');
    return { type: 'link', mode: mode.padStart(4, '0'), owner, group, size: Number(size), linkTarget: target.join(' ') };
  }
  const [kind, mode, owner, group, size] = lines[0].split('|');
  const type = kind === 'regular file' || kind === 'regular empty file' ? 'file' : kind === 'directory' ? 'directory' : 'other';
  return { type, mode: mode.padStart(4, '0'), owner, group, size: Number(size), sha256: lines[1]?.trim() || undefined };
}

// Content as base64 so any bytes survive the trip; null when absent.
export function fileContentProbe(path: string): Probe<Buffer | null> {
  return { key: `content:${path}`, script: `${sh`p=${path}`}; ${CONTENT_SCRIPT}`, become: true, parse: parseContent };
}

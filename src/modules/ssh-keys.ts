// authorized_keys lines: [options] type base64-blob [comment]. Two lines
// hold the same key when type and blob match; comments do not matter.
import { splitLines } from './line-edit.js';

export interface KeyLine {
  options: string;
  type: string;
  blob: string;
  comment: string;
  // The line as given (trimmed).
  text: string;
}

const KEY_TYPE = /^(ssh-[a-z0-9.@-]+|ecdsa-sha2-[a-z0-9.@-]+|sk-[a-z0-9.@-]+|rsa-sha2-(256|512)(-cert-v01@openssh\.com)?)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,3}$/;

export const keyId = (k: Pick<KeyLine, 'type' | 'blob'>): string => `${k.type} ${k.blob}`;

// Options end at the first blank outside double quotes (`from="a, b"` has none inside).
function splitOptions(line: string): [string, string] {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return [line.slice(0, i), line.slice(i).trim()];
  }
  return [line, ''];
}

// The blob starts with its own type name and (except for certificates) is a
// run of length-prefixed fields that ends exactly: this catches pasted,
// truncated or mislabelled keys.
function blobMatches(type: string, blob: string): boolean {
  if (blob.length % 4 !== 0) return false;
  const buf = Buffer.from(blob, 'base64');
  const fields: Buffer[] = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const len = buf.readUInt32BE(at);
    if (at + 4 + len > buf.length) break;
    fields.push(buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
    if (type.endsWith('-cert-v01@openssh.com')) break;
  }
  if (fields[0]?.toString('latin1') !== type) return false;
  return type.endsWith('-cert-v01@openssh.com') || (at === buf.length && fields.length >= 2);
}

// A key line, or null for blanks, comments and lines that hold no valid key.
export function parseKeyLine(line: string): KeyLine | null {
  const text = line.trim();
  if (!text || text.startsWith('#')) return null;
  const first = text.split(/\s+/)[0];
  const [options, rest] = KEY_TYPE.test(first) ? ['', text] : splitOptions(text);
  const [type = '', blob = '', ...comment] = rest.split(/\s+/);
  if (!KEY_TYPE.test(type) || !BASE64.test(blob) || !blobMatches(type, blob)) return null;
  return { options, type, blob, comment: comment.join(' '), text };
}

// The keys a task names: one string (several lines allowed) or a list of them.
export function parseWantedKeys(key: string | string[]): { keys: KeyLine[]; bad: string[] } {
  const lines = [key].flat().flatMap((k) => k.split('\n')).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const keys: KeyLine[] = [];
  const bad: string[] = [];
  for (const l of lines) {
    const k = parseKeyLine(l);
    if (k) keys.push(k);
    else bad.push(l);
  }
  return { keys, bad };
}

export interface KeysEdit {
  state: 'present' | 'absent';
  keys: KeyLine[];
  // Remove every key line that is not wanted (state: present).
  exclusive: boolean;
}

export interface KeysResult {
  text: string;
  added: number;
  removed: number;
  updated: number;
}

// The new file text. Comments and blank lines stay; with `exclusive`, so does nothing else.
export function editKeys(text: string, e: KeysEdit): KeysResult {
  const wanted = new Map(e.keys.map((k) => [keyId(k), k]));
  const seen = new Set<string>();
  const out: string[] = [];
  let removed = 0;
  let updated = 0;
  for (const line of splitLines(text)) {
    const k = parseKeyLine(line);
    const blankOrComment = !line.trim() || line.trim().startsWith('#');
    const want = k ? wanted.get(keyId(k)) : undefined;
    if (e.state === 'absent') {
      if (want) removed++;
      else out.push(line);
      continue;
    }
    const first = want !== undefined && !seen.has(keyId(want));
    if (blankOrComment || (!first && !e.exclusive)) {
      out.push(line);
      continue;
    }
    // Exclusive: unwanted keys, lines that hold no valid key and second copies go.
    if (!first) {
      removed++;
      continue;
    }
    seen.add(keyId(want));
    if (k!.options !== want.options) {
      out.push(`${want.text}\n`);
      updated++;
    } else out.push(line);
  }
  let added = 0;
  if (e.state === 'present') {
    for (const [id, k] of wanted) {
      if (seen.has(id)) continue;
      if (out.length && !out[out.length - 1].endsWith('\n')) out[out.length - 1] += '\n';
      out.push(`${k.text}\n`);
      seen.add(id);
      added++;
    }
  }
  const result = out.join('');
  return { text: added || removed || updated ? result : text, added, removed, updated };
}

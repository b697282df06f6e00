// Strict host key checking against an OpenSSH known_hosts file, hashed
// entries included. Unknown keys fail unless accept-new is on; a changed key
// never passes.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface HostKey {
  type: string;
  blob: Buffer;
}

export type HostKeyVerdict = 'match' | 'unknown' | 'changed';

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

// Key blobs start with the algorithm name as an SSH string.
export function keyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function hostPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function hostMatches(field: string, pattern: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64');
    return mac === hash;
  }
  return field.split(',').some((name) => globMatch(name, pattern));
}

function globMatch(glob: string, value: string): boolean {
  if (glob.startsWith('!')) return false;
  const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(value);
}

// Keys of one type are compared: a host known only by another key type is unknown, as in OpenSSH.
export function checkHostKey(file: string, pattern: string, key: HostKey): HostKeyVerdict {
  if (!existsSync(file)) return 'unknown';
  let sameType = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const parts = trimmed.split(/\s+/);
    if (parts[0].startsWith('@')) continue; // @cert-authority / @revoked: not supported here
    const [hosts, type, b64] = parts;
    if (!hosts || !type || !b64 || !hostMatches(hosts, pattern)) continue;
    if (type !== key.type) continue;
    sameType = true;
    if (Buffer.from(b64, 'base64').equals(key.blob)) return 'match';
  }
  return sameType ? 'changed' : 'unknown';
}

// Records a key hashed, like OpenSSH's HashKnownHosts.
export function recordHostKey(file: string, pattern: string, key: HostKey): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(pattern).digest('base64');
  appendFileSync(file, `|1|${salt.toString('base64')}|${hash} ${key.type} ${key.blob.toString('base64')}\n`, { mode: 0o600 });
}

// Key types already known for this host, so the handshake asks for those
// first (as OpenSSH does) and a changed key cannot hide behind another type.
export function knownKeyTypes(file: string, pattern: string): string[] {
  if (!existsSync(file)) return [];
  const types: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [hosts, type] = line.trim().split(/\s+/);
    if (!hosts || !type || hosts.startsWith('#') || hosts.startsWith('@')) continue;
    if (hostMatches(hosts, pattern) && !types.includes(type)) types.push(type);
  }
  return types;
}

export function hostKeyAlgorithms(types: string[]): string[] {
  return types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
}

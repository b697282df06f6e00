// Strict host key checking against an OpenSSH known_hosts file (sshd(8),
// "SSH_KNOWN_HOSTS FILE FORMAT"): hashed entries, wildcard and negated
// patterns, `@revoked` keys (always refused) and `@cert-authority` lines.
// A host that has any entry is known: only a listed key of the offered type
// passes; anything else is refused, whatever --accept-new-host-keys says.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { matchHostField } from './host-patterns.js';

export interface HostKey {
  type: string;
  blob: Buffer;
}

export interface KnownEntry extends HostKey {
  marker?: 'revoked' | 'cert-authority';
  line: number;
}

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'revoked'; entry: KnownEntry }
  // Known by this key type, with other keys.
  | { kind: 'changed'; known: KnownEntry[] }
  // Known, but only by keys of other types.
  | { kind: 'other-type'; known: KnownEntry[] }
  // No plain entry; certificate authorities are listed for the host.
  | { kind: 'cert-authority'; authorities: KnownEntry[] }
  | { kind: 'unknown' };

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

// Key blobs start with the algorithm name as an SSH string.
export function keyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

// The name looked up, as OpenSSH forms it: lower case, `[host]:port` unless port 22.
export function hostPattern(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

const MARKERS: Record<string, KnownEntry['marker']> = { '@revoked': 'revoked', '@cert-authority': 'cert-authority' };
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

// Every well-formed line whose host field matches the name; lines with an
// unknown marker or a malformed key are skipped, as OpenSSH does.
export function knownEntries(file: string, name: string): KnownEntry[] {
  if (!existsSync(file)) return [];
  const out: KnownEntry[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const parts = text.trim().split(/\s+/);
      if (!parts[0] || parts[0].startsWith('#')) return;
      let marker: KnownEntry['marker'];
      if (parts[0].startsWith('@')) {
        marker = MARKERS[parts[0]];
        if (!marker) return;
        parts.shift();
      }
      const [hosts, type, b64] = parts;
      if (!hosts || !type || !b64 || !BASE64.test(b64)) return;
      if (!matchHostField(hosts, name)) return;
      out.push({ marker, type, blob: Buffer.from(b64, 'base64'), line: i + 1 });
    });
  return out;
}

export function checkHostKey(file: string, name: string, key: HostKey): HostKeyVerdict {
  const entries = knownEntries(file, name);
  const revoked = entries.find((e) => e.marker === 'revoked' && e.blob.equals(key.blob));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = entries.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.type === key.type && e.blob.equals(key.blob))) return { kind: 'match' };
  const sameType = plain.filter((e) => e.type === key.type);
  if (sameType.length > 0) return { kind: 'changed', known: sameType };
  if (plain.length > 0) return { kind: 'other-type', known: plain };
  const authorities = entries.filter((e) => e.marker === 'cert-authority');
  if (authorities.length > 0) return { kind: 'cert-authority', authorities };
  return { kind: 'unknown' };
}

// Records a key hashed, like OpenSSH's HashKnownHosts.
export function recordHostKey(file: string, name: string, key: HostKey): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(name.toLowerCase()).digest('base64');
  appendFileSync(file, `|1|${salt.toString('base64')}|${hash} ${key.type} ${key.blob.toString('base64')}\n`, { mode: 0o600 });
}

// Host key types ssh2 can negotiate; others in known_hosts are left out of the preference list.
const NEGOTIABLE = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa', 'ssh-dss']);
// ssh2's own default order (lib/protocol/constants.js).
const DEFAULT_ORDER = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

// Key types already known for this host, so the handshake asks for those
// first (as OpenSSH does) and a changed key cannot hide behind another type.
export function knownKeyTypes(file: string, name: string): string[] {
  const types = knownEntries(file, name)
    .filter((e) => e.marker === undefined && NEGOTIABLE.has(e.type))
    .map((e) => e.type);
  return [...new Set(types)];
}

// The whole preference list: known types first, then ssh2's defaults. (ssh2's
// own `prepend` leaves an algorithm that is already listed where it is, so it
// cannot move a known type to the front.)
export function hostKeyAlgorithms(types: string[]): string[] {
  const known = types.filter((t) => NEGOTIABLE.has(t)).flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  return [...new Set([...known, ...DEFAULT_ORDER])];
}

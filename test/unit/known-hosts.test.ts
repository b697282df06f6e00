// known_hosts lookups follow OpenSSH (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT",
// match.c): `*` and `?` wildcards, a `!pattern` that vetoes the whole line,
// host names compared without case, `[host]:port` for other ports, hashed
// `|1|` entries, `@revoked` keys refused, and `@cert-authority` lines seen.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { checkHostKey, hostKeyAlgorithms, hostPattern, knownKeyTypes, recordHostKey } from '../../src/transport/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'pirun-known-hosts-'));
let files = 0;

function publicKey(type: 'ed25519' | 'ecdsa'): { type: string; blob: Buffer; line: string } {
  const pair = type === 'ed25519' ? ssh2.utils.generateKeyPairSync('ed25519') : ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
  const [t, b64] = pair.public.trim().split(/\s+/);
  return { type: t, blob: Buffer.from(b64, 'base64'), line: `${t} ${b64}` };
}

const A = publicKey('ed25519');
const B = publicKey('ed25519');
const E = publicKey('ecdsa');

function knownHosts(text: string): string {
  const f = join(dir, `kh${++files}`);
  writeFileSync(f, text);
  return f;
}

const kind = (file: string, name: string, key = A) => checkHostKey(file, name, { type: key.type, blob: key.blob }).kind;

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts host patterns (OpenSSH semantics)', () => {
  it('a negated pattern vetoes the line, wherever it stands in the list', () => {
    const f = knownHosts(`*.example.org,!evil.example.org ${A.line}\n`);
    expect(kind(f, 'good.example.org')).toBe('match');
    expect(kind(f, 'evil.example.org')).toBe('unknown');
    const g = knownHosts(`!evil.example.org,*.example.org ${A.line}\n`);
    expect(kind(g, 'evil.example.org')).toBe('unknown');
    expect(kind(g, 'x.example.org')).toBe('match');
  });

  it('a line of only negated patterns matches nothing', () => {
    const f = knownHosts(`!evil.example.org ${A.line}\n`);
    expect(kind(f, 'good.example.org')).toBe('unknown');
  });

  it('host names compare without case, in the file and in the inventory', () => {
    const f = knownHosts(`Pi1.Example.ORG ${A.line}\n`);
    expect(kind(f, hostPattern('pi1.example.org', 22))).toBe('match');
    const g = knownHosts(`pi2.example.org ${A.line}\n`);
    expect(kind(g, hostPattern('PI2.example.org', 22))).toBe('match');
    expect(kind(g, hostPattern('PI2.example.org', 2222))).toBe('unknown');
  });

  it('a hashed entry matches the lower-case name it was made from', () => {
    const f = knownHosts(`${hashed('[pi3.example.org]:2222')} ${A.line}\n`);
    expect(kind(f, hostPattern('PI3.example.org', 2222))).toBe('match');
    expect(kind(f, hostPattern('pi3.example.org', 22))).toBe('unknown');
  });

  it('wildcards: * is any run of characters, ? exactly one; other characters are literal', () => {
    const f = knownHosts(`pi-??.lan,[10.0.0.*]:2222 ${A.line}\n`);
    expect(kind(f, 'pi-01.lan')).toBe('match');
    expect(kind(f, 'pi-1.lan')).toBe('unknown');
    expect(kind(f, 'pi-01xlan')).toBe('unknown');
    expect(kind(f, '[10.0.0.7]:2222')).toBe('match');
    expect(kind(f, '10.0.0.7')).toBe('unknown');
    const re = knownHosts(`a+b.lan,c(d).lan ${A.line}\n`);
    expect(kind(re, 'a+b.lan')).toBe('match');
    expect(kind(re, 'aab.lan')).toBe('unknown');
    expect(kind(re, 'c(d).lan')).toBe('match');
  });

  it('a pattern with a port matches only that port', () => {
    const f = knownHosts(`[pi4.lan]:2222 ${A.line}\n`);
    expect(kind(f, hostPattern('pi4.lan', 2222))).toBe('match');
    expect(kind(f, hostPattern('pi4.lan', 22))).toBe('unknown');
  });
});

describe('known_hosts verdicts', () => {
  it('a key listed under @revoked is refused, even when a plain line lists it too', () => {
    const f = knownHosts(`pi1.lan ${A.line}\n@revoked * ${A.line}\n`);
    expect(kind(f, 'pi1.lan')).toBe('revoked');
    const only = knownHosts(`@revoked pi1.lan ${A.line}\n`);
    expect(kind(only, 'pi1.lan')).toBe('revoked');
    // Scoped by its host pattern, like every other line.
    expect(kind(only, 'pi2.lan')).toBe('unknown');
    // Another key of the host is not affected.
    const other = knownHosts(`pi1.lan ${B.line}\n@revoked * ${A.line}\n`);
    expect(kind(other, 'pi1.lan', B)).toBe('match');
  });

  it('a changed key of the known type is "changed" and names the known key', () => {
    const f = knownHosts(`pi1.lan ${A.line}\n`);
    const v = checkHostKey(f, 'pi1.lan', { type: B.type, blob: B.blob });
    expect(v.kind).toBe('changed');
    expect(v.kind === 'changed' && v.known.map((k) => k.blob.equals(A.blob))).toEqual([true]);
  });

  it('a host known only by another key type is known, not new', () => {
    const f = knownHosts(`pi1.lan ${E.line}\n`);
    const v = checkHostKey(f, 'pi1.lan', { type: A.type, blob: A.blob });
    expect(v.kind).toBe('other-type');
    expect(v.kind === 'other-type' && v.known.map((k) => k.type)).toEqual([E.type]);
  });

  it('a host covered only by @cert-authority is reported as such, never as unknown', () => {
    const ca = publicKey('ed25519');
    const f = knownHosts(`@cert-authority *.lan,!lab.lan ${ca.line}\n`);
    const v = checkHostKey(f, 'pi1.lan', { type: A.type, blob: A.blob });
    expect(v.kind).toBe('cert-authority');
    expect(v.kind === 'cert-authority' && v.authorities[0].blob.equals(ca.blob)).toBe(true);
    expect(kind(f, 'lab.lan')).toBe('unknown');
    // A plain entry for the key still matches.
    const both = knownHosts(`@cert-authority *.lan ${ca.line}\npi1.lan ${A.line}\n`);
    expect(kind(both, 'pi1.lan')).toBe('match');
  });

  it('comments, blank lines, bad base64 and unknown markers are skipped', () => {
    const f = knownHosts(`# a comment\n\n@unknown pi1.lan ${A.line}\npi1.lan ssh-ed25519 !!!notbase64\npi1.lan\n`);
    expect(kind(f, 'pi1.lan')).toBe('unknown');
  });

  it('a missing file knows nothing', () => {
    expect(kind(join(dir, 'absent'), 'pi1.lan')).toBe('unknown');
  });
});

describe('known_hosts bookkeeping', () => {
  it('records a key hashed under the lower-case name, and finds it again', () => {
    const f = knownHosts('');
    recordHostKey(f, hostPattern('PI9.lan', 2222), { type: A.type, blob: A.blob });
    expect(readFileSync(f, 'utf8')).toMatch(/^\|1\|\S+\|\S+ ssh-ed25519 \S+\n$/);
    expect(kind(f, hostPattern('pi9.lan', 2222))).toBe('match');
  });

  it('key types asked for first are those of plain lines, and only ones the SSH library can negotiate', () => {
    const f = knownHosts(`pi1.lan ${E.line}\n@revoked pi1.lan ${A.line}\n@cert-authority pi1.lan ${B.line}\npi1.lan sk-ssh-ed25519@openssh.com AAAA\n!pi1.lan,* ssh-rsa AAAA\n`);
    const types = knownKeyTypes(f, 'pi1.lan');
    expect(types).toEqual([E.type]);
    expect(() => hostKeyAlgorithms([...types, 'sk-ssh-ed25519@openssh.com', 'ssh-rsa'])).not.toThrow();
    expect(hostKeyAlgorithms(['ssh-rsa', 'sk-ssh-ed25519@openssh.com']).slice(0, 4)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    // A known type that ssh2 lists anyway still moves to the front.
    expect(hostKeyAlgorithms([E.type])[0]).toBe(E.type);
    expect(hostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
  });
});

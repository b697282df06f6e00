// Host key policy against a real sshd: a key listed @revoked is refused, a
// known host that offers only a key of another type is refused (naming both
// fingerprints) even with --accept-new-host-keys, and a host trusted through
// @cert-authority is refused with the reason (ssh2 cannot negotiate host
// certificates) instead of falling back to trust on first use. The stock
// OpenSSH client proves the certificate set-up itself is valid.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
let inv: string;
let pb: string;
let port: number;
let name: string;

async function hostKey(type: 'ed25519' | 'ecdsa'): Promise<{ line: string; fp: string }> {
  const line = (await fleet.exec('h1', `cat /etc/ssh/ssh_host_${type}_key.pub`)).stdout.trim().split(/\s+/).slice(0, 2).join(' ');
  const fp = (await fleet.exec('h1', `ssh-keygen -lf /etc/ssh/ssh_host_${type}_key.pub`)).stdout.split(/\s+/)[1];
  return { line, fp };
}

// Replaces the test's sshd drop-in and restarts sshd.
async function sshdConfig(text: string): Promise<void> {
  const r = await fleet.exec('h1', ['sh', '-c', 'printf "%s\\n" "$1" >/etc/ssh/sshd_config.d/00-pirun-test.conf && sshd -t && systemctl restart ssh', 'sh', text]);
  expect(r.exitCode, r.stderr).toBe(0);
}

function knownHosts(file: string, text: string): string {
  const path = join(fleet.dir, file);
  writeFileSync(path, text);
  return path;
}

const pirun = (kh: string, accept = true) => runPirun([pb, '-i', inv, '--known-hosts', kh, ...(accept ? ['--accept-new-host-keys'] : [])]);

beforeAll(async () => {
  fleet = await startFleet({ count: 1 });
  await fleet.authorizeKey('h1');
  inv = fleet.writeInventory();
  port = fleet.host('h1').port;
  name = `[127.0.0.1]:${port}`;
  pb = join(fleet.dir, 'play.yaml');
  writeFileSync(pb, '- hosts: all\n  tasks:\n    - name: Hello\n      debug: { msg: hello }\n');
});

afterAll(async () => {
  await fleet?.stop();
});

describe('host keys', () => {
  it('refuses a key listed @revoked, even when a plain line lists it too', async () => {
    const ed = await hostKey('ed25519');
    const listed = knownHosts('kh-listed', `${name} ${ed.line}\n`);
    const ok = await pirun(listed, false);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);

    const revoked = knownHosts('kh-revoked', `${name} ${ed.line}\n@revoked * ${ed.line}\n`);
    const r = await pirun(revoked);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(new RegExp(`h1 \\| connect \\| unreachable \\| Host key of "h1" .* is REVOKED: ssh-ed25519 ${escape(ed.fp)} is listed @revoked .* \\(line 2\\)`));
    expect(r.stdout).not.toContain('hello');

    const onlyRevoked = knownHosts('kh-only-revoked', `@revoked ${name} ${ed.line}\n`);
    const before = readFileSync(onlyRevoked, 'utf8');
    const r2 = await pirun(onlyRevoked);
    expect(r2.code, r2.stdout + r2.stderr).toBe(4);
    expect(r2.stdout).toMatch(/is REVOKED/);
    expect(readFileSync(onlyRevoked, 'utf8')).toBe(before);
  });

  it('refuses a known host that now offers only a key of another type, naming both fingerprints', async () => {
    const ec = await hostKey('ecdsa');
    const ed = await hostKey('ed25519');
    const kh = knownHosts('kh-ecdsa', `${name} ${ec.line}\n`);
    // The known type is asked for first, so while the host still has it, it passes.
    const ok = await pirun(kh, false);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);

    await sshdConfig('HostKey /etc/ssh/ssh_host_ed25519_key');
    const before = readFileSync(kh, 'utf8');
    const r = await pirun(kh);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/Host key of "h1" .* is of a type not known for it/);
    expect(r.stdout).toContain(`it offers ssh-ed25519 ${ed.fp}`);
    expect(r.stdout).toContain(`has ecdsa-sha2-nistp256 ${ec.fp} (line 1)`);
    expect(r.stdout).not.toContain('hello');
    expect(readFileSync(kh, 'utf8')).toBe(before);
  });

  it('a host trusted through @cert-authority is refused with the reason, never recorded on first use', async () => {
    // A CA signs the host's ed25519 key for the name the inventory uses.
    const ca = join(fleet.dir, 'host_ca');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pirun-test-ca', '-f', ca]);
    const hostPub = join(fleet.dir, 'ssh_host_ed25519_key.pub');
    writeFileSync(hostPub, (await fleet.exec('h1', 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout);
    execFileSync('ssh-keygen', ['-q', '-s', ca, '-h', '-I', 'h1', '-n', '127.0.0.1', hostPub]);
    const cert = readFileSync(join(fleet.dir, 'ssh_host_ed25519_key-cert.pub'), 'utf8').trim();
    const put = await fleet.exec('h1', ['sh', '-c', 'printf "%s\\n" "$1" >/etc/ssh/ssh_host_ed25519_key-cert.pub', 'sh', cert]);
    expect(put.exitCode, put.stderr).toBe(0);
    await sshdConfig('HostKey /etc/ssh/ssh_host_ed25519_key\nHostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub');

    const caLine = readFileSync(`${ca}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const kh = knownHosts('kh-ca', `@cert-authority ${name} ${caLine}\n`);

    // OpenSSH accepts this host through the CA alone: the set-up is right.
    const ssh = spawnSync('ssh', ['-F', '/dev/null', '-p', String(port), '-i', fleet.privateKeyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${kh}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', 'pi@127.0.0.1', 'echo cert-ok'], { encoding: 'utf8', timeout: 30_000 });
    expect(ssh.stdout.trim(), ssh.stderr).toBe('cert-ok');

    const before = readFileSync(kh, 'utf8');
    const r = await pirun(kh);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/Host "h1" .* is trusted through @cert-authority .* cannot negotiate host certificates .* refusing to connect, also with --accept-new-host-keys/);
    expect(r.stdout).not.toContain('hello');
    expect(readFileSync(kh, 'utf8')).toBe(before);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

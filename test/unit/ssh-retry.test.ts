// Connection retries: dropped handshakes (sshd MaxStartups) are retried with
// jitter; a refused login or a changed host key never is. Local servers
// stand in for the hosts: a TCP server that hangs up, and an ssh2 server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { UnreachableError } from '../../src/errors.js';
import { SshTransport } from '../../src/transport/ssh.js';
import type { ConnectOptions } from '../../src/transport/types.js';

const dir = mkdtempSync(join(tmpdir(), 'pirun-ssh-retry-'));
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

function options(over: Partial<ConnectOptions> = {}): ConnectOptions {
  const knownHostsFile = join(dir, `known_hosts_${Math.random().toString(16).slice(2)}`);
  writeFileSync(knownHostsFile, '');
  return { credentials: { keys: [], password: 'wrong' }, knownHostsFile, acceptNewHostKeys: true, connectTimeoutMs: 5000, keepaliveIntervalMs: 15000, maxChannels: 2, retries: 3, ...over };
}

function listen(server: Server | InstanceType<typeof ssh2.Server>): Promise<number> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
}

// Accepts TCP and hangs up before any banner, like sshd over MaxStartups.
async function hangUpServer(): Promise<{ port: number; accepted: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n += 1;
    s.destroy();
  });
  closers.push(() => server.close());
  return { port: await listen(server), accepted: () => n };
}

// A real SSH server that rejects every login.
async function refusingServer(hostKey: string): Promise<{ port: number; accepted: () => number }> {
  let n = 0;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    n += 1;
    client.on('authentication', (ctx) => ctx.reject(['password']));
    client.on('error', () => undefined);
  });
  closers.push(() => server.close());
  return { port: await listen(server), accepted: () => n };
}

const target = (port: number) => ({ name: 'pi', address: '127.0.0.1', port, user: 'pi' });

describe('SshTransport.connect retries', () => {
  it('retries a hang-up during the handshake, then reports the host unreachable', async () => {
    const srv = await hangUpServer();
    const started = Date.now();
    const err = await SshTransport.connect(target(srv.port), options({ retries: 3 })).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(srv.accepted()).toBe(4);
    // Backoff 150 ms × attempt plus jitter: at least 900 ms over three retries.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('never retries a refused login', async () => {
    const key = ssh2.utils.generateKeyPairSync('ed25519').private;
    const srv = await refusingServer(key);
    const err = await SshTransport.connect(target(srv.port), options({ retries: 3 })).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toMatch(/^Cannot log in to "pi" \(pi@127\.0\.0\.1:\d+\): the host refused every key and password offered/);
    expect(srv.accepted()).toBe(1);
  });

  it('never retries a changed host key', async () => {
    const key = ssh2.utils.generateKeyPairSync('ed25519').private;
    const srv = await refusingServer(key);
    const other = ssh2.utils.generateKeyPairSync('ed25519').public;
    const opts = options({ retries: 3, acceptNewHostKeys: false });
    writeFileSync(opts.knownHostsFile, `[127.0.0.1]:${srv.port} ${other}\n`);
    const err = await SshTransport.connect(target(srv.port), opts).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toContain('has CHANGED');
    expect(srv.accepted()).toBe(1);
  });

  it('does not retry a closed port (nothing listens)', async () => {
    const srv = await hangUpServer();
    const port = srv.port;
    closers.splice(0).forEach((c) => c());
    const started = Date.now();
    const err = await SshTransport.connect(target(port), options({ retries: 3 })).catch((e) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toContain('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(900);
  });
});

// A harness for bad-input tests that must fail in the preflight: one line,
// exit 1, no stack trace, and no host touched. The inventory points at a
// loopback port where a local TCP server counts connections, so any
// connection attempt is seen (and would also end as "unreachable").
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { runPirun } from './fleet.js';

export interface Preflight {
  readonly dir: string;
  // An inventory with one host on the counting port.
  readonly inv: string;
  // A playbook that would run fine.
  readonly ok: string;
  connections(): number;
  file(name: string, text: string): string;
  expectOneLineError(args: string[], pattern: RegExp): Promise<string>;
}

// A play of the given task lines for every host.
export const play = (task: string) => `- hosts: all\n  tasks:\n${task.replace(/^/gm, '    ')}\n`;

// Registers beforeAll/afterAll in the calling test file.
export function preflightHarness(prefix: string): Preflight {
  let server: Server;
  let connections = 0;
  const h = { dir: '', inv: '', ok: '' } as Preflight & { dir: string; inv: string; ok: string };
  h.connections = () => connections;
  h.file = (name, text) => {
    const p = join(h.dir, name);
    writeFileSync(p, text);
    return p;
  };
  h.expectOneLineError = async (args, pattern) => {
    const before = connections;
    const r = await runPirun([...args, '--known-hosts', join(h.dir, 'kh')]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^pirun: /);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(r.stdout).not.toMatch(/unreachable|PLAY/);
    expect(connections, 'a host was contacted').toBe(before);
    return r.stderr;
  };
  beforeAll(async () => {
    h.dir = mkdtempSync(join(tmpdir(), prefix));
    server = createServer((sock) => {
      connections += 1;
      sock.destroy();
    });
    const port = await new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
    h.inv = h.file('inv.yaml', `all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: ${port}, user: pi }\n`);
    h.ok = h.file('ok.yaml', play('- name: Hello\n  debug: { msg: hi }'));
  });
  afterAll(() => {
    server?.close();
  });
  return h;
}

// Ansible content pirun cannot run fails in the preflight: an unknown Jinja
// filter, test or lookup, and features pirun deliberately does not support;
// one line naming the task and file, exit 1, no host touched. The inventory
// points at a loopback port where a local TCP server counts connections, so
// any connection attempt is seen (and would also end as "unreachable").
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun } from '../support/fleet.js';

let dir: string;
let inv: string;
let ok: string;
let server: Server;
let connections = 0;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function expectOneLineError(args: string[], pattern: RegExp): Promise<string> {
  const before = connections;
  const r = await runPirun([...args, '--known-hosts', join(dir, 'kh')]);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^pirun: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.stdout).not.toMatch(/unreachable|PLAY/);
  expect(connections, 'a host was contacted').toBe(before);
  return r.stderr;
}

const play = (task: string) => `- hosts: all\n  tasks:\n${task.replace(/^/gm, '    ')}\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pirun-bad-ansible-'));
  server = createServer((sock) => {
    connections += 1;
    sock.destroy();
  });
  const port = await new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
  inv = file('inv.yaml', `all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: ${port}, user: pi }\n`);
  ok = file('ok.yaml', play('- name: Hello\n  debug: { msg: hi }'));
});

afterAll(() => {
  server?.close();
});

describe('Ansible content pirun cannot run fails before any host is touched', { timeout: 60_000 }, () => {
  it('an unknown filter, named with its task and file', async () => {
    const pb = file('filter.yaml', play("- name: Motd\n  debug: { msg: '{{ motd | to_toml }}' }"));
    await expectOneLineError([pb, '-i', inv], /task "Motd".*filter\.yaml.*unknown filter "to_toml"/);
  });
  it('an unknown test in a condition', async () => {
    const pb = file('test.yaml', play("- name: Maybe\n  debug: { msg: hi }\n  when: x is frobbed"));
    await expectOneLineError([pb, '-i', inv], /task "Maybe".*when.*unknown test "frobbed"/);
  });
  it('an unknown lookup', async () => {
    const pb = file('lookup.yaml', play("- name: Vault\n  debug: { msg: \"{{ lookup('hashi_vault', 'secret/x') }}\" }"));
    await expectOneLineError([pb, '-i', inv], /task "Vault".*unknown lookup "hashi_vault"/);
  });
  it('async and poll are not supported', async () => {
    const pb = file('async.yaml', play('- name: Long\n  command: sleep 100\n  async: 200\n  poll: 0'));
    await expectOneLineError([pb, '-i', inv], /task "Long".*"async" is not supported/);
  });
  it('a package manager of another distribution is not supported', async () => {
    const pb = file('yum.yaml', play('- name: Pkg\n  ansible.builtin.yum: { name: htop }'));
    await expectOneLineError([pb, '-i', inv], /task "Pkg".*module "ansible.builtin.yum" is not supported: pirun manages Debian hosts/);
  });
  it('a meta action other than flush_handlers and noop is not supported', async () => {
    const pb = file('meta.yaml', play('- name: Stop\n  meta: end_play'));
    await expectOneLineError([pb, '-i', inv], /task "Stop".*meta.free_form: only flush_handlers and noop are supported, got "end_play"/);
  });
  it('package with another package manager is refused', async () => {
    const pb = file('use.yaml', play('- name: Pkg\n  package: { name: htop, use: dnf }'));
    await expectOneLineError([pb, '-i', inv], /task "Pkg".*package.use: only apt is supported: pirun manages Debian hosts/);
  });
  it('an argument given under two of its names', async () => {
    const pb = file('alias.yaml', play('- name: Twice\n  lineinfile: { path: /etc/x, dest: /etc/y, line: a }'));
    await expectOneLineError([pb, '-i', inv], /task "Twice".*"dest" and "path" are the same argument/);
  });
});

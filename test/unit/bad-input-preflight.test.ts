// More bad input that must fail in the preflight: one line naming the file,
// task or flag, no stack trace, exit 1, and no host touched. The inventory
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
  dir = mkdtempSync(join(tmpdir(), 'pirun-bad-pre-'));
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

describe('bad input fails before any host is touched', { timeout: 60_000 }, () => {
  it('the counting server does see a normal run connect', async () => {
    const r = await runPirun([ok, '-i', inv, '--known-hosts', join(dir, 'kh')]);
    expect(r.code).toBe(4);
    expect(connections).toBeGreaterThan(0);
  });

  it('a Jinja syntax error in a task argument names the task and the file', async () => {
    const pb = file('jinja-arg.yaml', play('- name: Greet\n  debug: { msg: "hello {{ foo }" }'));
    await expectOneLineError([pb, '-i', inv], /Invalid template in task "Greet" \(.*jinja-arg\.yaml: \[0\]\.tasks\[0\]\): .*expected variable end/);
  });

  it('a Jinja syntax error in a condition names the task', async () => {
    const pb = file('jinja-when.yaml', play('- name: Cond\n  debug: { msg: hi }\n  when: "foo("'));
    await expectOneLineError([pb, '-i', inv], /Invalid template in task "Cond" \(.*jinja-when\.yaml: \[0\]\.tasks\[0\]\): when "foo\(":/);
  });

  it('a Jinja syntax error in a play variable, a role default and a role template file is found at load time', async () => {
    const pv = file('jinja-var.yaml', '- hosts: all\n  vars:\n    motd: "{% if %}"\n  tasks:\n    - debug: { msg: hi }\n');
    await expectOneLineError([pv, '-i', inv], /Invalid template in play "all" \(.*jinja-var\.yaml\): vars\.motd "\{% if %\}": /);
    mkdirSync(join(dir, 'roles/broken/tasks'), { recursive: true });
    mkdirSync(join(dir, 'roles/broken/defaults'), { recursive: true });
    mkdirSync(join(dir, 'roles/broken/templates'), { recursive: true });
    file('roles/broken/tasks/main.yaml', '- name: Motd\n  template: { src: motd.j2, dest: /etc/motd }\n');
    file('roles/broken/defaults/main.yaml', 'greeting: hi\n');
    file('roles/broken/templates/motd.j2', 'Hello {{ greeting }\n');
    const pr = file('jinja-role.yaml', '- hosts: all\n  roles: [broken]\n');
    await expectOneLineError([pr, '-i', inv], /Invalid template in task "Motd" .*: template file ".*motd\.j2": .*expected variable end/);
  });

  it('a Jinja syntax error in an inventory variable names the host and the variable', async () => {
    const port = (server.address() as AddressInfo).port;
    const badInv = file('inv-jinja.yaml', `all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: ${port}, user: pi }\n  vars:\n    motd: "hi {{ x }"\n`);
    const pb = file('use-motd.yaml', play('- name: Show\n  debug: { msg: "{{ motd }}" }'));
    await expectOneLineError([pb, '-i', badInv], /Invalid template in the inventory variables of host "pi1": motd "hi \{\{ x \}": .*expected variable end/);
  });

  it('a malformed -e value is one line that does not echo the value', async () => {
    const err = await expectOneLineError([ok, '-i', inv, '-e', 'name=x', '-e', '{db_password: canary-7f3a, x: [}'], /Invalid -e value #2: not valid YAML/);
    expect(err).not.toContain('canary-7f3a');
  });

  it('--forks 0, --timeout 0 and --serial abc name the flag', async () => {
    await expectOneLineError([ok, '-i', inv, '--forks', '0'], /Invalid --forks "0": expected a whole number above 0/);
    await expectOneLineError([ok, '-i', inv, '--timeout', '0'], /Invalid --timeout "0": expected a whole number above 0/);
    await expectOneLineError([ok, '-i', inv, '--forks', 'many'], /Invalid --forks "many"/);
    await expectOneLineError([ok, '-i', inv, '--serial', 'abc'], /Invalid --serial "abc": expected/);
    await expectOneLineError([ok, '-i', inv, '--serial', '1,0'], /Invalid --serial "1,0": expected/);
  });

  it('a --json or --report path that cannot be written is refused before connecting', async () => {
    await expectOneLineError([ok, '-i', inv, '--json', join(dir, 'no-such-dir', 'r.json')], /Cannot write --json ".*no-such-dir\/r\.json": folder ".*no-such-dir" does not exist/);
    await expectOneLineError([ok, '-i', inv, '--report', join(dir, 'no-such-dir', 'r.md')], /Cannot write --report ".*no-such-dir\/r\.md": folder ".*no-such-dir" does not exist/);
    mkdirSync(join(dir, 'a-dir.json'), { recursive: true });
    await expectOneLineError([ok, '-i', inv, '--json', join(dir, 'a-dir.json')], /Cannot write --json ".*a-dir\.json": is a directory/);
    const blocker = file('blocker', '');
    await expectOneLineError([ok, '-i', inv, '--report', join(blocker, 'r.xml')], /Cannot write --report ".*blocker\/r\.xml": ".*blocker" is not a folder/);
  });

  it('a playbook schema error quotes the value given', async () => {
    const pb = file('schema.yaml', '- hosts: all\n  become: maybe\n  tasks:\n    - debug: { msg: hi }\n');
    await expectOneLineError([pb, '-i', inv], /Invalid playbook ".*schema\.yaml": \[0\]\.become: expected true or false, got "maybe"/);
    const serial = file('schema-serial.yaml', '- hosts: all\n  serial: lots\n  tasks:\n    - debug: { msg: hi }\n');
    await expectOneLineError([serial, '-i', inv], /Invalid playbook ".*schema-serial\.yaml": \[0\]\.serial: .*got "lots"/);
  });

  it('an ansible_password template that reads an undefined variable names the host', async () => {
    const pwInv = file('inv-pw.yaml', `all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: ${(server.address() as AddressInfo).port}, user: pi, ansible_password: "{{ vault_pi_password }}" }\n`);
    await expectOneLineError([ok, '-i', pwInv], /Cannot render "ansible_password" for host "pi1": undefined variable "vault_pi_password"/);
  });
});

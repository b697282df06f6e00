// Bad input gets one line naming the file, path, host or task, no stack
// trace, exit 1, and touches no host: the inventory points at a closed port,
// so any connection attempt would show up as "unreachable" (exit 4) instead.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPirun } from '../support/fleet.js';

let dir: string;
let inv: string;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function expectOneLineError(args: string[], pattern: RegExp): Promise<void> {
  const r = await runPirun([...args, '--known-hosts', join(dir, 'kh')]);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).not.toMatch(/unreachable|PLAY/);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pirun-bad-'));
  inv = file('inv.yaml', 'all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: 1, user: pi }\n  children:\n    pis:\n      hosts: { pi1: }\n');
});

describe('bad input', { timeout: 60_000 }, () => {
  it('a YAML syntax error names the file and line', async () => {
    const pb = file('syntax.yaml', '- hosts: all\n  tasks:\n    - name: x\n      debug: { msg: "unclosed }\n');
    await expectOneLineError([pb, '-i', inv], /^pirun: Cannot parse playbook ".*syntax\.yaml": line \d+, column \d+/);
  });

  it('retries without until, or a negative delay, names the task', async () => {
    const noUntil = file('retries.yaml', '- hosts: all\n  tasks:\n    - name: wait for it\n      command: "true"\n      retries: 3\n');
    await expectOneLineError([noUntil, '-i', inv], /Invalid task "wait for it" in .*retries\.yaml.*retries and delay need until/);
    const badDelay = file('delay.yaml', '- hosts: all\n  tasks:\n    - name: wait for it\n      command: "true"\n      until: false\n      delay: -1\n');
    await expectOneLineError([badDelay, '-i', inv], /Invalid task "wait for it" in .*delay\.yaml.*delay/);
  });

  it('an unknown module names the task and where it is', async () => {
    const pb = file('unknown-module.yaml', '- hosts: all\n  tasks:\n    - name: Install\n      aptt: { name: curl }\n');
    await expectOneLineError([pb, '-i', inv], /Invalid task "Install" in .*unknown-module\.yaml: \[0\]\.tasks\[0\]: unknown module "aptt"/);
  });

  it('a wrong argument type, an unknown key and a missing key are caught before connecting', async () => {
    const wrongType = file('wrong-type.yaml', '- hosts: all\n  tasks:\n    - name: Pkg\n      apt: { name: curl, update_cache: sometimes }\n');
    await expectOneLineError([wrongType, '-i', inv], /Invalid task "Pkg" .*apt\.update_cache: .*"sometimes"/);
    const unknownKey = file('unknown-key.yaml', '- hosts: all\n  tasks:\n    - name: File\n      copy: { dest: /tmp/x, content: y, colour: red }\n');
    await expectOneLineError([unknownKey, '-i', inv], /Invalid task "File" .*module "copy" has no argument "colour"/);
    const missing = file('missing-key.yaml', '- hosts: all\n  tasks:\n    - name: File\n      copy: { content: y }\n');
    await expectOneLineError([missing, '-i', inv], /Invalid task "File" .*module "copy" needs argument "dest"/);
  });

  it('an unknown role names the role and where it was looked for', async () => {
    const pb = file('unknown-role.yaml', '- hosts: all\n  roles: [hardenn]\n');
    await expectOneLineError([pb, '-i', inv], /Unknown role "hardenn" in .*unknown-role\.yaml: \[0\]\.roles\[0\]: not found in/);
  });

  it('an undefined variable names it, the task and the host', async () => {
    const pb = file('undefined.yaml', '- hosts: all\n  tasks:\n    - name: Greet\n      debug: { msg: "hello {{ nobody }}" }\n');
    await expectOneLineError([pb, '-i', inv], /Undefined variable "nobody" in task "Greet" .* for host "pi1"/);
  });

  it('a missing inventory names the file', async () => {
    const pb = file('ok.yaml', '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n');
    await expectOneLineError([pb, '-i', join(dir, 'nope.yaml')], /Cannot read inventory ".*nope\.yaml": file not found/);
  });

  it('a --limit that matches nothing says so', async () => {
    const pb = file('ok2.yaml', '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n');
    await expectOneLineError([pb, '-i', inv, '--limit', 'web*'], /--limit "web\*" matches no host/);
  });

  it('a wrong role variable type fails before any host is touched', async () => {
    mkdirSync(join(dir, 'roles/demo/tasks'), { recursive: true });
    mkdirSync(join(dir, 'roles/demo/meta'), { recursive: true });
    file('roles/demo/tasks/main.yaml', '- debug: { msg: "{{ demo_purge }}" }\n');
    file('roles/demo/meta/argument_specs.yaml', 'argument_specs:\n  main:\n    options:\n      demo_purge: { type: bool, default: false, description: Remove the rest }\n');
    const pb = file('role-var.yaml', '- hosts: all\n  roles: [demo]\n  vars:\n    demo_purge: "maybe"\n');
    await expectOneLineError([pb, '-i', inv], /Invalid variable "demo_purge" for role "demo" on host "pi1"/);
  });

  it('pirun --help lists the flags', async () => {
    const r = await runPirun(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--check', '--diff', '--limit', '--extra-vars', '--tags', '--skip-tags', '--forks', '--serial', '--private-key', '--ask-pass', '--ask-become-pass', '--known-hosts', '--accept-new-host-keys', '--json', '--report', '--expect-no-changes', '--verbose']) {
      expect(r.stdout).toContain(flag);
    }
  });
});

// `npm run demo` as a newcomer runs it, on a real terminal: Ctrl-C at the
// "Press Enter" prompt or during a run stops the demo with exit 130, and no
// container and no temporary file (the demo's private key included) is left.
// The demo runs a small playbook on one host here (--playbook, --hosts), so
// the test is about the demo's own behaviour, not harden.yaml.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/fleet.js';
import { runInPty } from '../support/pty.js';

let work: string;
let playbook: string;

const demoContainers = () => spawnSync('docker', ['ps', '-aq', '--filter', 'label=pirun.demo'], { encoding: 'utf8' }).stdout.trim();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pirun-demo-test-'));
  playbook = join(work, 'small.yaml');
  // Installs the demo key (so the key-only third run works), then takes a few seconds.
  writeFileSync(
    playbook,
    [
      '- name: Small demo',
      '  hosts: all',
      '  tasks:',
      '    - name: install the key',
      '      authorized_key: { user: pi, key: "{{ lookup(\'file\', ssh_public_keys[0]) }}" }',
      '    - name: take a while',
      '      shell: sleep 4',
      '      changed_when: false',
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function startDemo(tmp: string) {
  return runInPty([process.execPath, 'scripts/demo.mjs', '--hosts', '1', '--playbook', playbook], { cwd: REPO_ROOT, env: { TMPDIR: tmp } });
}

function freshTmp(name: string): string {
  const t = join(work, name);
  rmSync(t, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', t]);
  return t;
}

describe('demo', () => {
  it('Ctrl-C at the "Press Enter" prompt removes the hosts and every temp file, exit 130', async () => {
    const tmp = freshTmp('prompt');
    const demo = startDemo(tmp);
    await demo.waitFor('Press Enter', 240_000);
    expect(demoContainers()).not.toBe('');
    expect(readdirSync(tmp).length).toBeGreaterThan(0);
    demo.type('\x03');
    const r = await demo.done;
    expect(r.code, r.screen).toBe(130);
    expect(r.screen).toMatch(/removing the demo hosts/i);
    expect(demoContainers()).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('Ctrl-C during the real run stops the demo there: no third phase, nothing left', async () => {
    const tmp = freshTmp('run');
    const demo = startDemo(tmp);
    await demo.waitFor(/2\/3[\s\S]*take a while/, 240_000);
    demo.type('\x03');
    const r = await demo.done;
    expect(r.code, r.screen).toBe(130);
    expect(r.screen).not.toContain('3/3');
    expect(demoContainers()).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('shows the terminal view (not plain lines) on a terminal', async () => {
    const tmp = freshTmp('view');
    const demo = startDemo(tmp);
    await demo.waitFor('Press Enter', 240_000);
    demo.type('\r');
    const r = await demo.done;
    expect(r.code, r.screen).toBe(0);
    // The listr view marks a finished host with ✔; the plain view prints "HOST | TASK | status" lines.
    expect(r.screen).toMatch(/✔ demo1/);
    expect(r.screen).not.toMatch(/^demo1 \| take a while \| ok$/m);
    expect(demoContainers()).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('without a terminal on stdin it says the hosts are removed now, and removes them', () => {
    const tmp = freshTmp('pipe');
    const r = spawnSync(process.execPath, ['scripts/demo.mjs', '--hosts', '1', '--playbook', playbook], { cwd: REPO_ROOT, env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8', input: '' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('stdin is not a terminal');
    expect(r.stdout).toContain('removed now');
    expect(demoContainers()).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });
});

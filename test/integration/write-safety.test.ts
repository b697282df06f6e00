// Writes that cannot be raced and commands that cannot be injected, on a real
// bookworm host: a hostile user swaps pirun's temp files for symlinks to a
// root-owned file while pirun writes into their folder; `command` gets shell
// syntax through a variable; stdin carries the old heredoc end marker; file
// modes are written the ways Ansible users write them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type FleetHost, type PirunResult } from '../support/fleet.js';

let fleet: Fleet;
let host: FleetHost;
let dir: string;
let inv: string;
let plays = 0;

async function play(tasks: string, extra: string[] = []): Promise<PirunResult> {
  const pb = join(dir, `play-${++plays}.yaml`);
  writeFileSync(pb, `- name: safety\n  hosts: all\n  become: true\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n`);
  return runPirun([pb, '-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', ...extra]);
}

async function sh(cmd: string, user?: string): Promise<string> {
  const r = await fleet.exec(host, ['sh', '-c', cmd], user ? { user } : {});
  if (r.exitCode !== 0) throw new Error(`"${cmd}" failed on the test host (exit ${r.exitCode}): ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  fleet = await startFleet({ count: 1 });
  host = fleet.hosts[0];
  await fleet.authorizeKey(host);
  dir = mkdtempSync(join(tmpdir(), 'pirun-safety-'));
  inv = fleet.writeInventory();
  await sh('useradd -m -s /bin/sh mallory && install -d -o mallory -g mallory -m 0755 /home/mallory/d');
  await sh("printf 'root only\\n' >/etc/pirun-target && chmod 0600 /etc/pirun-target");
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TARGET = 'root root 600 root only';
const target = () => sh("stat -c '%U %G %a' /etc/pirun-target | tr '\\n' ' '; cat /etc/pirun-target");

describe('writes into a folder another user controls', () => {
  it('never follow a symlink that user plants in place of the temp file', async () => {
    expect(await target()).toBe(TARGET);
    // As mallory: swap every temp file pirun makes in her folder for a link to the root-owned file.
    await sh(
      `cat >/home/mallory/swap.sh <<'EOF'
end=$(( $(date +%s) + 90 ))
while [ "$(date +%s)" -lt "$end" ] && [ ! -e /home/mallory/stop ]; do
  for f in /home/mallory/d/.pirun-*; do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    rm -f "$f" && ln -s /etc/pirun-target "$f" && echo "$f" >>/home/mallory/swaps
  done
done
EOF
chmod 0755 /home/mallory/swap.sh`,
    );
    await sh('nohup /home/mallory/swap.sh >/dev/null 2>&1 &', 'mallory');
    try {
      const items = Array.from({ length: 40 }, (_, i) => i);
      const r = await play(`- name: write into mallory's folder
  copy: { dest: "/home/mallory/d/f{{ item }}", content: "pirun wrote {{ item }}\\n", mode: "0644", owner: mallory, group: mallory }
  loop: ${JSON.stringify(items)}
  ignore_errors: true`);
      expect(r.stdout + r.stderr).toContain('write into mallory');
    } finally {
      await sh('touch /home/mallory/stop', 'mallory');
    }
    expect(await target()).toBe(TARGET);
    // The attack did run while pirun wrote: temp files were swapped for links.
    expect(Number(await sh('wc -l </home/mallory/swaps'))).toBeGreaterThan(0);
  }, 240_000);

  it('write as that user when nobody interferes: the file is theirs and a rerun changes nothing', async () => {
    await sh('rm -rf /home/mallory/d2 && install -d -o mallory -g mallory -m 0700 /home/mallory/d2');
    const task = '- name: note\n  copy: { dest: /home/mallory/d2/note, content: "hello\\n" }\n- name: sub\n  file: { path: /home/mallory/d2/sub/deeper, state: directory, mode: "0700" }';
    const first = await play(task);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await sh("stat -c '%U %G %a' /home/mallory/d2/note; cat /home/mallory/d2/note")).toBe('mallory mallory 644\nhello');
    expect(await sh("stat -c '%U %G %a' /home/mallory/d2/sub /home/mallory/d2/sub/deeper")).toBe('mallory mallory 755\nmallory mallory 700');
    const again = await play(task, ['--json', '-']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).hosts[host.name].changed).toBe(0);
  }, 120_000);

  it('refuse a folder that several users can change, in one line naming it', async () => {
    await sh('mkdir -p /srv/shared && chmod 0777 /srv/shared');
    const r = await play('- name: shared\n  copy: { dest: /srv/shared/x, content: "x\\n" }');
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Cannot write "\/srv\/shared\/x" safely: folder "\/srv\/shared" can be changed by other users/);
    expect(await sh('ls -A /srv/shared')).toBe('');
  }, 120_000);
});

describe('command runs no shell syntax', () => {
  it('passes ; $( ) backticks | and a newline from a variable to the program as text', async () => {
    await sh('rm -f /tmp/injected*');
    const value = 'a; touch /tmp/injected1 $(touch /tmp/injected2) `touch /tmp/injected3` | touch /tmp/injected4\ntouch /tmp/injected5';
    writeFileSync(join(dir, 'vars.yaml'), JSON.stringify({ value }));
    const r = await play('- name: echo it\n  command: "echo {{ value }}"\n  register: out\n- name: keep it\n  copy: { dest: /root/echoed, content: "{{ out.stdout }}" }', ['-e', `@${join(dir, 'vars.yaml')}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await sh('ls /tmp/injected* 2>/dev/null || true')).toBe('');
    expect(await sh('cat /root/echoed')).toBe('a; touch /tmp/injected1 $(touch /tmp/injected2) `touch /tmp/injected3` | touch /tmp/injected4 touch /tmp/injected5');
  }, 120_000);

  it('stdin data holding the old heredoc end marker runs nothing', async () => {
    await sh('rm -f /tmp/stdin-injected');
    const data = 'first\nPIRUN_STDIN_EOF\ntouch /tmp/stdin-injected\n';
    writeFileSync(join(dir, 'stdin.yaml'), JSON.stringify({ data }));
    const r = await play('- name: feed\n  shell: { cmd: "cat >/root/fed", stdin: "{{ data }}" }', ['-e', `@${join(dir, 'stdin.yaml')}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await sh('ls /tmp/stdin-injected 2>/dev/null || true')).toBe('');
    expect(await sh('cat /root/fed')).toBe('first\nPIRUN_STDIN_EOF\ntouch /tmp/stdin-injected');
  }, 120_000);
});

describe('modes as Ansible users write them', () => {
  it('0640, "0640", 0o640 and "u=rw,g=r" all give 0640; a secret without a mode is 0600; a rerun changes nothing', async () => {
    await sh('rm -rf /etc/pirun-modes && mkdir /etc/pirun-modes');
    const tasks = `- name: plain octal
  copy: { dest: /etc/pirun-modes/a, content: "a\\n", mode: 0640 }
- name: quoted octal
  copy: { dest: /etc/pirun-modes/b, content: "b\\n", mode: "0640" }
- name: YAML 1.2 octal
  copy: { dest: /etc/pirun-modes/c, content: "c\\n", mode: 0o640 }
- name: symbolic
  copy: { dest: /etc/pirun-modes/d, content: "d\\n", mode: "u=rw,g=r,o=" }
- name: symbolic on a file
  file: { path: /etc/pirun-modes/e, state: touch, mode: "u=rw,g=r" }
- name: secret
  copy: { dest: /etc/pirun-modes/s, content: "s\\n", secret: true }`;
    const first = await play(tasks);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await sh("cd /etc/pirun-modes && stat -c '%n %a' a b c d e s | tr '\\n' ' '")).toBe('a 640 b 640 c 640 d 640 e 644 s 600');
    const again = await play(tasks, ['--json', '-']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).hosts[host.name].changed).toBe(0);
  }, 120_000);

  it('refuses a mode it cannot read in one line naming the task, before touching the host', async () => {
    const r = await play('- name: odd mode\n  copy: { dest: /etc/pirun-odd, content: "x\\n", mode: "rw-r--r--" }');
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/odd mode.*expected an octal mode such as "0644" or a symbolic mode/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await sh('ls /etc/pirun-odd 2>/dev/null || echo absent')).toBe('absent');
  }, 120_000);
});

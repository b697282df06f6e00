// file, lineinfile, authorized_key and user on a real bookworm host. For each
// module: apply (changed), apply again (changed=0), change the host by hand,
// then --check reports exactly that drift and changes nothing (snapshot of
// /etc, packages and units, plus a hash of the files outside /etc), and a
// last run repairs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import type { TaskRow } from '../support/role-runs.js';

let fleet: Fleet;
let host: FleetHost;
let dir: string;
let inv: string;
let plays = 0;


interface Run {
  code: number;
  stdout: string;
  stderr: string;
  tasks: TaskRow[];
  changed: number;
}

async function play(tasks: string, extra: string[] = [], vars: Record<string, unknown> = {}): Promise<Run> {
  const pb = join(dir, `play-${++plays}.yaml`);
  const varsBlock = Object.keys(vars).length ? `  vars: ${JSON.stringify(vars)}\n` : '';
  writeFileSync(pb, `- name: files\n  hosts: all\n  become: true\n${varsBlock}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`);
  const r = await runPirun([pb, '-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-', ...extra]);
  let report: { hosts: Record<string, { changed: number; tasks: TaskRow[] }> };
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`pirun printed no JSON report (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
  const h = report.hosts[host.name];
  return { ...r, tasks: h.tasks, changed: h.changed };
}

async function sh(cmd: string): Promise<string> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  if (r.exitCode !== 0) throw new Error(`"${cmd}" failed on the test host (exit ${r.exitCode}): ${r.stderr}`);
  return r.stdout.trim();
}

const statuses = (r: Run) => r.tasks.map((t) => `${t.task}: ${t.status}`);
const changed = (r: Run) => r.tasks.filter((t) => t.status === 'changed').map((t) => `${t.task}: ${t.changes.join(', ')}`);
const explain = (r: Run) => `exit ${r.code}\n${statuses(r).join('\n')}\n${r.tasks.map((t) => t.msg).filter(Boolean).join('\n')}\n${r.stderr}`;

// /etc, packages and units (the harness's snapshot) plus files this test keeps outside /etc.
async function state(extraPaths: string[] = []): Promise<string> {
  const extra = extraPaths.length ? await sh(`for p in ${extraPaths.join(' ')}; do stat -c '%n %a %U:%G %s %Y' "$p" 2>/dev/null; [ -f "$p" ] && sha256sum "$p"; done; true`) : '';
  return `${await fleet.snapshot(host)}\n${extra}`;
}

// The cycle every module goes through; returns nothing, asserts everything.
async function cycle(o: { tasks: string; vars?: Record<string, unknown>; verify: () => Promise<void>; drift: string; expectDrift: string[]; watch?: string[] }): Promise<void> {
  const first = await play(o.tasks, [], o.vars);
  expect(first.code, explain(first)).toBe(0);
  expect(first.tasks.every((t) => t.status === 'changed'), explain(first)).toBe(true);
  await o.verify();

  const again = await play(o.tasks, [], o.vars);
  expect(again.code, explain(again)).toBe(0);
  expect(again.changed, explain(again)).toBe(0);

  await sh(o.drift);
  const before = await state(o.watch);
  const check = await play(o.tasks, ['--check'], o.vars);
  expect(check.code, explain(check)).toBe(0);
  expect(changed(check)).toEqual(o.expectDrift);
  expect(await state(o.watch)).toBe(before);

  const repair = await play(o.tasks, [], o.vars);
  expect(repair.code, explain(repair)).toBe(0);
  expect(changed(repair)).toEqual(o.expectDrift);
  await o.verify();
  const quiet = await play(o.tasks, ['--check'], o.vars);
  expect(quiet.changed, explain(quiet)).toBe(0);
}

function newKey(comment: string): string {
  return ssh2.utils.generateKeyPairSync('ed25519', { comment }).public.trim();
}

beforeAll(async () => {
  fleet = await startFleet({ count: 1 });
  host = fleet.hosts[0];
  await fleet.authorizeKey(host);
  inv = fleet.writeInventory();
  dir = mkdtempSync(join(tmpdir(), 'pirun-modules-files-'));
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('file', () => {
  const TASKS = `
- name: dir
  file: { path: /etc/pirun-test, state: directory, mode: '0750', owner: pi, group: pi }
- name: flag
  file: { path: /etc/pirun-test/flag, state: touch, mode: 0640 }
- name: link
  file: { path: /etc/pirun-test/link, state: link, src: flag }
- name: old dir gone
  file: { path: /etc/pirun-old, state: absent }
`;

  it('applies, is idempotent (touch keeps the mtime), and --check reports drift without touching the host', async () => {
    await sh('mkdir -p /etc/pirun-old/sub && echo x >/etc/pirun-old/sub/f');
    let mtime = '';
    await cycle({
      tasks: TASKS,
      verify: async () => {
        // The folder is pi's, so the file is made as pi (a root process working by name there could be steered by pi).
        expect(await sh('stat -c "%F %a %U:%G" /etc/pirun-test /etc/pirun-test/flag')).toBe('directory 750 pi:pi\nregular empty file 640 pi:pi');
        expect(await sh('readlink /etc/pirun-test/link')).toBe('flag');
        expect(await sh('test -e /etc/pirun-old && echo there || echo gone')).toBe('gone');
        const now = await sh('stat -c %Y.%y /etc/pirun-test/flag');
        if (mtime) expect(now).not.toBe(mtime);
        mtime = now;
      },
      drift: 'chmod 0755 /etc/pirun-test && rm /etc/pirun-test/flag && ln -sfn /etc/hostname /etc/pirun-test/link && mkdir /etc/pirun-old',
      expectDrift: [
        'dir: mode of /etc/pirun-test 0755 -> 0750',
        'flag: create empty file /etc/pirun-test/flag',
        'link: point /etc/pirun-test/link at flag (was /etc/hostname)',
        'old dir gone: remove directory /etc/pirun-old',
      ],
    });
    // A run that changes nothing leaves the touched file's mtime alone.
    const before = await sh('stat -c %y /etc/pirun-test/flag');
    await new Promise((r) => setTimeout(r, 1100));
    const r = await play(TASKS);
    expect(r.changed, explain(r)).toBe(0);
    expect(await sh('stat -c %y /etc/pirun-test/flag')).toBe(before);
  });
});

describe('lineinfile', () => {
  const TASKS = `
- name: max auth tries
  lineinfile: { path: /etc/ssh/sshd_config, regexp: '^#?MaxAuthTries', line: MaxAuthTries 3, validate: '/usr/sbin/sshd -t -f %s' }
- name: create
  lineinfile: { path: /etc/pirun-lines/app.conf, line: a=1, create: yes, mode: '0600' }
- name: before a
  lineinfile: { path: /etc/pirun-lines/app.conf, regexp: '^b=', line: b=2, insertbefore: '^a=' }
- name: no commented root login
  lineinfile: { path: /etc/ssh/sshd_config, regexp: '^#PermitRootLogin', state: absent }
`;

  it('applies, is idempotent, and --check reports drift without touching the host', async () => {
    const original = await sh('cat /etc/ssh/sshd_config');
    expect(original).toMatch(/^#MaxAuthTries 6$/m);
    expect(original).toMatch(/^#PermitRootLogin/m);
    await cycle({
      tasks: TASKS,
      verify: async () => {
        const text = await sh('cat /etc/ssh/sshd_config');
        expect(text).toMatch(/^MaxAuthTries 3$/m);
        expect(text).not.toMatch(/MaxAuthTries 6/);
        expect(text).not.toMatch(/^#PermitRootLogin/m);
        expect(text.split('\n').length).toBe(original.split('\n').length - 1);
        expect(await sh('cat /etc/pirun-lines/app.conf; stat -c "%a %U" /etc/pirun-lines/app.conf')).toBe('b=2\na=1\n600 root');
      },
      drift: "sed -i 's/^MaxAuthTries 3$/MaxAuthTries 6/' /etc/ssh/sshd_config && printf 'a=1\\n' >/etc/pirun-lines/app.conf && chmod 0644 /etc/pirun-lines/app.conf",
      expectDrift: [
        'max auth tries: line replaced in /etc/ssh/sshd_config',
        'create: mode of /etc/pirun-lines/app.conf 0644 -> 0600',
        'before a: line added in /etc/pirun-lines/app.conf',
      ],
    });
  });

  it('refuses a line that fails validation and leaves the file as it was', async () => {
    const before = await sh('sha256sum /etc/ssh/sshd_config');
    const r = await play("- name: bad keyword\n  lineinfile: { path: /etc/ssh/sshd_config, line: 'NoSuchKeyword yes', validate: '/usr/sbin/sshd -t -f %s' }");
    expect(r.code).toBe(2);
    expect(r.tasks[0].status).toBe('failed');
    expect(r.tasks[0].msg).toMatch(/validation of \/etc\/ssh\/sshd_config failed/);
    expect(await sh('sha256sum /etc/ssh/sshd_config')).toBe(before);
    expect(await sh('ls -a /etc/ssh | grep -c pirun || true')).toBe('0');
  });
});

describe('authorized_key', () => {
  const K1 = newKey('k1@pirun-test');
  const K2 = newKey('k2@pirun-test');
  const K3 = newKey('k3@pirun-test');
  const TASKS = `
- name: extra key for pi
  authorized_key: { user: pi, key: "{{ k1 }}" }
- name: only these for deploy
  authorized_key: { user: deploy, key: ["{{ k1 }}", "{{ k2 }}"], exclusive: true }
- name: never k3 for pi
  authorized_key: { user: pi, key: "{{ k3 }}", state: absent }
`;
  const FILES = ['/home/pi/.ssh', '/home/pi/.ssh/authorized_keys', '/home/deploy/.ssh', '/home/deploy/.ssh/authorized_keys'];

  it('applies, is idempotent, and --check reports drift without touching the host', async () => {
    await sh('useradd -m -s /bin/bash deploy');
    await sh(`printf '%s\\n' ${JSON.stringify(K3)} >>/home/pi/.ssh/authorized_keys`);
    await cycle({
      tasks: TASKS,
      vars: { k1: K1, k2: K2, k3: K3 },
      watch: FILES,
      verify: async () => {
        expect(await sh('cat /home/pi/.ssh/authorized_keys')).toBe(`${fleet.publicKey}\n${K1}`);
        expect(await sh('cat /home/deploy/.ssh/authorized_keys')).toBe(`${K1}\n${K2}`);
        expect(await sh('stat -c "%a %U:%G" /home/deploy/.ssh /home/deploy/.ssh/authorized_keys')).toBe('700 deploy:deploy\n600 deploy:deploy');
      },
      drift: [
        `sed -i '\\|${K1.split(' ')[1].slice(0, 30)}|d' /home/pi/.ssh/authorized_keys`,
        'chmod 0755 /home/deploy/.ssh',
        `printf '%s\\n' ${JSON.stringify(K3)} >>/home/deploy/.ssh/authorized_keys`,
      ].join(' && '),
      expectDrift: [
        'extra key for pi: /home/pi/.ssh/authorized_keys: add 1 key',
        'only these for deploy: mode of /home/deploy/.ssh 0755 -> 0700, /home/deploy/.ssh/authorized_keys: remove 1 key',
      ],
    });
  });

  it('puts the file back when removing keys would lock pirun out', async () => {
    const before = await sh('cat /home/pi/.ssh/authorized_keys');
    const r = await play('- name: only k1\n  authorized_key: { user: pi, key: "{{ k1 }}", exclusive: true }', [], { k1: K1 });
    expect(r.code, explain(r)).toBe(2);
    expect(r.tasks[0].status).toBe('failed');
    expect(r.tasks[0].msg).toMatch(/Refused a change that would lock .* out \(changing the SSH keys of "pi"/);
    expect(await sh('cat /home/pi/.ssh/authorized_keys')).toBe(before);
    const still = await play('- name: still in\n  command: { cmd: "true" }');
    expect(still.code, explain(still)).toBe(0);
  });
});

describe('user', () => {
  const TASKS = `
- name: deploy bot
  user: { name: bot, shell: /bin/bash, groups: [adm, video], comment: Deploy bot }
- name: pi reads logs
  user: { name: pi, groups: adm, append: yes }
- name: old account gone
  user: { name: olduser, state: absent, remove: yes }
- name: locked
  user: { name: locky, password_lock: yes }
`;

  it('applies, is idempotent, and --check reports drift without touching the host', async () => {
    await sh('useradd -m olduser && useradd -m locky && echo locky:secret-pw | chpasswd');
    await cycle({
      tasks: TASKS,
      watch: ['/home/bot', '/home/olduser'],
      verify: async () => {
        expect(await sh('getent passwd bot | cut -d: -f5-7')).toBe('Deploy bot:/home/bot:/bin/bash');
        expect(await sh('id -Gn bot')).toBe('bot adm video');
        expect(await sh('stat -c "%F %U" /home/bot')).toBe('directory bot');
        expect(await sh('id -Gn pi')).toBe('pi adm sudo');
        expect(await sh('getent passwd olduser || echo none')).toBe('none');
        expect(await sh('test -e /home/olduser && echo there || echo gone')).toBe('gone');
        expect(await sh('passwd -S locky | cut -d" " -f2')).toBe('L');
      },
      drift: 'usermod -s /bin/sh bot && gpasswd -d bot video >/dev/null && gpasswd -d pi adm >/dev/null && useradd -m olduser && usermod -U locky',
      expectDrift: [
        'deploy bot: shell of bot /bin/sh -> /bin/bash, groups of bot: add to video',
        'pi reads logs: add pi to adm',
        'old account gone: remove user olduser and its home',
        'locked: lock the password of locky',
      ],
    });
  });

  it('--check plans keys for an account an earlier task creates, and changes nothing', async () => {
    const before = await state(['/home/fresh']);
    const r = await play('- name: fresh user\n  user: { name: fresh }\n- name: fresh key\n  authorized_key: { user: fresh, key: "{{ k }}" }', ['--check'], { k: newKey('fresh') });
    expect(r.code, explain(r)).toBe(0);
    expect(changed(r)).toEqual(['fresh user: create user fresh', 'fresh key: create directory /home/fresh/.ssh, /home/fresh/.ssh/authorized_keys: add 1 key']);
    expect(await state(['/home/fresh'])).toBe(before);
  });
});

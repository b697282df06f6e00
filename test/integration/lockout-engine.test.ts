// The lockout guard is a property of the engine: a user's own playbook that
// would cut SSH access (sshd settings, TCP wrappers, PAM, the login account,
// ~/.ssh modes, firewall rule files) is refused and put back, and afterwards
// a fresh key login works and no rollback unit or saved copy is left. The
// guard fails closed when it cannot arm, says when a restore failed, and its
// rollback outlives pirun (SIGKILL) and a reboot inside the window. Changes
// to the same files that keep access are applied (no false refusal).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runPirun, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import type { TaskRow } from '../support/role-runs.js';
import { sshLogin } from '../support/ssh-login.js';

let fleet: Fleet;
let h1: FleetHost;
let h2: FleetHost;
let dir: string;
let home: string;
let key: Buffer;
let plays = 0;

const REFUSED = /^Refused a change that would lock "h\d" out \(.*\): a fresh SSH login failed after applying it \(.*\); the previous state was restored$/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  tasks: TaskRow[];
  guardLogins: number;
}

function playbook(tasks: string, handlers = ''): string {
  const pb = join(dir, `play-${++plays}.yaml`);
  const indent = (t: string) => t.replace(/^/gm, '    ');
  writeFileSync(pb, `- name: user playbook\n  hosts: all\n  become: true\n  tasks:\n${indent(tasks)}\n${handlers ? `  handlers:\n${indent(handlers)}\n` : ''}`);
  return pb;
}

function pirunArgs(host: FleetHost, pb: string): string[] {
  return [pb, '-i', fleet.writeInventory({ hosts: [host.name] }), '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-'];
}

// No ~/.ssh keys and no agent on the controller: only the inventory's key is offered.
const ENV = () => ({ HOME: home, SSH_AUTH_SOCK: '' });

async function play(host: FleetHost, tasks: string, o: { handlers?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const r = await runPirun(pirunArgs(host, playbook(tasks, o.handlers)), { env: { ...ENV(), ...o.env } });
  let report: { hosts: Record<string, { tasks: TaskRow[] }>; stats: { guardLogins: Record<string, number> } };
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`pirun printed no JSON report (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
  return { ...r, tasks: report.hosts[host.name].tasks, guardLogins: report.stats.guardLogins[host.name] ?? 0 };
}

async function sh(host: FleetHost, cmd: string): Promise<string> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  if (r.exitCode !== 0) throw new Error(`"${cmd}" failed on ${host.name}: ${r.stderr}`);
  return r.stdout.trim();
}

// Rollback units (transient timer and service, boot unit) and saved copies left on the host.
async function leftovers(host: FleetHost): Promise<string> {
  return sh(host, `systemctl list-units --all --no-legend --plain 'pirun-rollback-*'; ls -A /var/lib/pirun/rollback 2>/dev/null; ls /etc/systemd/system /etc/systemd/system/multi-user.target.wants | grep pirun-rollback || true`);
}

const keyLogin = (host: FleetHost) => sshLogin(host.port, { user: 'pi', privateKey: key });
const describeRun = (r: Run) => `exit ${r.code}\n${r.tasks.map((t) => `${t.task}: ${t.status} ${t.msg ?? ''}`).join('\n')}\n${r.stderr}`;

// The task was refused with the restore reported, and the host is as before: files, login, no leftovers.
async function expectRefused(host: FleetHost, r: Run, task: string, state: { cmd: string; before: string }): Promise<void> {
  expect(r.code, describeRun(r)).toBe(2);
  const failed = r.tasks.find((t) => t.status === 'failed');
  expect(failed?.task).toBe(task);
  expect(failed?.msg).toMatch(REFUSED);
  expect(await sh(host, state.cmd)).toBe(state.before);
  expect(await keyLogin(host)).toBe('ok');
  expect(await leftovers(host)).toBe('');
}

beforeAll(async () => {
  fleet = await startFleet({ count: 2, restart: true });
  [h1, h2] = fleet.hosts;
  key = readFileSync(fleet.privateKeyPath);
  await Promise.all([fleet.authorizeKey(h1), fleet.authorizeKey(h2)]);
  dir = mkdtempSync(join(tmpdir(), 'pirun-lockout-engine-'));
  home = join(dir, 'home');
  mkdirSync(home);
  await sh(h2, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-download --no-install-recommends ufw >/dev/null');
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('changes a user playbook makes to the way in (h1)', () => {
  const SSHD = { cmd: 'sha256sum /etc/ssh/sshd_config; ls /etc/ssh/sshd_config.d; sshd -T -C user=pi,host=h,addr=172.17.0.1 | grep -iE "^(denyusers|allowusers|allowgroups)" || true', before: '' };
  beforeAll(async () => {
    SSHD.before = await sh(h1, SSHD.cmd);
  });

  it('lineinfile DenyUsers pi in sshd_config with a reload handler: refused, sshd_config restored', async () => {
    const r = await play(h1, '- name: deny pi\n  lineinfile: { path: /etc/ssh/sshd_config, line: "DenyUsers pi" }\n  notify: reload ssh', { handlers: '- name: reload ssh\n  systemd: { name: ssh, state: reloaded }' });
    await expectRefused(h1, r, 'deny pi', SSHD);
    expect(r.tasks.find((t) => t.task === 'deny pi')?.msg).toContain('sshd settings can refuse every new login');
  });

  it('a drop-in with AllowUsers nobody (copy): refused, the drop-in removed again', async () => {
    const r = await play(h1, '- name: allow only nobody\n  copy: { dest: /etc/ssh/sshd_config.d/50-only.conf, content: "AllowUsers nobody\\n" }');
    await expectRefused(h1, r, 'allow only nobody', SSHD);
  });

  it('user pi with shell nologin: refused, the shell restored', async () => {
    const cmd = 'getent passwd pi';
    const before = await sh(h1, cmd);
    expect(before).toMatch(/:\/bin\/bash$/);
    const r = await play(h1, '- name: no shell\n  user: { name: pi, shell: /usr/sbin/nologin }');
    await expectRefused(h1, r, 'no shell', { cmd, before });
    expect(r.tasks[0].msg).toContain('changing the login shell of "pi"');
  });

  it('user pi out of the group AllowGroups needs: refused, the groups restored field by field', async () => {
    await sh(h1, 'groupadd -f sshusers && usermod -aG sshusers pi && echo "AllowGroups sshusers" >/etc/ssh/sshd_config.d/40-groups.conf && systemctl reload ssh');
    const cmd = 'id -Gn pi; getent passwd pi; getent shadow pi | cut -d: -f1,3-';
    const before = await sh(h1, cmd);
    try {
      const r = await play(h1, '- name: only sudo\n  user: { name: pi, groups: [sudo] }');
      await expectRefused(h1, r, 'only sudo', { cmd, before });
      expect(r.tasks[0].msg).toContain('changing the groups (sshd AllowGroups) of "pi"');
    } finally {
      await sh(h1, 'rm -f /etc/ssh/sshd_config.d/40-groups.conf && systemctl reload ssh');
    }
  });

  it('file ~/.ssh mode 0777 (StrictModes): refused, the mode restored', async () => {
    const cmd = 'stat -c "%a %U:%G" /home/pi/.ssh';
    const r = await play(h1, '- name: open ~/.ssh\n  file: { path: /home/pi/.ssh, mode: "0777" }');
    await expectRefused(h1, r, 'open ~/.ssh', { cmd, before: '700 pi:pi' });
    expect(r.tasks[0].msg).toContain("StrictModes");
  });

  it('hosts.deny "sshd: ALL": refused, hosts.deny restored', async () => {
    const cmd = 'sha256sum /etc/hosts.deny';
    const before = await sh(h1, cmd);
    const r = await play(h1, '- name: deny sshd\n  lineinfile: { path: /etc/hosts.deny, line: "sshd: ALL" }');
    await expectRefused(h1, r, 'deny sshd', { cmd, before });
  });

  it('pam.d/sshd "account required pam_deny.so": refused, the PAM file restored', async () => {
    const cmd = 'sha256sum /etc/pam.d/sshd';
    const before = await sh(h1, cmd);
    const r = await play(h1, '- name: deny in PAM\n  lineinfile: { path: /etc/pam.d/sshd, line: "account required pam_deny.so", insertbefore: BOF }');
    await expectRefused(h1, r, 'deny in PAM', { cmd, before });
  });

  it('pam_access on (kept: it still admits pi), then access.conf "-:pi:ALL": refused', async () => {
    const pam = await sh(h1, 'cat /etc/pam.d/sshd');
    try {
      const on = await play(h1, '- name: pam_access on\n  lineinfile: { path: /etc/pam.d/sshd, regexp: "^# account  required     pam_access.so", line: "account  required     pam_access.so" }');
      expect(on.code, describeRun(on)).toBe(0);
      expect(on.tasks[0].status).toBe('changed');
      expect(on.guardLogins).toBe(1);
      const cmd = 'sha256sum /etc/security/access.conf';
      const before = await sh(h1, cmd);
      const r = await play(h1, '- name: pi refused by pam_access\n  lineinfile: { path: /etc/security/access.conf, line: "-:pi:ALL" }');
      await expectRefused(h1, r, 'pi refused by pam_access', { cmd, before });
    } finally {
      await fleet.exec(h1, ['bash', '-c', `printf '%s\\n' "$1" >/etc/pam.d/sshd`, 'bash', pam]);
    }
  });

  it('applies changes to the same files that keep access, under the guard, and a re-run changes nothing', async () => {
    const tasks = [
      '- name: sshd keepalive\n  lineinfile: { path: /etc/ssh/sshd_config, line: "ClientAliveInterval 300" }',
      '- name: hosts.allow comment\n  lineinfile: { path: /etc/hosts.allow, line: "# managed by pirun" }',
      '- name: authorized_keys mode\n  file: { path: /home/pi/.ssh/authorized_keys, mode: "0600" }',
      '- name: WireGuard folder\n  file: { path: /etc/wireguard, state: directory, mode: "0700" }',
      '- name: a WireGuard config not in use\n  copy: { dest: /etc/wireguard/wg9.conf, content: "[Interface]\\nListenPort = 51899\\n", mode: "0600" }',
      '- name: comment of pi (not a way in)\n  user: { name: pi, comment: "Pi admin" }',
    ].join('\n');
    await sh(h1, 'chmod 0644 /home/pi/.ssh/authorized_keys');
    const r = await play(h1, tasks);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.tasks.map((t) => t.status)).toEqual(['changed', 'changed', 'changed', 'changed', 'changed', 'changed']);
    // One fresh login per guarded task: everything but the folder and the comment.
    expect(r.guardLogins).toBe(4);
    expect(await sh(h1, 'sshd -T -C user=pi,host=h,addr=172.17.0.1 | grep -i clientaliveinterval')).toBe('clientaliveinterval 300');
    expect(await sh(h1, 'stat -c %a /home/pi/.ssh/authorized_keys; tail -n1 /etc/hosts.allow; stat -c %a /etc/wireguard/wg9.conf')).toBe('600\n# managed by pirun\n600');
    expect(await leftovers(h1)).toBe('');
    const again = await play(h1, tasks);
    expect(again.code, describeRun(again)).toBe(0);
    expect(again.tasks.map((t) => t.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(again.guardLogins).toBe(0);
  });
});

describe('the guard itself (h1)', () => {
  it('fails closed when the rollback timer cannot be armed: nothing changes', async () => {
    // sudo's secure_path puts /usr/local/sbin first: this systemd-run fails.
    await sh(h1, 'printf "#!/bin/sh\\necho no timers today >&2\\nexit 1\\n" >/usr/local/sbin/systemd-run && chmod 0755 /usr/local/sbin/systemd-run');
    const cmd = 'sha256sum /etc/hosts.deny';
    const before = await sh(h1, cmd);
    try {
      const r = await play(h1, '- name: deny sshd\n  lineinfile: { path: /etc/hosts.deny, line: "sshd: ALL" }');
      expect(r.code, describeRun(r)).toBe(2);
      expect(r.tasks[0].msg).toMatch(/^Cannot arm the rollback timer on "h1": .*no timers today.*; nothing was changed$/);
      expect(await sh(h1, cmd)).toBe(before);
      expect(await leftovers(h1)).toBe('');
    } finally {
      await sh(h1, 'rm -f /usr/local/sbin/systemd-run');
    }
  });

  it('says so when the restore fails, and still puts the file back first', async () => {
    const cmd = 'sha256sum /etc/hosts.deny';
    const before = await sh(h1, cmd);
    const r = await play(h1, '- name: deny sshd\n  copy:\n    dest: /etc/hosts.deny\n    content: "sshd: ALL\\n"\n    guard: { risk: "TCP wrappers", restore: "echo cannot reload the wrappers >&2; exit 7" }');
    expect(r.code, describeRun(r)).toBe(2);
    const msg = r.tasks[0].msg ?? '';
    expect(msg).toMatch(/a fresh SSH login failed after applying it .*; restoring the previous state FAILED \(exit 1: .*the restore command failed: cannot reload the wrappers/);
    expect(msg).not.toContain('the previous state was restored');
    expect(await sh(h1, cmd)).toBe(before);
    expect(await keyLogin(h1)).toBe('ok');
    // The saved copies stay for the admin (the message names the folder); the units are gone.
    expect(msg).toMatch(/the saved copies stay in \/var\/lib\/pirun\/rollback\/[0-9a-f]+/);
    await sh(h1, 'rm -rf /var/lib/pirun/rollback/*');
    expect(await leftovers(h1)).toBe('');
  });
});

// Enabling ufw with incoming denied and no SSH rule: the fresh login hangs
// (its SYN is dropped), so pirun sits in the window between apply and confirm.
const BLOCK_SSH = '- name: firewall without SSH\n  ufw: { state: enabled, default: deny, check_controller: false }';

// Starts pirun, waits until the host shows the change applied, then SIGKILLs it.
async function killAfterApply(host: FleetHost, env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/pirun.js'), ...pirunArgs(host, playbook(BLOCK_SSH))], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...ENV(), ...env }, stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await fleet.exec(host, ['sh', '-c', 'ufw status | head -n1; ls /var/lib/pirun/rollback 2>/dev/null']);
      if (r.stdout.startsWith('Status: active') && r.stdout.trim().split('\n').length > 1) break;
      if (Date.now() > deadline) throw new Error(`the change never showed on ${host.name}: ${r.stdout}`);
      await new Promise((d) => setTimeout(d, 200));
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((d) => setTimeout(d, 500));
  }
  return Date.now() - started;
}

describe('the rollback outlives pirun (h2, ufw)', () => {
  it('pirun killed before the confirmation: the timer restores access within its window', async () => {
    await killAfterApply(h2, { PIRUN_ROLLBACK_SECONDS: '20' });
    const killedAt = Date.now();
    await waitFor('the timer restore', async () => (await sh(h2, 'ufw status | head -n1')) === 'Status: inactive', 40_000);
    // Within the window (20 s from the change, plus timer accuracy), not by anything else.
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(await keyLogin(h2)).toBe('ok');
    expect(await sh(h2, "grep -c '^ENABLED=no' /etc/ufw/ufw.conf")).toBe('1');
    expect(await leftovers(h2)).toBe('');
  });

  it('a reboot inside the window: the boot unit restores before sshd and ufw start', async () => {
    await killAfterApply(h2, { PIRUN_ROLLBACK_SECONDS: '600' });
    // Power-cycle the host well inside the window: the transient timer dies with it.
    execFileSync('docker', ['restart', '-t', '0', h2.containerId], { stdio: 'ignore' });
    await waitFor('a key login after the reboot', async () => (await keyLogin(h2)) === 'ok', 90_000);
    expect(await sh(h2, 'ufw status | head -n1')).toBe('Status: inactive');
    // The boot unit did it (the journal of this boot), not the timer.
    expect(await sh(h2, "journalctl -b --no-pager -o cat | grep -E '^pirun: rollback [0-9a-f]+ restored the previous state' || true")).toMatch(/^pirun: rollback [0-9a-f]+ restored the previous state \(boot\)$/m);
    expect(await leftovers(h2)).toBe('');
  });

  it('a ufw rule file edited to reject SSH: refused, the rules restored and reloaded', async () => {
    await sh(h2, 'ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null');
    const cmd = 'sha256sum /etc/ufw/user.rules; ufw status | head -n1';
    const before = await sh(h2, cmd);
    try {
      const r = await play(h2, '- name: reject SSH in the rule file\n  lineinfile:\n    path: /etc/ufw/user.rules\n    regexp: "^(-A ufw-user-input -p tcp --dport 22 -j) ACCEPT$"\n    line: "\\\\1 REJECT --reject-with tcp-reset"\n    backrefs: true');
      await expectRefused(h2, r, 'reject SSH in the rule file', { cmd, before });
      expect(r.tasks[0].msg).toContain('firewall rules can block new SSH connections');
    } finally {
      await sh(h2, 'ufw --force disable >/dev/null');
    }
  });
});

// systemd, ufw, reboot and wait_for_connection on a real bookworm host:
// apply changes, a re-run changes nothing, drift made by hand shows up in
// --check without touching the host, enabling ufw keeps SSH reachable (and
// the lockout guard restores a rule set that would not), and a reboot is
// waited out until the host is back with a new boot.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_IDENTITY } from '../../src/engine/steps/reboot.js';
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

// Runs a play against the host with a JSON report on stdout.
async function play(tasks: string, extra: string[] = []): Promise<Run> {
  const pb = join(dir, `play-${++plays}.yaml`);
  writeFileSync(pb, `- name: services\n  hosts: all\n  become: true\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n`);
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
  return r.stdout.trim();
}

const statuses = (r: Run) => r.tasks.map((t) => `${t.task}: ${t.status}`);
const describeRun = (r: Run) => `exit ${r.code}\n${statuses(r).join('\n')}\n${r.tasks.map((t) => t.msg).filter(Boolean).join('\n')}\n${r.stderr}`;

beforeAll(async () => {
  fleet = await startFleet({ count: 1, restart: true });
  host = fleet.hosts[0];
  await fleet.authorizeKey(host);
  inv = fleet.writeInventory();
  dir = mkdtempSync(join(tmpdir(), 'pirun-modules-services-'));
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const PRUNE = `
- name: triggerhappy socket
  systemd: { name: triggerhappy.socket, enabled: false, state: stopped }
- name: triggerhappy
  service: { name: triggerhappy, enabled: false, state: stopped }
- name: avahi socket masked
  systemd: { name: avahi-daemon.socket, masked: true, state: stopped }
- name: avahi
  systemd_service: { name: avahi-daemon, enabled: false, state: stopped }
- name: bluetooth (not on this host)
  systemd: { name: bluetooth, enabled: false, state: stopped, missing_ok: true }
- name: ssh stays
  systemd: { name: ssh, enabled: true, state: started }
`;

describe('systemd', () => {
  it('disables, stops and masks units; skips a missing one', async () => {
    const r = await play(PRUNE);
    expect(r.code, describeRun(r)).toBe(0);
    expect(statuses(r)).toEqual([
      'triggerhappy socket: changed',
      'triggerhappy: changed',
      'avahi socket masked: changed',
      'avahi: changed',
      'bluetooth (not on this host): skipped',
      'ssh stays: ok',
    ]);
    expect(r.tasks[2].changes).toEqual(['mask avahi-daemon.socket', 'stop avahi-daemon.socket']);
    expect(await sh('systemctl is-enabled triggerhappy.service triggerhappy.socket avahi-daemon.service avahi-daemon.socket | tr "\\n" " "')).toBe('disabled disabled disabled masked');
    expect(await sh('systemctl is-active triggerhappy.service triggerhappy.socket avahi-daemon.service avahi-daemon.socket | tr "\\n" " "')).toBe('inactive inactive inactive inactive');
  });

  it('changes nothing on a re-run', async () => {
    const r = await play(PRUNE);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.changed).toBe(0);
  });

  it('reports drift made by hand in --check and changes nothing', async () => {
    await sh('systemctl enable --now triggerhappy.service 2>&1');
    expect(await sh('systemctl is-active triggerhappy.service')).toBe('active');
    const before = await fleet.snapshot(host);
    const r = await play(PRUNE, ['--check']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(await fleet.snapshot(host)).toBe(before);
    const drifted = r.tasks.filter((t) => t.status === 'changed');
    expect(drifted.map((t) => t.task)).toContain('triggerhappy');
    expect(drifted.find((t) => t.task === 'triggerhappy')?.changes).toEqual(['disable triggerhappy.service', 'stop triggerhappy.service']);
    const fixed = await play(PRUNE);
    expect(fixed.code, describeRun(fixed)).toBe(0);
    expect(await sh('systemctl is-active triggerhappy.service')).toBe('inactive');
  });

  it('fails on a unit that does not exist, naming it', async () => {
    const r = await play('- name: no such unit\n  systemd: { name: pirun-no-such-unit, state: started }');
    expect(r.code).toBe(2);
    expect(r.tasks[0].status).toBe('failed');
    expect(r.tasks[0].msg).toContain('Cannot manage unit "pirun-no-such-unit.service"');
  });

  it('restarts every time (handler semantics)', async () => {
    const r = await play('- name: restart ssh\n  systemd: { name: ssh, state: restarted }');
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.tasks[0].status).toBe('changed');
  });
});

const FIREWALL = `
- name: install ufw
  apt: { name: ufw }
- name: web rule
  ufw:
    rules:
      - { port: 22, proto: tcp, comment: SSH }
      - { port: 8080, proto: tcp, comment: web }
- name: deny incoming
  ufw: { default: deny, direction: incoming }
- name: enable ufw
  ufw: { state: enabled }
- name: ufw at boot
  systemd: { name: ufw, enabled: true }
`;

describe('ufw', () => {
  let predicted: string[] = [];

  it('predicts the run in --check before ufw is installed and changes nothing', async () => {
    expect(await sh('dpkg-query -W -f "\\${db:Status-Abbrev}" ufw 2>/dev/null || echo none')).not.toMatch(/^ii/);
    const before = await fleet.snapshot(host);
    const r = await play(FIREWALL, ['--check']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(await fleet.snapshot(host)).toBe(before);
    predicted = r.tasks.filter((t) => t.status === 'changed').map((t) => `${t.task}: ${t.changes.join(', ')}`);
    expect(predicted).toEqual([
      'install ufw: install ufw',
      'web rule: add rule allow 22/tcp (SSH), add rule allow 8080/tcp (web)',
      'enable ufw: enable ufw',
    ]);
  });

  it('enables with the SSH rule first, and SSH stays reachable', async () => {
    const r = await play(FIREWALL);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.tasks.filter((t) => t.status === 'changed').map((t) => `${t.task}: ${t.changes.join(', ')}`)).toEqual(predicted);
    expect(await sh('ufw status | head -1')).toBe('Status: active');
    expect(await sh("grep -m1 '^### tuple' /etc/ufw/user.rules")).toBe(`### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=${Buffer.from('SSH').toString('hex')}`);
    expect(await sh('iptables -S INPUT | head -1')).toBe('-P INPUT DROP');
    expect(await sh('iptables -S ufw-user-input')).toMatch(/--dport 22 -j ACCEPT/);
    // A brand-new pirun run (new SSH connections) still gets in.
    const again = await play('- name: still reachable\n  command: { cmd: "true" }');
    expect(again.code, describeRun(again)).toBe(0);
  });

  it('changes nothing on a re-run (changed=0)', async () => {
    const pb = join(dir, 'firewall.yaml');
    writeFileSync(pb, `- name: firewall\n  hosts: all\n  become: true\n  tasks:\n${FIREWALL.replace(/^/gm, '    ')}\n`);
    const r = await runPirun([pb, '-i', inv, '--known-hosts', fleet.knownHostsFile]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${host.name}\\s+: ok=\\d+ changed=0 failed=0`));
  });

  it('reports a rule deleted and ufw disabled by hand in --check, changing nothing', async () => {
    // Plus a rule some other tool loaded while ufw is off: warned about, not failed.
    await sh('ufw delete allow in proto tcp from any to any port 8080 && ufw disable && iptables -A INPUT -s 10.99.0.0/16 -j DROP');
    const before = await fleet.snapshot(host);
    const r = await play(FIREWALL, ['--check']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(await fleet.snapshot(host)).toBe(before);
    expect(r.tasks.filter((t) => t.status === 'changed').map((t) => `${t.task}: ${t.changes.join(', ')}`)).toEqual([
      'web rule: add rule allow 8080/tcp (web)',
      'enable ufw: enable ufw',
    ]);
    expect(r.tasks.find((t) => t.task === 'web rule')?.msg).toBe(
      'Warning: ufw is inactive but 1 firewall rule(s) from another tool are loaded ("-A INPUT -s 10.99.0.0/16 -j DROP"); enabling ufw would flush or shadow them',
    );
    expect(r.tasks.find((t) => t.task === 'enable ufw')?.msg).toMatch(/enabling ufw now will flush or shadow them$/);
    await sh('iptables -D INPUT -s 10.99.0.0/16 -j DROP');
    const fixed = await play(FIREWALL);
    expect(fixed.code, describeRun(fixed)).toBe(0);
    expect(await sh('ufw status | head -1')).toBe('Status: active');
  });

  it('refuses, before changing anything, a purge that would delete the rule that lets pirun in', async () => {
    const before = await fleet.snapshot(host);
    const r = await play(`
- name: purge the SSH rule
  ufw:
    rules: [{ port: 8080, proto: tcp, comment: web }]
    purge: true
`);
    expect(r.code).toBe(2);
    expect(r.tasks[0].msg).toMatch(/^Cannot filter incoming traffic on "[^"]+": the requested rules do not admit pirun's own connection from \S+ to port 22\/tcp; nothing was changed/);
    expect(await fleet.snapshot(host)).toBe(before);
  });

  it('rolls back a rule set that would lock pirun out (check_controller: false)', async () => {
    const r = await play(`
- name: purge the SSH rule
  ufw:
    rules: [{ port: 8080, proto: tcp, comment: web }]
    purge: true
    check_controller: false
`);
    expect(r.code).toBe(2);
    expect(r.tasks[0].status).toBe('failed');
    expect(r.tasks[0].msg).toMatch(/Refused a change that would lock .* \(ufw would block SSH port 22\).*restored/);
    expect(await sh("grep -c 'allow tcp 22 ' /etc/ufw/user.rules")).toBe('1');
    expect(await sh('ufw status | head -1')).toBe('Status: active');
    const again = await play('- name: still reachable\n  command: { cmd: "true" }');
    expect(again.code, describeRun(again)).toBe(0);
  });
});

describe('reboot and wait_for_connection', () => {
  const REBOOT = `
- name: reboot
  reboot: { reboot_timeout: 240 }
  register: rebooted
- name: wait for a login
  wait_for_connection: { timeout: 60 }
- name: reboot result
  debug: { msg: "rebooted={{ rebooted.rebooted | default(false) }}" }
`;
  const restarts = async () => Number((await import('node:child_process')).execFileSync('docker', ['inspect', '-f', '{{.RestartCount}}', host.containerId], { encoding: 'utf8' }).trim());

  it('reports a reboot in --check without rebooting', async () => {
    const bootBefore = await sh(BOOT_IDENTITY);
    const r = await play(REBOOT, ['--check']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(statuses(r).slice(0, 2)).toEqual(['reboot: changed', 'wait for a login: ok']);
    expect(await sh(BOOT_IDENTITY)).toBe(bootBefore);
  });

  it('waits out the restart: the host comes back with a new boot', async () => {
    const bootBefore = await sh(BOOT_IDENTITY);
    const restartsBefore = await restarts();
    const r = await play(REBOOT);
    expect(r.code, describeRun(r)).toBe(0);
    expect(statuses(r)).toEqual(['reboot: changed', 'wait for a login: changed', 'reboot result: ok']);
    expect(r.tasks[2].msg).toBe('rebooted=true');
    expect(await restarts()).toBe(restartsBefore + 1);
    const bootAfter = await sh(BOOT_IDENTITY);
    expect(bootAfter).not.toBe(bootBefore);
    expect(['running', 'degraded']).toContain(await sh('systemctl is-system-running'));
    // ufw came back at boot and still lets pirun in.
    expect(await sh('ufw status | head -1')).toBe('Status: active');
  });
});

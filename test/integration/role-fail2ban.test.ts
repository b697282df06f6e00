// The fail2ban role on real bookworm hosts (no rsyslog, so the journal is the
// log source), applied with the ufw role as in playbooks/harden.yaml: check
// mode predicts exactly what the real run changes and touches nothing, a
// re-run changes nothing, drift made by hand is reported, and repeated failed
// logins from another host get that host banned through ufw while pirun
// itself (the controller address) keeps working.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import type { TaskRow } from '../support/role-runs.js';

let fleet: Fleet;
let dir: string;
let inv: string;
let pb: string;
// The target and a second container that plays the attacker on the docker bridge.
let target: FleetHost;
let attacker: FleetHost;

const PLAYBOOK = `
- name: fail2ban role
  hosts: h1
  become: true
  roles:
    - fail2ban
    - ufw
`;


const base = () => [pb, '-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys'];

function tasks(json: string): TaskRow[] {
  return JSON.parse(json).hosts.h1.tasks as TaskRow[];
}

const changed = (json: string) => tasks(json).filter((t) => t.status === 'changed').map((t) => `${t.role}: ${t.task}`);

async function sh(host: FleetHost, cmd: string): Promise<string> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  return r.stdout;
}

beforeAll(async () => {
  fleet = await startFleet({ count: 2 });
  [target, attacker] = fleet.hosts;
  await fleet.authorizeKey(target);
  dir = mkdtempSync(join(tmpdir(), 'pirun-role-fail2ban-'));
  pb = join(dir, 'play.yaml');
  writeFileSync(pb, PLAYBOOK);
  inv = fleet.writeInventory({ hosts: ['h1'] });
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('role fail2ban', () => {
  let predicted: string[] = [];

  it('predicts in check mode what a fresh host needs and changes nothing', async () => {
    const before = await fleet.snapshot(target);
    const check = await runPirun([...base(), '--check', '--json', '-']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(await fleet.snapshot(target)).toBe(before);
    predicted = changed(check.stdout);
    expect(predicted.filter((t) => t.startsWith('fail2ban:'))).toEqual([
      'fail2ban: Install fail2ban (and python3-systemd for the journal backend)',
      'fail2ban: Write /etc/fail2ban/jail.local',
      'fail2ban: Restart fail2ban with the new jail.local',
    ]);
  });

  it('changes exactly the predicted tasks, then fail2ban runs with the sshd jail on the journal', async () => {
    const real = await runPirun([...base(), '--json', '-']);
    expect(real.code, real.stderr + real.stdout).toBe(0);
    expect(changed(real.stdout)).toEqual(predicted);

    expect((await sh(target, 'systemctl is-active fail2ban; systemctl is-enabled fail2ban')).split('\n')).toEqual(['active', 'enabled', '']);
    const status = await sh(target, 'fail2ban-client status sshd');
    expect(status).toContain('Status for the jail: sshd');
    expect(status).toContain('Journal matches:');
    const jail = await sh(target, 'cat /etc/fail2ban/jail.local');
    // pirun connects through the docker bridge gateway: that address is never banned.
    const controller = (await sh(target, 'ip route | awk \'/default/ {print $3}\'')).trim();
    expect(jail).toMatch(new RegExp(`^ignoreip = 127\\.0\\.0\\.1/8 ::1 ${controller.replace(/\./g, '\\.')}$`, 'm'));
    expect(jail).toMatch(/^bantime = 1h$/m);
    expect(jail).toMatch(/^findtime = 10m$/m);
    expect(jail).toMatch(/^maxretry = 3$/m);
    expect(jail).toMatch(/^banaction = ufw$/m);
    expect(jail).toMatch(/\[sshd\]\nenabled = true\nport = 22\nbackend = systemd\n/);
    expect((await fleet.exec(target, 'fail2ban-client -t')).exitCode).toBe(0);
  });

  it('changes nothing on a second run', async () => {
    const again = await runPirun([...base(), '--json', '-']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).hosts.h1.changed).toBe(0);
  });

  it('reports a hand edit and a stopped service as drift in check mode without touching the host, then repairs them', async () => {
    await sh(target, "sed -i 's/^maxretry = 3$/maxretry = 10/' /etc/fail2ban/jail.local");
    const before = await fleet.snapshot(target);
    const check = await runPirun([...base(), '--check', '--json', '-']);
    expect(check.code, check.stderr).toBe(0);
    expect(changed(check.stdout)).toEqual(['fail2ban: Write /etc/fail2ban/jail.local', 'fail2ban: Restart fail2ban with the new jail.local']);
    expect(await fleet.snapshot(target)).toBe(before);
    const fix = await runPirun([...base(), '--json', '-']);
    expect(changed(fix.stdout)).toEqual(['fail2ban: Write /etc/fail2ban/jail.local', 'fail2ban: Restart fail2ban with the new jail.local']);
    expect(await sh(target, 'grep ^maxretry /etc/fail2ban/jail.local')).toBe('maxretry = 3\n');

    await sh(target, 'systemctl stop fail2ban');
    const stopped = await fleet.snapshot(target);
    const check2 = await runPirun([...base(), '--check', '--json', '-']);
    expect(changed(check2.stdout)).toEqual(['fail2ban: Keep fail2ban enabled and running']);
    expect(await fleet.snapshot(target)).toBe(stopped);
    const fix2 = await runPirun([...base(), '--json', '-']);
    expect(changed(fix2.stdout)).toEqual(['fail2ban: Keep fail2ban enabled and running']);
    expect((await sh(target, 'systemctl is-active fail2ban')).trim()).toBe('active');
  });

  it('refuses a jail whose log file does not exist and keeps the working jail.local', async () => {
    const good = await sh(target, 'sha256sum /etc/fail2ban/jail.local');
    const jails = JSON.stringify([{ name: 'nginx-http-auth', port: 'http,https', logpath: '/var/log/nginx/error.log' }]);
    const r = await runPirun([...base(), '--json', '-', '-e', `fail2ban_jails=${jails}`]);
    expect(r.code).toBe(2);
    const row = tasks(r.stdout).find((t) => t.task === 'Write /etc/fail2ban/jail.local')!;
    expect(row.status).toBe('failed');
    expect(row.msg).toMatch(/Have not found any log file for nginx-http-auth jail/);
    expect(await sh(target, 'sha256sum /etc/fail2ban/jail.local')).toBe(good);
    expect((await sh(target, 'systemctl is-active fail2ban')).trim()).toBe('active');
  });

  it('adds an extra jail once its log file exists', async () => {
    await sh(target, 'mkdir -p /var/log/nginx && touch /var/log/nginx/error.log');
    const jails = JSON.stringify([{ name: 'nginx-http-auth', port: 'http,https', logpath: '/var/log/nginx/error.log' }]);
    const r = await runPirun([...base(), '--json', '-', '-e', `fail2ban_jails=${jails}`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(changed(r.stdout)).toEqual(['fail2ban: Write /etc/fail2ban/jail.local', 'fail2ban: Restart fail2ban with the new jail.local']);
    expect(await sh(target, 'fail2ban-client status')).toMatch(/Jail list:\s+nginx-http-auth, sshd/);
    const back = await runPirun([...base(), '--json', '-']);
    expect(back.code).toBe(0);
    expect(await sh(target, 'fail2ban-client status')).toMatch(/Jail list:\s+sshd\s*$/m);
  });

  it('reads /var/log/auth.log where it exists (hosts with rsyslog) and the journal again once it is gone', async () => {
    await sh(target, 'touch /var/log/auth.log');
    const file = await runPirun([...base(), '--json', '-']);
    expect(file.code, file.stderr + file.stdout).toBe(0);
    expect(changed(file.stdout)).toEqual(['fail2ban: Write /etc/fail2ban/jail.local', 'fail2ban: Restart fail2ban with the new jail.local']);
    expect(await sh(target, 'grep ^backend /etc/fail2ban/jail.local')).toBe('backend = auto\n');
    expect(await sh(target, 'fail2ban-client status sshd')).toMatch(/File list:\s+\/var\/log\/auth\.log/);

    await sh(target, 'rm /var/log/auth.log');
    const journal = await runPirun([...base(), '--json', '-']);
    expect(journal.code, journal.stderr + journal.stdout).toBe(0);
    expect(changed(journal.stdout)).toEqual(['fail2ban: Write /etc/fail2ban/jail.local', 'fail2ban: Restart fail2ban with the new jail.local']);
    expect(await sh(target, 'fail2ban-client status sshd')).toContain('Journal matches:');
  });

  it('bans a host that keeps failing to log in, through ufw, and never the controller', async () => {
    // Wrong passwords from the attacker container, fed by SSH_ASKPASS (no tty, no sshpass).
    const attempt = [
      "printf '#!/bin/sh\\necho wrong-password\\n' >/tmp/askpass && chmod +x /tmp/askpass",
      `for i in 1 2 3 4; do SSH_ASKPASS=/tmp/askpass SSH_ASKPASS_REQUIRE=force timeout 15 ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 -o ConnectTimeout=5 pi@${target.ip} true </dev/null; done`,
    ].join('\n');
    expect((await fleet.exec(attacker, ['nc', '-z', '-w', '3', target.ip, '22'])).exitCode).toBe(0);
    await fleet.exec(attacker, ['bash', '-c', attempt]);

    let status = '';
    for (let i = 0; i < 40 && !status.includes(attacker.ip); i++) {
      status = await sh(target, 'fail2ban-client status sshd');
      if (!status.includes(attacker.ip)) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toMatch(new RegExp(`Banned IP list:.*\\b${attacker.ip.replace(/\./g, '\\.')}\\b`));
    expect(await sh(target, 'ufw status')).toMatch(new RegExp(`^Anywhere\\s+REJECT\\s+${attacker.ip.replace(/\./g, '\\.')}\\s+# by Fail2Ban`, 'm'));
    // The ban is enforced: the attacker cannot even open a TCP connection to sshd.
    expect((await fleet.exec(attacker, ['nc', '-z', '-w', '3', target.ip, '22'])).exitCode).not.toBe(0);

    // pirun still gets in, and a re-run neither changes anything nor lifts the ban.
    const again = await runPirun([...base(), '--json', '-']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).hosts.h1.changed).toBe(0);
    expect(await sh(target, 'fail2ban-client status sshd')).toContain(attacker.ip);
  });
});

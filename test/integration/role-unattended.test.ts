// The unattended role on a real bookworm host: check mode predicts exactly
// what the real run changes and touches nothing, apt-config shows the
// settings, `unattended-upgrade --dry-run` succeeds with them, a re-run
// changes nothing, and drift made by hand is reported and repaired.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import { changedCount, changedTasks, roleRunner, type RoleRunner } from '../support/role-runs.js';

const PLAYBOOK = `
- name: unattended role
  hosts: all
  become: true
  roles:
    - unattended
`;

const WRITE_SETTINGS = "unattended: Write pirun's unattended-upgrades settings";

let fleet: Fleet;
let host: FleetHost;
let pirun: RoleRunner;

async function sh(cmd: string): Promise<{ code: number; out: string }> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

beforeAll(async () => {
  fleet = await startFleet({ count: 1 });
  host = fleet.hosts[0];
  await fleet.authorizeKey(host);
  pirun = roleRunner(fleet, PLAYBOOK, fleet.writeInventory());
});

afterAll(async () => {
  await fleet?.stop();
  if (pirun) rmSync(pirun.dir, { recursive: true, force: true });
});

describe('role unattended', () => {
  let predicted: string[] = [];

  it('predicts in check mode what a fresh host needs and changes nothing', async () => {
    const before = await fleet.snapshot(host);
    const check = await pirun.run(['--check']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(await fleet.snapshot(host)).toBe(before);
    predicted = changedTasks(check, 'h1');
    // The apt timers are enabled on a fresh host already.
    expect(predicted).toEqual([
      'unattended: Turn on the daily list update and unattended upgrade',
      WRITE_SETTINGS,
      'unattended: Install unattended-upgrades',
    ]);
  });

  it('changes exactly the predicted tasks; apt-config shows the settings', async () => {
    const real = await pirun.run();
    expect(real.code, real.stderr + real.stdout).toBe(0);
    expect(changedTasks(real, 'h1')).toEqual(predicted);

    const dump = (await sh('apt-config dump')).out;
    expect(dump).toContain('APT::Periodic::Update-Package-Lists "1";');
    expect(dump).toContain('APT::Periodic::Unattended-Upgrade "1";');
    expect(dump).toContain('Unattended-Upgrade::Automatic-Reboot "true";');
    expect(dump).toContain('Unattended-Upgrade::Automatic-Reboot-Time "03:00";');
    expect(dump).toContain('Unattended-Upgrade::Remove-Unused-Dependencies "true";');
    expect(dump).not.toContain('Unattended-Upgrade::Mail');
    // Debian: only the security archive, the package's own patterns are cleared.
    const origins = dump.split('\n').filter((l) => l.startsWith('Unattended-Upgrade::Origins-Pattern:: '));
    expect(origins).toEqual(['Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";']);
    expect((await sh("dpkg-query -W -f '${Status}' unattended-upgrades")).out).toBe('install ok installed');
    expect((await sh('systemctl is-enabled apt-daily.timer apt-daily-upgrade.timer')).out).toBe('enabled\nenabled\n');
  });

  it('lets unattended-upgrade --dry-run succeed with those settings, matching the security origin', async () => {
    const r = await sh('unattended-upgrade --dry-run --debug 2>&1');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Allowed origins are: origin=Debian,codename=bookworm-security,label=Debian-Security(?!, )/);
  });

  it('changes nothing on a second run', async () => {
    const again = await pirun.run();
    expect(again.code, again.stderr).toBe(0);
    expect(changedTasks(again, 'h1')).toEqual([]);
    expect(changedCount(again, 'h1')).toBe(0);
  });

  it('reports a hand edit and a disabled timer as drift in check mode without touching the host, then repairs them', async () => {
    await sh(`sed -i 's/Automatic-Reboot "true"/Automatic-Reboot "false"/' /etc/apt/apt.conf.d/52pirun-unattended-upgrades`);
    await sh('systemctl disable --now apt-daily-upgrade.timer');
    const before = await fleet.snapshot(host);
    const check = await pirun.run(['--check']);
    expect(check.code, check.stderr).toBe(0);
    expect(changedTasks(check, 'h1')).toEqual([WRITE_SETTINGS, 'unattended: Keep the apt timers that run the upgrades enabled']);
    expect(await fleet.snapshot(host)).toBe(before);

    const fix = await pirun.run();
    expect(fix.code, fix.stderr).toBe(0);
    expect(changedTasks(fix, 'h1')).toEqual([WRITE_SETTINGS, 'unattended: Keep the apt timers that run the upgrades enabled']);
    expect((await sh('apt-config dump')).out).toContain('Unattended-Upgrade::Automatic-Reboot "true";');
    expect((await sh('systemctl is-enabled apt-daily-upgrade.timer; systemctl is-active apt-daily-upgrade.timer')).out).toBe('enabled\nactive\n');
  });

  it('writes Mail only when an address is given, and refuses a setting apt cannot parse', async () => {
    const mail = await pirun.run(['-e', 'unattended_mail=root@localhost']);
    expect(mail.code, mail.stderr).toBe(0);
    expect(changedTasks(mail, 'h1')).toEqual([WRITE_SETTINGS]);
    const dump = (await sh('apt-config dump')).out;
    expect(dump).toContain('Unattended-Upgrade::Mail "root@localhost";');
    expect(dump).toContain('Unattended-Upgrade::MailReport "on-change";');

    // A quote in a value would break every apt command: validate keeps the old file.
    const good = (await sh('sha256sum /etc/apt/apt.conf.d/52pirun-unattended-upgrades')).out;
    const bad = await pirun.run(['-e', 'unattended_automatic_reboot_time=03:00" junk "x']);
    expect(bad.code, bad.stderr + bad.stdout).toBe(2);
    expect((await sh('sha256sum /etc/apt/apt.conf.d/52pirun-unattended-upgrades')).out).toBe(good);
    expect((await sh('apt-get check -q')).code).toBe(0);

    const back = await pirun.run();
    expect(changedTasks(back, 'h1')).toEqual([WRITE_SETTINGS]);
    expect((await sh('apt-config dump')).out).not.toContain('Unattended-Upgrade::Mail');
  });
});

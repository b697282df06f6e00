// The prune-services role on a real bookworm host where avahi-daemon and
// triggerhappy are enabled (as on a fresh Pi): check mode predicts exactly
// what the real run changes and touches nothing, both end up disabled and
// inactive, the run shows the listening sockets before and after, a re-run
// changes nothing, drift is reported, and asking to prune ssh (or another
// guarded service) fails before anything changes.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import { changedCount, changedTasks, roleRunner, tasksOf, type RoleRunner } from '../support/role-runs.js';

const PLAYBOOK = `
- name: prune-services role
  hosts: all
  become: true
  roles:
    - prune-services
`;

const PRUNE = 'prune-services: Disable and stop the unit';
const PRUNED = ['avahi-daemon.socket', 'avahi-daemon.service', 'triggerhappy.socket', 'triggerhappy.service'];

let fleet: Fleet;
let host: FleetHost;
let pirun: RoleRunner;

async function sh(cmd: string): Promise<string> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  return r.stdout;
}

// `systemctl is-enabled X; systemctl is-active X` for each unit, one "unit enabled active" line each.
async function unitStates(units: string[]): Promise<string[]> {
  const out = await sh(units.map((u) => `echo "${u} $(systemctl is-enabled ${u}) $(systemctl is-active ${u})"`).join('; '));
  return out.trim().split('\n');
}

function debugMessage(r: Awaited<ReturnType<RoleRunner['run']>>): string {
  const row = tasksOf(r, 'h1').find((t) => t.task === 'debug');
  expect(row?.status).toBe('ok');
  return row!.msg ?? '';
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

describe('role prune-services', () => {
  let predicted: string[] = [];

  it('starts with avahi-daemon and triggerhappy enabled and active, bluetooth and hciuart absent', async () => {
    expect(await unitStates(PRUNED)).toEqual(PRUNED.map((u) => `${u} enabled active`));
    expect((await sh('systemctl show -p LoadState --value bluetooth.service hciuart.service')).split(/\s+/).filter(Boolean)).toEqual(['not-found', 'not-found']);
  });

  it('refuses to prune ssh, fail2ban, ufw or wg-quick@* before anything changes, in check mode and for real', async () => {
    const before = await fleet.snapshot(host);
    const cases: [string, string[]][] = [
      ...['ssh', 'sshd.service', 'fail2ban', 'ufw.service', 'wg-quick@wg0', 'ssh.socket'].map((u): [string, string[]] => [u, ['--check']]),
      ['ssh', []],
      ['wg-quick@wg0', []],
    ];
    for (const [unit, mode] of cases) {
      const r = await pirun.run([...mode, '-e', `prune_services=${JSON.stringify(['avahi-daemon.socket', unit])}`]);
      expect(r.code, r.stdout).toBe(2);
      const rows = tasksOf(r, 'h1');
      expect(rows.map((t) => `${t.task} ${t.status}`)).toEqual(['Refuse to prune ssh, fail2ban, ufw or WireGuard failed']);
      expect(rows[0].msg).toContain(`Cannot prune "${unit}": ssh, sshd, fail2ban, ufw and wg-quick@* are never pruned`);
    }
    expect(await fleet.snapshot(host)).toBe(before);
    expect((await sh('systemctl is-active ssh')).trim()).toBe('active');
  });

  it('predicts in check mode what a fresh host needs and changes nothing, showing the sockets before', async () => {
    const before = await fleet.snapshot(host);
    const check = await pirun.run(['--check']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(await fleet.snapshot(host)).toBe(before);
    predicted = changedTasks(check, 'h1');
    expect(predicted).toEqual([PRUNE]);
    const prune = tasksOf(check, 'h1').find((t) => t.task === 'Disable and stop the unit')!;
    expect(prune.changes).toEqual(PRUNED.flatMap((u) => [`disable ${u}`, `stop ${u}`]));
    const msg = debugMessage(check);
    expect(msg).toMatch(/^Listening sockets before pruning:\n/);
    expect(msg).toMatch(/:5353 /);
    expect(msg).toContain('(check mode: nothing was stopped, so there is no "after" listing)');
  });

  it('changes exactly the predicted tasks: avahi-daemon and triggerhappy end up disabled and inactive, the mDNS port closed', async () => {
    const real = await pirun.run();
    expect(real.code, real.stderr + real.stdout).toBe(0);
    expect(changedTasks(real, 'h1')).toEqual(predicted);
    expect(await unitStates(PRUNED)).toEqual(PRUNED.map((u) => `${u} disabled inactive`));
    expect(await unitStates(['ssh.service'])).toEqual(['ssh.service enabled active']);

    const msg = debugMessage(real);
    const [before, after] = msg.split('Listening sockets after pruning:\n');
    expect(before).toMatch(/:5353 /);
    expect(after).toBeDefined();
    expect(after).not.toMatch(/:5353 /);
    expect(after).toMatch(/:22 .*sshd/);
    expect(await sh('ss -tulpn')).not.toMatch(/:5353 /);
  });

  it('changes nothing on a second run', async () => {
    const again = await pirun.run();
    expect(again.code, again.stderr).toBe(0);
    expect(changedTasks(again, 'h1')).toEqual([]);
    expect(changedCount(again, 'h1')).toBe(0);
  });

  it('reports a service started again by hand as drift without touching the host, then prunes it again', async () => {
    await sh('systemctl enable --now avahi-daemon.socket');
    const before = await fleet.snapshot(host);
    const check = await pirun.run(['--check']);
    expect(check.code, check.stderr).toBe(0);
    expect(changedTasks(check, 'h1')).toEqual([PRUNE]);
    const prune = tasksOf(check, 'h1').find((t) => t.task === 'Disable and stop the unit')!;
    expect(prune.changes).toEqual(['disable avahi-daemon.socket', 'stop avahi-daemon.socket']);
    expect(await fleet.snapshot(host)).toBe(before);

    const fix = await pirun.run();
    expect(changedTasks(fix, 'h1')).toEqual([PRUNE]);
    expect(await unitStates(PRUNED)).toEqual(PRUNED.map((u) => `${u} disabled inactive`));
  });
});

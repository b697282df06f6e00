// The wireguard role on two real bookworm hosts with /dev/net/tun and no
// wireguard kernel module (so wireguard-go is used), meshed through an
// inventory group: check mode predicts exactly what the real run changes and
// touches nothing, the hosts ping each other over the tunnel, the private
// keys never appear in pirun's output, a re-run changes nothing, and drift is
// reported and repaired without restarting the tunnel.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type FleetHost, type PirunResult } from '../support/fleet.js';
import { changedCount, changedTasks, roleRunner, tasksOf, type RoleRunner } from '../support/role-runs.js';

const PLAYBOOK = `
- name: wireguard role
  hosts: all
  become: true
  roles:
    - wireguard
`;

const ADDRESSES: Record<string, string> = { h1: '10.66.0.1', h2: '10.66.0.2' };
const HOSTS = ['h1', 'h2'];
const WRITE = 'wireguard: Write the WireGuard config';
const APPLY = 'wireguard: Apply the WireGuard config without dropping the tunnel';
const START = 'wireguard: Enable and start the tunnel';
const FRESH = [
  'wireguard: Install WireGuard',
  'wireguard: Generate the private key on the host',
  WRITE,
  START,
  APPLY,
];

let fleet: Fleet;
let pirun: RoleRunner;
let inventory: string;
// Everything pirun printed in this file, to prove no private key ever left a host.
const outputs: string[] = [];

async function sh(host: FleetHost | string, cmd: string): Promise<{ code: number; out: string }> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

async function run(args: string[] = []): Promise<PirunResult> {
  const r = await pirun.run(args);
  outputs.push(r.stdout, r.stderr);
  return r;
}

// The same run as plain text with diffs and every remote command (-vv).
async function runVerbose(args: string[] = []): Promise<PirunResult> {
  const r = await runPirun([`${pirun.dir}/play.yaml`, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '--diff', '-vv', ...args]);
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function ping(from: string, to: string): Promise<number> {
  return (await sh(from, `ping -c 2 -W 3 ${ADDRESSES[to]}`)).code;
}

beforeAll(async () => {
  fleet = await startFleet({ count: 2, tun: true });
  for (const h of fleet.hosts) await fleet.authorizeKey(h);
  inventory = fleet.writeInventory({
    vars: { wireguard_mesh_group: 'mesh', wireguard_ufw_allow: false },
    hostVars: Object.fromEntries(fleet.hosts.map((h) => [h.name, { wireguard_address: `${ADDRESSES[h.name]}/24`, wireguard_endpoint: `${h.ip}:51820` }])),
    children: { mesh: { hosts: { h1: null, h2: null } } },
  });
  pirun = roleRunner(fleet, PLAYBOOK, inventory);
});

afterAll(async () => {
  await fleet?.stop();
  if (pirun) rmSync(pirun.dir, { recursive: true, force: true });
});

describe('role wireguard', () => {
  const predicted: Record<string, string[]> = {};

  it('predicts in check mode what fresh hosts need and changes nothing; the unknown peer keys show as a placeholder', async () => {
    const before = await Promise.all(fleet.hosts.map((h) => fleet.snapshot(h)));
    const check = await run(['--check']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(await Promise.all(fleet.hosts.map((h) => fleet.snapshot(h)))).toEqual(before);
    for (const h of HOSTS) {
      predicted[h] = changedTasks(check, h);
      expect(predicted[h]).toEqual(FRESH);
      const install = tasksOf(check, h).find((t) => t.task === 'Install WireGuard')!;
      expect(install.changes).toEqual(['install wireguard-tools, wireguard-go']);
    }
    const diff = await runVerbose(['--check']);
    expect(diff.code, diff.stdout).toBe(0);
    expect(diff.stdout).toContain('+PublicKey = (generated on the first real run)');
    expect(diff.stdout).toContain(`+Endpoint = ${fleet.host('h2').ip}:51820`);
    expect(await Promise.all(fleet.hosts.map((h) => fleet.snapshot(h)))).toEqual(before);
  });

  it('changes exactly the predicted tasks; the two hosts ping each other over the tunnel (wireguard-go)', async () => {
    const real = await run();
    expect(real.code, real.stderr + real.stdout).toBe(0);
    for (const h of HOSTS) expect(changedTasks(real, h)).toEqual(predicted[h]);

    for (const [from, to] of [['h1', 'h2'], ['h2', 'h1']]) expect(await ping(from, to)).toBe(0);
    for (const h of HOSTS) {
      expect((await sh(h, 'systemctl is-enabled wg-quick@wg0; systemctl is-active wg-quick@wg0')).out).toBe('enabled\nactive\n');
      expect((await sh(h, 'pgrep -x wireguard-go >/dev/null && echo userspace')).out).toBe('userspace\n');
      expect((await sh(h, 'stat -c "%a %U" /etc/wireguard/private.key /etc/wireguard/wg0.conf')).out).toBe('600 root\n600 root\n');
      const conf = (await sh(h, 'cat /etc/wireguard/wg0.conf')).out;
      expect(conf).not.toMatch(/PrivateKey/i);
      expect(conf).toContain(`Address = ${ADDRESSES[h]}/24`);
      expect(conf).toContain('PostUp = wg set %i private-key /etc/wireguard/private.key');
      // The peer block carries the other host's public key, read on that host.
      const other = h === 'h1' ? 'h2' : 'h1';
      const otherKey = (await sh(other, 'wg pubkey </etc/wireguard/private.key')).out.trim();
      expect(otherKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(conf).toContain(`[Peer]\n# ${other}\nPublicKey = ${otherKey}\nAllowedIPs = ${ADDRESSES[other]}/32\nEndpoint = ${fleet.host(other).ip}:51820\n`);
      // The live interface still has its key after the syncconf handler ran.
      expect((await sh(h, 'wg show wg0 public-key')).out.trim()).toBe((await sh(h, 'wg pubkey </etc/wireguard/private.key')).out.trim());
    }
  });

  it('changes nothing on a second run (verbose, with diffs)', async () => {
    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    for (const h of HOSTS) expect(changedCount(again, h)).toBe(0);
    const verbose = await runVerbose();
    expect(verbose.code, verbose.stdout).toBe(0);
    expect(verbose.stdout).toMatch(/^h1 +: .*changed=0 /m);
    expect(verbose.stdout).toMatch(/^h2 +: .*changed=0 /m);
  });

  it('reports drift in check mode without touching the hosts, and repairs it without restarting the tunnel', async () => {
    const since = (await sh('h1', 'systemctl show -p ActiveEnterTimestampMonotonic --value wg-quick@wg0')).out;
    // An endpoint changed by hand in the file (the live tunnel still has the right one).
    await sh('h1', "sed -i 's/^Endpoint = .*/Endpoint = 192.0.2.1:51820/' /etc/wireguard/wg0.conf");
    const before = await fleet.snapshot('h1');
    const check = await run(['--check']);
    expect(check.code, check.stderr).toBe(0);
    expect(changedTasks(check, 'h1')).toEqual([WRITE, APPLY]);
    expect(changedTasks(check, 'h2')).toEqual([]);
    expect(await fleet.snapshot('h1')).toBe(before);

    const fix = await run();
    expect(changedTasks(fix, 'h1')).toEqual([WRITE, APPLY]);
    expect((await sh('h1', 'systemctl show -p ActiveEnterTimestampMonotonic --value wg-quick@wg0')).out).toBe(since);
    expect(await ping('h1', 'h2')).toBe(0);
    expect((await sh('h1', 'wg show wg0 endpoints')).out).toContain(`${fleet.host('h2').ip}:51820`);

    await sh('h2', 'systemctl stop wg-quick@wg0');
    const stopped = await fleet.snapshot('h2');
    const check2 = await run(['--check']);
    expect(changedTasks(check2, 'h2')).toEqual([START]);
    expect(changedTasks(check2, 'h1')).toEqual([]);
    expect(await fleet.snapshot('h2')).toBe(stopped);
    const fix2 = await run();
    expect(changedTasks(fix2, 'h2')).toEqual([START]);
    expect(await ping('h2', 'h1')).toBe(0);
  });

  it('fails a mesh host whose peer is missing from the run before its config changes', async () => {
    const conf = (await sh('h1', 'sha256sum /etc/wireguard/wg0.conf')).out;
    const r = await pirun.run(['--limit', 'h1']);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    const row = tasksOf(r, 'h1').find((t) => t.task === 'Check that every mesh host reported its public key')!;
    expect(row.status).toBe('failed');
    expect(row.msg).toContain('host "h2" did not report its public key in this run');
    expect((await sh('h1', 'sha256sum /etc/wireguard/wg0.conf')).out).toBe(conf);
  });

  it('opens the port in ufw with the ufw role: with incoming traffic denied, new datagrams to the WireGuard port are accepted and the tunnel works', async () => {
    const withUfw = roleRunner(fleet, PLAYBOOK.replace('    - wireguard', '    - ufw\n    - wireguard'), inventory);
    try {
      const r = await withUfw.run(['-e', 'wireguard_ufw_allow=true']);
      outputs.push(r.stdout, r.stderr);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      for (const h of HOSTS) {
        expect(changedTasks(r, h)).toContain('wireguard: Allow WireGuard through ufw');
        expect((await sh(h, 'ufw status')).out).toMatch(/^51820\/udp +ALLOW +Anywhere +# WireGuard$/m);
        expect((await sh(h, 'ufw status verbose')).out).toContain('Default: deny (incoming)');
      }
      // The tunnel's own flow may still be in conntrack (ESTABLISHED passes before
      // the user rules), so prove the rule with new traffic: a datagram from a fresh
      // source port to the WireGuard port is accepted by the 51820/udp rule.
      const counter = async () => {
        const rules = (await sh('h2', 'iptables -L ufw-user-input -v -n -x')).out;
        const line = rules.split('\n').find((l) => /ACCEPT +(17|udp) .*dpt:51820/.test(l));
        expect(line, rules).toBeDefined();
        return Number(line!.trim().split(/\s+/)[0]);
      };
      const before = await counter();
      await sh('h1', `echo probe >/dev/udp/${fleet.host('h2').ip}/51820`);
      await expect.poll(counter, { timeout: 5000 }).toBeGreaterThan(before);
      for (const h of HOSTS) await sh(h, 'systemctl restart wg-quick@wg0');
      expect(await ping('h1', 'h2')).toBe(0);
      expect(await ping('h2', 'h1')).toBe(0);
      const again = await withUfw.run(['-e', 'wireguard_ufw_allow=true']);
      outputs.push(again.stdout, again.stderr);
      for (const h of HOSTS) expect(changedCount(again, h)).toBe(0);
    } finally {
      rmSync(withUfw.dir, { recursive: true, force: true });
    }
  });

  it('never printed a private key: not in the JSON reports, the plain output, diffs or -vv command logs', async () => {
    const keys = await Promise.all(HOSTS.map(async (h) => (await sh(h, 'cat /etc/wireguard/private.key')).out.trim()));
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      for (const text of outputs) expect(text.includes(key)).toBe(false);
    }
    expect(outputs.join('\n')).toContain('Generate the private key on the host');
  });
});

// The wireguard role on two real bookworm hosts with /dev/net/tun and no
// wireguard kernel module (so wireguard-go is used), meshed through an
// inventory group: check mode predicts exactly what the real run changes and
// touches nothing, the hosts ping each other over the tunnel, the private
// keys never appear in pirun's output, a re-run changes nothing, and drift is
// reported and repaired without restarting the tunnel. A third host proves
// that a peer (or a default route) that would capture pirun's own connection
// is refused before anything changes, and that a legitimate peer still applies.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type FleetHost, type PirunResult } from '../support/fleet.js';
import { changedCount, changedTasks, roleRunner, tasksOf, type RoleRunner } from '../support/role-runs.js';
import { sshClientAddress, sshLogin } from '../support/ssh-login.js';

const PLAYBOOK = `
- name: wireguard role
  hosts: all
  become: true
  roles:
    - wireguard
`;

const ADDRESSES: Record<string, string> = { h1: '10.66.0.1', h2: '10.66.0.2' };
const HOSTS = ['h1', 'h2'];
const UP_TASK = 'Write the WireGuard config and bring the tunnel up';
const UP = `wireguard: ${UP_TASK}`;
const FRESH = [
  'wireguard: Install WireGuard',
  'wireguard: Generate the private key on the host',
  UP,
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
  fleet = await startFleet({ count: 3, tun: true });
  for (const h of fleet.hosts) await fleet.authorizeKey(h);
  inventory = fleet.writeInventory({
    hosts: HOSTS,
    vars: { wireguard_mesh_group: 'mesh', wireguard_ufw_allow: false },
    hostVars: Object.fromEntries(fleet.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => [h.name, { wireguard_address: `${ADDRESSES[h.name]}/24`, wireguard_endpoint: `${h.ip}:51820` }])),
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
      // The live interface has its key (PostUp loaded it from the key file).
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
    expect(changedTasks(check, 'h1')).toEqual([UP]);
    expect(tasksOf(check, 'h1').find((t) => t.task === UP_TASK)!.changes).toEqual(['update /etc/wireguard/wg0.conf', 'apply the new config to wg0 with wg syncconf']);
    expect(changedTasks(check, 'h2')).toEqual([]);
    expect(await fleet.snapshot('h1')).toBe(before);

    const fix = await run();
    expect(changedTasks(fix, 'h1')).toEqual([UP]);
    // The sync ran under the lockout guard (a fresh login proved access afterwards).
    expect(JSON.parse(fix.stdout).stats.guardLogins.h1).toBeGreaterThanOrEqual(1);
    expect((await sh('h1', 'wg show wg0 public-key')).out.trim()).toBe((await sh('h1', 'wg pubkey </etc/wireguard/private.key')).out.trim());
    expect((await sh('h1', 'systemctl show -p ActiveEnterTimestampMonotonic --value wg-quick@wg0')).out).toBe(since);
    expect(await ping('h1', 'h2')).toBe(0);
    expect((await sh('h1', 'wg show wg0 endpoints')).out).toContain(`${fleet.host('h2').ip}:51820`);

    await sh('h2', 'systemctl stop wg-quick@wg0');
    const stopped = await fleet.snapshot('h2');
    const check2 = await run(['--check']);
    expect(changedTasks(check2, 'h2')).toEqual([UP]);
    expect(tasksOf(check2, 'h2').find((t) => t.task === UP_TASK)!.changes).toEqual(['start wg-quick@wg0.service']);
    expect(changedTasks(check2, 'h1')).toEqual([]);
    expect(await fleet.snapshot('h2')).toBe(stopped);
    const fix2 = await run();
    expect(changedTasks(fix2, 'h2')).toEqual([UP]);
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

describe('lockout: a WireGuard peer never captures pirun\'s connection (h3)', () => {
  let inv3: string;
  let key: Buffer;
  let controller: string;
  const peerKey = randomBytes(32).toString('base64');
  const peers = (allowed: string) => JSON.stringify({ wireguard_peers: [{ name: 'capture', public_key: peerKey, allowed_ips: allowed, endpoint: '127.0.0.1:51820' }] });
  const run3 = async (allowed: string, args: string[] = []) => {
    const r = await pirun.run(['-e', peers(allowed), ...args], { inventory: inv3 });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  // Nothing of the tunnel exists: no config, no link, the unit neither enabled nor running.
  const noTunnel = async () => {
    expect((await sh('h3', 'test -e /etc/wireguard/wg0.conf')).code).not.toBe(0);
    expect((await sh('h3', 'ip link show wg0')).code).not.toBe(0);
    expect((await sh('h3', 'systemctl is-enabled wg-quick@wg0')).out.trim()).not.toBe('enabled');
    expect((await sh('h3', 'systemctl is-active wg-quick@wg0')).out.trim()).not.toBe('active');
  };
  // No rollback timer or saved files left behind by the guard.
  const noRollback = async () => {
    expect((await sh('h3', "systemctl list-units --all --no-legend 'pirun-rollback-*'")).out.trim()).toBe('');
    expect((await sh('h3', 'ls -A /var/lib/pirun/rollback 2>/dev/null')).out.trim()).toBe('');
  };
  const refusal = (r: Awaited<ReturnType<typeof run3>>) => {
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const failed = tasksOf(r, 'h3').filter((t) => t.status === 'failed');
    expect(failed.map((t) => t.task)).toEqual([UP_TASK]);
    return failed[0].msg ?? '';
  };

  beforeAll(async () => {
    inv3 = fleet.writeInventory({ hosts: ['h3'], hostVars: { h3: { wireguard_address: '10.77.0.5/24', wireguard_ufw_allow: false } } });
    key = readFileSync(fleet.privateKeyPath);
    controller = await sshClientAddress(fleet.host('h3').port, { user: 'pi', privateKey: key });
  });

  it('lockout: a peer whose AllowedIPs is pirun\'s own address is refused before the tunnel exists (check mode agrees)', async () => {
    const check = await run3(`${controller}/32`, ['--check']);
    expect(refusal(check)).toContain(`peer "capture" has AllowedIPs ${controller}/32, which contains pirun's own address ${controller}`);
    const r = await run3(`${controller}/32`);
    const msg = refusal(r);
    expect(msg).toBe(`Cannot write WireGuard config "/etc/wireguard/wg0.conf" on "h3": peer "capture" has AllowedIPs ${controller}/32, which contains pirun's own address ${controller}: wg-quick would send the replies to pirun into the tunnel and lock it out (nothing was changed)`);
    await noTunnel();
    expect(await sshLogin(fleet.host('h3').port, { user: 'pi', privateKey: key })).toBe('ok');
  });

  it('lockout: a default-route peer (0.0.0.0/0) is refused when the host reaches pirun through its default route', async () => {
    // Make the host reach pirun through its default route, as a Pi managed from another network does.
    const eth = (await sh('h3', "ip -4 -o addr show dev eth0 | awk '{print $4}'")).out.trim();
    const subnet = (await sh('h3', "ip -4 route show dev eth0 proto kernel | awk '{print $1}'")).out.trim();
    const gateway = (await sh('h3', "ip -4 route show default | awk '{print $3}'")).out.trim();
    expect(eth).toMatch(/\/\d+$/);
    const moved = await sh('h3', `ip route replace default via ${gateway} dev eth0 onlink && ip route del ${subnet} dev eth0 && ip route get ${controller}`);
    expect(moved.code, moved.out).toBe(0);
    try {
      const msg = refusal(await run3('0.0.0.0/0'));
      expect(msg).toContain(`peer "capture" has AllowedIPs 0.0.0.0/0 and the host reaches pirun's own address ${controller} through its default route`);
      await noTunnel();
      expect(await sshLogin(fleet.host('h3').port, { user: 'pi', privateKey: key })).toBe('ok');
    } finally {
      await sh('h3', `ip route add ${subnet} dev eth0 proto kernel scope link src ${eth.split('/')[0]}; ip route replace default via ${gateway} dev eth0`);
    }
  });

  it('a legitimate peer applies: the tunnel comes up under the guard, a re-run changes nothing', async () => {
    const r = await run3('10.77.0.9/32');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(tasksOf(r, 'h3').find((t) => t.task === UP_TASK)!.changes).toEqual(['create /etc/wireguard/wg0.conf', 'enable wg-quick@wg0.service', 'start wg-quick@wg0.service']);
    expect(JSON.parse(r.stdout).stats.guardLogins.h3).toBeGreaterThanOrEqual(1);
    expect((await sh('h3', 'systemctl is-enabled wg-quick@wg0; systemctl is-active wg-quick@wg0')).out).toBe('enabled\nactive\n');
    expect((await sh('h3', 'wg show wg0 allowed-ips')).out).toContain('10.77.0.9/32');
    await noRollback();
    expect(await sshLogin(fleet.host('h3').port, { user: 'pi', privateKey: key })).toBe('ok');
    expect(changedCount(await run3('10.77.0.9/32'), 'h3')).toBe(0);
  });

  it('lockout: changing a live tunnel so a peer captures pirun is refused; the live peers and the config stay as they were', async () => {
    const before = (await sh('h3', 'sha256sum /etc/wireguard/wg0.conf; wg show wg0 allowed-ips; ip route show dev wg0')).out;
    const msg = refusal(await run3(`10.77.0.9/32, ${controller}/32`));
    expect(msg).toContain(`peer "capture" has AllowedIPs ${controller}/32, which contains pirun's own address ${controller}`);
    expect((await sh('h3', 'sha256sum /etc/wireguard/wg0.conf; wg show wg0 allowed-ips; ip route show dev wg0')).out).toBe(before);
    await noRollback();
    expect(await sshLogin(fleet.host('h3').port, { user: 'pi', privateKey: key })).toBe('ok');

    // A legitimate change to the live tunnel is synced under the guard, keeping the live key.
    const ok = await run3('10.77.0.10/32');
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(tasksOf(ok, 'h3').find((t) => t.task === UP_TASK)!.changes).toEqual(['update /etc/wireguard/wg0.conf', 'apply the new config to wg0 with wg syncconf']);
    expect(JSON.parse(ok.stdout).stats.guardLogins.h3).toBeGreaterThanOrEqual(1);
    expect((await sh('h3', 'wg show wg0 allowed-ips')).out).toContain('10.77.0.10/32');
    expect((await sh('h3', 'wg show wg0 public-key')).out.trim()).toBe((await sh('h3', 'wg pubkey </etc/wireguard/private.key')).out.trim());
    await noRollback();
  });
});

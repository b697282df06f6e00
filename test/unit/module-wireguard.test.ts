// The wireguard module and the route check that keeps a WireGuard config
// from capturing pirun's own connection: given the host's routes and the
// address pirun connects from, which configs are refused, and what the
// module plans (write, enable, start or syncconf under the lockout guard).
import { describe, expect, it } from 'vitest';
import { parseRoutes, type RouteFact } from '../../src/facts/routes.js';
import { controllerDiversion, parseWgConf } from '../../src/modules/wg-routes.js';
import wireguard from '../../src/modules/wireguard.js';
import copy from '../../src/modules/copy.js';
import { afterPlan, planWith, scripts } from './support/fake-context.js';
import { runPlanFixtures } from './support/plan-fixtures.js';

const LAN: RouteFact[] = [
  { dst: '0.0.0.0/0', dev: 'eth0' },
  { dst: '172.17.0.0/16', dev: 'eth0' },
];
// A controller outside every connected network: reached through the default route.
const REMOTE = '198.51.100.7';

const conf = (...peers: { name?: string; allowed: string }[]) =>
  [
    '[Interface]',
    'Address = 10.77.0.5/24',
    'ListenPort = 51820',
    ...peers.flatMap((p, i) => ['', '[Peer]', ...(p.name ? [`# ${p.name}`] : []), `PublicKey = key${i}=`, `AllowedIPs = ${p.allowed}`, 'Endpoint = 127.0.0.1:51820']),
  ].join('\n');

const check = (text: string, controller = '172.17.0.1', routes = LAN) => controllerDiversion(parseWgConf(text), { iface: 'wg0', controller, routes });

describe('WireGuard routes and pirun\'s address', () => {
  it('parses peers, names from the comment after [Peer], and AllowedIPs lists', () => {
    const c = parseWgConf(conf({ name: 'laptop', allowed: '10.77.0.9/32, fd00::9/128' }, { allowed: '10.77.0.10/32' }));
    expect(c.addresses).toEqual(['10.77.0.5/24']);
    expect(c.peers).toEqual([
      { name: 'laptop', publicKey: 'key0=', allowedIps: ['10.77.0.9/32', 'fd00::9/128'] },
      { publicKey: 'key1=', allowedIps: ['10.77.0.10/32'] },
    ]);
  });

  it.each([
    ['a peer whose AllowedIPs is pirun\'s address', conf({ name: 'evil', allowed: '172.17.0.1/32' }), '172.17.0.1', LAN, 'peer "evil" has AllowedIPs 172.17.0.1/32, which contains pirun\'s own address 172.17.0.1: wg-quick would send the replies to pirun into the tunnel and lock it out'],
    ['a wider prefix that contains it', conf({ allowed: '10.77.0.9/32,172.16.0.0/12' }), '172.17.0.1', LAN, 'peer with PublicKey "key0=" has AllowedIPs 172.16.0.0/12, which contains pirun\'s own address 172.17.0.1'],
    ['an IPv4-mapped controller address', conf({ name: 'p', allowed: '172.17.0.1' }), '::ffff:172.17.0.1', LAN, 'peer "p" has AllowedIPs 172.17.0.1, which contains pirun\'s own address 172.17.0.1'],
    ['an IPv6 prefix containing an IPv6 controller', conf({ name: 'v6', allowed: '2001:db8::/32' }), '2001:db8::7', [{ dst: '2001:db8::/64', dev: 'eth0' }], 'peer "v6" has AllowedIPs 2001:db8::/32, which contains pirun\'s own address 2001:db8::7'],
    ['0.0.0.0/0 when pirun is reached through the default route', conf({ name: 'vpn', allowed: '0.0.0.0/0' }), REMOTE, LAN, `peer "vpn" has AllowedIPs 0.0.0.0/0 and the host reaches pirun's own address ${REMOTE} through its default route`],
    ['the interface Address network containing pirun', conf().replace('10.77.0.5/24', '172.17.0.9/16'), '172.17.0.1', LAN, 'the interface Address 172.17.0.9/16 contains pirun\'s own address 172.17.0.1'],
    ['a malformed prefix', conf({ name: 'typo', allowed: '10.77.0.300/32' }), '172.17.0.1', LAN, 'peer "typo" has AllowedIPs "10.77.0.300/32", which is not an address or network'],
  ])('refuses %s', (_name, text, controller, routes, message) => {
    expect(check(text, controller, routes)).toContain(message);
  });

  it.each([
    ['peers that do not contain pirun', conf({ allowed: '10.77.0.9/32' }, { allowed: '192.168.50.0/24' }), '172.17.0.1', LAN],
    ['0.0.0.0/0 when pirun is on a connected network (suppress_prefixlength keeps it out)', conf({ allowed: '0.0.0.0/0' }), '172.17.0.1', LAN],
    ['::/0 for an IPv4 controller', conf({ allowed: '::/0' }), REMOTE, LAN],
    ['any prefix when pirun already comes in through this tunnel', conf({ allowed: '10.77.0.0/24' }), '10.77.0.100', [...LAN, { dst: '10.77.0.0/24', dev: 'wg0' }]],
    ['an unknown controller address', conf({ allowed: '0.0.0.0/0' }), '', LAN],
  ])('accepts %s', (_name, text, controller, routes) => {
    expect(check(text, controller, routes)).toBeUndefined();
  });

  it('reads ip -j routes, default and lone addresses as prefixes, skipping non-unicast', () => {
    const out = [
      JSON.stringify([{ dst: 'default', gateway: '172.17.0.1', dev: 'eth0' }, { dst: '172.17.0.0/16', dev: 'eth0' }, { dst: '10.9.9.9', dev: 'wg0' }, { type: 'unreachable', dst: '10.1.0.0/16' }]),
      JSON.stringify([{ dst: 'default', dev: 'eth0' }]),
      '',
    ].join('\n');
    expect(parseRoutes(out)).toEqual([
      { dst: '0.0.0.0/0', dev: 'eth0' },
      { dst: '172.17.0.0/16', dev: 'eth0' },
      { dst: '10.9.9.9/32', dev: 'wg0' },
      { dst: '::/0', dev: 'eth0' },
    ]);
    expect(parseRoutes('\n')).toEqual([]);
  });
});

const UNIT = 'unit:wg-quick@wg0.service';
const facts = (o: { file?: 'same' | 'other' | null; unit?: { active: string; enabled: string } | null; controller?: string; routes?: RouteFact[] } = {}) => {
  const text = conf({ name: 'laptop', allowed: '10.77.0.9/32' });
  const sha = o.file === 'same' ? 'sha' : 'old';
  return {
    'file:/etc/wireguard/wg0.conf': o.file ? { type: 'file', mode: '0600', owner: 'root', group: 'root', size: 1, sha256: sha } : null,
    'content:/etc/wireguard/wg0.conf': o.file ? Buffer.from('old') : null,
    [UNIT]: o.unit === null ? null : { name: 'wg-quick@wg0.service', loadState: 'loaded', activeState: o.unit?.active ?? 'inactive', unitFileState: o.unit?.enabled ?? 'disabled' },
    system: { connection: { address: '172.17.0.2', port: 22, client_address: o.controller ?? '172.17.0.1' } },
    routes: o.routes ?? LAN,
    text,
  };
};

describe('wireguard module', () => {
  const args = (content: string) => ({ interface: 'wg0', content });

  it('writes the config, enables and starts the unit on a fresh host, the start under the guard', async () => {
    const f = facts();
    const plan = await planWith(wireguard, args(f.text), f);
    expect(plan.failed).toBeUndefined();
    expect(scripts(plan)).toEqual(['write /etc/wireguard/wg0.conf', "systemctl enable -- wg-quick@wg0.service", "systemctl start -- wg-quick@wg0.service"]);
    const guarded = plan.changes.filter((c) => c.guard);
    expect(guarded.map((c) => c.summary)).toEqual(['start wg-quick@wg0.service']);
    expect(guarded[0].guard).toMatchObject({ files: ['/etc/wireguard/wg0.conf'], risk: 'WireGuard "wg0" could route pirun\'s connection into the tunnel' });
    expect(guarded[0].guard!.restore).toContain('ip link del dev wg0');
    expect(guarded[0].guard!.restore).toContain('systemctl disable -- wg-quick@wg0.service');
    const again = afterPlan(f, plan);
    again['content:/etc/wireguard/wg0.conf'] = Buffer.from(f.text);
    expect(scripts(await planWith(wireguard, args(f.text), again))).toEqual([]);
  });

  it('syncs a changed config into the running interface under the guard, keeping the live key', async () => {
    const f = facts({ file: 'other', unit: { active: 'active', enabled: 'enabled' } });
    const plan = await planWith(wireguard, args(f.text), f);
    expect(plan.changes.map((c) => c.summary)).toEqual(['update /etc/wireguard/wg0.conf', 'apply the new config to wg0 with wg syncconf']);
    const sync = plan.changes[1];
    expect(sync.guard?.restore).toContain('wg syncconf wg0 /dev/stdin');
    const script = (sync.steps[0] as { script: string }).script;
    expect(script).toContain('ENVIRON["PIRUN_WG_KEY"]');
    expect(script).toContain('wg show wg0 private-key');
  });

  it('refuses before any change a config that routes pirun into the tunnel', async () => {
    const f = facts({ unit: { active: 'active', enabled: 'enabled' }, file: 'other' });
    const plan = await planWith(wireguard, args(conf({ name: 'evil', allowed: '172.17.0.1/32' })), f).catch((e: Error) => ({ thrown: e.message }));
    expect(plan).toEqual({ thrown: 'Cannot write WireGuard config "/etc/wireguard/wg0.conf" on "h1": peer "evil" has AllowedIPs 172.17.0.1/32, which contains pirun\'s own address 172.17.0.1: wg-quick would send the replies to pirun into the tunnel and lock it out (nothing was changed)' });
  });

  it('refuses the same config written with copy (a user playbook)', async () => {
    const f = facts();
    await expect(planWith(copy, { dest: '/etc/wireguard/wg1.conf', content: conf({ allowed: '0.0.0.0/0' }) }, { ...f, 'file:/etc/wireguard/wg1.conf': null }, {})).resolves.toBeDefined();
    await expect(
      planWith(copy, { dest: '/etc/wireguard/wg1.conf', content: conf({ allowed: '0.0.0.0/0' }) }, { ...f, 'file:/etc/wireguard/wg1.conf': null, system: { connection: { address: '', port: 22, client_address: REMOTE } } }),
    ).rejects.toThrow(/Cannot write WireGuard config "\/etc\/wireguard\/wg1.conf" on "h1": peer with PublicKey "key0=" has AllowedIPs 0.0.0.0\/0 and the host reaches pirun's own address 198.51.100.7 through its default route/);
  });

  it('plans from the package in check mode before wireguard-tools is installed', async () => {
    const f = facts({ unit: null });
    const plan = await planWith(wireguard, args(f.text), f, { pendingPackages: ['wireguard-tools'] });
    expect(plan.changes.map((c) => c.summary)).toEqual(['create /etc/wireguard/wg0.conf', 'enable wg-quick@wg0.service', 'start wg-quick@wg0.service']);
    const real = await planWith(wireguard, args(f.text), f);
    expect(real.failed).toMatch(/unit "wg-quick@wg0.service" does not exist \(install wireguard-tools first\)/);
  });

  // The same module through the one fixture runner: facts in, changes out.
  const fresh = facts();
  const evil = conf({ name: 'evil', allowed: '172.17.0.1/32' });
  runPlanFixtures(wireguard, [
    { name: 'fixture: a fresh host gets the config, the unit enabled and started under the guard', args: args(fresh.text), given: { facts: fresh }, expect: { summaries: ['create /etc/wireguard/wg0.conf', 'enable wg-quick@wg0.service', 'start wg-quick@wg0.service'], guard: /WireGuard "wg0" could route pirun's connection into the tunnel/ } },
    { name: 'fixture: a config that captures pirun is refused before any change', args: args(evil), given: { facts: facts({ file: 'other', unit: { active: 'active', enabled: 'enabled' } }) }, expect: { throws: /peer "evil" has AllowedIPs 172\.17\.0\.1\/32/ } },
    { name: 'fixture: check mode plans from the pending package', args: args(fresh.text), given: { facts: facts({ unit: null }), pendingPackages: ['wireguard-tools'] }, expect: { summaries: ['create /etc/wireguard/wg0.conf', 'enable wg-quick@wg0.service', 'start wg-quick@wg0.service'], guard: /WireGuard "wg0"/ } },
    { name: 'fixture: without the package the unit is missing', args: args(fresh.text), given: { facts: facts({ unit: null }) }, expect: { failed: /unit "wg-quick@wg0.service" does not exist \(install wireguard-tools first\)/ } },
  ]);
});

// systemd, ufw, wait_for_connection and reboot plans: given these facts,
// expect these changes. Each changing case is re-planned against the facts
// its predictions leave, which must plan nothing (a re-run is a no-op).
import { describe, expect, it } from 'vitest';
import { accessGuard, mergeGuards } from '../../src/engine/access.js';
import { checkRules } from '../../src/engine/check-rules.js';
import { loginCheck } from '../../src/engine/steps/login-check.js';
import { reboot } from '../../src/engine/steps/reboot.js';
import { parseTuple, parseUfw, type UfwFact } from '../../src/facts/ufw.js';
import { getModule } from '../../src/modules/index.js';
import { rebootModule, waitForConnection } from '../../src/modules/connection.js';
import systemd from '../../src/modules/systemd.js';
import ufw from '../../src/modules/ufw.js';
import { allowsSsh, normalAddress } from '../../src/modules/ufw-rules.js';
import { afterPlan, fakeContext, planWith, scripts, type FakeContextOptions } from './support/fake-context.js';
import { runPlanFixtures, type PlanFixture } from './support/plan-fixtures.js';

type FakeOptions = Omit<FakeContextOptions, 'facts'>;

const unit = (name: string, activeState: string, unitFileState: string, loadState = 'loaded') => ({ name, loadState, activeState, unitFileState });

interface Case {
  name: string;
  args: Record<string, unknown>;
  facts: Record<string, unknown>;
  opts?: FakeOptions;
  scripts?: string[];
  failed?: RegExp;
  skipped?: RegExp;
  msg?: RegExp;
  // restarted/reloaded change on every run.
  alwaysChanges?: boolean;
}

const AVAHI = 'unit:avahi-daemon.service';

const systemdCases: Case[] = [
  { name: 'enables and starts a disabled, stopped unit', args: { name: 'avahi-daemon', enabled: true, state: 'started' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'inactive', 'disabled') }, scripts: ['systemctl enable -- avahi-daemon.service', 'systemctl start -- avahi-daemon.service'] },
  { name: 'plans nothing for a unit already enabled and active', args: { name: 'avahi-daemon.service', enabled: true, state: 'started' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled') }, scripts: [] },
  { name: 'disables and stops a running unit', args: { name: 'avahi-daemon', enabled: false, state: 'stopped' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled') }, scripts: ['systemctl disable -- avahi-daemon.service', 'systemctl stop -- avahi-daemon.service'] },
  { name: 'stops a socket unit by its own name', args: { name: 'avahi-daemon.socket', enabled: false, state: 'stopped' }, facts: { 'unit:avahi-daemon.socket': unit('avahi-daemon.socket', 'active', 'enabled') }, scripts: ['systemctl disable -- avahi-daemon.socket', 'systemctl stop -- avahi-daemon.socket'] },
  { name: 'treats activating as running', args: { name: 'avahi-daemon', state: 'started' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'activating', 'enabled') }, scripts: [] },
  { name: 'stops a unit that is deactivating', args: { name: 'avahi-daemon', state: 'stopped' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'deactivating', 'enabled') }, scripts: ['systemctl stop -- avahi-daemon.service'] },
  { name: 'leaves a failed unit alone when asked to stop it', args: { name: 'avahi-daemon', state: 'stopped' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'failed', 'enabled') }, scripts: [] },
  { name: 'always restarts', args: { name: 'avahi-daemon', state: 'restarted' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled') }, scripts: ['systemctl restart -- avahi-daemon.service'], alwaysChanges: true },
  { name: 'always reloads a running unit', args: { name: 'avahi-daemon', state: 'reloaded' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled') }, scripts: ['systemctl reload -- avahi-daemon.service'], alwaysChanges: true },
  { name: 'starts a stopped unit asked to reload', args: { name: 'avahi-daemon', state: 'reloaded' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'inactive', 'enabled') }, scripts: ['systemctl start -- avahi-daemon.service'], alwaysChanges: true },
  { name: 'masks and stops', args: { name: 'avahi-daemon', masked: true, state: 'stopped' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled') }, scripts: ['systemctl mask -- avahi-daemon.service', 'systemctl stop -- avahi-daemon.service'] },
  { name: 'plans nothing for a masked, stopped unit asked to stay masked', args: { name: 'avahi-daemon', masked: true, state: 'stopped' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'inactive', 'masked', 'masked') }, scripts: [] },
  { name: 'unmasks before enabling', args: { name: 'avahi-daemon', masked: false, enabled: true }, facts: { [AVAHI]: unit('avahi-daemon.service', 'inactive', 'masked', 'masked') }, scripts: ['systemctl unmask -- avahi-daemon.service', 'systemctl enable -- avahi-daemon.service'] },
  { name: 'refuses to mask and enable at once', args: { name: 'avahi-daemon', masked: true, enabled: true }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled') }, failed: /masked unit can be neither enabled nor started/ },
  { name: 'refuses to start a masked unit', args: { name: 'avahi-daemon', state: 'started' }, facts: { [AVAHI]: unit('avahi-daemon.service', 'inactive', 'masked', 'masked') }, failed: /Cannot enable or start unit "avahi-daemon.service" on "h1": it is masked/ },
  { name: 'counts a static unit as enabled', args: { name: 'dbus', enabled: true, state: 'started' }, facts: { 'unit:dbus.service': unit('dbus.service', 'active', 'static') }, scripts: [] },
  { name: 'cannot disable a static unit and says so', args: { name: 'dbus', enabled: false }, facts: { 'unit:dbus.service': unit('dbus.service', 'active', 'static') }, scripts: [], msg: /static/ },
  { name: 'counts an indirect unit as enabled', args: { name: 'x', enabled: true }, facts: { 'unit:x.service': unit('x.service', 'inactive', 'indirect') }, scripts: [] },
  { name: 'fails on a missing unit, naming it', args: { name: 'bluetooth', state: 'stopped' }, facts: { 'unit:bluetooth.service': null }, failed: /Cannot manage unit "bluetooth.service" on "h1": the unit does not exist/ },
  { name: 'skips a missing unit with missing_ok', args: { name: 'bluetooth', state: 'stopped', enabled: false, missing_ok: true }, facts: { 'unit:bluetooth.service': null }, skipped: /unit "bluetooth.service" does not exist/ },
  {
    name: 'plans a unit from a pending package as Debian leaves it (enabled, active)',
    args: { name: 'fail2ban', enabled: false, state: 'stopped' },
    facts: { 'unit:fail2ban.service': null },
    opts: { pendingPackages: ['fail2ban'] },
    scripts: ['systemctl disable -- fail2ban.service', 'systemctl stop -- fail2ban.service'],
    msg: /does not exist yet/,
  },
  { name: 'plans nothing to start a unit a pending package brings', args: { name: 'fail2ban', enabled: true, state: 'started' }, facts: { 'unit:fail2ban.service': null }, opts: { pendingPackages: ['fail2ban'] }, scripts: [] },
  {
    name: 'missing_ok: a pending package of another name does not bring the unit',
    args: { name: 'bluetooth', enabled: false, state: 'stopped', missing_ok: true },
    facts: { 'unit:bluetooth.service': null },
    opts: { pendingPackages: ['fail2ban', 'ufw'] },
    skipped: /unit "bluetooth.service" does not exist/,
  },
  {
    name: 'missing_ok: a pending package of the unit\'s own name brings it',
    args: { name: 'ufw.service', enabled: false, missing_ok: true },
    facts: { 'unit:ufw.service': null },
    opts: { pendingPackages: ['ufw'] },
    scripts: ['systemctl disable -- ufw.service'],
    msg: /does not exist yet/,
  },
  {
    name: 'plans a template instance from a pending package as neither enabled nor running',
    args: { name: 'wg-quick@wg0', enabled: true, state: 'started' },
    facts: { 'unit:wg-quick@wg0.service': null },
    opts: { pendingPackages: ['wireguard-tools'] },
    scripts: ['systemctl enable -- wg-quick@wg0.service', 'systemctl start -- wg-quick@wg0.service'],
    msg: /brings its template/,
  },
  {
    name: 'plans a unit whose file an earlier task writes (check mode)',
    args: { name: 'pirun-demo', enabled: true, state: 'started' },
    facts: { 'unit:pirun-demo.service': null },
    opts: { predicted: ['file:/etc/systemd/system/pirun-demo.service'] },
    scripts: ['systemctl enable -- pirun-demo.service', 'systemctl start -- pirun-demo.service'],
  },
  {
    name: 'reloads the manager first when there are other changes',
    args: { name: 'avahi-daemon', state: 'started', daemon_reload: true },
    facts: { [AVAHI]: unit('avahi-daemon.service', 'inactive', 'enabled'), 'daemon-reload:avahi-daemon.service': false },
    scripts: ['systemctl daemon-reload', 'systemctl start -- avahi-daemon.service'],
  },
  { name: 'reloads the manager when the unit file changed on disk', args: { name: 'avahi-daemon', state: 'started', daemon_reload: true }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled'), 'daemon-reload:avahi-daemon.service': true }, scripts: ['systemctl daemon-reload'] },
  { name: 'plans no reload when nothing changed', args: { name: 'avahi-daemon', state: 'started', daemon_reload: true }, facts: { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled'), 'daemon-reload:avahi-daemon.service': false }, scripts: [] },
  { name: 'reloads the manager alone when a loaded unit needs it', args: { daemon_reload: true }, facts: { 'daemon-reload:*': true }, scripts: ['systemctl daemon-reload'] },
  { name: 'needs a name unless only reloading', args: { state: 'started' }, facts: {}, failed: /needs "name"/ },
];

// The cases as fixtures of the one runner; a unit that changed is planned again and must be left alone.
function systemdFixture(c: Case): PlanFixture {
  const settled = Object.fromEntries(Object.keys(c.facts).filter((k) => k.startsWith('daemon-reload:')).map((k) => [k, false]));
  return {
    name: c.name,
    args: c.args,
    given: { ...c.opts, facts: c.facts },
    expect: { failed: c.failed, skipped: c.skipped, msg: c.msg, steps: c.failed || c.skipped ? undefined : c.scripts },
    again: c.scripts?.length && !c.alwaysChanges ? { facts: settled, given: { pendingPackages: [] } } : false,
  };
}

describe('systemd', () => {
  runPlanFixtures(systemd, systemdCases.map(systemdFixture));

  it('predicts the unit under the name as given and as normalised', async () => {
    const plan = await planWith(systemd, { name: 'avahi-daemon', state: 'stopped' }, { [AVAHI]: unit('avahi-daemon.service', 'active', 'enabled') });
    const keys = plan.changes[0].predicts?.map((p) => p.key);
    expect(keys).toEqual(['unit:avahi-daemon.service', 'unit:avahi-daemon']);
    expect(plan.changes[0].predicts?.[0].value).toMatchObject({ activeState: 'inactive', unitFileState: 'enabled' });
  });

  it('is registered as systemd, service and systemd_service', () => {
    expect(getModule('service')).toBe(systemd);
    expect(getModule('systemd_service')).toBe(systemd);
    expect(systemd.probes?.({ name: 'ssh', daemon_reload: true, missing_ok: false }, { host: fakeContext({}).host, vars: {}, become: true, readOnly: false }).map((p) => p.key)).toEqual(['unit:ssh.service', 'daemon-reload:ssh.service']);
  });
});

// The probe's output for a host: ufw.conf, /etc/default/ufw, tuple lines, foreign rules.
function ufwOutput(o: { enabled?: boolean; incoming?: string; logging?: string; ipv6?: boolean; v4?: string[]; v6?: string[]; foreign?: string[]; installed?: boolean } = {}): string {
  return [
    ...(o.installed === false ? [] : ['@installed']),
    '@conf',
    `ENABLED=${o.enabled ? 'yes' : 'no'}`,
    `LOGLEVEL=${o.logging ?? 'low'}`,
    '@default',
    `IPV6=${o.ipv6 === false ? 'no' : 'yes'}`,
    `DEFAULT_INPUT_POLICY="${o.incoming ?? 'DROP'}"`,
    'DEFAULT_OUTPUT_POLICY="ACCEPT"',
    'DEFAULT_FORWARD_POLICY="DROP"',
    '@v4',
    ...(o.v4 ?? []).map((t) => `### tuple ### ${t}`),
    '@v6',
    ...(o.v6 ?? []).map((t) => `### tuple ### ${t}`),
    '@foreign',
    ...(o.foreign ?? []),
  ].join('\n');
}

const SYS = (port = 22, client = '172.17.0.1') => ({ connection: { address: '172.17.0.2', port, client_address: client } });
const hostFacts = (o: Parameters<typeof ufwOutput>[0] = {}, sys = SYS()) => ({ ufw: parseUfw(ufwOutput(o)), system: sys });
const CTRL_RULE = "ufw prepend allow in proto tcp from 172.17.0.1 to any port 22 comment 'pirun controller'";
const CTRL_V4 = `allow tcp 22 0.0.0.0/0 any 172.17.0.1 in comment=${Buffer.from('pirun controller').toString('hex')}`;
const REFUSED = /^Cannot filter incoming traffic on "h1": the requested rules do not admit pirun's own connection from 172\.17\.0\.1 to port 22\/tcp; nothing was changed: add a rule that admits it, or set allow_controller: true to allow SSH from 172\.17\.0\.1 only$/;
const CTRL_WARNING = /^ufw allows SSH port 22\/tcp from 172\.17\.0\.1 only, pirun's own address \(allow_controller\)/;
const SSH_V4 = 'allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in';
const SSH_V6 = 'allow tcp 22 ::/0 any ::/0 in';

interface UfwCase extends Case {
  guarded?: boolean;
  warning?: RegExp;
}

const ufwCases: UfwCase[] = [
  { name: 'refuses to enable without a rule that admits pirun, changing nothing', args: { state: 'enabled' }, facts: hostFacts(), failed: REFUSED },
  { name: 'refuses rules that allow SSH only from a network without pirun', args: { state: 'enabled', rules: [{ port: 22, proto: 'tcp', from: '10.250.0.0/16' }] }, facts: hostFacts(), failed: REFUSED },
  { name: 'refuses an SSH rule on another port than the one pirun uses', args: { state: 'enabled', rules: [{ port: 2222, proto: 'tcp' }] }, facts: hostFacts(), failed: REFUSED },
  { name: 'names the fix the role gives in the refusal', args: { state: 'enabled', controller_hint: 'set ufw_ssh_from' }, facts: hostFacts(), failed: /to port 22\/tcp; nothing was changed: set ufw_ssh_from$/ },
  { name: 'with allow_controller, allows SSH from pirun\'s address only, with a warning', args: { state: 'enabled', allow_controller: true, rules: [{ port: 22, proto: 'tcp', from: '10.250.0.0/16' }] }, facts: hostFacts(), scripts: [CTRL_RULE, 'ufw allow in proto tcp from 10.250.0.0/16 to any port 22', 'ufw --force enable'], guarded: true, warning: CTRL_WARNING },
  { name: 'with allow_controller, uses the port pirun is connected through, not 22', args: { state: 'enabled', allow_controller: true }, facts: hostFacts({}, SYS(2202)), scripts: ["ufw prepend allow in proto tcp from 172.17.0.1 to any port 2202 comment 'pirun controller'", 'ufw --force enable'], guarded: true, warning: /^ufw allows SSH port 2202\/tcp from 172\.17\.0\.1 only/ },
  { name: 'with allow_controller, an IPv6 controller gets a /128 rule in user6.rules only', args: { state: 'enabled', allow_controller: true }, facts: hostFacts({}, SYS(22, '2001:db8::5')), scripts: ["ufw prepend allow in proto tcp from 2001:db8::5 to any port 22 comment 'pirun controller'", 'ufw --force enable'], guarded: true, warning: /from 2001:db8::5 only/ },
  { name: 'with allow_controller, an IPv4-mapped client gets an IPv4 rule', args: { state: 'enabled', allow_controller: true }, facts: hostFacts({}, SYS(22, '::ffff:172.17.0.1')), scripts: [CTRL_RULE, 'ufw --force enable'], guarded: true, warning: CTRL_WARNING },
  { name: 'keeps warning (and changes nothing) while pirun\'s own rule is what admits it', args: { state: 'enabled', allow_controller: true, rules: [{ port: 22, proto: 'tcp', from: '10.250.0.0/16' }], purge: true }, facts: hostFacts({ enabled: true, v4: [CTRL_V4, 'allow tcp 22 0.0.0.0/0 any 10.250.0.0/16 in'] }), scripts: [], warning: CTRL_WARNING },
  { name: 'does not count pirun\'s own earlier rule once allow_controller is off (purge)', args: { state: 'enabled', rules: [{ port: 22, proto: 'tcp', from: '10.250.0.0/16' }], purge: true }, facts: hostFacts({ enabled: true, v4: [CTRL_V4, 'allow tcp 22 0.0.0.0/0 any 10.250.0.0/16 in'] }), failed: REFUSED },
  { name: 'leaves pirun\'s own earlier rule alone without purge once allow_controller is off', args: { state: 'enabled', rules: [{ port: 22, proto: 'tcp', from: '10.250.0.0/16' }] }, facts: hostFacts({ enabled: true, v4: [CTRL_V4, 'allow tcp 22 0.0.0.0/0 any 10.250.0.0/16 in'] }), scripts: [] },
  { name: 'does not check a task that cannot shut pirun out (logging on an active firewall)', args: { logging: 'medium' }, facts: hostFacts({ enabled: true, v4: ['allow tcp 22 0.0.0.0/0 any 10.250.0.0/16 in'] }), scripts: ['ufw logging medium'] },
  { name: 'does not check an allow rule added to an active firewall', args: { rule: 'allow', port: 80, proto: 'tcp' }, facts: hostFacts({ enabled: true, v4: ['allow tcp 22 0.0.0.0/0 any 10.250.0.0/16 in'] }), scripts: ['ufw allow in proto tcp from any to any port 80'] },
  { name: 'does not add an SSH rule that already exists', args: { state: 'enabled' }, facts: hostFacts({ v4: [SSH_V4], v6: [SSH_V6] }), scripts: ['ufw --force enable'], guarded: true },
  { name: 'counts a limit rule from the controller subnet as allowing SSH', args: { state: 'enabled' }, facts: hostFacts({ v4: ['limit tcp 22 0.0.0.0/0 any 172.17.0.0/16 in'] }), scripts: ['ufw --force enable'], guarded: true },
  { name: 'refuses when the only SSH rule is for another subnet', args: { state: 'enabled' }, facts: hostFacts({ v4: ['allow tcp 22 0.0.0.0/0 any 192.168.1.0/24 in'] }), failed: REFUSED },
  { name: 'refuses when a deny rule shadows the SSH rule', args: { state: 'enabled' }, facts: hostFacts({ v4: ['deny tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', SSH_V4] }), failed: REFUSED },
  { name: 'with allow_controller, puts pirun\'s rule ahead of a deny rule that would shadow it', args: { state: 'enabled', allow_controller: true }, facts: hostFacts({ v4: ['deny tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', SSH_V4] }), scripts: [CTRL_RULE, 'ufw --force enable'], guarded: true, warning: CTRL_WARNING },
  { name: 'plans nothing when ufw is active and SSH allowed', args: { state: 'enabled' }, facts: hostFacts({ enabled: true, v4: [SSH_V4], v6: [SSH_V6] }), scripts: [] },
  { name: 'skips the check with check_controller: false (still guarded)', args: { state: 'enabled', check_controller: false }, facts: hostFacts(), scripts: ['ufw --force enable'], guarded: true },
  { name: 'refuses to deny incoming on an active firewall without a rule that admits pirun', args: { default: 'deny', direction: 'incoming' }, facts: hostFacts({ enabled: true, incoming: 'ACCEPT' }), failed: REFUSED },
  { name: 'with allow_controller, admits pirun before denying incoming on an active firewall', args: { default: 'deny', direction: 'incoming', allow_controller: true }, facts: hostFacts({ enabled: true, incoming: 'ACCEPT' }), scripts: [CTRL_RULE, 'ufw default deny incoming'], guarded: true, warning: CTRL_WARNING },
  { name: 'sets a default on an inactive firewall without an SSH rule', args: { default: 'reject' }, facts: hostFacts({ incoming: 'ACCEPT' }), scripts: ['ufw default reject incoming'] },
  { name: 'sets the outgoing default', args: { default: 'deny', direction: 'outgoing' }, facts: hostFacts(), scripts: ['ufw default deny outgoing'] },
  { name: 'disables an active firewall', args: { state: 'disabled' }, facts: hostFacts({ enabled: true }), scripts: ['ufw disable'] },
  {
    name: 'adds listed rules, each once',
    args: { rules: [{ port: 22, proto: 'tcp', comment: 'SSH' }, { port: 51820, proto: 'udp', comment: 'WireGuard' }, { rule: 'limit', port: '2222', proto: 'tcp', from: '10.0.0.7/8' }] },
    facts: hostFacts(),
    scripts: [
      "ufw allow in proto tcp from any to any port 22 comment SSH",
      "ufw allow in proto udp from any to any port 51820 comment WireGuard",
      'ufw limit in proto tcp from 10.0.0.0/8 to any port 2222',
    ],
  },
  { name: 'adds rules to an active firewall without the guard', args: { rule: 'allow', port: 80, proto: 'tcp' }, facts: hostFacts({ enabled: true, v4: [SSH_V4], v6: [SSH_V6] }), scripts: ['ufw allow in proto tcp from any to any port 80'] },
  { name: 'guards a deny rule added to an active firewall', args: { rule: 'deny', port: 23 }, facts: hostFacts({ enabled: true, v4: [SSH_V4], v6: [SSH_V6] }), scripts: ['ufw deny in from any to any port 23'], guarded: true },
  { name: 'matches an address the way ufw stores it', args: { rule: 'allow', port: 80, proto: 'tcp', from_ip: '192.168.1.7/24' }, facts: hostFacts({ v4: ['allow tcp 80 0.0.0.0/0 any 192.168.1.0/24 in'] }), scripts: [] },
  { name: 'updates a changed comment', args: { rule: 'allow', port: 22, proto: 'tcp', comment: 'SSH' }, facts: hostFacts({ v4: [`${SSH_V4} comment=6f6c64`], v6: [`${SSH_V6} comment=6f6c64`] }), scripts: ['ufw allow in proto tcp from any to any port 22 comment SSH'] },
  { name: 'ignores the comment when none is asked for', args: { rule: 'allow', port: 22, proto: 'tcp' }, facts: hostFacts({ v4: [`${SSH_V4} comment=6f6c64`], v6: [`${SSH_V6} comment=6f6c64`] }), scripts: [] },
  { name: 'adds the missing IPv6 copy', args: { rule: 'allow', port: 22, proto: 'tcp' }, facts: hostFacts({ v4: [SSH_V4] }), scripts: ['ufw allow in proto tcp from any to any port 22'] },
  { name: 'adds an IPv6-only rule to user6.rules only', args: { rule: 'allow', port: 443, proto: 'tcp', src: '2001:DB8:0:0::1/64' }, facts: hostFacts({ v6: ['allow tcp 443 ::/0 any 2001:db8::1/64 in'] }), scripts: [] },
  { name: 'deletes a rule that exists', args: { rule: 'allow', port: 80, proto: 'tcp', delete: true }, facts: hostFacts({ v4: ['allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in'], v6: ['allow tcp 80 ::/0 any ::/0 in'] }), scripts: ['ufw delete allow in proto tcp from any to any port 80'] },
  { name: 'plans nothing to delete a rule that is gone', args: { rule: 'allow', port: 80, proto: 'tcp', delete: true }, facts: hostFacts(), scripts: [] },
  {
    name: 'purges rules not in the list (once for both families)',
    args: { rules: [{ port: 22, proto: 'tcp' }], purge: true },
    facts: hostFacts({ v4: [SSH_V4, 'allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in', 'allow any 53 0.0.0.0/0 any 10.0.0.0/8 in comment=646e73'], v6: [SSH_V6, 'allow tcp 8080 ::/0 any ::/0 in'] }),
    scripts: ['ufw delete allow in proto tcp from any to any port 8080', 'ufw delete allow in from 10.0.0.0/8 to any port 53'],
  },
  {
    name: 'refuses a purge that would delete the only rule that lets pirun in',
    args: { rules: [{ port: 80, proto: 'tcp' }], purge: true },
    facts: hostFacts({ enabled: true, v4: [SSH_V4, 'allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in', 'allow tcp 81 0.0.0.0/0 any 0.0.0.0/0 in'], v6: [SSH_V6, 'allow tcp 80 ::/0 any ::/0 in'] }),
    failed: REFUSED,
  },
  {
    name: 'with allow_controller, a purge deletes the wide SSH rule and admits pirun\'s address alone',
    args: { rules: [{ port: 80, proto: 'tcp' }], purge: true, allow_controller: true },
    facts: hostFacts({ enabled: true, v4: [SSH_V4, 'allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in'], v6: [SSH_V6, 'allow tcp 80 ::/0 any ::/0 in'] }),
    scripts: [CTRL_RULE, 'ufw delete allow in proto tcp from any to any port 22'],
    guarded: true,
    warning: CTRL_WARNING,
  },
  { name: 'leaves route rules alone when purging', args: { rules: [], purge: true }, facts: hostFacts({ v4: ['route:allow any any 0.0.0.0/0 any 10.9.0.0/24 in_wg0!out_eth0'] }), scripts: [] },
  { name: 'sets logging', args: { logging: 'medium' }, facts: hostFacts(), scripts: ['ufw logging medium'] },
  { name: 'treats logging on as any level but off', args: { logging: 'on' }, facts: hostFacts({ logging: 'high' }), scripts: [] },
  { name: 'turns logging on from off', args: { logging: 'on' }, facts: hostFacts({ logging: 'off' }), scripts: ['ufw logging on'] },
  { name: 'resets a firewall that has rules', args: { state: 'reset' }, facts: hostFacts({ enabled: true, v4: [SSH_V4] }), scripts: ['ufw --force reset'] },
  { name: 'plans nothing to reset a clean firewall', args: { state: 'reset' }, facts: hostFacts(), scripts: [] },
  { name: 'fails when ufw is not installed', args: { state: 'enabled' }, facts: hostFacts({ installed: false }), failed: /Cannot manage ufw on "h1": ufw is not installed/ },
  { name: 'plans from a fresh install when ufw is a pending package', args: { state: 'enabled', rules: [{ port: 22, proto: 'tcp' }, { port: 51820, proto: 'udp' }] }, facts: hostFacts({ installed: false }), opts: { pendingPackages: ['ufw'] }, scripts: ['ufw allow in proto tcp from any to any port 22', 'ufw allow in proto udp from any to any port 51820', 'ufw --force enable'], guarded: true },
  { name: 'warns about rules from another firewall tool', args: { state: 'enabled' }, facts: hostFacts({ v4: [SSH_V4], v6: [SSH_V6], foreign: ['-A INPUT -s 10.0.0.0/8 -j DROP'] }), scripts: ['ufw --force enable'], guarded: true, msg: /Warning: ufw is inactive but 1 firewall rule\(s\) from another tool are loaded \("-A INPUT -s 10.0.0.0\/8 -j DROP"\); enabling ufw now will flush or shadow them/ },
  { name: 'rejects a port range without a protocol', args: { rule: 'allow', port: '6000:6100' }, facts: hostFacts(), failed: /needs proto tcp or udp/ },
  { name: 'rejects purge without rules', args: { purge: true, state: 'enabled' }, facts: hostFacts(), failed: /purge needs "rules"/ },
  { name: 'rejects rule fields without a rule', args: { port: 22 }, facts: hostFacts(), failed: /"port" needs "rule"/ },
  { name: 'rejects a bad address', args: { rule: 'allow', from_ip: '10.0.0.300' }, facts: hostFacts(), failed: /invalid address "10.0.0.300"/ },
  { name: 'rejects an empty task', args: {}, facts: hostFacts(), failed: /at least one of/ },
];

// The cases as fixtures of the one runner; what changed is planned again and must be left alone.
function ufwFixture(c: UfwCase): PlanFixture {
  return {
    name: c.name,
    args: c.args,
    given: { ...c.opts, facts: c.facts },
    expect: {
      failed: c.failed,
      steps: c.failed ? undefined : c.scripts,
      guard: c.guarded ? /^ufw would block SSH port \d+/ : undefined,
      msg: c.msg ?? null,
      warnings: c.warning ? [c.warning] : [],
    },
    check: (plan) => {
      // The engine decides from each change's op and risk (engine/access.ts), never from its summary.
      expect(plan.changes.every((ch) => ch.op?.startsWith('ufw.') && (ch.risk === 'access' || ch.risk === 'none'))).toBe(true);
      const guards = plan.changes.flatMap((ch) => accessGuard(ch, { user: 'pi', home: '/home/pi' }) ?? []);
      if (guards.length) {
        expect(mergeGuards(guards)).toMatchObject({ files: ['/etc/ufw/ufw.conf', '/etc/default/ufw', '/etc/ufw/user.rules', '/etc/ufw/user6.rules'], risk: expect.stringMatching(/^ufw would block SSH port \d+$/) });
        expect(mergeGuards(guards).restore).toContain('ufw --force disable');
      }
    },
    again: c.failed ? false : { given: { pendingPackages: [] } },
  };
}

describe('ufw', () => {
  runPlanFixtures(ufw, ufwCases.map(ufwFixture));

  it('puts pirun\'s rule before the enable step', async () => {
    const plan = await planWith(ufw, { state: 'enabled', default: 'deny', allow_controller: true }, hostFacts({ incoming: 'ACCEPT' }));
    expect(plan.changes.map((c) => c.summary)).toEqual(["allow SSH port 22/tcp from 172.17.0.1 only (pirun's own address, allow_controller)", 'set default deny incoming', 'enable ufw']);
  });

  it('predicts the IPv4 and IPv6 rules ufw writes', async () => {
    const plan = await planWith(ufw, { rule: 'allow', port: 22, proto: 'tcp', comment: 'SSH' }, hostFacts());
    const predicted = plan.changes[0].predicts?.[0].value as UfwFact;
    expect(predicted.rules.map((r) => `${r.v6 ? 6 : 4} ${r.action} ${r.proto} ${r.dport} ${r.src} ${r.comment}`)).toEqual(['4 allow tcp 22 0.0.0.0/0 SSH', '6 allow tcp 22 ::/0 SSH']);
  });
});

describe('ufw facts and rules', () => {
  it('parses ufw files as the probe prints them', () => {
    const fact = parseUfw(ufwOutput({ enabled: true, incoming: 'REJECT', logging: 'medium', v4: ['allow tcp 80 0.0.0.0/0 any 192.168.1.0/24 in comment=776562206c616e'], v6: ['limit tcp 2222 ::/0 any ::/0 in'] }));
    expect(fact).toMatchObject({ installed: true, enabled: true, ipv6: true, logging: 'medium', defaults: { incoming: 'reject', outgoing: 'allow', routed: 'deny' }, foreign: [] });
    expect(fact.rules).toEqual([
      expect.objectContaining({ action: 'allow', proto: 'tcp', dport: '80', src: '192.168.1.0/24', comment: 'web lan', v6: false }),
      expect.objectContaining({ action: 'limit', dport: '2222', src: '::/0', comment: '', v6: true }),
    ]);
  });

  it('parses application, logging, interface and route tuples', () => {
    expect(parseTuple('### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in', false)).toMatchObject({ dapp: 'OpenSSH', sapp: '', direction: 'in' });
    expect(parseTuple('### tuple ### deny_log-all any any 0.0.0.0/0 any 0.0.0.0/0 out_eth0', false)).toMatchObject({ action: 'deny', log: 'log-all', direction: 'out', iface: 'out_eth0' });
    expect(parseTuple('### tuple ### route:allow any any 0.0.0.0/0 any 10.9.0.0/24 in_wg0!out_eth0', false)).toMatchObject({ route: true, action: 'allow' });
    expect(parseTuple('### tuple ### nonsense', false)).toBeNull();
  });

  it.each([
    ['any', 'any'],
    ['10.0.0.5', '10.0.0.5'],
    ['10.0.0.5/32', '10.0.0.5'],
    ['192.168.1.77/24', '192.168.1.0/24'],
    ['0.0.0.0/0', 'any'],
    ['2001:DB8:0:0::1/64', '2001:db8::1/64'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::1/128', 'fe80::1'],
  ])('normalises %s to %s as ufw does', (input, expected) => {
    expect(normalAddress(input)).toBe(expected);
  });

  it('decides from the first matching rule whether SSH gets in', () => {
    const rules = (lines: string[]) => lines.map((l) => parseTuple(`### tuple ### ${l}`, false)!);
    const conn = { port: 22, clientAddress: '192.168.1.20', serverAddress: '192.168.1.5' };
    expect(allowsSsh(rules([SSH_V4]), conn)).toBe(true);
    expect(allowsSsh(rules(['allow tcp 20:30 0.0.0.0/0 any 192.168.0.0/16 in']), conn)).toBe(true);
    expect(allowsSsh(rules(['allow tcp 80,22 192.168.1.5 any 0.0.0.0/0 in']), conn)).toBe(true);
    expect(allowsSsh(rules(['allow udp 22 0.0.0.0/0 any 0.0.0.0/0 in']), conn)).toBe(false);
    expect(allowsSsh(rules(['allow tcp 22 0.0.0.0/0 any 10.0.0.0/8 in']), conn)).toBe(false);
    expect(allowsSsh(rules(['deny any any 0.0.0.0/0 any 192.168.1.20 in', SSH_V4]), conn)).toBe(false);
    expect(allowsSsh(rules(['allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 out']), conn)).toBe(false);
  });
});

describe('wait_for_connection and reboot', () => {
  it('plans a login-check step as data, reading no fact', async () => {
    const ctx = fakeContext({});
    const plan = await waitForConnection.plan(waitForConnection.args.parse({ timeout: 30 }), ctx);
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0].steps).toEqual([{ kind: 'login-check', timeoutS: 30, delayS: 0, sleepS: 1, connectTimeoutS: 5 }]);
    expect(ctx.reads).toEqual([]);
  });

  it('check mode (an engine rule) only pings the current connection and reports no change', async () => {
    const plan = await planWith(waitForConnection, {}, {});
    const rule = checkRules(plan, { check: true });
    expect(rule.plan.changes).toEqual([]);
    expect(rule.plan.msg).toBe('the connection answers');
    expect(rule.ping?.key).toMatch(/^ping:/);
    expect(checkRules(plan, { check: false })).toEqual({ plan });
  });

  it('retries fresh logins until one works, then keeps the run connection', async () => {
    let logins = 0;
    const calls: string[] = [];
    const plan = await planWith(waitForConnection, { timeout: 30, sleep: 0.01 }, {});
    const step = plan.changes[0].steps[0];
    if (step.kind !== 'login-check') throw new Error('expected a login-check step');
    const r = await loginCheck({
      host: fakeContext({}).host,
      exec: async (script) => (calls.push(script), { command: script, exitCode: 0, stdout: '', stderr: '', durationMs: 1, failed: false }),
      freshLogin: async () => {
        logins += 1;
        if (logins < 3) throw new Error('connect ECONNREFUSED');
      },
      reconnect: async () => void calls.push('reconnect'),
    }, step);
    expect(logins).toBe(3);
    expect(calls).toEqual(['true']);
    expect(r).toMatchObject({ failed: false, stdout: 'a fresh login worked after 3 attempt(s)' });
  });

  it('reports a reboot as a change and runs nothing in check mode', async () => {
    const plan = await planWith(rebootModule, {}, {});
    expect(plan.changes.map((c) => c.summary)).toEqual(['reboot']);
    expect(plan.changes[0].steps).toEqual([{ kind: 'reboot', timeoutS: 600, msg: 'Reboot initiated by pirun', preDelayS: 0, postDelayS: 0 }]);
    expect(checkRules(plan, { check: true })).toEqual({ plan });
  });

  it('reboots: schedules, waits for a new boot identity, then for systemd', async () => {
    const plan = await planWith(rebootModule, { reboot_timeout: 60, msg: "it's time" }, {});
    const step = plan.changes[0].steps[0];
    if (step.kind !== 'reboot') throw new Error('expected a reboot step');
    const log: string[] = [];
    let booted = false;
    let states = ['starting', 'degraded'];
    const ok = (stdout: string) => ({ command: '', exitCode: 0, stdout, stderr: '', durationMs: 1, failed: false });
    const r = await reboot({
      host: fakeContext({}).host,
      exec: async (script, opts) => {
        if (script.includes('systemd-run')) {
          log.push(`schedule become=${opts?.become}`);
          expect(script).toContain("'--message=it'\\''s time'");
          return ok('old-boot 100\n');
        }
        if (script.includes('boot_id')) return ok(booted ? 'new-boot 5\n' : 'old-boot 100\n');
        if (script === 'systemctl is-system-running') {
          const s = states[0];
          states = states.slice(1);
          return { ...ok(`${s}\n`), exitCode: 1, failed: true };
        }
        throw new Error(`unexpected script ${script}`);
      },
      freshLogin: async () => undefined,
      reconnect: async () => {
        log.push('reconnect');
        booted = true;
      },
    }, step, { become: true });
    expect(log[0]).toBe('schedule become=true');
    expect(r).toMatchObject({ failed: false, stdout: 'rebooted; systemd reports "degraded"' });
  }, 20_000);
});

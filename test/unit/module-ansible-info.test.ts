// Read-only info modules (stat, package_facts, service_facts, getent) and
// modprobe: given the facts, expect the registered values or the plan.
import { describe, expect, it } from 'vitest';
import { parseServices, parseStat } from '../../src/facts/info.js';
import { getent, packageFacts, serviceFacts, stat } from '../../src/modules/info.js';
import modprobe from '../../src/modules/modprobe.js';
import { fakeContext } from './support/fake-context.js';
import { runPlanFixtures } from './support/plan-fixtures.js';

describe('stat', () => {
  it('parses stat output into Ansible\'s keys', () => {
    const s = parseStat('/etc/passwd', 'regular file|644|0|0|root|root|1234|1700000000|1700000001|1700000002|42|1|2049\nsum|da39a3ee5e6b4b0d3255bfef95601890afd80709\n', 0);
    expect(s).toMatchObject({ exists: true, isreg: true, isdir: false, islnk: false, mode: '0644', pw_name: 'root', gr_name: 'root', uid: 0, size: 1234, mtime: 1700000000, checksum: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', rusr: true, wusr: true, xusr: false, roth: true, woth: false });
    expect(parseStat('/nope', '', 3)).toEqual({ exists: false, path: '/nope' });
    expect(parseStat('/l', 'symbolic link|777|0|0|root|root|4|1|1|1|7|1|1\nlink|/etc/x|/etc/x\n', 0)).toMatchObject({ islnk: true, lnk_target: '/etc/x', lnk_source: '/etc/x' });
  });
  it('registers .stat and changes nothing; the probe joins the batch', async () => {
    const a = stat.args.parse({ path: '/etc/passwd' });
    expect(stat.probes!(a, {} as never).map((p) => p.key)).toEqual(['stat::sha1:/etc/passwd']);
    const plan = await stat.plan(a, fakeContext({ facts: { 'stat::sha1:/etc/passwd': { exists: true, path: '/etc/passwd', isreg: true } } }));
    expect(plan.changes).toEqual([]);
    expect(plan.result).toEqual({ stat: { exists: true, path: '/etc/passwd', isreg: true } });
  });
  it('follow and checksum_algorithm choose the probe', () => {
    expect(stat.probes!(stat.args.parse({ path: '/x', follow: 'yes', checksum_algorithm: 'sha256' }), {} as never)[0].key).toBe('stat:L:sha256:/x');
    expect(stat.probes!(stat.args.parse({ path: '/x', get_checksum: false }), {} as never)[0].key).toBe('stat:::/x');
  });
});

describe('package_facts and service_facts', () => {
  it('package_facts sets ansible_facts.packages as Ansible shapes it', async () => {
    const packages = new Map([
      ['openssh-server', { installed: true, version: '1:9.2p1-2' }],
      ['telnet', { installed: false, version: '' }],
    ]);
    const plan = await packageFacts.plan(packageFacts.args.parse({}), fakeContext({ facts: { packages: { packages, listsAgeSeconds: 1 } }, vars: { ansible_facts: { distribution: 'Debian' } } }));
    expect(plan.changes).toEqual([]);
    expect(plan.setFacts).toEqual({ ansible_facts: { distribution: 'Debian', packages: { 'openssh-server': [{ name: 'openssh-server', version: '1:9.2p1-2', source: 'apt' }] } } });
  });
  it('service_facts reads systemctl into name, state, status, source', () => {
    const out = 'ssh.service loaded active running OpenBSD Secure Shell server\ncron.service loaded inactive dead Regular background program\nbad.service loaded failed failed Broken\n@files\nssh.service enabled enabled\ncron.service disabled enabled\nbad.service enabled enabled\nfoo@.service static -\nrsync.service disabled enabled\n';
    expect(parseServices(out)).toEqual({
      'ssh.service': { name: 'ssh.service', state: 'running', status: 'enabled', source: 'systemd' },
      'cron.service': { name: 'cron.service', state: 'stopped', status: 'disabled', source: 'systemd' },
      'bad.service': { name: 'bad.service', state: 'failed', status: 'enabled', source: 'systemd' },
      'rsync.service': { name: 'rsync.service', state: 'stopped', status: 'disabled', source: 'systemd' },
    });
  });
  it('service_facts sets ansible_facts.services', async () => {
    const services = { 'ssh.service': { name: 'ssh.service', state: 'running', status: 'enabled', source: 'systemd' } };
    const plan = await serviceFacts.plan({}, fakeContext({ facts: { services } }));
    expect(plan.setFacts).toEqual({ ansible_facts: { services } });
  });
});

describe('getent', () => {
  it('splits passwd entries on ":" under ansible_facts.getent_passwd', async () => {
    const plan = await getent.plan(getent.args.parse({ database: 'passwd', key: 'pi' }), fakeContext({ facts: { 'getent:passwd:pi': ['pi:x:1000:1000:,,,:/home/pi:/bin/bash'] } }));
    expect(plan.setFacts).toEqual({ ansible_facts: { getent_passwd: { pi: ['x', '1000', '1000', ',,,', '/home/pi', '/bin/bash'] } } });
  });
  it('a missing key fails unless fail_key is false', async () => {
    const given = { facts: { 'getent:passwd:nobody2': null } };
    expect((await getent.plan(getent.args.parse({ database: 'passwd', key: 'nobody2' }), fakeContext(given))).failed).toMatch(/key "nobody2" not found in database "passwd"/);
    expect((await getent.plan(getent.args.parse({ database: 'passwd', key: 'nobody2', fail_key: 'no' }), fakeContext(given))).setFacts).toEqual({ ansible_facts: { getent_passwd: { nobody2: null } } });
  });
});

describe('modprobe', () => {
  runPlanFixtures(modprobe, [
    { name: 'loads a module that is not loaded, with its parameters', args: { name: 'dummy', params: 'numdummies=2' }, given: { facts: { 'kmod:dummy': false } }, expect: { steps: ['modprobe -- dummy numdummies=2'] } },
    { name: 'no change when it is loaded', args: { name: 'dummy' }, given: { facts: { 'kmod:dummy': true } }, expect: { summaries: [] } },
    { name: 'unloads a loaded module', args: { name: 'dummy', state: 'absent' }, given: { facts: { 'kmod:dummy': true } }, expect: { steps: ['modprobe -r -- dummy'] } },
    {
      name: 'persistent: present writes modules-load.d and the options',
      args: { name: 'br_netfilter', persistent: 'present', params: 'x=1' },
      given: { facts: { 'kmod:br_netfilter': true, 'file:/etc/modules-load.d/br_netfilter.conf': null, 'file:/etc/modprobe.d/br_netfilter.conf': null } },
      expect: { written: { '/etc/modules-load.d/br_netfilter.conf': 'br_netfilter\n', '/etc/modprobe.d/br_netfilter.conf': 'options br_netfilter x=1\n' } },
    },
    {
      name: 'persistent: absent removes the files that exist',
      args: { name: 'br_netfilter', persistent: 'absent' },
      given: { facts: { 'kmod:br_netfilter': true, 'file:/etc/modules-load.d/br_netfilter.conf': { type: 'file', mode: '0644', owner: 'root', group: 'root', size: 1 }, 'file:/etc/modprobe.d/br_netfilter.conf': null } },
      expect: { steps: ['rm -f -- /etc/modules-load.d/br_netfilter.conf'] },
    },
  ]);
});

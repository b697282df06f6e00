// Several -i flags and inventory folders, merged as Ansible merges them: the
// CLI keeps every -i, a folder contributes every file Ansible would read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadInventory } from '../../src/config/inventory.js';
import { runPirun } from '../support/fleet.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-invsrc-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('several -i flags', () => {
  it('pirun inventory reads every -i, the later one winning for the same variable', async () => {
    const dir = fixture({
      'a.yaml': 'pis:\n  hosts:\n    pi1: { colour: red, size: 1 }\n',
      'b.yaml': 'web:\n  hosts:\n    web1:\n    pi1: { colour: blue }\n',
    });
    const r = await runPirun(['inventory', '-i', join(dir, 'a.yaml'), '-i', join(dir, 'b.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('web1:');
    expect(r.stdout).toMatch(/ {2}pi1:\n(?: {4}.*\n)* {4}groups: all, pis, web\n(?: {4}.*\n)* {6}colour: blue\n {6}size: 1\n/);
  });

  it('a run sees the hosts of every -i (a play naming a host of each connects to both)', async () => {
    const dir = fixture({
      'a.yaml': 'all:\n  hosts:\n    a1: { host: 127.0.0.1, port: 1, user: pi }\n',
      'b.yaml': 'all:\n  hosts:\n    b1: { host: 127.0.0.1, port: 1, user: pi }\n',
      'pb.yaml': '- hosts: a1:b1\n  tasks:\n    - debug: { msg: hi }\n',
    });
    const r = await runPirun([join(dir, 'pb.yaml'), '-i', join(dir, 'a.yaml'), '-i', join(dir, 'b.yaml'), '--known-hosts', join(dir, 'kh'), '--progress', 'plain']);
    expect(r.stderr).not.toMatch(/matches no host/);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/a1/);
    expect(r.stdout).toMatch(/b1/);
  });
});

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('INI inventories', () => {
  it('reads sections, children declared later, inline vars typed as Ansible types them, and ranges with a port', () => {
    const dir = fixture({
      hosts: [
        '# lab',
        'gw ansible_host=127.0.0.1 ansible_port=2201',
        '[pis]',
        'pi[1:3]:2222 ansible_user=pi ssd=True ids="[1, 2]" mode=0640 note="two words" # comment',
        '[pis:vars]',
        'swap_mb=1024',
        'tz = Europe/London',
        '[lab:children]',
        'pis',
        'later',
        '[later]',
        'node-[a:b]',
      ].join('\n'),
    });
    const inv = loadInventory(join(dir, 'hosts'));
    expect([...inv.hosts.keys()]).toEqual(['gw', 'pi1', 'pi2', 'pi3', 'node-a', 'node-b']);
    expect(inv.hosts.get('gw')).toMatchObject({ address: '127.0.0.1', port: 2201, groups: ['all', 'ungrouped'] });
    expect(inv.hosts.get('pi2')).toMatchObject({
      port: 2222,
      user: 'pi',
      groups: ['all', 'lab', 'pis'],
      vars: { ssd: true, ids: [1, 2], mode: '0640', note: 'two words', swap_mb: 1024, tz: 'Europe/London' },
    });
    expect(inv.groups.get('lab')!.children).toEqual(['pis', 'later']);
    expect(inv.hosts.get('node-b')!.groups).toEqual(['all', 'lab', 'later']);
  });

  it.each([
    ['hosts', '[pis]\npi1 ansible_host\n', /^Cannot parse inventory ".*hosts" as YAML \(line \d+, column \d+: .+\) or as INI \(line 2: expected key=value after the host name, got "ansible_host"\)$/],
    ['hosts.ini', '[pis]\npi1\n[pis:kids]\npi2\n', /^Cannot parse inventory ".*hosts\.ini" as INI: line 3: section \[pis:kids\] has unknown type "kids"/],
    ['hosts.ini', '[lab:children]\npis\n', /^Cannot parse inventory ".*hosts\.ini" as INI: line 2: section \[lab:children\] includes group "pis", which is not defined$/],
    ['hosts.ini', '[pis:vars]\nx=1\n', /as INI: line 1: section \[pis:vars\] is for group "pis", which is not defined$/],
    ['hosts.ini', '[pis]\npi1 ansible_port=abc\n', /as INI: line 2: ansible_port: expected a number, got "abc"$/],
    ['hosts.ini', '[pis]\npi[01:5]\n', /as INI: line 2: host "pi\[01:5\]": host range "\[01:5\]" must have begin and end of equal length$/],
    ['hosts.ini', '[pis]\npi[c:a]\n', /as INI: line 2: host "pi\[c:a\]": host range "\[c:a\]" must have begin <= end$/],
    ['hosts.ini', '[ pis ]\n', /as INI: line 1: invalid section "\[ pis \]"/],
    ['hosts.ini', 'pi1:\n', /as INI: line 1: host "pi1:" ends in ":" \(reserved for a port\)$/],
    ['hosts', '# only comments\npi1 x=1 y\n', /^Cannot parse inventory ".*hosts" \(neither YAML nor INI\): line 2: expected key=value after the host name, got "y"$/],
  ])('an unreadable %s names the file and the line: %j', (name, text, message) => {
    const file = join(fixture({ [name]: text }), name);
    const err = errorOf(() => loadInventory(file));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(message);
  });

  it('a bad range in a YAML host key names the place', () => {
    const file = join(fixture({ 'inv.yaml': 'pis:\n  hosts:\n    pi[3:a]:\n' }), 'inv.yaml');
    expect(errorOf(() => loadInventory(file)).message).toMatch(/^Invalid inventory ".*inv\.yaml": pis\.hosts\["pi\[3:a\]"\]: host range "\[3:a\]": "a" is not a number$/);
  });

  it('the CLI reports an unreadable INI inventory in one line, exit 1', async () => {
    const dir = fixture({ 'hosts.ini': '[pis]\npi1 = x\n', 'pb.yaml': '- hosts: all\n  tasks: []\n' });
    const r = await runPirun([join(dir, 'pb.yaml'), '-i', join(dir, 'hosts.ini')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Cannot parse inventory ".*hosts\.ini" as INI: line 2: /);
  });
});

describe('inventory folders and vars beside the playbook', () => {
  it('a folder gives every file Ansible reads, in name order, and skips what Ansible skips', () => {
    const dir = fixture({
      'inv/10-pis': '[pis]\npi1\n',
      'inv/20-web.yml': 'web:\n  hosts:\n    web1:\n',
      'inv/sub/30-more.yaml': 'more:\n  hosts:\n    m1:\n',
      'inv/x.retry': 'nope1\n',
      'inv/x~': 'nope2\n',
      'inv/x.orig': 'nope3\n',
      'inv/.x': 'nope4\n',
      'inv/x.ini': 'nope5\n',
      'inv/group_vars/all.yml': 'from: folder\n',
      'inv/host_vars/pi1': 'own: file\n',
    });
    const inv = loadInventory(join(dir, 'inv'));
    expect([...inv.hosts.keys()]).toEqual(['pi1', 'web1', 'm1']);
    expect(inv.hosts.get('pi1')!.vars).toEqual({ from: 'folder', own: 'file' });
  });

  it('a run reads host_vars beside the playbook over the inventory\'s own values', async () => {
    const dir = fixture({
      'inv.yaml': 'all:\n  hosts:\n    pi1: { ansible_host: 127.0.0.1, ansible_port: 2, ansible_user: pi }\n',
      'pb/host_vars/pi1.yml': 'ansible_port: 1\n',
      'pb/site.yml': '- hosts: all\n  become: yes\n  tasks:\n    - debug: { msg: hi }\n',
    });
    const r = await runPirun([join(dir, 'pb/site.yml'), '-i', join(dir, 'inv.yaml'), '--known-hosts', join(dir, 'kh'), '--progress', 'plain']);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toContain('pi@127.0.0.1:1)');
  });
});

describe('older connection spellings', () => {
  it('ansible_ssh_host, ansible_ssh_port and ansible_ssh_user connect when the modern names are not set', () => {
    const dir = fixture({
      hosts: '[pis]\npi1 ansible_ssh_host=127.0.0.1 ansible_ssh_port=2201 ansible_ssh_user=pi\npi2 ansible_host=127.0.0.2 ansible_ssh_host=127.0.0.9\n',
    });
    const inv = loadInventory(join(dir, 'hosts'));
    expect(inv.hosts.get('pi1')).toMatchObject({ address: '127.0.0.1', port: 2201, user: 'pi' });
    expect(inv.hosts.get('pi2')).toMatchObject({ address: '127.0.0.2' });
  });
});

// Inventory loading, variable precedence, host patterns and the printed view,
// each from fixture files written to a fresh temp folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/errors.js';
import { loadInventory, selectHosts, type Inventory } from '../../src/config/inventory.js';
import { describeInventory } from '../../src/config/inventory-view.js';
import { formatPath, formatZodIssue, loadYamlFile, validate } from '../../src/config/yaml.js';
import { isSecretName, maskValue } from '../../src/secrets.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

// Writes { 'inv.yaml': '...', 'group_vars/pis.yaml': '...' } and returns the folder.
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-inv-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function load(files: Record<string, string>): Inventory {
  return loadInventory(join(fixture(files), 'inv.yaml'));
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

const fleet = `
all:
  hosts:
    gw:
  children:
    pis:
      hosts:
        pi1:
        pi2:
        pi-zero:
      children:
        kiosk:
          hosts:
            pi3:
    web:
      hosts:
        web-1:
        web-2:
        pi1:
db:
  hosts:
    db1:
`;

const names = (hosts: { name: string }[]) => hosts.map((h) => h.name);

describe('loadInventory', () => {
  it('takes connection settings from short names and ansible_* aliases, with defaults', () => {
    const inv = load({
      'inv.yaml': `
all:
  hosts:
    pi1: { host: 10.0.0.1, port: 2222, user: pi, private_key: keys/pi }
    pi2: { ansible_host: 10.0.0.2, ansible_port: 2200, ansible_user: admin, ansible_ssh_private_key_file: ~/.ssh/pi2 }
    pi3:
`,
    });
    const dir = dirname(inv.file);
    expect(inv.hosts.get('pi1')).toMatchObject({ address: '10.0.0.1', port: 2222, user: 'pi', privateKey: join(dir, 'keys/pi') });
    expect(inv.hosts.get('pi2')).toMatchObject({ address: '10.0.0.2', port: 2200, user: 'admin', privateKey: join(homedir(), '.ssh/pi2') });
    const pi3 = inv.hosts.get('pi3')!;
    expect(pi3).toMatchObject({ address: 'pi3', port: 22, user: userInfo().username, groups: ['all', 'ungrouped'], vars: {} });
    expect(pi3.privateKey).toBeUndefined();
    expect(inv.hosts.get('pi1')!.vars).toEqual({});
  });

  it('takes connection settings from group vars, the host own winning', () => {
    const inv = load({
      'inv.yaml': `
all:
  vars: { ansible_user: pi, ansible_port: 2222 }
  hosts:
    a:
    b: { user: root }
`,
    });
    expect(inv.hosts.get('a')).toMatchObject({ user: 'pi', port: 2222 });
    expect(inv.hosts.get('b')).toMatchObject({ user: 'root', port: 2222 });
  });

  it('lists groups with ancestors, treats top-level groups as children of all, hosts in no group as ungrouped, and keeps inventory order', () => {
    const inv = load({ 'inv.yaml': fleet });
    expect([...inv.hosts.keys()]).toEqual(['gw', 'pi1', 'pi2', 'pi-zero', 'pi3', 'web-1', 'web-2', 'db1']);
    expect(inv.hosts.get('pi3')!.groups).toEqual(['all', 'pis', 'kiosk']);
    expect(inv.hosts.get('pi1')!.groups).toEqual(['all', 'pis', 'web']);
    expect(inv.hosts.get('db1')!.groups).toEqual(['all', 'db']);
    expect(inv.groups.get('all')!.children).toEqual(['ungrouped', 'pis', 'web', 'db']);
    expect(inv.hosts.get('gw')!.groups).toEqual(['all', 'ungrouped']);
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['gw']);
    expect(inv.groups.get('kiosk')).toMatchObject({ hosts: ['pi3'], parents: ['pis'], children: [] });
  });

  it('merges all < parent < child < host, siblings by name, shallowly', () => {
    const inv = load({
      'inv.yaml': `
all:
  vars: { level: all, from_all: 1, nested: { a: 1, b: 2 } }
  children:
    zeta:
      vars: { level: zeta, sibling: zeta }
      hosts: { h: }
    alpha:
      vars: { level: alpha, sibling: alpha, nested: { a: 9 } }
      hosts: { h: }
      children:
        child:
          vars: { level: child }
          hosts:
            h: { level: host, own: true }
            other:
`,
    });
    const h = inv.hosts.get('h')!;
    expect(h.groups).toEqual(['all', 'alpha', 'zeta', 'child']);
    expect(h.vars).toEqual({ level: 'host', from_all: 1, nested: { a: 9 }, sibling: 'zeta', own: true });
    expect(inv.hosts.get('other')!.vars.level).toBe('child');
  });

  it('reads group_vars and host_vars files, which override inline vars', () => {
    const inv = load({
      'inv.yaml': `
all:
  vars: { ntp: inline, keep: inline }
  children:
    pis:
      vars: { role: inline }
      hosts:
        pi1: { colour: inline }
        pi2:
`,
      'group_vars/all.yml': 'ntp: file\n',
      'group_vars/pis/10-base.yaml': 'role: base\nlocale: en_GB\n',
      'group_vars/pis/20-more.yaml': 'role: more\n',
      'group_vars/pis/notes.txt': 'not: read\n',
      'host_vars/pi1.yaml': 'colour: file\nansible_port: 2022\n',
      'host_vars/pi2.yaml': '',
    });
    expect(inv.hosts.get('pi1')).toMatchObject({
      port: 2022,
      vars: { ntp: 'file', keep: 'inline', role: 'more', locale: 'en_GB', colour: 'file' },
    });
    expect(inv.hosts.get('pi2')!.vars).toEqual({ ntp: 'file', keep: 'inline', role: 'more', locale: 'en_GB' });
    expect(inv.groups.get('pis')!.vars).toEqual({ role: 'more', locale: 'en_GB' });
  });

  it('reports a missing inventory file', () => {
    const err = errorOf(() => loadInventory('/nonexistent/inv.yaml'));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('Cannot read inventory "/nonexistent/inv.yaml": file not found');
  });

  it('reports a YAML syntax error with line and column', () => {
    const dir = fixture({ 'inv.yaml': 'all:\n  hosts:\n    pi1: {port: 22\n' });
    const err = errorOf(() => loadInventory(join(dir, 'inv.yaml')));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(new RegExp(`^Cannot parse inventory ".*inv.yaml": line 4, column \\d+: .+$`));
  });

  it('reports a wrong type with the file, the path inside it and the value', () => {
    const dir = fixture({ 'inv.yaml': 'all:\n  hosts:\n    x:\n      port: abc\n' });
    const file = join(dir, 'inv.yaml');
    const err = errorOf(() => loadInventory(file));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`Invalid inventory "${file}": all.hosts.x.port: expected a number, got "abc"`);
    expect((err as ConfigError).context).toEqual({ file, path: 'all.hosts.x.port' });
  });

  it.each([
    ['all:\n  hostz:\n    pi1:\n', 'all: unknown key "hostz"'],
    ['all:\n  children:\n    pis:\n      vars: { ansible_port: 0 }\n', 'all.children.pis.vars.ansible_port: expected a number at least 1, got 0'],
    ['all:\n  hosts:\n    pi1: { port: 22, ansible_port: 23 }\n', 'all.hosts.pi1.ansible_port: use either "port" or "ansible_port", not both'],
    ['all:\n  hosts: [pi1, pi2]\n', 'all.hosts: expected a mapping, got a list'],
    ['', 'expected a mapping, got nothing'],
  ])('reports invalid shapes: %j', (text, detail) => {
    const file = join(fixture({ 'inv.yaml': text }), 'inv.yaml');
    expect(errorOf(() => loadInventory(file)).message).toBe(`Invalid inventory "${file}": ${detail}`);
  });

  it('names the vars file that is invalid', () => {
    const dir = fixture({ 'inv.yaml': 'all:\n  hosts: { pi1: }\n', 'group_vars/all.yaml': 'ansible_user: [a]\n' });
    expect(errorOf(() => loadInventory(join(dir, 'inv.yaml'))).message).toBe(
      `Invalid group vars "${join(dir, 'group_vars/all.yaml')}": ansible_user: expected a string, got a list`,
    );
  });

  it('rejects a group that is its own ancestor', () => {
    const text = 'a:\n  children:\n    b:\nb:\n  children:\n    a:\n';
    expect(errorOf(() => load({ 'inv.yaml': text })).message).toMatch(/group "a" is its own ancestor \(a → b → a\)$/);
  });
});

describe('selectHosts', () => {
  const inv = () => load({ 'inv.yaml': fleet });

  it.each([
    [undefined, ['gw', 'pi1', 'pi2', 'pi-zero', 'pi3', 'web-1', 'web-2', 'db1']],
    ['all', ['gw', 'pi1', 'pi2', 'pi-zero', 'pi3', 'web-1', 'web-2', 'db1']],
    ['*', ['gw', 'pi1', 'pi2', 'pi-zero', 'pi3', 'web-1', 'web-2', 'db1']],
    ['pi2', ['pi2']],
    ['pis', ['pi1', 'pi2', 'pi-zero', 'pi3']],
    ['kiosk', ['pi3']],
    ['web-?', ['web-1', 'web-2']],
    ['pi?', ['pi1', 'pi2', 'pi-zero', 'pi3']], // globs match group names too: "pis"
    ['pi[!s]', ['pi1', 'pi2', 'pi3']],
    ['pi*', ['pi1', 'pi2', 'pi-zero', 'pi3']],
    ['web-[12]', ['web-1', 'web-2']],
    ['~^web-\\d$', ['web-1', 'web-2']],
    ['db1,gw', ['gw', 'db1']],
    ['db:web', ['pi1', 'web-1', 'web-2', 'db1']],
    ['pis,!kiosk', ['pi1', 'pi2', 'pi-zero']],
    ['pis:!pi1:!pi2', ['pi-zero', 'pi3']],
    ['pis:&web', ['pi1']],
    ['!pis', ['gw', 'web-1', 'web-2', 'db1']],
    ['web,&pis,!db', ['pi1']],
  ])('%s', (pattern, expected) => {
    expect(names(selectHosts(inv(), pattern))).toEqual(expected);
  });

  it('reports a pattern that matches nothing', () => {
    const i = inv();
    expect(errorOf(() => selectHosts(i, 'xyz', { what: '--limit' })).message).toBe(
      `--limit "xyz" matches no host in inventory "${i.file}"`,
    );
    expect(errorOf(() => selectHosts(i, 'db:&kiosk', { what: 'Play "setup" hosts' })).message).toBe(
      `Play "setup" hosts "db:&kiosk" matches no host in inventory "${i.file}"`,
    );
  });

  it('reports each term that names nothing, exclusions included', () => {
    const i = inv();
    const err = errorOf(() => selectHosts(i, 'pis,!pi9', { what: '--limit' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`--limit "pis,!pi9": "!pi9" matches no host or group in inventory "${i.file}"`);
  });
});

describe('describeInventory', () => {
  it('prints the group tree and each host, masking secrets', () => {
    const inv = load({
      'inv.yaml': `
all:
  vars: { ansible_user: pi, ansible_become_password: hunter2 }
  children:
    pis:
      hosts:
        pi1:
          host: 10.0.0.1
          wifi_psk: s3cret
          api_token: abc
          locale: en_GB
          wifi: { ssid: home, password: xyz }
      children:
        kiosk:
          hosts: { pi2: { marked: visible-elsewhere } }
`,
    });
    const text = describeInventory(inv, { secretNames: ['marked'] });
    expect(text).toContain(['Groups:', '  @all:', '    |--@ungrouped:', '    |--@pis:', '    |  |--@kiosk:', '    |  |  |--pi2', '    |  |--pi1'].join('\n'));
    expect(text).toContain(['  pi1:', '    address: 10.0.0.1', '    port: 22', '    user: pi', '    groups: all, pis'].join('\n'));
    expect(text).toContain('      locale: en_GB');
    expect(text).toContain('      ssid: home');
    for (const secret of ['hunter2', 's3cret', 'abc', 'xyz', 'visible-elsewhere']) expect(text).not.toContain(secret);
    expect(text).toContain('      wifi_psk: \'********\'');
    expect(text).toContain('      ansible_become_password: \'********\'');
  });
});

describe('secrets', () => {
  it.each([
    ['wifi_psk', true],
    ['ansible_become_password', true],
    ['ansible_become_pass', true],
    ['API_TOKEN', true],
    ['client_secret', true],
    ['ssh_private_key', true],
    ['ansible_ssh_private_key_file', false],
    ['locale', false],
  ])('isSecretName(%s) is %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });

  it('masks nested secrets only', () => {
    expect(maskValue('wifi', [{ ssid: 'a', psk: 'b' }])).toEqual([{ ssid: 'a', psk: '********' }]);
  });
});

describe('yaml helpers', () => {
  it('reads a YAML file', () => {
    const dir = fixture({ 'a.yaml': 'x: [1, 2]\n' });
    expect(loadYamlFile(join(dir, 'a.yaml'), 'playbook')).toEqual({ x: [1, 2] });
  });

  it('formats paths and zod issues generically', () => {
    expect(formatPath(['plays', 0, 'tasks', 2, 'name'])).toBe('plays[0].tasks[2].name');
    expect(formatPath(['all', 'hosts', 'pi1.local', 'port'])).toBe('all.hosts["pi1.local"].port');
    const schema = z.object({ mode: z.enum(['a', 'b']), tags: z.array(z.string()).optional() });
    const err = errorOf(() => validate(schema, { mode: 'c' }, { file: 'site.yaml', what: 'playbook' }));
    expect(err.message).toBe('Invalid playbook "site.yaml": mode: expected one of "a", "b", got "c"');
    const result = schema.safeParse({ mode: 'a', tags: ['x', 3] }, { reportInput: true });
    expect(formatZodIssue('site.yaml', result.error!.issues[0], { what: 'playbook' })).toBe(
      'Invalid playbook "site.yaml": tags[1]: expected a string, got 3',
    );
  });
});

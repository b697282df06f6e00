// authorized_key: given the user, ~/.ssh and the file, expect these changes.
import { describe, expect, it } from 'vitest';
import authorizedKey from '../../src/modules/authorized-key.js';
import { editKeys, parseKeyLine, parseWantedKeys } from '../../src/modules/ssh-keys.js';
import type { UserFact } from '../../src/facts/users.js';
import { dirFact, fileFacts } from './support/fake-context.js';
import { runPlanFixtures, type PlanFixture } from './support/plan-fixtures.js';

const K1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGlhpasWXO3peKP38Gb6tqELwbAgod0/ocT9nIjztVDw k1@test';
const K2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGAnn77X55+zDCZXN4bqwFmMp4WCVrqFY7387eupWa3j k2@test';
const K3 =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDt5gaB1JW1a8ySbgU+RvUPWmfat+Z6QqeXA1w9HIi9nA2uwjqH8gA/Dn4G89D2HCd1WLKIvnXqffOZZie8upB/d/HuucIyc/hbetoqC1l49NdPHaVAZp7zBYuyq5EtyNmpuk9yj3Jtv7rpP+Ev1kghzeIWsUfbKuGqDtLMNHRklw== k3@test';
const recomment = (k: string, c: string) => `${k.split(' ').slice(0, 2).join(' ')} ${c}`;

const user = (name: string, home = `/home/${name}`): UserFact => ({ name, uid: 1000, gid: 1000, comment: '', home, shell: '/bin/bash', group: name, groups: [], passwordLocked: true, hasPassword: false });
const AK = '/home/pi/.ssh/authorized_keys';
const SSH = dirFact('/home/pi/.ssh', { mode: '0700', owner: 'pi', group: 'pi' });
const pi = { 'user:pi': user('pi') };
const keys = (text: string, attrs = {}) => fileFacts(AK, text, { mode: '0600', owner: 'pi', group: 'pi', ...attrs });

const fixtures: PlanFixture[] = [
  {
    name: 'a fresh account: ~/.ssh 0700 and the file 0600, owned by the user',
    args: { user: 'pi', key: K1 },
    given: { facts: { ...pi, 'file:/home/pi/.ssh': null, [`file:${AK}`]: null } },
    expect: {
      summaries: ['create directory /home/pi/.ssh', `${AK}: add 1 key`],
      steps: ['install -d -m 0700 -o pi -g pi -- /home/pi/.ssh', `write ${AK} mode=0600 owner=pi group=pi`],
      written: { [AK]: `${K1}\n` },
      guard: /changing the SSH keys of "pi", the account pirun logs in with \(\/home\/pi\/\.ssh\)/,
      predicts: { 'file:/home/pi/.ssh': { type: 'directory', mode: '0700', owner: 'pi' }, [`file:${AK}`]: { mode: '0600', owner: 'pi' }, [`content:${AK}`]: Buffer.from(`${K1}\n`) },
    },
  },
  {
    name: 'no change when the key is there under another comment',
    args: { user: 'pi', key: K1 },
    given: { facts: { ...pi, ...SSH, ...keys(`${recomment(K1, 'laptop')}\n`) } },
    expect: { summaries: [] },
  },
  {
    name: 'adds a key after the others, keeping comments and a missing final newline in mind',
    args: { user: 'pi', key: K2 },
    given: { facts: { ...pi, ...SSH, ...keys(`# admins\n${K1}`) } },
    expect: { summaries: [`${AK}: add 1 key`], written: { [AK]: `# admins\n${K1}\n${K2}\n` }, guard: /changing the SSH keys of "pi"/ },
  },
  {
    name: 'several keys from a list and a multi-line string; only the missing ones are added',
    args: { user: 'pi', key: [K1, `${K2}\n\n# comment\n${K3}\n`] },
    given: { facts: { ...pi, ...SSH, ...keys(`${K2}\n`) } },
    expect: { summaries: [`${AK}: add 2 keys`], written: { [AK]: `${K2}\n${K1}\n${K3}\n` }, guard: /changing the SSH keys of "pi"/ },
  },
  {
    name: 'exclusive removes other keys and garbage but keeps comments; guarded for the login user',
    args: { user: 'pi', key: K1, exclusive: true },
    given: { facts: { ...pi, ...SSH, ...keys(`# keep me\n${K2}\nnot a key\n${K1}\n${K1}\n`) } },
    expect: { summaries: [`${AK}: remove 3 keys`], written: { [AK]: `# keep me\n${K1}\n` }, guard: /changing the SSH keys of "pi", the account pirun logs in with/ },
  },
  {
    name: 'exclusive on another account is not guarded',
    args: { user: 'deploy', key: K1, exclusive: true },
    given: { facts: { 'user:deploy': user('deploy'), ...dirFact('/home/deploy/.ssh', { mode: '0700', owner: 'deploy', group: 'deploy' }), ...fileFacts('/home/deploy/.ssh/authorized_keys', `${K1}\n${K2}\n`, { mode: '0600', owner: 'deploy', group: 'deploy' }) } },
    expect: { summaries: ['/home/deploy/.ssh/authorized_keys: remove 1 key'], written: { '/home/deploy/.ssh/authorized_keys': `${K1}\n` } },
  },
  {
    name: 'exclusive: no change when only the wanted keys are there',
    args: { user: 'pi', key: [K2, K1], exclusive: true },
    given: { facts: { ...pi, ...SSH, ...keys(`# admins\n${K1}\n${K2}\n`) } },
    expect: { summaries: [] },
  },
  {
    name: 'absent removes the key (compared without comment), guarded',
    args: { user: 'pi', key: recomment(K2, 'other-comment'), state: 'absent' },
    given: { facts: { ...pi, ...SSH, ...keys(`${K1}\n${K2}\n`) } },
    expect: { summaries: [`${AK}: remove 1 key`], written: { [AK]: `${K1}\n` }, guard: /pirun logs in with/ },
  },
  {
    name: 'absent with no file: nothing to do, and ~/.ssh is not created',
    args: { user: 'pi', key: K1, state: 'absent' },
    given: { facts: { ...pi, 'file:/home/pi/.ssh': null, [`file:${AK}`]: null } },
    expect: { summaries: [] },
  },
  {
    name: 'options are part of the wanted state',
    args: { user: 'pi', key: `from="10.0.0.0/8,192.168.1.0/24",no-agent-forwarding ${K1}` },
    given: { facts: { ...pi, ...SSH, ...keys(`${K1}\n`) } },
    expect: { summaries: [`${AK}: update the options of 1 key`], written: { [AK]: `from="10.0.0.0/8,192.168.1.0/24",no-agent-forwarding ${K1}\n` }, guard: /pirun/ },
  },
  {
    name: 'options with a quoted blank are kept together',
    args: { user: 'pi', key: `command="echo hi there" ${K1}` },
    given: { facts: { ...pi, ...SSH, ...keys(`command="echo hi there" ${recomment(K1, 'x')}\n`) } },
    expect: { summaries: [] },
  },
  {
    name: 'manage_dir fixes the mode and owner of ~/.ssh',
    args: { user: 'pi', key: K1 },
    given: { facts: { ...pi, ...dirFact('/home/pi/.ssh', { mode: '0775', owner: 'root' }), ...keys(`${K1}\n`) } },
    expect: { summaries: ['mode of /home/pi/.ssh 0775 -> 0700', 'owner of /home/pi/.ssh root:root -> pi:pi'], guard: /mode or owner of \/home\/pi\/\.ssh, which sshd's StrictModes checks/ },
  },
  {
    name: 'manage_dir: false leaves the folder alone',
    args: { user: 'pi', key: K1, manage_dir: false },
    given: { facts: { ...pi, ...keys(`${K1}\n`) } },
    expect: { summaries: [] },
  },
  {
    name: 'the file keeps mode 0600 and the user as owner',
    args: { user: 'pi', key: K1 },
    given: { facts: { ...pi, ...SSH, ...keys(`${K1}\n`, { mode: '0664', owner: 'root', group: 'root' }) } },
    expect: { summaries: [`mode of ${AK} 0664 -> 0600`, `owner of ${AK} root:root -> pi:pi`], guard: /StrictModes/ },
  },
  {
    name: 'a custom path',
    args: { user: 'pi', key: K1, path: '/etc/ssh/authorized_keys/pi', manage_dir: false },
    given: { facts: { ...pi, 'file:/etc/ssh/authorized_keys/pi': null } },
    expect: { steps: ['write /etc/ssh/authorized_keys/pi mode=0600 owner=pi group=pi'] },
  },
  {
    name: 'check mode: a user an earlier task creates (predicted home)',
    args: { user: 'deploy', key: K1 },
    given: { predicted: ['user:deploy'], facts: { 'user:deploy': { ...user('deploy'), uid: -1, gid: -1 }, 'file:/home/deploy/.ssh': null, 'file:/home/deploy/.ssh/authorized_keys': null } },
    expect: { summaries: ['create directory /home/deploy/.ssh', '/home/deploy/.ssh/authorized_keys: add 1 key'] },
  },
  { name: 'an unknown user fails', args: { user: 'ghost', key: K1 }, given: { facts: { 'user:ghost': null } }, expect: { failed: /Cannot manage the SSH keys of "ghost": no such user/ } },
  { name: 'a line that is not a key fails', args: { user: 'pi', key: 'ssh-ed25519 not-base64!' }, given: { facts: pi }, expect: { failed: /cannot read "ssh-ed25519 not-base64!" as a public key/ } },
  { name: 'a truncated key fails', args: { user: 'pi', key: K1.slice(0, 40) }, given: { facts: pi }, expect: { failed: /as a public key/ } },
  { name: 'a key whose type does not match its blob fails', args: { user: 'pi', key: K1.replace('ssh-ed25519', 'ssh-rsa') }, given: { facts: pi }, expect: { failed: /as a public key/ } },
];

describe('authorized_key module plans', () => {
  runPlanFixtures(authorizedKey, fixtures);
});

describe('authorized_keys lines', () => {
  it('parses options, type, blob and comment', () => {
    expect(parseKeyLine(`no-pty,from="a b" ${K2}`)).toMatchObject({ options: 'no-pty,from="a b"', type: 'ssh-ed25519', comment: 'k2@test' });
    expect(parseKeyLine('# comment')).toBeNull();
    expect(parseKeyLine('')).toBeNull();
  });

  it('reports every line it cannot read', () => {
    expect(parseWantedKeys(`${K1}\nbogus\n`).bad).toEqual(['bogus']);
  });

  it('leaves the text byte-for-byte alone when nothing changes', () => {
    const text = `${K1}\r\n\n# x\n${K2}`;
    expect(editKeys(text, { state: 'present', keys: parseWantedKeys([K2, K1]).keys, exclusive: true })).toEqual({ text, added: 0, removed: 0, updated: 0 });
  });
});

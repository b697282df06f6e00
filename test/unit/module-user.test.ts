// user: given the account facts, expect these useradd/usermod/userdel steps.
import { describe, expect, it } from 'vitest';
import type { UserFact } from '../../src/facts/users.js';
import { parseUser } from '../../src/facts/users.js';
import user from '../../src/modules/user.js';
import { dirFact, fakeContext } from './support/fake-context.js';
import { runPlanFixtures, type PlanFixture } from './support/plan-fixtures.js';

const account = (name: string, more: Partial<UserFact> = {}): UserFact => ({
  name,
  uid: 1001,
  gid: 1001,
  comment: '',
  home: `/home/${name}`,
  shell: '/bin/bash',
  group: name,
  groups: [],
  passwordLocked: true,
  hasPassword: false,
  ...more,
});
const GROUPS = { 'group-names': ['adm', 'deploy', 'pi', 'sudo', 'video'] };
const deploy = (more: Partial<UserFact> = {}) => ({ 'user:deploy': account('deploy', more), ...dirFact('/home/deploy', { owner: 'deploy', group: 'deploy' }) });

const fixtures: PlanFixture[] = [
  {
    name: 'creates a missing account with a home',
    args: { name: 'deploy' },
    given: { facts: { 'user:deploy': null, 'file:/home/deploy': null } },
    expect: {
      summaries: ['create user deploy'],
      steps: ['useradd -m -- deploy'],
      predicts: {
        'user:deploy': { name: 'deploy', home: '/home/deploy', group: 'deploy', shell: '/bin/sh', groups: [], passwordLocked: true, hasPassword: false },
        'file:/home/deploy': { type: 'directory', owner: 'deploy' },
      },
    },
  },
  {
    name: 'creates a system account with every option',
    args: { name: 'svc', system: true, uid: 990, group: 'adm', groups: 'sudo,adm', comment: 'Service account', shell: '/usr/sbin/nologin', home: '/srv/svc', create_home: false },
    given: { facts: { 'user:svc': null, ...GROUPS } },
    expect: {
      steps: ["useradd -r -u 990 -g adm -G sudo,adm -c 'Service account' -s /usr/sbin/nologin -d /srv/svc -M -- svc"],
      predicts: { 'user:svc': { uid: 990, group: 'adm', groups: ['sudo'], home: '/srv/svc', comment: 'Service account' } },
    },
  },
  {
    name: 'no change when the account is as wanted',
    args: { name: 'deploy', shell: '/bin/bash', groups: ['sudo'], comment: 'Deploy', password_lock: true },
    given: { facts: { ...deploy({ groups: ['sudo'], comment: 'Deploy' }), ...GROUPS } },
    expect: { summaries: [] },
  },
  {
    name: 'shell drift',
    args: { name: 'deploy', shell: '/usr/sbin/nologin' },
    given: { facts: deploy() },
    expect: { summaries: ['shell of deploy /bin/bash -> /usr/sbin/nologin'], steps: ['usermod -s /usr/sbin/nologin -- deploy'], predicts: { 'user:deploy': { shell: '/usr/sbin/nologin' } } },
  },
  {
    name: 'shell of the login account is guarded',
    args: { name: 'pi', shell: '/bin/zsh' },
    given: { facts: { 'user:pi': account('pi'), ...dirFact('/home/pi') } },
    expect: { steps: ['usermod -s /bin/zsh -- pi'], guard: /changing the login shell of "pi", the account pirun logs in with/ },
  },
  {
    name: 'append: adds only the missing groups',
    args: { name: 'deploy', groups: ['sudo', 'video'], append: true },
    given: { facts: { ...deploy({ groups: ['adm', 'video'] }), ...GROUPS } },
    expect: { summaries: ['add deploy to sudo'], steps: ['usermod -a -G sudo -- deploy'], predicts: { 'user:deploy': { groups: ['adm', 'sudo', 'video'] } } },
  },
  {
    name: 'append: nothing when already a member',
    args: { name: 'deploy', groups: 'video', append: 'yes' },
    given: { facts: { ...deploy({ groups: ['adm', 'video'] }), ...GROUPS } },
    expect: { summaries: [] },
  },
  {
    name: 'without append the groups are set exactly',
    args: { name: 'deploy', groups: ['video', 'sudo'] },
    given: { facts: { ...deploy({ groups: ['adm', 'video'] }), ...GROUPS } },
    expect: { summaries: ['groups of deploy: add to sudo, remove from adm'], steps: ['usermod -G sudo,video -- deploy'] },
  },
  {
    name: 'an empty groups value removes every supplementary group',
    args: { name: 'deploy', groups: '' },
    given: { facts: deploy({ groups: ['adm'] }) },
    expect: { summaries: ['groups of deploy: remove from adm'], steps: ["usermod -G '' -- deploy"] },
  },
  {
    name: 'the primary group never counts as a supplementary one',
    args: { name: 'deploy', groups: ['deploy', 'adm'] },
    given: { facts: { ...deploy({ groups: ['adm'] }), ...GROUPS } },
    expect: { summaries: [] },
  },
  {
    name: 'a group that does not exist blocks the plan (the engine fails the real run before anything runs)',
    args: { name: 'deploy', groups: ['docker'] },
    given: { facts: { ...deploy(), ...GROUPS } },
    expect: { blocked: /^Cannot manage user "deploy": group "docker" does not exist$/ },
  },
  {
    name: 'a missing group (maybe from a package) is noted on the change check mode reports',
    args: { name: 'deploy', groups: ['docker'], append: true },
    given: { facts: { ...deploy(), ...GROUPS } },
    expect: { summaries: ['add deploy to docker (group docker does not exist now)'], blocked: /group "docker" does not exist/ },
  },
  {
    name: 'uid, primary group, comment and home drift, one usermod each',
    args: { name: 'deploy', uid: 1500, group: 'adm', comment: 'Deploy bot', home: '/srv/deploy' },
    given: { facts: { ...deploy(), ...GROUPS, ...dirFact('/srv/deploy') } },
    expect: {
      summaries: ['uid of deploy 1001 -> 1500', 'primary group of deploy deploy -> adm', 'comment of deploy "" -> "Deploy bot"', 'home of deploy /home/deploy -> /srv/deploy'],
      steps: ['usermod -u 1500 -- deploy', 'usermod -g adm -- deploy', "usermod -c 'Deploy bot' -- deploy", 'usermod -d /srv/deploy -- deploy'],
      predicts: { 'user:deploy': { uid: 1500, group: 'adm', comment: 'Deploy bot', home: '/srv/deploy' } },
    },
  },
  {
    name: 'password_lock locks a usable password; guarded for the login account',
    args: { name: 'pi', password_lock: true },
    given: { facts: { 'user:pi': account('pi', { passwordLocked: false, hasPassword: true }), ...dirFact('/home/pi') } },
    expect: { summaries: ['lock the password of pi'], steps: ['usermod -L -- pi'], guard: /changing the password lock of "pi"/ },
  },
  {
    name: 'password_lock: false unlocks a locked password',
    args: { name: 'deploy', password_lock: false },
    given: { facts: deploy({ passwordLocked: true, hasPassword: true }) },
    expect: { steps: ['usermod -U -- deploy'], predicts: { 'user:deploy': { passwordLocked: false } } },
  },
  {
    name: 'password_lock: false with no password behind the lock: nothing to unlock',
    args: { name: 'deploy', password_lock: false },
    given: { facts: deploy({ passwordLocked: true, hasPassword: false }) },
    expect: { summaries: [] },
  },
  {
    name: 'a missing home is created from /etc/skel',
    args: { name: 'deploy' },
    given: { facts: { 'user:deploy': account('deploy'), 'file:/home/deploy': null } },
    expect: { summaries: ['create home /home/deploy for deploy'], steps: ['install -d -m 0755 -- /home/deploy && cp -a /etc/skel/. /home/deploy/ && chown -R deploy:deploy -- /home/deploy'] },
  },
  {
    name: 'no home is made for /nonexistent or with create_home: false',
    args: { name: 'nobody' },
    given: { facts: { 'user:nobody': account('nobody', { home: '/nonexistent', group: 'nogroup' }) } },
    expect: { summaries: [] },
  },
  {
    name: 'create_home: false leaves a missing home missing',
    args: { name: 'deploy', create_home: false },
    given: { facts: { 'user:deploy': account('deploy') } },
    expect: { summaries: [] },
  },
  {
    name: 'absent removes the account',
    args: { name: 'deploy', state: 'absent' },
    given: { facts: deploy() },
    expect: { summaries: ['remove user deploy'], steps: ['userdel -- deploy'], predicts: { 'user:deploy': null } },
  },
  {
    name: 'absent with remove and force',
    args: { name: 'deploy', state: 'absent', remove: true, force: true },
    given: { facts: deploy() },
    expect: { summaries: ['remove user deploy and its home'], steps: ['userdel -r -f -- deploy'], predicts: { 'user:deploy': null, 'file:/home/deploy': null } },
  },
  { name: 'absent: nothing to do when missing', args: { name: 'ghost', state: 'absent' }, given: { facts: { 'user:ghost': null } }, expect: { summaries: [] } },
  { name: 'absent: refuses the login account', args: { name: 'pi', state: 'absent' }, given: { facts: { 'user:pi': account('pi') } }, expect: { failed: /Refusing to remove user "pi": pirun logs in with this account/ } },
];

describe('user module plans', () => {
  runPlanFixtures(user, fixtures);

  it('cannot judge password_lock without the shadow entry', async () => {
    const args = user.args.parse({ name: 'deploy', password_lock: true });
    await expect(user.plan(args, fakeContext({ facts: deploy({ passwordLocked: null, hasPassword: null }) }))).rejects.toThrow(/shadow entry is unreadable/);
  });

  it('rejects names the shell or useradd would choke on', () => {
    for (const name of ['-r', 'a b', 'x;reboot', '']) expect(user.args.safeParse({ name }).success).toBe(false);
  });
});

describe('user fact', () => {
  it('parses getent, id and the shadow shape', () => {
    const out = 'PASSWD\tpi:x:1000:1000:Pi,,,:/home/pi:/bin/bash\nPRIMARY\tpi\nMEMBER\tsudo\nMEMBER\tadm\nMEMBER\tsudo\nSHADOW\t1\t1\n';
    expect(parseUser(out)).toEqual({ name: 'pi', uid: 1000, gid: 1000, comment: 'Pi,,,', home: '/home/pi', shell: '/bin/bash', group: 'pi', groups: ['adm', 'sudo'], passwordLocked: true, hasPassword: true });
  });

  it('leaves the password state unknown without a shadow line', () => {
    expect(parseUser('PASSWD\tx:x:5:5::/:/bin/sh\nPRIMARY\t\n')).toMatchObject({ group: '5', passwordLocked: null, hasPassword: null });
  });
});

// file: given the path's facts, expect these changes.
import { describe, expect, it } from 'vitest';
import file from '../../src/modules/file.js';
import { dirFact, fileFacts, linkFact } from './support/fake-context.js';
import { runPlanFixtures, type PlanFixture } from './support/plan-fixtures.js';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const fixtures: PlanFixture[] = [
  {
    name: 'directory: creates a missing one with mode and owner in one step',
    args: { path: '/srv/data', state: 'directory', mode: '0750', owner: 'pi', group: 'pi' },
    given: { facts: { 'file:/srv/data': null } },
    expect: {
      summaries: ['create directory /srv/data'],
      steps: ['mkdir -p -- /srv/data && chmod 0750 -- /srv/data && chown pi:pi -- /srv/data'],
      predicts: { 'file:/srv/data': { type: 'directory', mode: '0750', owner: 'pi', group: 'pi' } },
    },
  },
  {
    name: 'directory: nothing to do when it exists as wanted',
    args: { path: '/srv/data', state: 'directory', mode: '0750', owner: 'pi' },
    given: { facts: dirFact('/srv/data', { mode: '0750', owner: 'pi' }) },
    expect: { summaries: [] },
  },
  {
    name: 'directory: nothing to do without attributes when it exists',
    args: { path: '/srv/data', state: 'directory' },
    given: { facts: dirFact('/srv/data', { mode: '0700', owner: 'pi' }) },
    expect: { summaries: [] },
  },
  {
    name: 'directory: reports mode and owner drift separately',
    args: { path: '/srv/data', state: 'directory', mode: '0750', owner: 'pi' },
    given: { facts: dirFact('/srv/data') },
    expect: {
      summaries: ['mode of /srv/data 0755 -> 0750', 'owner of /srv/data root:root -> pi:root'],
      steps: ['chmod 0750 -- /srv/data', 'chown pi -- /srv/data'],
      predicts: { 'file:/srv/data': { type: 'directory', mode: '0750', owner: 'pi', group: 'root' } },
    },
  },
  {
    name: 'directory: group only',
    args: { path: '/srv/data', state: 'directory', group: 'adm' },
    given: { facts: dirFact('/srv/data') },
    expect: { summaries: ['owner of /srv/data root:root -> root:adm'], steps: ['chown :adm -- /srv/data'] },
  },
  {
    name: 'directory: refuses when a file is in the way',
    args: { path: '/srv/data', state: 'directory' },
    given: { facts: fileFacts('/srv/data', 'x') },
    expect: { failed: /Cannot make "\/srv\/data" a directory: it exists and is a file/ },
  },
  {
    name: 'directory: created without become belongs to the login user (prediction)',
    args: { path: '/home/pi/x', state: 'directory' },
    given: { facts: { 'file:/home/pi/x': null }, become: false },
    expect: { steps: ['mkdir -p -- /home/pi/x'], predicts: { 'file:/home/pi/x': { owner: 'pi', group: 'pi', mode: '0755' } } },
  },
  {
    name: 'touch: creates a missing file',
    args: { path: '/etc/pirun/flag', state: 'touch', mode: '0600' },
    given: { facts: { 'file:/etc/pirun/flag': null } },
    expect: {
      summaries: ['create empty file /etc/pirun/flag'],
      steps: ['touch -- /etc/pirun/flag && chmod 0600 -- /etc/pirun/flag'],
      predicts: { 'file:/etc/pirun/flag': { type: 'file', mode: '0600', size: 0, sha256: EMPTY } },
    },
  },
  {
    name: 'touch: an existing file is left alone (no mtime bump)',
    args: { path: '/etc/pirun/flag', state: 'touch', mode: '0600' },
    given: { facts: fileFacts('/etc/pirun/flag', 'hello', { mode: '0600' }) },
    expect: { summaries: [] },
  },
  {
    name: 'touch: an existing file only gets its attributes fixed',
    args: { path: '/etc/pirun/flag', state: 'touch', mode: '0600' },
    given: { facts: fileFacts('/etc/pirun/flag', 'hello') },
    expect: { summaries: ['mode of /etc/pirun/flag 0644 -> 0600'], steps: ['chmod 0600 -- /etc/pirun/flag'] },
  },
  {
    name: 'file: attributes of an existing file',
    args: { path: '/etc/shadow-like', owner: 'root', group: 'shadow', mode: '0640' },
    given: { facts: fileFacts('/etc/shadow-like', 'x', { mode: '0600' }) },
    expect: { summaries: ['mode of /etc/shadow-like 0600 -> 0640', 'owner of /etc/shadow-like root:root -> root:shadow'] },
  },
  {
    name: 'file: never creates a missing file',
    args: { path: '/etc/nope', mode: '0644' },
    given: { facts: { 'file:/etc/nope': null } },
    expect: { failed: /Cannot manage "\/etc\/nope": it does not exist/ },
  },
  {
    name: 'no state: attributes of whatever the path is (here a directory)',
    args: { path: '/srv/data', mode: '0700' },
    given: { facts: dirFact('/srv/data') },
    expect: { summaries: ['mode of /srv/data 0755 -> 0700'] },
  },
  {
    name: 'no state: a missing path fails',
    args: { path: '/srv/none', mode: '0700' },
    given: { facts: { 'file:/srv/none': null } },
    expect: { failed: /it does not exist/ },
  },
  {
    name: 'file: refuses a directory',
    args: { path: '/etc', state: 'file' },
    given: { facts: dirFact('/etc') },
    expect: { failed: /it is a directory/ },
  },
  {
    name: 'file: follows a symlink to what it points at',
    args: { path: '/etc/alias', mode: '0600' },
    given: { facts: { ...linkFact('/etc/alias', 'real/target'), ...fileFacts('/etc/real/target', 'x') } },
    expect: { summaries: ['mode of /etc/real/target 0644 -> 0600'], steps: ['chmod 0600 -- /etc/real/target'] },
  },
  {
    name: 'absent: nothing to do when missing',
    args: { path: '/srv/old', state: 'absent' },
    given: { facts: { 'file:/srv/old': null } },
    expect: { summaries: [] },
  },
  {
    name: 'absent: removes a directory recursively',
    args: { path: '/srv/old', state: 'absent' },
    given: { facts: dirFact('/srv/old') },
    expect: { summaries: ['remove directory /srv/old'], steps: ['rm -rf -- /srv/old'], predicts: { 'file:/srv/old': null } },
  },
  {
    name: 'absent: removes a symlink itself, not its target',
    args: { path: '/etc/alias', state: 'absent' },
    given: { facts: linkFact('/etc/alias', '/srv') },
    expect: { summaries: ['remove symlink /etc/alias'], steps: ['rm -rf -- /etc/alias'] },
  },
  {
    name: 'absent: refuses the root folder',
    args: { path: '/./', state: 'absent' },
    given: { facts: {} },
    expect: { failed: /Cannot remove "\/"/ },
  },
  {
    name: 'link: creates a missing link to an existing target',
    args: { path: '/etc/localtime', state: 'link', src: '/usr/share/zoneinfo/UTC' },
    given: { facts: { 'file:/etc/localtime': null, ...fileFacts('/usr/share/zoneinfo/UTC', 'TZif') } },
    expect: {
      summaries: ['link /etc/localtime -> /usr/share/zoneinfo/UTC'],
      steps: ['ln -s -- /usr/share/zoneinfo/UTC /etc/localtime'],
      predicts: { 'file:/etc/localtime': { type: 'link', linkTarget: '/usr/share/zoneinfo/UTC' } },
    },
  },
  {
    name: 'link: nothing to do when it points at src already',
    args: { path: '/etc/localtime', state: 'link', src: '/usr/share/zoneinfo/UTC' },
    given: { facts: { ...linkFact('/etc/localtime', '/usr/share/zoneinfo/UTC'), ...fileFacts('/usr/share/zoneinfo/UTC', 'TZif') } },
    expect: { summaries: [] },
  },
  {
    name: 'link: re-points a link without following it',
    args: { path: '/etc/localtime', state: 'link', src: '/usr/share/zoneinfo/UTC' },
    given: { facts: { ...linkFact('/etc/localtime', '/usr/share/zoneinfo/Europe/Berlin'), ...fileFacts('/usr/share/zoneinfo/UTC', 'TZif') } },
    expect: { summaries: ['point /etc/localtime at /usr/share/zoneinfo/UTC (was /usr/share/zoneinfo/Europe/Berlin)'], steps: ['ln -sfn -- /usr/share/zoneinfo/UTC /etc/localtime'] },
  },
  {
    name: 'link: a relative src is checked relative to the link\'s folder',
    args: { path: '/etc/nginx/sites-enabled/site', state: 'link', src: '../sites-available/site' },
    given: { facts: { 'file:/etc/nginx/sites-enabled/site': null, ...fileFacts('/etc/nginx/sites-available/site', 'server {}') } },
    expect: { steps: ['ln -s -- ../sites-available/site /etc/nginx/sites-enabled/site'] },
  },
  {
    name: 'link: refuses a src that does not exist',
    args: { path: '/etc/x', state: 'link', src: '/nowhere' },
    given: { facts: { 'file:/etc/x': null, 'file:/nowhere': null } },
    expect: { failed: /Cannot link "\/etc\/x" to "\/nowhere": it does not exist/ },
  },
  {
    name: 'link: force makes a dangling link',
    args: { path: '/etc/x', state: 'link', src: '/nowhere', force: true },
    given: { facts: { 'file:/etc/x': null } },
    expect: { steps: ['ln -s -- /nowhere /etc/x'] },
  },
  {
    name: 'link: refuses to replace a file without force',
    args: { path: '/etc/resolv.conf', state: 'link', src: '/run/resolv.conf' },
    given: { facts: { ...fileFacts('/etc/resolv.conf', 'nameserver 1.1.1.1\n'), ...fileFacts('/run/resolv.conf', '') } },
    expect: { failed: /a file is in the way \(set force: true/ },
  },
  {
    name: 'link: force replaces a file',
    args: { path: '/etc/resolv.conf', state: 'link', src: '/run/resolv.conf', force: 'yes' },
    given: { facts: fileFacts('/etc/resolv.conf', 'nameserver 1.1.1.1\n') },
    expect: { summaries: ['replace file /etc/resolv.conf with a link to /run/resolv.conf'], steps: ['rm -f -- /etc/resolv.conf && ln -s -- /run/resolv.conf /etc/resolv.conf'] },
  },
  {
    name: 'link: force replaces only an empty directory (rmdir)',
    args: { path: '/srv/www', state: 'link', src: '/var/www', force: true },
    given: { facts: dirFact('/srv/www') },
    expect: { steps: ['rmdir -- /srv/www && ln -s -- /var/www /srv/www'] },
  },
  {
    name: 'link: ownership of the link itself (chown -h), mode ignored',
    args: { path: '/etc/x', state: 'link', src: '/etc/y', owner: 'pi' },
    given: { facts: { ...linkFact('/etc/x', '/etc/y'), ...fileFacts('/etc/y', '') } },
    expect: { summaries: ['owner of /etc/x root:root -> pi:root'], steps: ['chown -h pi -- /etc/x'] },
  },
  {
    name: 'link: needs src',
    args: { path: '/etc/x', state: 'link' },
    given: { facts: {} },
    expect: { failed: /needs "src"/ },
  },
  {
    name: 'src is refused outside state: link',
    args: { path: '/etc/x', state: 'touch', src: '/etc/y' },
    given: { facts: {} },
    expect: { failed: /"src" is only used with state: link/ },
  },
  {
    name: 'quotes paths for the shell',
    args: { path: "/srv/it's $(reboot)", state: 'directory', mode: 750 },
    given: { facts: { "file:/srv/it's $(reboot)": null } },
    expect: { steps: ["mkdir -p -- '/srv/it'\\''s $(reboot)' && chmod 0750 -- '/srv/it'\\''s $(reboot)'"] },
  },
];

describe('file module plans', () => {
  runPlanFixtures(file, fixtures);
});

describe('file module arguments', () => {
  it('reads YAML 1.2 numbers and yes/no the way Ansible users mean them', () => {
    // `mode: 0644` reaches pirun as the number 644.
    expect(file.args.parse({ path: '/x', mode: 644, force: 'yes' })).toMatchObject({ mode: '0644', force: true });
    expect(file.args.parse({ path: '/x', mode: '0o755' })).toMatchObject({ mode: '0755' });
    expect(file.args.parse({ path: '/x', mode: '2775' })).toMatchObject({ mode: '2775' });
  });

  it.each([
    [{ path: 'relative/path' }, /absolute path/],
    [{ path: '/x', mode: '0999' }, /octal mode/],
    [{ path: '/x', mode: 999 }, /octal mode/],
    [{ path: '/x', state: 'hard' }, /Invalid option/],
    [{ path: '/x', recurse: true }, /recurse/],
    [{ path: '/x', owner: 'a b' }, /user or group name/],
  ])('rejects %j', (args, message) => {
    const r = file.args.safeParse(args);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(message);
  });

  it('lists the path and a link target as probes so they are batched', () => {
    const args = file.args.parse({ path: '/etc/sites-enabled/a', state: 'link', src: '../sites-available/a' });
    expect(file.probes!(args, { host: { name: 'h', address: 'a', port: 22, user: 'pi' }, vars: {}, become: true, readOnly: false }).map((p) => p.key)).toEqual([
      'file:/etc/sites-enabled/a',
      'file:/etc/sites-available/a',
    ]);
  });
});

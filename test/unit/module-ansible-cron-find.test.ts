// cron and find: given the facts, expect the plan or the registered files (Ansible's results).
import { describe, expect, it } from 'vitest';
import { parseFound } from '../../src/facts/find.js';
import cron, { editCrontab } from '../../src/modules/cron.js';
import find, { globRegExp } from '../../src/modules/find.js';
import { fakeContext, fileFacts } from './support/fake-context.js';
import { runPlanFixtures } from './support/plan-fixtures.js';

const JOB = { name: 'backup', minute: '0', hour: '3', job: '/usr/local/bin/backup' };
const LINES = '#Ansible: backup\n0 3 * * * /usr/local/bin/backup\n';

describe('cron', () => {
  runPlanFixtures(cron, [
    { name: 'adds the job with its #Ansible comment to root\'s crontab', args: JOB, given: { facts: { 'crontab:root': null } }, expect: { summaries: ['add cron job "backup" of root'], steps: [`printf '%s' '${LINES}' | crontab -u root -`] } },
    { name: 'no change when the job is there', args: JOB, given: { facts: { 'crontab:root': `MAILTO=""\n${LINES}` } }, expect: { summaries: [] } },
    { name: 'updates the line after its comment', args: { ...JOB, hour: '4' }, given: { facts: { 'crontab:root': `MAILTO=""\n${LINES}@daily x\n` } }, expect: { summaries: ['update cron job "backup" of root'], steps: [`printf '%s' 'MAILTO=""\n#Ansible: backup\n0 4 * * * /usr/local/bin/backup\n@daily x\n' | crontab -u root -`] } },
    { name: 'state absent removes the comment and the job', args: { name: 'backup', state: 'absent' }, given: { facts: { 'crontab:root': `A=1\n${LINES}` } }, expect: { steps: [`printf '%s' 'A=1\n' | crontab -u root -`] } },
    { name: 'state absent without the job: no change', args: { name: 'backup', state: 'absent' }, given: { facts: { 'crontab:root': 'A=1\n' } }, expect: { summaries: [] } },
    { name: 'special_time, disabled and another user', args: { name: 'r', job: 'x', special_time: 'reboot', disabled: true, user: 'pi' }, given: { facts: { 'crontab:pi': '' } }, expect: { steps: [`printf '%s' '#Ansible: r\n#@reboot x\n' | crontab -u pi -`] } },
    { name: 'cron_file writes /etc/cron.d with the user field', args: { ...JOB, cron_file: 'backup' }, given: { facts: { 'file:/etc/cron.d/backup': null } }, expect: { written: { '/etc/cron.d/backup': '#Ansible: backup\n0 3 * * * root /usr/local/bin/backup\n' } } },
    { name: 'cron_file: no change when it holds the job', args: { ...JOB, cron_file: 'backup' }, given: { facts: fileFacts('/etc/cron.d/backup', '#Ansible: backup\n0 3 * * * root /usr/local/bin/backup\n') }, expect: { summaries: [] } },
    { name: 'present without job fails', args: { name: 'x' }, given: { facts: { 'crontab:root': '' } }, expect: { failed: /needs "job"/ } },
  ]);
  it('applying the edit twice gives the same crontab (idempotent)', () => {
    const a = cron.args.parse(JOB);
    const once = editCrontab('A=1\n', a);
    expect(editCrontab(once, a)).toBe(once);
  });
});

const FOUND = 'f|644|0|0|root|root|10|1700000000.5|/etc/app/a.conf\nf|600|0|0|root|root|5|1700000001|/etc/app/.hidden.conf\nd|755|0|0|root|root|4096|1700000002|/etc/app/conf.d\nf|644|0|0|root|root|1|1700000003|/etc/app/conf.d/b.conf\nl|777|0|0|root|root|7|1700000004|/etc/app/link.conf\nf|644|1000|1000|pi|pi|2|1700000005|/etc/app/notes.txt\n';

describe('find', () => {
  const run = async (args: Record<string, unknown>) => {
    const a = find.args.parse(args);
    const key = find.probes!(a, {} as never)[0].key;
    const plan = await find.plan(a, fakeContext({ facts: { [key]: parseFound(FOUND) } }));
    expect(plan.changes).toEqual([]);
    return plan.result as { files: { path: string }[]; matched: number };
  };
  it('regular files matching a glob, hidden ones left out', async () => {
    expect((await run({ paths: '/etc/app', patterns: '*.conf', recurse: true })).files.map((f) => f.path)).toEqual(['/etc/app/a.conf', '/etc/app/conf.d/b.conf']);
  });
  it('hidden, file_type any, excludes, use_regex', async () => {
    expect((await run({ paths: ['/etc/app'], patterns: ['*.conf'], hidden: true, recurse: true })).matched).toBe(3);
    expect((await run({ paths: '/etc/app', file_type: 'directory', recurse: true })).files.map((f) => f.path)).toEqual(['/etc/app/conf.d']);
    expect((await run({ paths: '/etc/app', file_type: 'any', excludes: '*.conf', recurse: true })).files.map((f) => f.path)).toEqual(['/etc/app/conf.d', '/etc/app/notes.txt']);
    expect((await run({ paths: '/etc/app', patterns: '^n\\w+', use_regex: true, recurse: true })).files.map((f) => f.path)).toEqual(['/etc/app/notes.txt']);
  });
  it('registers Ansible\'s keys for each file', async () => {
    const r = await run({ paths: '/etc/app', patterns: 'notes.txt', recurse: true });
    expect(r.files[0]).toEqual({ path: '/etc/app/notes.txt', mode: '0644', isdir: false, isreg: true, islnk: false, uid: 1000, gid: 1000, pw_name: 'pi', gr_name: 'pi', size: 2, mtime: 1700000005 });
  });
  it('without recurse the probe reads one level', () => {
    expect(find.probes!(find.args.parse({ paths: '/etc/app' }), {} as never)[0].script).toContain('-maxdepth 1');
    expect(find.probes!(find.args.parse({ paths: '/etc/app', recurse: true }), {} as never)[0].script).not.toContain('-maxdepth');
  });
  it('globs as Python fnmatch', () => {
    expect(globRegExp('*.co?f').test('a.conf')).toBe(true);
    expect(globRegExp('[!a]*').test('abc')).toBe(false);
    expect(globRegExp('a+b.txt').test('a+b.txt')).toBe(true);
  });
});

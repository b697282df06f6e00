// lineinfile: given a file's text, expect the text written (Ansible's rules).
import { describe, expect, it } from 'vitest';
import lineinfile from '../../src/modules/lineinfile.js';
import { expandTemplate, pyRegExp } from '../../src/modules/py-regexp.js';
import { dirFact, fakeContext, fileFacts, linkFact } from './support/fake-context.js';
import { runPlanFixtures, type PlanFixture } from './support/plan-fixtures.js';

const P = '/etc/ssh/sshd_config';
const SSHD = '#PermitRootLogin prohibit-password\nPort 22\n#PasswordAuthentication yes\nUsePAM yes\n';

// The common case: a file with `text`, expect `after` written (or no change when after === text).
function edit(name: string, args: Record<string, unknown>, text: string, after: string, summary?: string): PlanFixture {
  if (after === text) return { name, args: { path: P, ...args }, given: { facts: fileFacts(P, text) }, expect: { summaries: [] } };
  return { name, args: { path: P, ...args }, given: { facts: fileFacts(P, text) }, expect: { written: { [P]: after }, guard: /sshd settings can refuse every new login/, ...(summary ? { summaries: [summary] } : {}) } };
}

const fixtures: PlanFixture[] = [
  edit('appends a missing line at the end', { line: 'MaxAuthTries 3' }, SSHD, `${SSHD}MaxAuthTries 3\n`, `line added in ${P}`),
  edit('no change when the exact line is there', { line: 'Port 22' }, SSHD, SSHD),
  edit('regexp replaces the matching line', { regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' }, SSHD, SSHD.replace('#PermitRootLogin prohibit-password', 'PermitRootLogin no'), `line replaced in ${P}`),
  edit('regexp: no change once replaced', { regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' }, 'PermitRootLogin no\n', 'PermitRootLogin no\n'),
  edit('regexp: the last match is replaced', { regexp: '^X=', line: 'X=3' }, 'X=1\nY\nX=2\n', 'X=1\nY\nX=3\n'),
  edit('regexp: firstmatch replaces the first', { regexp: '^X=', line: 'X=3', firstmatch: true }, 'X=1\nY\nX=2\n', 'X=3\nY\nX=2\n'),
  edit('regexp without a match but the exact line present: no change', { regexp: '^NoSuch', line: 'Port 22' }, SSHD, SSHD),
  edit('regexp without a match: appended', { regexp: '^MaxAuthTries', line: 'MaxAuthTries 3' }, SSHD, `${SSHD}MaxAuthTries 3\n`),
  edit('search_string replaces a line containing the text', { search_string: 'PasswordAuthentication', line: 'PasswordAuthentication no' }, SSHD, SSHD.replace('#PasswordAuthentication yes', 'PasswordAuthentication no')),
  edit('insertafter: after the last matching line', { line: 'B2', insertafter: '^B' }, 'A\nB\nC\nB\nD\n', 'A\nB\nC\nB\nB2\nD\n'),
  edit('insertafter + firstmatch: after the first matching line', { line: 'B2', insertafter: '^B', firstmatch: true }, 'A\nB\nC\nB\nD\n', 'A\nB\nB2\nC\nB\nD\n'),
  edit('insertafter at the last line', { line: 'Z', insertafter: '^D' }, 'A\nD', 'A\nD\nZ\n'),
  edit('insertafter without an anchor match: at the end', { line: 'Z', insertafter: '^nothing' }, 'A\n', 'A\nZ\n'),
  edit('insertbefore: before the last matching line', { line: 'Include /etc/ssh/sshd_config.d/*.conf', insertbefore: '^Port' }, SSHD, SSHD.replace('Port 22\n', 'Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n')),
  edit('insertbefore BOF', { line: '# managed by pirun', insertbefore: 'BOF' }, 'A\n', '# managed by pirun\nA\n'),
  edit('insertafter BOF', { line: 'first', insertafter: 'BOF' }, 'A\n', 'first\nA\n'),
  edit('a last line without newline is ended before appending', { line: 'B' }, 'A', 'A\nB\n'),
  edit('backrefs fill in groups', { regexp: '^(#?)(PasswordAuthentication) .*$', line: '\\2 no', backrefs: true }, SSHD, SSHD.replace('#PasswordAuthentication yes', 'PasswordAuthentication no')),
  edit('backrefs with Python named groups', { regexp: '^(?P<key>Port) \\d+$', line: '\\g<key> 2222', backrefs: true }, SSHD, SSHD.replace('Port 22', 'Port 2222')),
  edit('backrefs without a match leave the file alone', { regexp: '^Banner (.*)$', line: 'Banner \\1', backrefs: true }, SSHD, SSHD),
  edit('a Python inline flag', { regexp: '(?i)^usepam', line: 'UsePAM yes' }, 'usepam no\n', 'UsePAM yes\n'),
  edit('a templated number as the line', { regexp: '^Port', line: 2222 }, SSHD, SSHD.replace('Port 22', '2222')),
  edit('absent: removes every line the regexp matches', { regexp: '^#', state: 'absent' }, SSHD, 'Port 22\nUsePAM yes\n', `2 line(s) removed in ${P}`),
  edit('absent: removes the exact line', { line: 'Port 22', state: 'absent' }, SSHD, SSHD.replace('Port 22\n', '')),
  edit('absent: no change without a match', { line: 'Port 2222', state: 'absent' }, SSHD, SSHD),
  {
    name: 'absent on a missing file: nothing to do',
    args: { path: '/etc/nope', line: 'x', state: 'absent' },
    given: { facts: { 'file:/etc/nope': null } },
    expect: { summaries: [] },
  },
  {
    name: 'a missing file without create fails',
    args: { path: '/etc/nope', line: 'x' },
    given: { facts: { 'file:/etc/nope': null } },
    expect: { failed: /Cannot edit "\/etc\/nope": it does not exist \(set create: true/ },
  },
  {
    name: 'create: a missing file (and its folder) with the line',
    args: { path: '/etc/pirun/new.conf', line: 'a=1', create: 'yes', mode: '0640' },
    given: { facts: { 'file:/etc/pirun/new.conf': null, 'file:/etc/pirun': null } },
    expect: {
      summaries: ['create /etc/pirun/new.conf with the line'],
      steps: ['mkdir -p -- /etc/pirun', 'write /etc/pirun/new.conf mode=0640'],
      written: { '/etc/pirun/new.conf': 'a=1\n' },
      predicts: { 'file:/etc/pirun/new.conf': { type: 'file', mode: '0640' }, 'content:/etc/pirun/new.conf': Buffer.from('a=1\n') },
    },
  },
  {
    name: 'create: no mkdir when the folder exists',
    args: { path: '/etc/new.conf', line: 'a=1', create: true },
    given: { facts: { 'file:/etc/new.conf': null, ...dirFact('/etc') } },
    expect: { steps: ['write /etc/new.conf'] },
  },
  {
    name: 'content unchanged but mode and owner drifted',
    args: { path: P, line: 'Port 22', mode: '0600', owner: 'root' },
    given: { facts: fileFacts(P, SSHD, { mode: '0644' }) },
    expect: { summaries: [`mode of ${P} 0644 -> 0600`], steps: [`chmod 0600 -- ${P}`] },
  },
  {
    name: 'a symlink is followed: the target is written, the link stays',
    args: { path: '/etc/alias.conf', line: 'b' },
    given: { facts: { ...linkFact('/etc/alias.conf', 'real.conf'), ...fileFacts('/etc/real.conf', 'a\n') } },
    expect: { written: { '/etc/real.conf': 'a\nb\n' } },
  },
  {
    name: 'a directory is refused',
    args: { path: '/etc/ssh', line: 'x' },
    given: { facts: dirFact('/etc/ssh') },
    expect: { failed: /Cannot edit "\/etc\/ssh": it is a directory/ },
  },
  {
    name: 'check mode: after an earlier task predicted a new version of unknown text',
    args: { path: P, line: 'MaxAuthTries 3' },
    given: { predicted: [`file:${P}`], facts: { ...fileFacts(P, SSHD), [`file:${P}`]: { type: 'file', mode: '0644', owner: 'root', group: 'root', size: 1, sha256: 'f'.repeat(64) } } },
    expect: { summaries: [`edit ${P} (after an earlier task changes it; the result is known only when applied)`], steps: [] },
  },
  {
    name: 'check mode: an earlier lineinfile predicted the text, so it is edited further',
    args: { path: P, line: 'MaxAuthTries 3' },
    given: { predicted: [`file:${P}`, `content:${P}`], facts: fileFacts(P, 'Port 2222\n') },
    expect: { written: { [P]: 'Port 2222\nMaxAuthTries 3\n' }, guard: /sshd settings/ },
  },
  { name: 'insertafter and insertbefore together fail', args: { path: P, line: 'x', insertafter: 'a', insertbefore: 'b' }, given: { facts: {} }, expect: { failed: /only one of "insertafter" and "insertbefore"/ } },
  { name: 'present without line fails', args: { path: P, regexp: 'x' }, given: { facts: {} }, expect: { failed: /needs "line"/ } },
  { name: 'backrefs without regexp fails', args: { path: P, line: 'x', backrefs: true }, given: { facts: {} }, expect: { failed: /backrefs needs "regexp"/ } },
  { name: 'absent with nothing to match fails', args: { path: P, state: 'absent' }, given: { facts: {} }, expect: { failed: /needs "line", "regexp" or "search_string"/ } },
  { name: 'a broken regexp fails with its message', args: { path: P, regexp: '(unclosed', line: 'x' }, given: { facts: fileFacts(P, SSHD) }, expect: { failed: /Cannot use the regular expression "\(unclosed"/ } },
];

describe('lineinfile module plans', () => {
  runPlanFixtures(lineinfile, fixtures);

  it('passes validate and backup to the atomic write and shows a diff', async () => {
    const args = lineinfile.args.parse({ path: P, regexp: '^Port', line: 'Port 2222', validate: '/usr/sbin/sshd -t -f %s', backup: true });
    const plan = await lineinfile.plan(args, fakeContext({ facts: fileFacts(P, SSHD) }));
    const step = plan.changes[0].steps[0];
    expect(step).toMatchObject({ kind: 'write', path: P, validate: '/usr/sbin/sshd -t -f %s', backup: true });
    expect(plan.changes[0].diff).toEqual({ path: P, before: SSHD, after: SSHD.replace('Port 22', 'Port 2222'), secret: undefined });
  });
});

describe('Python regular expressions', () => {
  it.each([
    ['(?P<k>\\w+)=(?P=k)', 'a=a', true],
    ['(?P<k>\\w+)=(?P=k)', 'a=b', false],
    ['^a\\Z', 'a', true],
    ['\\\\Z', '\\Z', true],
    ['(?i)HELLO', 'hello', true],
  ])('%s on %s', (re, text, hit) => {
    expect(pyRegExp(re).test(text)).toBe(hit);
  });

  it('expands templates like match.expand()', () => {
    const m = pyRegExp('^(?P<k>\\w+)=(\\w*)(x)?').exec('key=val')!;
    expect(expandTemplate('\\g<k>: \\2 [\\3] \\g<1>\\t\\\\', m)).toBe('key: val [] key\t\\');
  });

  it('refuses inline flags JavaScript lacks', () => {
    expect(() => pyRegExp('(?x) a b')).toThrow(/inline flag "x"/);
  });
});

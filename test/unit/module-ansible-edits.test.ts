// replace, blockinfile and package: given the facts, expect the plan (Ansible's results).
import { describe, expect, it } from 'vitest';
import blockinfile, { editBlock } from '../../src/modules/blockinfile.js';
import packageModule from '../../src/modules/package.js';
import replace from '../../src/modules/replace.js';
import { fakeContext, fileFacts } from './support/fake-context.js';
import { runPlanFixtures, type PlanFixture } from './support/plan-fixtures.js';

const P = '/etc/default/grub';
const GRUB = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet"\n#GRUB_TERMINAL=console\n';

function edit(mod: 'replace' | 'blockinfile', name: string, args: Record<string, unknown>, text: string, after: string, summary?: string): PlanFixture {
  const given = { facts: fileFacts(P, text) };
  if (after === text) return { name: `${mod}: ${name}`, args: { path: P, ...args }, given, expect: { summaries: [] } };
  return { name: `${mod}: ${name}`, args: { path: P, ...args }, given, expect: { written: { [P]: after }, ...(summary ? { summaries: [summary] } : {}) } };
}

describe('replace', () => {
  runPlanFixtures(replace, [
    edit('replace', 'every match, MULTILINE', { regexp: '^#(GRUB_\\w+)=', replace: '\\1=' }, GRUB, GRUB.replace('#GRUB_TERMINAL', 'GRUB_TERMINAL'), `1 replacement made in ${P}`),
    edit('replace', 'no change once replaced', { regexp: '^#(GRUB_\\w+)=', replace: '\\1=' }, GRUB.replace('#GRUB', 'GRUB'), GRUB.replace('#GRUB', 'GRUB')),
    edit('replace', 'named groups and \\g<name>', { regexp: '(?P<k>GRUB_DEFAULT)=\\d', replace: '\\g<k>=saved' }, GRUB, GRUB.replace('GRUB_DEFAULT=0', 'GRUB_DEFAULT=saved')),
    edit('replace', 'an empty replace removes the matches', { regexp: ' ?quiet' }, GRUB, GRUB.replace(' ?quiet', '').replace('"quiet"', '""')),
    edit('replace', 'only after the first match of after', { regexp: 'x', replace: 'y', after: 'START' }, 'x\nSTART\nx\nx\n', 'x\nSTART\ny\ny\n', `2 replacements made in ${P}`),
    edit('replace', 'only before the first match of before', { regexp: 'x', replace: 'y', before: 'STOP' }, 'x\nSTOP\nx\n', 'y\nSTOP\nx\n'),
    { name: 'replace: a missing file fails', args: { path: P, regexp: 'x' }, given: { facts: { [`file:${P}`]: null } }, expect: { failed: /Cannot edit "\/etc\/default\/grub": it does not exist/ } },
    { name: 'replace: a bad regular expression is named', args: { path: P, regexp: '(' }, given: { facts: fileFacts(P, GRUB) }, expect: { failed: /replace: Cannot use the regular expression "\("/ } },
  ]);
});

const BLOCK = '# BEGIN ANSIBLE MANAGED BLOCK\nAllowUsers pi\nMaxAuthTries 3\n# END ANSIBLE MANAGED BLOCK\n';

describe('blockinfile', () => {
  runPlanFixtures(blockinfile, [
    edit('blockinfile', 'inserts the block at the end with the default markers', { block: 'AllowUsers pi\nMaxAuthTries 3\n' }, GRUB, GRUB + BLOCK, `Block inserted in ${P}`),
    edit('blockinfile', 'no change when the block is there', { block: 'AllowUsers pi\nMaxAuthTries 3' }, GRUB + BLOCK, GRUB + BLOCK),
    edit('blockinfile', 'updates the block between the markers in place', { block: 'AllowUsers admin' }, BLOCK + GRUB, '# BEGIN ANSIBLE MANAGED BLOCK\nAllowUsers admin\n# END ANSIBLE MANAGED BLOCK\n' + GRUB, `Block updated in ${P}`),
    edit('blockinfile', 'state absent removes the block and its markers', { state: 'absent' }, `A\n${BLOCK}B\n`, 'A\nB\n', `Block removed in ${P}`),
    edit('blockinfile', 'an empty block removes it too', { block: '' }, `A\n${BLOCK}`, 'A\n'),
    edit('blockinfile', 'state absent without the block: no change', { state: 'absent' }, GRUB, GRUB),
    edit('blockinfile', 'insertbefore BOF', { block: 'x', insertbefore: 'BOF' }, 'A\n', '# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nA\n'),
    edit('blockinfile', 'insertafter a regexp: after its last match', { block: 'x', insertafter: '^GRUB_' }, GRUB, 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet"\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n#GRUB_TERMINAL=console\n'),
    edit('blockinfile', 'insertbefore a regexp', { block: 'x', insertbefore: '^#GRUB' }, GRUB, 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet"\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n#GRUB_TERMINAL=console\n'),
    edit('blockinfile', 'custom marker and marker_begin/end', { block: 'x', marker: '<!-- {mark} pirun -->', marker_begin: 'start', marker_end: 'stop' }, 'A', 'A\n<!-- start pirun -->\nx\n<!-- stop pirun -->\n'),
    { name: 'blockinfile: a missing file without create fails', args: { path: P, block: 'x' }, given: { facts: { [`file:${P}`]: null } }, expect: { failed: /does not exist \(set create: true/ } },
    { name: 'blockinfile: create makes the file', args: { path: P, block: 'x', create: true }, given: { facts: { [`file:${P}`]: null, 'file:/etc/default': { type: 'directory', mode: '0755', owner: 'root', group: 'root', size: 1 } } }, expect: { written: { [P]: '# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n' } } },
    { name: 'blockinfile: a missing file with state absent: no change', args: { path: P, state: 'absent' }, given: { facts: { [`file:${P}`]: null } }, expect: { summaries: [] } },
  ]);
  it('applying the plan twice gives the same text (idempotent)', () => {
    const a = blockinfile.args.parse({ path: P, block: 'x\ny' });
    const once = editBlock(GRUB, a).text;
    expect(editBlock(once, a).text).toBe(once);
  });
});

const pkgs = (installed: string[]) => ({ packages: { packages: new Map(installed.map((n) => [n, { installed: true, version: '1.0' }])), listsAgeSeconds: 100 } });

describe('package (apt on Debian)', () => {
  runPlanFixtures(packageModule, [
    { name: 'installs what is missing, as apt does', args: { name: ['htop', 'curl'] }, given: { facts: pkgs(['curl']) }, expect: { summaries: ['install htop'] } },
    { name: 'state installed is present', args: { name: 'curl', state: 'installed' }, given: { facts: pkgs(['curl']) }, expect: { summaries: [] } },
    { name: 'state removed is absent', args: { name: 'telnet', state: 'removed' }, given: { facts: pkgs(['telnet']) }, expect: { summaries: ['remove telnet'] } },
    { name: 'use: apt is accepted', args: { name: 'htop', use: 'apt' }, given: { facts: pkgs(['htop']) }, expect: { summaries: [] } },
  ]);
  it('use: another package manager is refused with a clear message', () => {
    const r = packageModule.args.safeParse({ name: 'htop', use: 'yum' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toBe('only apt is supported: pirun manages Debian hosts');
  });
  it('plans exactly what apt plans', async () => {
    const plan = await packageModule.plan(packageModule.args.parse({ name: 'htop' }), fakeContext({ facts: pkgs([]) }));
    expect(plan.changes.map((c) => c.op)).toEqual(['apt.install']);
    expect(plan.changes[0].installs).toEqual(['htop']);
  });
});

// blockinfile: a block of lines between two marker lines, inserted, updated
// or removed as Ansible's blockinfile does (same markers, same placement).
import { dirname } from 'node:path';
import { z } from 'zod';
import { fileContentProbe, fileProbe } from '../facts/files.js';
import { flagArg, modeArg, ownerArg, pathArg, textArg } from './args.js';
import { pyRegExp } from './py-regexp.js';
import { planTextEdit } from './text-edit.js';
import { defineModule } from './types.js';

const args = z
  .strictObject({
    path: pathArg.describe('Absolute path of the file on the host (aliases: dest, destfile, name)'),
    block: textArg.default('').describe('The lines between the markers (alias: content); empty removes the block'),
    marker: z.string().default('# {mark} ANSIBLE MANAGED BLOCK').describe('Marker line template; {mark} becomes marker_begin or marker_end'),
    marker_begin: z.string().default('BEGIN').describe('Replaces {mark} in the first marker'),
    marker_end: z.string().default('END').describe('Replaces {mark} in the last marker'),
    state: z.enum(['present', 'absent']).default('present').describe('Whether the block should be there'),
    insertafter: z.string().optional().describe('Without the markers: insert after the last line matching this regular expression, or "EOF" (default)'),
    insertbefore: z.string().optional().describe('Without the markers: insert before the last line matching this regular expression, or "BOF"'),
    create: flagArg.default(false).describe('Create the file when it does not exist'),
    mode: modeArg.optional().describe('Mode of the file'),
    owner: ownerArg.optional().describe('Owner user name'),
    group: ownerArg.optional().describe('Owner group name'),
    validate: z.string().optional().describe('Command run on the candidate file before it replaces the old one; %s is its path'),
    backup: flagArg.optional().describe('Keep a timestamped copy of the old file'),
  })
  .describe('Insert, update or remove a block of lines between marker lines');
type Args = z.output<typeof args>;

// Ansible's algorithm on the file's lines (each keeping its newline).
export function editBlock(text: string, a: Pick<Args, 'block' | 'marker' | 'marker_begin' | 'marker_end' | 'state' | 'insertafter' | 'insertbefore'>): { text: string; msg: string } {
  if (a.insertafter !== undefined && a.insertbefore !== undefined) throw new Error('use only one of "insertafter" and "insertbefore"');
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const marker0 = a.marker.replace('{mark}', a.marker_begin);
  const marker1 = a.marker.replace('{mark}', a.marker_end);
  const body = a.block === '' ? [] : a.block.replace(/\n$/, '').split('\n');
  const blockLines = a.state === 'present' && body.length ? [marker0, ...body, marker1].map((l) => `${l}\n`) : [];
  let n0: number | undefined;
  let n1: number | undefined;
  lines.forEach((line, i) => {
    const bare = line.replace(/\r?\n$/, '');
    if (bare === marker0) n0 = i;
    if (bare === marker1) n1 = i;
  });
  let at: number;
  if (n0 === undefined || n1 === undefined) {
    const after = a.insertafter !== undefined && a.insertafter !== 'EOF' ? a.insertafter : undefined;
    const before = a.insertbefore !== undefined && a.insertbefore !== 'BOF' ? a.insertbefore : undefined;
    const pattern = after ?? before;
    if (pattern !== undefined) {
      const re = pyRegExp(pattern);
      let found: number | undefined;
      lines.forEach((line, i) => {
        if (re.test(line.replace(/\n$/, ''))) found = i;
      });
      at = found === undefined ? lines.length : after !== undefined ? found + 1 : found;
    } else at = a.insertbefore === 'BOF' ? 0 : lines.length;
  } else {
    const [lo, hi] = n0 < n1 ? [n0, n1] : [n1, n0];
    lines.splice(lo, hi - lo + 1);
    at = lo;
  }
  if (!blockLines.length && n0 === undefined) return { text, msg: '' };
  if (at > 0 && !lines[at - 1].endsWith('\n')) lines[at - 1] += '\n';
  lines.splice(at, 0, ...blockLines);
  const out = lines.join('');
  const msg = out === text ? '' : blockLines.length ? (n0 !== undefined && n1 !== undefined ? 'Block updated' : 'Block inserted') : 'Block removed';
  return { text: out, msg };
}

export default defineModule({
  name: 'blockinfile',
  description: 'Insert, update or remove a block of lines between marker lines',
  args,
  aliases: { dest: 'path', destfile: 'path', name: 'path', content: 'block' },
  probes: (a) => [fileProbe(a.path), fileContentProbe(a.path), ...(a.create ? [fileProbe(dirname(a.path))] : [])],
  async plan(a, ctx) {
    const removing = a.state === 'absent' || a.block === '';
    return planTextEdit(
      {
        module: 'blockinfile',
        path: a.path,
        create: a.create,
        absentIsDone: removing,
        file: { mode: a.mode, owner: a.owner, group: a.group, validate: a.validate, backup: a.backup },
        edit: (text) => {
          const r = editBlock(text, a);
          return { text: r.text, msg: r.msg || undefined };
        },
      },
      ctx,
    );
  },
});

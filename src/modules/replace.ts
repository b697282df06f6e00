// replace: every match of a Python regular expression in a file replaced, as
// Ansible's replace module does (re.subn with MULTILINE), optionally only
// between `after` and `before`.
import { z } from 'zod';
import { fileContentProbe, fileProbe } from '../facts/files.js';
import { flagArg, modeArg, ownerArg, pathArg } from './args.js';
import { expandTemplate, pyRegExp } from './py-regexp.js';
import { planTextEdit } from './text-edit.js';
import { defineModule } from './types.js';

const args = z
  .strictObject({
    path: pathArg.describe('Absolute path of the file on the host (aliases: dest, destfile, name)'),
    regexp: z.string().min(1).describe('Python regular expression; every match is replaced (MULTILINE: ^ and $ match at each line)'),
    replace: z.string().default('').describe('Replacement; may use \\1 or \\g<name>; empty removes the matches'),
    after: z.string().optional().describe('Only replace after the first match of this regular expression'),
    before: z.string().optional().describe('Only replace before the first match of this regular expression'),
    mode: modeArg.optional().describe('Mode of the file'),
    owner: ownerArg.optional().describe('Owner user name'),
    group: ownerArg.optional().describe('Owner group name'),
    validate: z.string().optional().describe('Command run on the candidate file before it replaces the old one; %s is its path'),
    backup: flagArg.optional().describe('Keep a timestamped copy of the old file'),
  })
  .describe('Replace every match of a regular expression in a file');
type Args = z.output<typeof args>;

// Ansible compiles replace's patterns with MULTILINE: the translator must know,
// since Python's $ translates differently with and without it.
const multiline = (source: string) => pyRegExp(source, { multiline: true, global: true });

// The text with every match in the section replaced, and how many there were.
export function replaceText(text: string, a: Pick<Args, 'regexp' | 'replace' | 'after' | 'before'>): { text: string; count: number } {
  let start = 0;
  let end = text.length;
  if (a.after !== undefined) {
    const m = multiline(a.after).exec(text);
    if (m) start = m.index + m[0].length;
  }
  if (a.before !== undefined) {
    const m = multiline(a.before).exec(text);
    if (m) end = m.index;
  }
  if (start > end) return { text, count: 0 };
  let count = 0;
  const section = text.slice(start, end).replace(multiline(a.regexp), (...groups) => {
    count++;
    const named = typeof groups[groups.length - 1] === 'object' ? (groups.pop() as Record<string, string>) : undefined;
    const m = Object.assign(groups.slice(0, -2), { groups: named, index: 0, input: '' }) as unknown as RegExpExecArray;
    return expandTemplate(a.replace, m);
  });
  return { text: text.slice(0, start) + section + text.slice(end), count };
}

export default defineModule({
  name: 'replace',
  description: 'Replace every match of a regular expression in a file',
  args,
  aliases: { dest: 'path', destfile: 'path', name: 'path' },
  probes: (a) => [fileProbe(a.path), fileContentProbe(a.path)],
  async plan(a, ctx) {
    return planTextEdit(
      {
        module: 'replace',
        path: a.path,
        file: { mode: a.mode, owner: a.owner, group: a.group, validate: a.validate, backup: a.backup },
        edit: (text) => {
          const r = replaceText(text, a);
          return { text: r.text, msg: `${r.count} replacement${r.count === 1 ? '' : 's'} made` };
        },
      },
      ctx,
    );
  },
});

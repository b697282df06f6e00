// lineinfile: one line present (or absent) in a file. The planner reads the
// whole file, computes the new text on the controller and yields one atomic
// write of it (validated before it replaces the old file), so check mode and
// --diff show exactly what would be written.
import { dirname } from 'node:path';
import { z } from 'zod';
import { fileContentProbe, fileProbe } from '../facts/files.js';
import { sh } from '../transport/quote.js';
import { planFile, sha256 } from './file-plan.js';
import { flagArg, pathArg, textArg } from './args.js';
import { fileWriteArgs } from './file-args.js';
import { follow, MAX_LINK_HOPS } from './follow.js';
import { editLines, type LineEdit } from './line-edit.js';
import { RegExpSyntaxError } from './py-regexp.js';
import { defineModule, type Change, type Plan, type PlanContext } from './types.js';

const args = z
  .strictObject({
    path: pathArg.describe('Absolute path of the file on the host (a symlink is followed)'),
    line: textArg.optional().describe('The line to have in the file (state: present); with backrefs it may use \\1 or \\g<name>'),
    regexp: z.string().optional().describe('Python-style regular expression for the line to replace (present) or the lines to remove (absent); the last match is replaced'),
    search_string: z.string().optional().describe('Literal text for the line to replace or remove (instead of regexp)'),
    state: z.enum(['present', 'absent']).default('present').describe('Whether the line should be there'),
    insertafter: z.string().optional().describe('Without a match: insert after the last line matching this regexp, or "EOF" (default) / "BOF"'),
    insertbefore: z.string().optional().describe('Without a match: insert before the last line matching this regexp, or "BOF"'),
    firstmatch: flagArg.optional().describe('Use the first match of regexp / insertafter / insertbefore instead of the last'),
    backrefs: flagArg.optional().describe('Fill in groups of regexp in line; when regexp does not match, leave the file unchanged'),
    create: flagArg.optional().describe('Create the file (and its folder) when it does not exist'),
    ...fileWriteArgs,
  })
  .describe('Ensure one line is present in, or absent from, a file');
type Args = z.output<typeof args>;

// Argument combinations that Ansible refuses, with its reasons.
function argumentProblem(a: Args): string | undefined {
  if (a.insertafter !== undefined && a.insertbefore !== undefined) return 'lineinfile: use only one of "insertafter" and "insertbefore"';
  if (a.regexp !== undefined && a.search_string !== undefined) return 'lineinfile: use only one of "regexp" and "search_string"';
  if (a.state === 'present' && a.line === undefined) return 'lineinfile: state: present needs "line"';
  if (a.backrefs && a.regexp === undefined) return 'lineinfile: backrefs needs "regexp"';
  if (a.state === 'absent' && a.line === undefined && a.regexp === undefined && a.search_string === undefined) return 'lineinfile: state: absent needs "line", "regexp" or "search_string"';
  return undefined;
}

export default defineModule({
  name: 'lineinfile',
  aliases: { dest: 'path', destfile: 'path', name: 'path' },
  description: 'Ensure a line is present in or absent from a file',
  args,
  probes: (a) => [fileProbe(a.path), fileContentProbe(a.path), ...(a.create ? [fileProbe(dirname(a.path))] : [])],
  async plan(a, ctx) {
    const problem = argumentProblem(a);
    if (problem) return { changes: [], failed: problem };
    const { path, fact } = await follow(a.path, ctx);
    if (fact?.type === 'link') return { changes: [], failed: `Cannot edit "${a.path}": more than ${MAX_LINK_HOPS} levels of symlinks` };
    if (fact && fact.type !== 'file') return { changes: [], failed: `Cannot edit "${path}": it is a ${fact.type}, not a file` };
    if (!fact && a.state === 'absent') return { changes: [] };
    if (!fact && !a.create) return { changes: [], failed: `Cannot edit "${path}": it does not exist (set create: true to create it)` };
    const statProbe = fileProbe(path);
    const contentProbe = fileContentProbe(path);
    const before = fact ? await ctx.fact(contentProbe) : Buffer.alloc(0);
    // In check mode an earlier task may have planned a new version of the file whose text is not known here.
    if (fact && (before === null || (ctx.predicted(statProbe) && fact.sha256 !== sha256(before)))) {
      return { changes: [{ summary: `edit ${path} (after an earlier task changes it; the result is known only when applied)`, op: 'file.write', steps: [] }] };
    }
    let edited;
    try {
      edited = editLines(before!.toString('utf8'), toEdit(a));
    } catch (err) {
      if (err instanceof RegExpSyntaxError) return { changes: [], failed: err.message };
      throw err;
    }
    return planEdit(a, ctx, { path, exists: fact !== null, text: edited.text, msg: edited.msg });
  },
});

// The module's Ansible spelling to the pure editor's options.
function toEdit(a: Args): LineEdit {
  return { state: a.state, line: a.line, regexp: a.regexp, searchString: a.search_string, insertafter: a.insertafter, insertbefore: a.insertbefore, backrefs: a.backrefs, firstmatch: a.firstmatch };
}

// The write (through the shared whole-file planner) plus what only lineinfile knows: the message and a missing folder.
async function planEdit(a: Args, ctx: PlanContext, edit: { path: string; exists: boolean; text: string; msg: string }): Promise<Plan> {
  const path = edit.path;
  const content = Buffer.from(edit.text, 'utf8');
  const changes: Change[] = await planFile({ dest: path, content, mode: a.mode, owner: a.owner, group: a.group, validate: a.validate, backup: a.backup }, ctx);
  const write = changes.find((c) => c.steps.some((s) => s.kind === 'write'));
  if (write) {
    write.summary = edit.exists ? `${edit.msg || 'rewrite'} in ${path}` : `create ${path} with the line`;
    write.predicts = [...(write.predicts ?? []), { key: fileContentProbe(path).key, value: content }];
    if (!edit.exists && !(await ctx.fact(fileProbe(dirname(path))))) write.steps.unshift({ kind: 'exec', script: sh`mkdir -p -- ${dirname(path)}` });
  }
  return { changes, msg: edit.msg || undefined };
}

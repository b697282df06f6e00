// Shared planning for modules that edit a file's text on the controller
// (replace, blockinfile): follow symlinks, read the content from the facts,
// compute the new text, and yield one atomic write through planFile, so
// check mode and --diff show exactly what would be written.
import { dirname } from 'node:path';
import { fileContentProbe, fileProbe } from '../facts/files.js';
import { sh } from '../transport/quote.js';
import { planFile, sha256 } from './file-plan.js';
import { follow, MAX_LINK_HOPS } from './follow.js';
import type { Change, Plan, PlanContext } from './types.js';

export interface TextEditOptions {
  module: string;
  path: string;
  // Create the file when it is missing (blockinfile's create).
  create?: boolean;
  // A missing file needs no change (state: absent).
  absentIsDone?: boolean;
  file: { mode?: string; owner?: string; group?: string; validate?: string; backup?: boolean };
  // The new text and a message; undefined text: nothing to change.
  edit(text: string): { text: string; msg?: string };
}

export async function planTextEdit(o: TextEditOptions, ctx: PlanContext): Promise<Plan> {
  const { path, fact } = await follow(o.path, ctx);
  if (fact?.type === 'link') return { changes: [], failed: `Cannot edit "${o.path}": more than ${MAX_LINK_HOPS} levels of symlinks` };
  if (fact && fact.type !== 'file') return { changes: [], failed: `Cannot edit "${path}": it is a ${fact.type}, not a file` };
  if (!fact && o.absentIsDone) return { changes: [] };
  if (!fact && !o.create) return { changes: [], failed: `Cannot edit "${path}": it does not exist${o.create === false ? ' (set create: true to create it)' : ''}` };
  const statProbe = fileProbe(path);
  const contentProbe = fileContentProbe(path);
  const before = fact ? await ctx.fact(contentProbe) : Buffer.alloc(0);
  // In check mode an earlier task may have planned a new version of the file whose text is not known here.
  if (fact && (before === null || (ctx.predicted(statProbe) && fact.sha256 !== sha256(before)))) {
    return { changes: [{ summary: `edit ${path} (after an earlier task changes it; the result is known only when applied)`, op: 'file.write', steps: [] }] };
  }
  let edited: { text: string; msg?: string };
  try {
    edited = o.edit(before!.toString('utf8'));
  } catch (err) {
    return { changes: [], failed: `${o.module}: ${(err as Error).message}` };
  }
  const content = Buffer.from(edited.text, 'utf8');
  const changes: Change[] = await planFile({ dest: path, content, ...o.file }, ctx);
  const write = changes.find((c) => c.steps.some((s) => s.kind === 'write'));
  if (write) {
    write.summary = fact ? `${edited.msg ?? 'edit'} in ${path}` : `create ${path}`;
    if (!fact && !(await ctx.fact(fileProbe(dirname(path))))) write.steps.unshift({ kind: 'exec', script: sh`mkdir -p -- ${dirname(path)}` });
  }
  return { changes, msg: edited.msg };
}

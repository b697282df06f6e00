// copy: a whole file from `content` or a controller file `src`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fileProbe } from '../facts/files.js';
import { findSource, wholeFileArgs } from './file-args.js';
import { planFile } from './file-plan.js';
import { defineModule, type PlanContext } from './types.js';

const args = z
  .strictObject({
    ...wholeFileArgs,
    content: z.string().optional().describe('The file content'),
    src: z.string().optional().describe('A file on the controller (looked up in the role files/ folder)'),
  })
  .describe('Write a whole file atomically');

export default defineModule({
  name: 'copy',
  description: 'Write a file from content or a controller file, atomically',
  args,
  probes: (a) => [fileProbe(a.dest)],
  async plan(a, ctx: PlanContext) {
    if ((a.content === undefined) === (a.src === undefined)) return { changes: [], failed: 'copy needs exactly one of "content" or "src"' };
    const content = a.content !== undefined ? Buffer.from(a.content) : readFileSync(findSource(a.src!, ctx.searchPaths.files, 'file'));
    return { changes: await planFile({ ...a, content }, ctx) };
  },
});

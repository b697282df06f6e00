// template: a file rendered on the controller with the task's variables.
import { z } from 'zod';
import { fileProbe } from '../facts/files.js';
import { findSource, wholeFileArgs } from './file-args.js';
import { planFile } from './file-plan.js';
import { defineModule } from './types.js';

const args = z.strictObject({
  ...wholeFileArgs,
  src: z.string().describe('Template file (looked up in the role templates/ folder), Jinja syntax'),
});

export default defineModule({
  name: 'template',
  description: 'Render a Jinja template on the controller and write it atomically',
  args,
  probes: (a) => [fileProbe(a.dest)],
  async plan(a, ctx) {
    const path = findSource(a.src, ctx.searchPaths.templates, 'template');
    const content = Buffer.from(ctx.renderTemplate(path));
    return { changes: await planFile({ ...a, content }, ctx) };
  },
});

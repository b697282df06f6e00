// copy: a whole file from `content` or a controller file `src`.
import { readFileSync, existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { fileProbe } from '../facts/files.js';
import { flagArg, modeArg } from './args.js';
import { planFile } from './file-plan.js';
import { defineModule, type PlanContext } from './types.js';

export const fileArgs = {
  dest: z.string().min(1).describe('Path of the file on the host'),
  mode: modeArg.optional().describe('Mode: octal ("0644", 0644, 0o644) or symbolic ("u=rw,g=r"); default: the old file\'s, else 0644 (0600 with secret)'),
  owner: z.string().optional().describe('Owner user name'),
  group: z.string().optional().describe('Owner group name'),
  backup: flagArg.optional().describe('Keep a timestamped copy of the old file'),
  validate: z.string().optional().describe('Command run on the candidate file before it replaces the old one; %s is its path'),
  secret: flagArg.optional().describe('The content is secret: never shown in diffs or logs; a new file is made 0600 unless mode says otherwise'),
  guard: z
    .strictObject({
      risk: z.string().min(1).describe('What the file can break, for the failure message, e.g. "sshd settings can refuse logins"'),
      restore: z.string().describe('Shell run after the old file is put back, e.g. "systemctl reload ssh"'),
      activate: z.string().optional().describe('Shell run right after writing, before the fresh login, to put the file into effect (e.g. "sshd -t && systemctl reload ssh"); if it fails the old file is restored'),
    })
    .optional()
    .describe('The file can cut SSH access: apply it under the lockout guard (rollback timer, fresh login, restore on failure)'),
};

export function findSource(name: string, folders: string[], what: string): string {
  if (isAbsolute(name)) return name;
  for (const f of folders) {
    const p = join(f, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`cannot find ${what} "${name}" in ${folders.join(', ')}`);
}

const args = z
  .strictObject({
    ...fileArgs,
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

// The one argument set of the modules that manage a path's attributes or
// write a file (file, copy, template, lineinfile and those to come), so a
// `mode`, `owner` or `backup` reads the same in each.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { flagArg, modeArg, ownerArg, pathArg } from './args.js';

// Mode and ownership of a path.
export const fileAttrArgs = {
  mode: modeArg.optional().describe('Mode: octal ("0644", 0644, 0o644) or symbolic ("u=rw,g=r"), applied to the current mode; a new file gets 0644 (0600 with secret), a new directory 0755; not used for links'),
  owner: ownerArg.optional().describe('Owner user name'),
  group: ownerArg.optional().describe('Owner group name'),
};

// A file written atomically: its attributes, a backup and a validation of the candidate.
export const fileWriteArgs = {
  ...fileAttrArgs,
  backup: flagArg.optional().describe('Keep a timestamped copy of the old file'),
  validate: z.string().optional().describe('Command run on the candidate file before it replaces the old one; %s is its path'),
};

// A whole file from the controller (copy, template): where it goes, whether it is secret, and how it is guarded.
export const wholeFileArgs = {
  dest: pathArg.describe('Absolute path of the file on the host'),
  ...fileWriteArgs,
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

// A controller file named by a task: absolute, or the first match in the role's folders.
export function findSource(name: string, folders: string[], what: string): string {
  if (isAbsolute(name)) return name;
  for (const f of folders) {
    const p = join(f, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`cannot find ${what} "${name}" in ${folders.join(', ')}`);
}

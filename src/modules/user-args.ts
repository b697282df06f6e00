// The user module's arguments (modules/user.ts plans with them, user-modify.ts
// plans the changes to an existing account).
import { z } from 'zod';
import { flagArg, nameListArg, ownerArg, pathArg, textArg } from './args.js';

export const userArgs = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 'expected a user name').describe('Account name'),
    state: z.enum(['present', 'absent']).default('present').describe('Whether the account should exist'),
    uid: z.number().int().nonnegative().optional().describe('User id'),
    group: ownerArg.optional().describe('Primary group (must exist); default: a new group named like the user'),
    groups: nameListArg.optional().describe('Supplementary groups, as a list or "a,b"; with append: false the user ends up in exactly these'),
    append: flagArg.optional().describe('Add the user to groups without removing it from others'),
    comment: textArg.optional().describe('Full name (GECOS field)'),
    shell: z.string().min(1).optional().describe('Login shell, e.g. /bin/bash or /usr/sbin/nologin'),
    home: pathArg.optional().describe('Home directory (set as given; not moved)'),
    create_home: flagArg.default(true).describe('Create the home directory (from /etc/skel) when the account is created or the folder is missing'),
    system: flagArg.optional().describe('Create a system account (only used when creating)'),
    password_lock: flagArg.optional().describe('true: lock the password (key logins still work); false: unlock a locked password'),
    remove: flagArg.optional().describe('state: absent: also delete the home directory and mail spool'),
    force: flagArg.optional().describe('state: absent: delete the account even while it is logged in'),
  })
  .describe('Manage a local user account');
export type UserArgs = z.output<typeof userArgs>;

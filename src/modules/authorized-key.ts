// authorized_key: SSH public keys in a user's authorized_keys. Keys are
// compared by type and blob (comments ignored). A change to the keys (or the
// modes) of the account pirun logs in with is guarded by the engine
// (engine/access.ts): it proves a fresh login still works, or puts the old file back.
import { dirname } from 'node:path';
import { z } from 'zod';
import { fileContentProbe, fileProbe } from '../facts/files.js';
import { authorizedKeysProbe, defaultKeysPath } from '../facts/authorized-keys.js';
import { userProbe, type UserFact } from '../facts/users.js';
import { sh } from '../transport/quote.js';
import { flagArg, pathArg } from './args.js';
import { attributeChanges, predictFile } from './file-attrs.js';
import { planFile, sha256 } from './file-plan.js';
import { editKeys, parseWantedKeys, type KeysResult } from './ssh-keys.js';
import { defineModule, type Change, type PlanContext } from './types.js';

const args = z
  .strictObject({
    user: z.string().min(1).describe('Account whose keys are managed'),
    key: z.union([z.string(), z.array(z.string())]).describe('Public key line(s): one string (several lines allowed) or a list; a line may start with options such as from="10.0.0.0/8"'),
    state: z.enum(['present', 'absent']).default('present').describe('Whether the keys should be authorized'),
    exclusive: flagArg.optional().describe('state: present: remove every other key from the file'),
    path: pathArg.optional().describe('The authorized_keys file (default ~user/.ssh/authorized_keys)'),
    manage_dir: flagArg.default(true).describe('Create the file\'s folder if missing and keep it mode 0700, owned by the user'),
  })
  .describe('Manage SSH public keys in authorized_keys');
type Args = z.output<typeof args>;

const keysPath = (a: Args, user: UserFact): string => a.path ?? defaultKeysPath(user);

export default defineModule({
  name: 'authorized_key',
  description: 'Add or remove SSH public keys in a user\'s authorized_keys',
  args,
  // Without `path`, one probe finds the file through the user's home folder.
  probes: (a) => (a.path ? [userProbe(a.user), fileProbe(a.path), fileContentProbe(a.path), fileProbe(dirname(a.path))] : [authorizedKeysProbe(a.user)]),
  async plan(a, ctx) {
    const { keys, bad } = parseWantedKeys(a.key);
    if (bad.length) return { changes: [], failed: `authorized_key: cannot read "${bad[0].slice(0, 60)}" as a public key (expected "TYPE BASE64 [comment]")` };
    if (!a.path) await ctx.fact(authorizedKeysProbe(a.user));
    const user = await ctx.fact(userProbe(a.user));
    if (!user) return { changes: [], failed: `Cannot manage the SSH keys of "${a.user}": no such user` };
    const path = keysPath(a, user);
    const probe = fileProbe(path);
    const fact = await ctx.fact(probe);
    if (fact && fact.type !== 'file') return { changes: [], failed: `Cannot manage "${path}": it is a ${fact.type}, not a file` };
    const changes = a.manage_dir && a.state === 'present' ? await planDir(dirname(path), ctx, { user }) : [];
    if (!fact && a.state === 'absent') return { changes };
    const before = fact ? await ctx.fact(fileContentProbe(path)) : Buffer.alloc(0);
    if (fact && (before === null || (ctx.predicted(probe) && fact.sha256 !== sha256(before)))) {
      return { changes: [...changes, { summary: `edit ${path} (after an earlier task changes it; the result is known only when applied)`, op: 'file.write', steps: [] }] };
    }
    const edited = editKeys(before!.toString('utf8'), { state: a.state, keys, exclusive: a.exclusive === true });
    if (!fact && !edited.added) return { changes };
    const content = Buffer.from(edited.text, 'utf8');
    const fileChanges = await planFile({ dest: path, content, mode: '0600', owner: user.name, group: user.group }, ctx);
    for (const c of fileChanges) {
      if (!c.steps.some((s) => s.kind === 'write')) continue;
      c.summary = `${path}: ${describe(edited)}`;
      c.predicts = [...(c.predicts ?? []), { key: fileContentProbe(path).key, value: content }];
    }
    return { changes: [...changes, ...fileChanges] };
  },
});

// "add 1 key, remove 2 keys": what the report shows instead of "update FILE".
function describe(r: KeysResult): string {
  const n = (count: number, verb: string) => (count ? [`${verb} ${count} key${count === 1 ? '' : 's'}`] : []);
  return [...n(r.added, 'add'), ...n(r.removed, 'remove'), ...n(r.updated, 'update the options of')].join(', ');
}

// ~/.ssh: created 0700 for the user, and kept that way (sshd's StrictModes checks it).
async function planDir(dir: string, ctx: PlanContext, { user }: { user: UserFact }): Promise<Change[]> {
  const probe = fileProbe(dir);
  const fact = await ctx.fact(probe);
  const want = { mode: '0700', owner: user.name, group: user.group };
  if (fact && fact.type !== 'directory') throw new Error(`Cannot use "${dir}" for SSH keys: it is a ${fact.type}, not a directory`);
  if (fact) return attributeChanges(dir, fact, { want, predicts: predictFile(probe) });
  return [
    {
      summary: `create directory ${dir}`,
      op: 'file.create',
      target: { paths: [dir] },
      steps: [{ kind: 'exec', script: sh`install -d -m 0700 -o ${user.name} -g ${user.group} -- ${dir}`, actsOn: dir }],
      predicts: predictFile(probe)({ type: 'directory', size: 0, ...want }),
    },
  ];
}

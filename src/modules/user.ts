// user: a local account, its groups, shell, home and password lock, read
// from getent/id and changed with useradd/usermod/userdel. Changes to the
// account pirun logs in with that could lock it out are guarded by the engine.
import { fileProbe } from '../facts/files.js';
import { groupNamesProbe, userProbe, type UserFact } from '../facts/users.js';
import { sh } from '../transport/quote.js';
import { predictFile } from './file-attrs.js';
import { defineModule, type Change, type Plan, type PlanContext } from './types.js';
import { modifyChanges } from './user-modify.js';
import { userArgs as args, type UserArgs } from './user-args.js';

// Where useradd puts a home by default on Debian (HOME=/home in /etc/default/useradd).
const defaultHome = (name: string): string => `/home/${name}`;

export default defineModule({
  name: 'user',
  description: 'Manage a local user account: groups, shell, home, password lock',
  args,
  probes: (a) => [userProbe(a.name), ...(a.state === 'present' ? [groupNamesProbe, fileProbe(a.home ?? defaultHome(a.name))] : [])],
  async plan(a, ctx) {
    const current = await ctx.fact(userProbe(a.name));
    if (a.state === 'absent') return planAbsent(a, ctx, { current });
    const missing = await missingGroups(a, ctx);
    const changes = current ? await modifyChanges(a, ctx, { current }) : [createChange(a)];
    if (!missing.length) return { changes };
    // usermod would fail on them; an earlier task of the run may create them (check mode cannot know).
    if (changes.length) changes[0].summary += ` (group ${missing.join(', ')} does not exist now)`;
    return { changes, blocked: `Cannot manage user "${a.name}": group${missing.length > 1 ? 's' : ''} ${missing.map((g) => `"${g}"`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist` };
  },
});

// Groups the task names that the host does not have (usermod would fail on them).
async function missingGroups(a: UserArgs, ctx: PlanContext): Promise<string[]> {
  const wanted = [...(a.group ? [a.group] : []), ...(a.groups ?? [])];
  if (!wanted.length) return [];
  const known = new Set(await ctx.fact(groupNamesProbe));
  return wanted.filter((g) => !known.has(g));
}

// useradd with the task's options, predicting the account Debian's defaults give.
function createChange(a: UserArgs): Change {
  const opts: string[] = [];
  if (a.system) opts.push('-r');
  if (a.uid !== undefined) opts.push('-u', String(a.uid));
  if (a.group) opts.push('-g', a.group);
  if (a.groups?.length) opts.push('-G', a.groups.join(','));
  if (a.comment !== undefined) opts.push('-c', a.comment);
  if (a.shell) opts.push('-s', a.shell);
  if (a.home) opts.push('-d', a.home);
  opts.push(a.create_home ? '-m' : '-M');
  const home = a.home ?? defaultHome(a.name);
  const group = a.group ?? a.name;
  // useradd leaves the password field "!": locked, with no password behind it.
  const fact: UserFact = {
    name: a.name,
    uid: a.uid ?? -1,
    gid: -1,
    comment: a.comment ?? '',
    home,
    shell: a.shell ?? '/bin/sh',
    group,
    groups: [...new Set(a.groups ?? [])].filter((g) => g !== group).sort(),
    passwordLocked: true,
    hasPassword: false,
  };
  const predicts: Change['predicts'] = [{ key: userProbe(a.name).key, value: fact }];
  if (a.create_home) predicts.push(...predictFile(fileProbe(home))({ type: 'directory', mode: '0755', owner: a.name, group, size: 0 }));
  return { summary: `create user ${a.name}`, op: 'user.create', target: { user: a.name }, steps: [{ kind: 'exec', script: sh`useradd ${opts} -- ${a.name}` }], predicts };
}

// userdel; never the account pirun itself logs in with.
function planAbsent(a: UserArgs, ctx: PlanContext, { current }: { current: UserFact | null }): Plan {
  if (!current) return { changes: [] };
  if (a.name === ctx.host.user) return { changes: [], failed: `Refusing to remove user "${a.name}": pirun logs in with this account` };
  const opts = [...(a.remove ? ['-r'] : []), ...(a.force ? ['-f'] : [])];
  const predicts: Change['predicts'] = [{ key: userProbe(a.name).key, value: null }];
  if (a.remove) predicts.push(...predictFile(fileProbe(current.home))(null));
  return { changes: [{ summary: `remove user ${a.name}${a.remove ? ' and its home' : ''}`, op: 'user.remove', target: { user: a.name }, steps: [{ kind: 'exec', script: sh`userdel ${[...opts, '--', a.name]}` }], predicts }] };
}

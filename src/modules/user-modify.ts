// The changes to an existing account: one usermod per attribute that
// drifted, so the report says what differed. Changes to the login account
// Each change names its operation and the account, so the engine guards
// those that can cut the login account's access (engine/access.ts).
import { fileProbe } from '../facts/files.js';
import { userProbe, type UserFact } from '../facts/users.js';
import { sh } from '../transport/quote.js';
import { predictFile } from './file-attrs.js';
import type { Change, PlanContext } from './types.js';
import type { UserArgs } from './user-args.js';

// Debian's marker for "no home directory" (nobody, many system accounts).
const NO_HOME = '/nonexistent';

// Everything about an existing account that differs from the task.
export async function modifyChanges(a: UserArgs, ctx: PlanContext, { current: cur }: { current: UserFact }): Promise<Change[]> {
  const changes: Change[] = [];
  let after: UserFact = { ...cur };
  const predict = (): Change['predicts'] => [{ key: userProbe(cur.name).key, value: after }];
  const usermod: Usermod = (summary, { opts, patch, op }) => {
    after = { ...after, ...patch };
    changes.push({ summary, op, target: { user: cur.name }, steps: [{ kind: 'exec', script: sh`usermod ${opts} -- ${cur.name}` }], predicts: predict() });
  };
  if (a.uid !== undefined && a.uid !== cur.uid) usermod(`uid of ${cur.name} ${cur.uid} -> ${a.uid}`, { opts: ['-u', String(a.uid)], patch: { uid: a.uid }, op: 'user.uid' });
  if (a.group && a.group !== cur.group) usermod(`primary group of ${cur.name} ${cur.group} -> ${a.group}`, { opts: ['-g', a.group], patch: { group: a.group }, op: 'user.group' });
  if (a.comment !== undefined && a.comment !== cur.comment) usermod(`comment of ${cur.name} "${cur.comment}" -> "${a.comment}"`, { opts: ['-c', a.comment], patch: { comment: a.comment }, op: 'user.comment' });
  if (a.shell && a.shell !== cur.shell) usermod(`shell of ${cur.name} ${cur.shell} -> ${a.shell}`, { opts: ['-s', a.shell], patch: { shell: a.shell }, op: 'user.shell' });
  if (a.home && a.home !== cur.home) usermod(`home of ${cur.name} ${cur.home} -> ${a.home}`, { opts: ['-d', a.home], patch: { home: a.home }, op: 'user.home' });
  groupChange(a, after, { usermod });
  if (a.password_lock !== undefined) {
    if (cur.passwordLocked === null) throw new Error(`Cannot read the password state of "${cur.name}": the shadow entry is unreadable (run the task with become)`);
    if (a.password_lock && !cur.passwordLocked) usermod(`lock the password of ${cur.name}`, { opts: ['-L'], patch: { passwordLocked: true }, op: 'user.lock' });
    // An account with no password behind the lock stays as it is: there is nothing to unlock.
    if (!a.password_lock && cur.passwordLocked && cur.hasPassword) usermod(`unlock the password of ${cur.name}`, { opts: ['-U'], patch: { passwordLocked: false }, op: 'user.unlock' });
  }
  const home = await missingHome(a, ctx, { current: after });
  if (home) changes.push(home);
  return changes;
}

type Usermod = (summary: string, o: { opts: string[]; patch: Partial<UserFact>; op: string }) => void;

// Supplementary groups; the primary group never counts as one.
function groupChange(a: UserArgs, cur: UserFact, { usermod }: { usermod: Usermod }): void {
  if (a.groups === undefined) return;
  const primary = cur.group;
  const want = [...new Set(a.groups)].filter((g) => g !== primary).sort();
  const have = cur.groups.filter((g) => g !== primary);
  const add = want.filter((g) => !have.includes(g));
  if (a.append) {
    if (add.length) usermod(`add ${cur.name} to ${add.join(', ')}`, { opts: ['-a', '-G', add.join(',')], patch: { groups: [...new Set([...cur.groups, ...add])].sort() }, op: 'user.groups' });
    return;
  }
  const drop = have.filter((g) => !want.includes(g));
  if (!add.length && !drop.length) return;
  const what = [...(add.length ? [`add to ${add.join(', ')}`] : []), ...(drop.length ? [`remove from ${drop.join(', ')}`] : [])].join(', ');
  usermod(`groups of ${cur.name}: ${what}`, { opts: ['-G', want.join(',')], patch: { groups: want }, op: 'user.groups' });
}

// As Ansible does: a missing home is created from /etc/skel unless create_home is false.
async function missingHome(a: UserArgs, ctx: PlanContext, { current: cur }: { current: UserFact }): Promise<Change | undefined> {
  if (!a.create_home || !cur.home || cur.home === NO_HOME) return undefined;
  const probe = fileProbe(cur.home);
  if (await ctx.fact(probe)) return undefined;
  const owner = `${cur.name}:${cur.group}`;
  return {
    summary: `create home ${cur.home} for ${cur.name}`,
    op: 'user.create_home',
    target: { user: cur.name, paths: [cur.home] },
    steps: [{ kind: 'exec', script: sh`install -d -m 0755 -- ${cur.home} && cp -a /etc/skel/. ${cur.home}/ && chown -R ${owner} -- ${cur.home}` }],
    predicts: predictFile(probe)({ type: 'directory', mode: '0755', owner: cur.name, group: cur.group, size: 0 }),
  };
}

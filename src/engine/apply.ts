// Stage three of a task's path (resolve → plan → apply): applies the planned
// changes on the host: remote steps in one execution, controller-side steps in
// order, and the lockout guard around any change that can cut SSH access
// (decided by engine/access.ts).
import { userProbe } from '../facts/users.js';
import type { AccessGuard, Change } from '../modules/types.js';
import type { ExecResult } from '../transport/types.js';
import { accessGuard, mergeGuards, needsHome, type LoginAccount } from './access.js';
import type { HostContext } from './context.js';
import { guarded } from './guarded.js';
import { runSteps } from './run-steps.js';

export async function applyChanges(ctx: HostContext, changes: Change[], become: boolean): Promise<ExecResult[]> {
  const steps = changes.flatMap((c) => c.steps);
  return ctx.remote.changing(async () => {
    const guard = await guardFor(ctx, changes);
    if (guard) return await guarded(ctx, { steps, guard, become });
    return await runSteps(ctx, steps, { become });
  });
}

// One guard for every change of the task that risks access.
async function guardFor(ctx: HostContext, changes: Change[]): Promise<AccessGuard | undefined> {
  const guards: AccessGuard[] = [];
  for (const c of changes) {
    const g = accessGuard(c, await loginAccount(ctx, c));
    if (g) guards.push(g);
  }
  return guards.length ? mergeGuards(guards) : undefined;
}

// The login home is read only for a change outside /etc (the fact is cached until the next apply).
async function loginAccount(ctx: HostContext, change: Change): Promise<LoginAccount> {
  if (!needsHome(change)) return { user: ctx.host.user, home: null };
  const user = await ctx.cache.get(userProbe(ctx.host.user)).catch(() => null);
  return { user: ctx.host.user, home: user?.home ?? null };
}

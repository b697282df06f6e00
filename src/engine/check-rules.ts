// What check mode makes of a plan, decided by the engine from the plan's
// data (modules never read whether the run is a check):
// - a plan the module marks `blocked` fails the real run before anything is
//   applied; check mode reports its changes (an earlier task may remove the obstacle);
// - a change made only of login-check steps changes nothing on the host:
//   check mode proves the current connection answers instead, and reports no change.
import { randomBytes } from 'node:crypto';
import type { Probe } from '../facts/probe.js';
import type { Plan } from '../modules/types.js';

export type CheckRule = { plan: Plan; ping?: undefined } | { plan: Plan; ping: Probe<boolean> };

// A probe with a fresh key each time, so it is never answered from the cache.
export function pingProbe(): Probe<boolean> {
  return { key: `ping:${randomBytes(6).toString('hex')}`, script: 'true', parse: (_out, code) => code === 0 };
}

export function checkRules(plan: Plan, { check }: { check: boolean }): CheckRule {
  if (plan.blocked && !check) return { plan: { ...plan, changes: [], failed: plan.blocked } };
  const waits = plan.changes.length > 0 && plan.changes.every((c) => c.steps.every((s) => s.kind === 'login-check'));
  if (check && waits) return { plan: { ...plan, changes: [], msg: plan.msg ?? 'the connection answers' }, ping: pingProbe() };
  return { plan };
}

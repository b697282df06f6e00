// What a task's run (or check) leaves behind: the result registered for later
// tasks, changed_when / failed_when, and the status. In check mode a step that
// is not run has no output: its registered result holds what is known
// (changed, the module's planned values) and every other key is unknown
// (unknown.ts); a status that would depend on it is `unknown`.
import type { TaskDef } from '../config/types.js';
import { explainFailure } from '../facts/probe.js';
import type { Change, Plan } from '../modules/types.js';
import type { ExecResult } from '../transport/types.js';
import type { HostContext } from './context.js';
import type { TaskStatus } from './events.js';
import { childScope, type ResolveHost, type ResolvedTask } from './resolve.js';
import { evaluate } from './template.js';
import { dependsText, tracked, Unknown, unknownResult } from './unknown.js';

export interface ItemOutcome {
  status: TaskStatus;
  changes: Change[];
  result: Record<string, unknown>;
  msg?: string;
  // From the plan: carried to the task result (recap, JSON report).
  warnings?: string[];
  // The cache key of a read-only command's probe (see Plan.ran).
  ranKey?: string;
}

const rank: Record<TaskStatus, number> = { skipped: 0, ok: 1, changed: 2, unknown: 3, failed: 4, unreachable: 5 };

// A loop's status: its worst item; an item that ran makes a loop with skipped items ok.
export function loopStatus(outcomes: ItemOutcome[], looped: boolean): TaskStatus {
  const worst = outcomes.reduce<TaskStatus>((s, o) => (rank[o.status] > rank[s] ? o.status : s), looped ? 'skipped' : outcomes[0].status);
  return looped && worst === 'skipped' && outcomes.some((o) => o.status === 'ok') ? 'ok' : worst;
}

export function skippedOutcome(msg: string): ItemOutcome {
  return { status: 'skipped', changes: [], result: { skipped: true, msg }, msg };
}

// Check mode cannot know this task's outcome: it reads a result check mode does
// not have. Its own result and any fact it sets are unknown in turn.
export function unknownOutcome(host: ResolveHost, task: TaskDef, o: { why: string; changes?: Change[] }): ItemOutcome {
  for (const k of factNames(task)) host.hv.registered[k] = new Unknown(task.name);
  return { status: 'unknown', changes: o.changes ?? [], result: unknownResult(task.name, {}), msg: `check mode cannot know: ${o.why}` };
}

// The variables set_fact sets (its argument names; only values are templates).
export function factNames(task: TaskDef): string[] {
  const args = task.args as Record<string, unknown> | undefined;
  return task.module === 'set_fact' && args && typeof args === 'object' && !Array.isArray(args) ? Object.keys(args) : [];
}

// Every variable a task sets for the tasks after it.
export function setsVars(task: TaskDef): string[] {
  return [...(task.register ? [task.register] : []), ...factNames(task)];
}

export const readsUnknown = (from: string[]) => `it reads the result of ${dependsText(from)}, which check mode does not run`;

export function itemOutcome(ctx: HostContext, r: ResolvedTask, opts: { plan: Plan; execs: ExecResult[]; live: boolean }): ItemOutcome {
  const { task, mod } = r;
  const { plan } = opts;
  const planned = plan.changes.length > 0;
  // Only steps that ran have output; in check mode the planned ones did not.
  const ran = opts.live || !planned;
  const last = opts.execs[opts.execs.length - 1];
  const known: Record<string, unknown> = { changed: planned, ...(plan.result ?? {}), ...(mod.result && opts.execs.length ? mod.result(r.args, opts.execs) : {}) };
  if (plan.msg) known.msg = plan.msg;
  let result = known;
  let failed = last !== undefined && last.failed;
  if (!ran && mod.result) result = unknownResult(task.name, known);
  let changed = planned;
  for (const [key, expr] of [['failed_when', task.failedWhen], ['changed_when', task.changedWhen]] as const) {
    if (expr === undefined) continue;
    const scope = childScope(r, { ...(task.register ? { [task.register]: result } : {}), result });
    const t = tracked(() => evaluate(expr, scope));
    if (t.unknownFrom.length) {
      const why = t.unknownFrom.includes(task.name) ? `"${key}" reads the result of running it, which check mode does not` : readsUnknown(t.unknownFrom);
      return unknownOutcome(ctx, task, { why, changes: plan.changes });
    }
    if (!t.ok) throw t.error;
    if (key === 'failed_when') failed = t.value!;
    else changed = t.value!;
  }
  result.changed = changed;
  if (ran) result.failed = failed;
  const msg = failed && last ? failureText(last, ctx.host.name) : plan.msg;
  return { status: failed ? 'failed' : changed ? 'changed' : 'ok', changes: changed ? plan.changes : [], result, msg, warnings: plan.warnings, ranKey: plan.ran?.key };
}

function failureText(r: ExecResult, host: string): string {
  const why = explainFailure(host, r.stderr);
  if (why) return why;
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
  return `exit ${r.exitCode}${text ? `: ${text}` : ''}`;
}

// The value `register` stores: the item's result, or for a loop every item's.
export function registeredValue(task: { name: string }, outcomes: ItemOutcome[], opts: { looped: boolean; status: TaskStatus }): unknown {
  if (!opts.looped) return outcomes[0].result;
  const results = outcomes.map((o) => o.result);
  if (opts.status === 'unknown') return unknownResult(task.name, { results });
  return { results, changed: outcomes.some((o) => o.status === 'changed'), failed: opts.status === 'failed' };
}

// Runs one task on one host, item by item, through the three stages:
// resolve (loop, condition, arguments; resolve.ts), plan through the module
// (plan.ts), then apply (apply.ts; check mode stops before it), and records
// the outcome (record.ts): register, changed_when / failed_when, until, notify.
import type { TaskDef } from '../config/types.js';
import { errorMessage, UnreachableError } from '../errors.js';
import type { Change } from '../modules/types.js';
import { registerSecretTree, registerSecretVars } from '../secrets.js';
import type { ExecResult } from '../transport/types.js';
import { applyChanges } from './apply.js';
import { checkRules } from './check-rules.js';
import type { HostContext } from './context.js';
import { SKIPPED_CONDITION, type ChangeReport, type TaskResult, type TaskStatus } from './events.js';
import { itemOutcome, loopStatus, readsUnknown, registeredValue, setsVars, skippedOutcome, unknownOutcome, type ItemOutcome } from './record.js';
import { planTask, recordPredictions } from './plan.js';
import { childScope, resolve, resolveLoop, type ResolvedTask } from './resolve.js';
import { evaluate, TemplateError } from './template.js';
import { tracked } from './unknown.js';

// `until`: attempts, `delay` apart, until the condition holds (the result is
// visible to it under the register name and as `result`).
async function runItem(ctx: HostContext, task: TaskDef, item?: { value: unknown }): Promise<ItemOutcome> {
  if (!task.until) return (await attempt(ctx, task, item)).outcome;
  const { condition, retries, delayMs } = task.until;
  for (let n = 1; ; n++) {
    const { outcome: o, resolved } = await attempt(ctx, task, item);
    if (o.status === 'skipped' || o.status === 'unknown' || !resolved) return o;
    o.result.attempts = n;
    const t = tracked(() => evaluate(condition, childScope(resolved, { ...(task.register ? { [task.register]: o.result } : {}), result: o.result })));
    if (t.unknownFrom.length) {
      const why = t.unknownFrom.includes(task.name) ? '"until" reads the result of running it, which check mode does not' : readsUnknown(t.unknownFrom);
      return unknownOutcome(ctx, task, { why, changes: o.changes });
    }
    if (!t.ok) throw t.error;
    if (t.value) return o;
    if (n > retries || ctx.options.stopping()) {
      const why = `"until: ${String(condition)}" still false after ${n} attempt${n === 1 ? '' : 's'}`;
      return { ...o, status: 'failed', result: { ...o.result, failed: true }, msg: o.msg ? `${why}; last: ${o.msg}` : why };
    }
    if (o.ranKey) ctx.remote.retrying(o.ranKey);
    await new Promise((res) => setTimeout(res, delayMs));
  }
}

async function attempt(ctx: HostContext, task: TaskDef, item?: { value: unknown }): Promise<{ outcome: ItemOutcome; resolved?: ResolvedTask }> {
  const r = resolve(ctx, task, { item });
  if (r.unknownFrom.length) return { outcome: unknownOutcome(ctx, task, { why: readsUnknown(r.unknownFrom) }) };
  if (r.error !== undefined) throw r.error;
  if (r.when === false) return { outcome: skippedOutcome(SKIPPED_CONDITION) };
  const planned = await planTask(ctx, r);
  if (planned.unknownFrom) return { outcome: unknownOutcome(ctx, task, { why: readsUnknown(planned.unknownFrom) }) };
  const rule = checkRules(planned.plan, { check: ctx.options.check });
  if (rule.ping) await ctx.cache.get(rule.ping);
  const plan = rule.plan;
  if (plan.failed) return { outcome: { status: 'failed', changes: [], result: { failed: true, msg: plan.failed }, msg: plan.failed, warnings: plan.warnings } };
  if (plan.setFacts) {
    if (task.noLog) registerSecretTree(plan.setFacts);
    else registerSecretVars(plan.setFacts);
    Object.assign(ctx.hv.registered, plan.setFacts);
  }
  if (plan.skipped) return { outcome: skippedOutcome(plan.skipped) };
  const live = !ctx.options.check || plan.runInCheckMode === true || task.checkMode === false;
  let execs: ExecResult[] = plan.ran ? [plan.ran.result] : [];
  if (plan.changes.length > 0) {
    if (live) execs = await applyChanges(ctx, plan.changes, r.become);
    else recordPredictions(ctx, plan.changes);
  }
  return { outcome: itemOutcome(ctx, r, { plan, execs, live }), resolved: r };
}

export interface RunTaskOptions {
  handler?: boolean;
  // Check mode: notified only by tasks whose outcome is unknown, so whether it runs is unknown too.
  uncertain?: boolean;
  // Hears every variable the task sets (register, set_fact), for run_once.
  onAssign?: (vars: Record<string, unknown>) => void;
}

export async function runTask(ctx: HostContext, task: TaskDef, opts: RunTaskOptions = {}): Promise<TaskResult> {
  const started = Date.now();
  const base = { host: ctx.host.name, play: ctx.hv.play.name, role: task.role?.name, task: task.name, module: task.module, handler: opts.handler };
  ctx.bus.emit('task:start', { host: base.host, play: base.play, role: base.role, task: base.task, noLog: task.noLog || undefined });
  let status: TaskStatus = 'skipped';
  let changes: ChangeReport[] = [];
  let planned: Change[] = [];
  let msg: string | undefined;
  const registered = ctx.hv.registered;
  let warnings: string[] = [];
  try {
    const loop = resolveLoop(ctx, task);
    const outcomes: ItemOutcome[] = [];
    if (loop.unknownFrom.length) {
      outcomes.push(unknownOutcome(ctx, task, { why: readsUnknown(loop.unknownFrom) }));
    } else {
      if (loop.error !== undefined) throw loop.error;
      for (const item of loop.items?.map((value) => ({ value })) ?? [undefined]) {
        outcomes.push(await runItem(ctx, task, item));
        if (outcomes[outcomes.length - 1].status === 'failed') break;
      }
    }
    const looped = loop.items !== undefined;
    status = loopStatus(outcomes, looped);
    planned = outcomes.flatMap((o) => o.changes);
    changes = planned.map((c) => ({ summary: c.summary, diff: c.diff }));
    msg = outcomes.map((o) => o.msg).filter(Boolean).join('; ') || undefined;
    warnings = outcomes.flatMap((o) => o.warnings ?? []);
    if (task.register) {
      registered[task.register] = registeredValue(task, outcomes, { looped, status });
      // What a no_log task read or printed stays hidden wherever it is used later.
      if (task.noLog) registerSecretTree(registered[task.register]);
    }
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    status = 'failed';
    msg = err instanceof TemplateError ? `${err.message} in task "${task.name}" on host "${ctx.host.name}"` : errorMessage(err);
  }
  if (opts.onAssign) opts.onAssign(Object.fromEntries(setsVars(task).filter((k) => k in registered).map((k) => [k, registered[k]])));
  if (opts.uncertain && (status === 'ok' || status === 'changed')) {
    msg = `check mode cannot know: notified only by tasks whose outcome is unknown${msg ? `; ${msg}` : ''}`;
    status = 'unknown';
  }
  if (status === 'changed') for (const n of task.notify) ctx.notified.add(n);
  if (status === 'unknown') for (const n of task.notify) ctx.maybeNotified.add(n);
  // Unmasked: cli/mask.ts hides secrets, and everything of a no_log task, before any sink sees it.
  const result: TaskResult = { ...base, status, changes, msg, durationMs: Date.now() - started };
  if (warnings.length) result.warnings = warnings;
  if (status === 'failed' && task.ignoreErrors) result.ignored = true;
  if (task.noLog) result.noLog = true;
  ctx.results.push(result);
  ctx.options.recorder?.task(ctx.host.name, { play: base.play, role: base.role, task: base.task, handler: base.handler, status, msg, noLog: task.noLog || undefined, changes: status === 'changed' || status === 'unknown' ? planned : [] });
  ctx.bus.emit('task:end', result);
  return result;
}

// Runs one task on one host: when, loop, render, plan, then apply (or stop
// before applying in check mode), register, changed_when / failed_when, notify.
import type { TaskDef } from '../config/types.js';
import { validateArgs } from '../config/task.js';
import { errorMessage, UnreachableError } from '../errors.js';
import { getModule } from '../modules/index.js';
import type { Change, Module, PlanContext } from '../modules/types.js';
import { registerSecretTree, registerSecretVars } from '../secrets.js';
import type { ExecResult } from '../transport/types.js';
import { applyChanges } from './apply-changes.js';
import { explainFailure } from '../facts/probe.js';
import type { HostContext } from './context.js';
import { SKIPPED_CONDITION, type ChangeReport, type TaskResult, type TaskStatus } from './events.js';
import { layers, makeScope, type HostVars } from './scope.js';
import { evaluate, renderDeep, renderFile, renderString, TemplateError, type Scope } from './template.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ItemOutcome {
  status: TaskStatus;
  changes: Change[];
  result: Record<string, unknown>;
  msg?: string;
  // The cache key of a read-only command's probe (see Plan.ran).
  ranKey?: string;
}

// A task that declares it only reads the host: its command may answer from
// the batched fact probe (facts/command.ts). Not with no_log, so that its
// output stays out of the batch's -vv listing.
export function isReadOnly(task: TaskDef): boolean {
  return task.checkMode === false && (task.changedWhen === false || task.changedWhen === 'false') && !task.noLog;
}

// Whether the task runs through sudo. The prefetch and the run must agree:
// a read-only command's probe key depends on it.
export function taskBecome(task: TaskDef, hv: HostVars): boolean {
  return task.become ?? hv.play.become;
}

class TaskFailure extends Error {}

export function renderArgs(mod: Module<unknown>, task: TaskDef, scope: Scope): unknown {
  const raw = task.args as Record<string, unknown>;
  if (!mod.conditionArgs || !raw || typeof raw !== 'object') return renderDeep(raw, scope);
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, mod.conditionArgs!.includes(k) ? (Array.isArray(v) ? v.map((x) => evaluate(x, scope)) : evaluate(v, scope)) : renderDeep(v, scope)]),
  );
}

export function loopItems(task: TaskDef, scope: Scope): unknown[] | undefined {
  if (task.loop === undefined) return undefined;
  const items = typeof task.loop === 'string' ? renderString(task.loop, scope) : renderDeep(task.loop, scope);
  if (!Array.isArray(items)) throw new TaskFailure(`loop must be a list, got ${JSON.stringify(items)}`);
  return items;
}

function planContext(ctx: HostContext, task: TaskDef, scope: Scope, become: boolean): PlanContext {
  const roleDir = task.role?.dir;
  return {
    host: { name: ctx.host.name, address: ctx.host.address, port: ctx.host.port, user: ctx.host.user },
    check: ctx.options.check,
    become,
    fact: (p) => ctx.cache.get(p),
    predicted: (p) => ctx.cache.isPredicted(p.key),
    vars: scope as Record<string, unknown>,
    readOnly: isReadOnly(task),
    pendingPackages: ctx.pendingPackages,
    searchPaths: {
      files: roleDir ? [join(roleDir, 'files'), process.cwd()] : [process.cwd()],
      templates: roleDir ? [join(roleDir, 'templates'), process.cwd()] : [process.cwd()],
    },
    renderTemplate: (path) => renderFile(readFileSync(path, 'utf8'), scope),
  };
}

// `until`: attempts, `delay` apart, until the condition holds (the result is
// visible to it under the register name and as `result`).
async function runItem(ctx: HostContext, task: TaskDef, extra: Record<string, unknown>): Promise<ItemOutcome> {
  if (!task.until) return attempt(ctx, task, extra);
  const { condition, retries, delayMs } = task.until;
  for (let n = 1; ; n++) {
    const o = await attempt(ctx, task, extra);
    if (o.status === 'skipped') return o;
    o.result.attempts = n;
    const scope = makeScope(layers(ctx.hv, task, { ...extra, ...(task.register ? { [task.register]: o.result } : {}), result: o.result }));
    if (evaluate(condition, scope)) return o;
    if (n > retries || ctx.options.stopping()) {
      const why = `"until: ${String(condition)}" still false after ${n} attempt${n === 1 ? '' : 's'}`;
      return { ...o, status: 'failed', result: { ...o.result, failed: true }, msg: o.msg ? `${why}; last: ${o.msg}` : why };
    }
    if (o.ranKey) ctx.cache.forget(o.ranKey);
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

async function attempt(ctx: HostContext, task: TaskDef, extra: Record<string, unknown>): Promise<ItemOutcome> {
  const mod = getModule(task.module)!;
  const scope = makeScope(layers(ctx.hv, task, extra));
  if (!task.when.every((w) => evaluate(w, scope))) return { status: 'skipped', changes: [], result: { skipped: true }, msg: SKIPPED_CONDITION };
  const become = taskBecome(task, ctx.hv);
  const checked = validateArgs(mod.args, renderArgs(mod, task, scope), { module: task.module });
  if (!checked.ok) throw new TaskFailure(checked.message);
  const plan = await mod.plan(checked.value, planContext(ctx, task, scope, become));
  if (plan.failed) return { status: 'failed', changes: [], result: { failed: true, msg: plan.failed }, msg: plan.failed };
  if (plan.setFacts) {
    if (task.noLog) registerSecretTree(plan.setFacts);
    else registerSecretVars(plan.setFacts);
    Object.assign(ctx.hv.registered, plan.setFacts);
  }
  if (plan.skipped) return { status: 'skipped', changes: [], result: { skipped: true, msg: plan.skipped }, msg: plan.skipped };
  const live = !ctx.options.check || plan.runInCheckMode === true || task.checkMode === false;
  let execs: ExecResult[] = plan.ran ? [plan.ran.result] : [];
  if (plan.changes.length > 0) {
    if (live) execs = await applyChanges(ctx, plan.changes, become);
    else recordPredictions(ctx, plan.changes);
  }
  if (!live && plan.changes.length > 0 && (task.changedWhen !== undefined || task.failedWhen !== undefined)) {
    return { status: 'skipped', changes: [], result: { skipped: true }, msg: 'not run in check mode: its outcome depends on running it (set check_mode: false on a read-only task)' };
  }
  const last = execs[execs.length - 1];
  const result: Record<string, unknown> = { changed: plan.changes.length > 0, ...(plan.result ?? {}), ...(mod.result && execs.length ? mod.result(checked.value, execs) : {}) };
  if (plan.msg) result.msg = plan.msg;
  let failed = last !== undefined && last.failed;
  let changed = plan.changes.length > 0;
  const withResult = task.register ? { ...extra, [task.register]: result } : extra;
  if (task.failedWhen !== undefined && (live || plan.changes.length === 0)) failed = evaluate(task.failedWhen, makeScope(layers(ctx.hv, task, { ...withResult, result })));
  if (task.changedWhen !== undefined && (live || plan.changes.length === 0)) changed = evaluate(task.changedWhen, makeScope(layers(ctx.hv, task, { ...withResult, result })));
  result.changed = changed;
  result.failed = failed;
  const msg = failed && last ? failureText(last, ctx.host.name) : plan.msg;
  return { status: failed ? 'failed' : changed ? 'changed' : 'ok', changes: changed ? plan.changes : [], result, msg, ranKey: plan.ran?.key };
}

function failureText(r: ExecResult, host: string): string {
  const why = explainFailure(host, r.stderr);
  if (why) return why;
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
  return `exit ${r.exitCode}${text ? `: ${text}` : ''}`;
}

// In check mode nothing is applied; later tasks plan against what the change would leave.
function recordPredictions(ctx: HostContext, changes: Change[]): void {
  for (const c of changes) {
    for (const p of c.predicts ?? []) ctx.cache.predict(p.probe.key, p.value);
    for (const pkg of c.installs ?? []) ctx.pendingPackages.add(pkg);
  }
}

const rank: Record<TaskStatus, number> = { skipped: 0, ok: 1, changed: 2, failed: 3, unreachable: 4 };

export async function runTask(ctx: HostContext, task: TaskDef, opts: { handler?: boolean } = {}): Promise<TaskResult> {
  const started = Date.now();
  const base = { host: ctx.host.name, play: ctx.hv.play.name, role: task.role?.name, task: task.name, module: task.module, handler: opts.handler };
  ctx.bus.emit('task:start', { host: base.host, play: base.play, role: base.role, task: base.task, noLog: task.noLog || undefined });
  let status: TaskStatus = 'skipped';
  let changes: ChangeReport[] = [];
  let msg: string | undefined;
  try {
    const scope = makeScope(layers(ctx.hv, task));
    const items = loopItems(task, scope);
    const outcomes: ItemOutcome[] = [];
    for (const item of items ?? [undefined]) {
      outcomes.push(await runItem(ctx, task, items ? { [task.loopVar]: item } : {}));
      if (outcomes[outcomes.length - 1].status === 'failed') break;
    }
    status = outcomes.reduce<TaskStatus>((s, o) => (rank[o.status] > rank[s] ? o.status : s), items ? 'skipped' : outcomes[0].status);
    if (items && items.length > 0 && status === 'skipped' && outcomes.some((o) => o.status === 'ok')) status = 'ok';
    changes = outcomes.flatMap((o) => o.changes.map((c) => ({ summary: c.summary, diff: c.diff })));
    msg = outcomes.map((o) => o.msg).filter(Boolean).join('; ') || undefined;
    if (task.register) {
      ctx.hv.registered[task.register] = items
        ? { results: outcomes.map((o) => o.result), changed: outcomes.some((o) => o.status === 'changed'), failed: status === 'failed' }
        : outcomes[0].result;
      // What a no_log task read or printed stays hidden wherever it is used later.
      if (task.noLog) registerSecretTree(ctx.hv.registered[task.register]);
    }
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    status = 'failed';
    msg = err instanceof TemplateError ? `${err.message} in task "${task.name}" on host "${ctx.host.name}"` : errorMessage(err);
  }
  if (status === 'changed') for (const n of task.notify) ctx.notified.add(n);
  // Unmasked: cli/mask.ts hides secrets, and everything of a no_log task, before any sink sees it.
  const result: TaskResult = { ...base, status, changes, msg, durationMs: Date.now() - started };
  if (status === 'failed' && task.ignoreErrors) result.ignored = true;
  if (task.noLog) result.noLog = true;
  ctx.results.push(result);
  ctx.bus.emit('task:end', result);
  return result;
}

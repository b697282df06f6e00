// The one place that turns (host, task, loop item) into what will run: the
// condition, the arguments rendered and validated once, sudo, read-only or
// not, no_log, and the facts the task reads. The prefetch collects probes from
// it ahead of a stretch of tasks; the run resolves again at the task's turn and
// plans with the result. Errors and values check mode cannot know are data
// here; the run decides what they mean.
import { validateArgs } from '../config/task.js';
import type { TaskDef } from '../config/types.js';
import type { Probe } from '../facts/probe.js';
import { getModule } from '../modules/index.js';
import type { Module } from '../modules/types.js';
import type { HostContext } from './context.js';
import { layers, makeScope, type HostVars } from './scope.js';
import { isOmit } from './jinja/index.js';
import { sudo } from './sudo.js';
import { evaluate, renderDeep, renderString, type Scope } from './template.js';
import { tracked } from './unknown.js';

export type ResolveHost = Pick<HostContext, 'hv' | 'host'>;

export interface ResolvedTask {
  task: TaskDef;
  mod: Module<unknown>;
  hv: HostVars;
  // The loop variable ({} without a loop).
  extra: Record<string, unknown>;
  scope: Scope;
  // 'unknown': the condition cannot be evaluated (see `error`, `unknownFrom`).
  when: boolean | 'unknown';
  // Rendered and validated; set only when `when` is true and nothing failed.
  args?: unknown;
  // A template or argument error: the run fails the task with it.
  error?: unknown;
  // Tasks whose check-mode unknown results the condition or arguments read.
  unknownFrom: string[];
  // Every variable read while resolving (also inside other variables' templates).
  reads: Set<string>;
  become: boolean;
  readOnly: boolean;
  noLog: boolean;
  // The facts the task will read; a read-only command's own probe only when it may run ahead.
  probes: Probe<unknown>[];
}

// A task that declares it only reads the host (changed_when: false,
// check_mode: false): its command may run in the batched fact probe. Not with
// no_log, so that its output stays out of the batch's -vv listing.
export function isReadOnly(task: TaskDef): boolean {
  return task.checkMode === false && (task.changedWhen === false || task.changedWhen === 'false') && !task.noLog;
}

export interface ResolvedLoop {
  // Absent without a loop, or when the list could not be rendered.
  items?: unknown[];
  error?: unknown;
  unknownFrom: string[];
  reads: Set<string>;
}

export function resolveLoop(host: ResolveHost, task: TaskDef): ResolvedLoop {
  const reads = new Set<string>();
  if (task.loop === undefined) return { unknownFrom: [], reads };
  const scope = makeScope(layers(host.hv, task), { onRead: (n) => reads.add(n) });
  const loop = task.loop;
  const t = tracked(() => (typeof loop === 'string' ? renderString(loop, scope) : renderDeep(loop, scope)));
  if (t.unknownFrom.length) return { unknownFrom: t.unknownFrom, reads };
  if (!t.ok) return { error: t.error, unknownFrom: [], reads };
  if (!Array.isArray(t.value)) return { error: new Error(`loop must be a list, got ${JSON.stringify(t.value)}`), unknownFrom: [], reads };
  return { items: t.value, unknownFrom: [], reads };
}

// Each argument renders on its own, so that a task whose one argument is not
// known yet still names its other facts for the prefetch. Condition
// arguments (assert's `that`) evaluate to booleans, as `when` does.
function renderArgs(mod: Module<unknown>, task: TaskDef, scope: Scope): { partial: unknown; complete: boolean; error?: unknown; unknownFrom: string[] } {
  const raw = task.args as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    const t = tracked(() => renderDeep(raw, scope));
    return { partial: t.value, complete: t.ok && !t.unknownFrom.length, error: t.error, unknownFrom: t.unknownFrom };
  }
  const out: Record<string, unknown> = {};
  const unknownFrom = new Set<string>();
  let complete = true;
  let error: unknown;
  for (const [k, v] of Object.entries(raw)) {
    const condition = mod.conditionArgs?.includes(k);
    const t = tracked(() => (condition ? (Array.isArray(v) ? v.map((x) => evaluate(x, scope)) : evaluate(v, scope)) : renderDeep(v, scope)));
    t.unknownFrom.forEach((f) => unknownFrom.add(f));
    // An argument that renders to `omit` is left out, as in Ansible.
    if (t.ok && !t.unknownFrom.length) {
      if (!isOmit(t.value)) out[k] = t.value;
    }
    else complete = false;
    if (!t.ok && error === undefined) error = t.error;
  }
  return { partial: out, complete, error, unknownFrom: [...unknownFrom] };
}

export interface ResolveOptions {
  // The loop item (absent without a loop).
  item?: { value: unknown };
  // Variables that a task before this one (in the stretch being prefetched)
  // sets: a read-only command reading one cannot run ahead of its turn.
  changeable?: ReadonlySet<string>;
  // Variables the task's loop read (they count as the item's own reads).
  loopReads?: ReadonlySet<string>;
}

export function resolve(host: ResolveHost, task: TaskDef, opts: ResolveOptions = {}): ResolvedTask {
  const mod = getModule(task.module)!;
  const extra = opts.item ? { [task.loopVar]: opts.item.value } : {};
  const reads = new Set<string>(opts.loopReads ?? []);
  const scope = makeScope(layers(host.hv, task, extra), { onRead: (n) => reads.add(n) });
  const base = { task, mod, hv: host.hv, extra, scope, reads, become: sudo({ kind: 'task', task, play: host.hv.play }), readOnly: isReadOnly(task), noLog: task.noLog, probes: [], unknownFrom: [] };
  const cond = tracked(() => task.when.every((w) => evaluate(w, scope)));
  if (cond.ok && !cond.unknownFrom.length && !cond.value) return { ...base, when: false };
  // A condition not known yet (it reads a later result) still lets the
  // arguments name their facts for the prefetch; the run never gets here so.
  const when = cond.ok && !cond.unknownFrom.length ? true : 'unknown';
  const r = renderArgs(mod, task, scope);
  let args: unknown;
  let error = r.unknownFrom.length ? undefined : r.error;
  if (r.complete) {
    const checked = validateArgs(mod.args, r.partial, { module: task.module });
    if (checked.ok) args = checked.value;
    else error = new ArgsError(checked.message);
  }
  // A read-only command runs ahead of its turn only when the run would run it
  // exactly so: condition true, arguments complete, nothing read that an
  // earlier task of the stretch can still change, and not `run_once` (only
  // the batch's first host runs it, after every host reached it).
  const ahead = when === true && !task.runOnce && args !== undefined && ![...reads].some((n) => opts.changeable?.has(n));
  let probes: Probe<unknown>[] = [];
  if (mod.probes) {
    try {
      probes = mod.probes(args ?? r.partial, { host: host.host, vars: scope as Record<string, unknown>, readOnly: base.readOnly && ahead, become: base.become });
    } catch {
      // Arguments too incomplete to name their facts: the task reads them at its turn.
    }
  }
  if (when !== true) return { ...base, when, error: cond.unknownFrom.length ? undefined : cond.error, unknownFrom: cond.unknownFrom, probes };
  return { ...base, when, args: error === undefined && !r.unknownFrom.length ? args : undefined, error, unknownFrom: r.unknownFrom, probes };
}

// The item's scope plus the task's own result (`register` name and `result`),
// for until / changed_when / failed_when.
export function childScope(r: ResolvedTask, vars: Record<string, unknown>): Scope {
  return makeScope(layers(r.hv, r.task, { ...r.extra, ...vars }));
}

// An argument that does not fit the module's schema after rendering.
export class ArgsError extends Error {}

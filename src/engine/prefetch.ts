// Before running a stretch of tasks, collect the facts they will read and
// fetch them in one remote execution. Tasks whose arguments cannot be
// rendered yet (they use a later result) are simply left to fetch on demand.
import type { TaskDef } from '../config/types.js';
import { getModule } from '../modules/index.js';
import type { Probe } from '../facts/probe.js';
import type { HostContext } from './context.js';
import { layers, makeScope } from './scope.js';
import { isReadOnly, loopItems, taskBecome } from './task-runner.js';
import { evaluate, renderDeep, type Scope } from './template.js';

// Renders each argument on its own; one that cannot be rendered yet (it uses
// a fact or a later result) is left out, since probes rarely depend on it.
function lenientArgs(raw: unknown, scope: Scope): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return renderDeep(raw, scope);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    try {
      out[k] = renderDeep(v, scope);
    } catch {
      // left out
    }
  }
  return out;
}

// A task that will be skipped reads no facts. A condition that cannot be
// evaluated yet is "unknown".
function whenValue(conditions: unknown[], scope: Scope): boolean | undefined {
  try {
    return conditions.every((w) => evaluate(w, scope));
  } catch {
    return undefined;
  }
}

// `extra`: probes the engine itself needs read in the same batch.
export async function prefetch(ctx: HostContext, tasks: TaskDef[], extra: Probe<unknown>[] = []): Promise<void> {
  const probes: Probe<unknown>[] = [...extra];
  for (const task of tasks) {
    const mod = getModule(task.module);
    if (!mod?.probes) continue;
    // A read-only command runs in the batch only where the real run would
    // run it: its condition known true and its arguments complete.
    const readOnly = isReadOnly(task);
    const become = taskBecome(task, ctx.hv);
    try {
      const scope = makeScope(layers(ctx.hv, task));
      const items = loopItems(task, scope) ?? [undefined];
      for (const item of items) {
        const s = item === undefined ? scope : makeScope(layers(ctx.hv, task, { [task.loopVar]: item }));
        const when = whenValue(task.when, s);
        if (when === false || (readOnly && when === undefined)) continue;
        const parsed = mod.args.safeParse(lenientArgs(task.args, s));
        if (readOnly && !parsed.success) continue;
        const args = parsed.success ? parsed.data : lenientArgs(task.args, s);
        const read = mod.probes(args as never, { host: ctx.host, vars: s as Record<string, unknown>, readOnly, become });
        // What a no_log task reads (a file's content) stays out of the batch's -vv output.
        probes.push(...(task.noLog ? read.map((p) => ({ ...p, secret: true })) : read));
      }
    } catch {
      // Not renderable yet: the task fetches its own facts when it runs.
    }
  }
  await ctx.cache.prefetch(probes);
}

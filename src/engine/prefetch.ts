// Before running a stretch of tasks, collect the facts they will read and
// fetch them in one remote execution. Tasks whose arguments cannot be
// rendered yet (they use a later result) are simply left to fetch on demand.
import type { TaskDef } from '../config/types.js';
import { getModule } from '../modules/index.js';
import type { Probe } from '../facts/probe.js';
import type { HostContext } from './context.js';
import { layers, makeScope } from './scope.js';
import { loopItems } from './task-runner.js';
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

// A task that will be skipped reads no facts; a condition that cannot be evaluated yet counts as true.
function whenFalse(conditions: unknown[], scope: Scope): boolean {
  try {
    return !conditions.every((w) => evaluate(w, scope));
  } catch {
    return false;
  }
}

export async function prefetch(ctx: HostContext, tasks: TaskDef[], extra: Probe<unknown>[] = []): Promise<void> {
  const probes: Probe<unknown>[] = [...extra];
  for (const task of tasks) {
    const mod = getModule(task.module);
    if (!mod?.probes) continue;
    try {
      const scope = makeScope(layers(ctx.hv, task));
      const items = loopItems(task, scope) ?? [undefined];
      for (const item of items) {
        const s = item === undefined ? scope : makeScope(layers(ctx.hv, task, { [task.loopVar]: item }));
        if (whenFalse(task.when, s)) continue;
        const parsed = mod.args.safeParse(lenientArgs(task.args, s));
        const args = parsed.success ? parsed.data : lenientArgs(task.args, s);
        probes.push(...mod.probes(args as never, { host: ctx.host, vars: s as Record<string, unknown> }));
      }
    } catch {
      // Not renderable yet: the task fetches its own facts when it runs.
    }
  }
  await ctx.cache.prefetch(probes);
}

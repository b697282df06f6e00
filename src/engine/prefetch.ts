// Before running a stretch of tasks, collect the facts they will read and
// fetch them in one remote execution. The probes come from resolve(), the
// same step the run uses at each task's turn; a task that cannot be resolved
// yet (it uses a later result) fetches its own facts when it runs.
import type { TaskDef } from '../config/types.js';
import type { Probe } from '../facts/probe.js';
import { getModule } from '../modules/index.js';
import type { HostContext } from './context.js';
import { setsVars } from './record.js';
import { resolve, resolveLoop } from './resolve.js';

// `extra`: probes the engine itself needs read in the same batch.
export async function prefetch(ctx: HostContext, tasks: TaskDef[], extra: Probe<unknown>[] = []): Promise<void> {
  const probes: Probe<unknown>[] = [...extra];
  // What an earlier task of the stretch may still change before a later
  // task's turn; other hosts can change hostvars at any time.
  const changeable = new Set<string>(['hostvars']);
  for (const task of tasks) {
    if (getModule(task.module)?.probes) {
      const loop = resolveLoop(ctx, task);
      const items = task.loop === undefined ? [undefined] : (loop.items ?? []).map((value) => ({ value }));
      for (const item of items) {
        const read = resolve(ctx, task, { item, changeable, loopReads: loop.reads }).probes;
        // What a no_log task reads (a file's content) stays out of the batch's -vv output.
        probes.push(...(task.noLog ? read.map((p) => ({ ...p, secret: true })) : read));
      }
    }
    for (const name of setsVars(task)) changeable.add(name);
  }
  await ctx.cache.prefetch(probes);
}

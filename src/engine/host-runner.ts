// Runs one play on one host: tasks in order (facts prefetched in batches),
// then the notified handlers once.
import type { Play, TaskDef } from '../config/types.js';
import { systemProbe } from '../facts/system.js';
import type { HostContext } from './context.js';
import type { Barriers } from './barrier.js';
import { prefetch } from './prefetch.js';
import { runTask } from './task-runner.js';
import { ProbeError } from '../facts/probe.js';
import type { TaskResult } from './events.js';

function failTask(ctx: HostContext, task: TaskDef, msg: string): void {
  const r: TaskResult = { host: ctx.host.name, play: ctx.hv.play.name, role: task.role?.name, task: task.name, status: 'failed', changes: [], msg, durationMs: 0 };
  ctx.results.push(r);
  ctx.bus.emit('task:end', r);
}

export function selected(task: TaskDef, tags: string[], skip: string[]): boolean {
  if (task.tags.includes('always')) return !skip.includes('always');
  if (skip.some((t) => task.tags.includes(t))) return false;
  return tags.length === 0 || tags.some((t) => t === 'all' || task.tags.includes(t));
}

export function usesFacts(play: Play): boolean {
  return /\bfacts\b/.test(JSON.stringify([play.tasks.map((t) => [t.args, t.when, t.loop]), play.handlers.map((t) => [t.args, t.when]), play.vars])) || play.roles.length > 0;
}

// Returns false when the host failed (a task failed without ignore_errors).
export async function runHostPlay(ctx: HostContext, play: Play, barriers: Barriers): Promise<boolean> {
  const tasks = play.tasks.filter((t) => selected(t, ctx.options.tags, ctx.options.skipTags));
  const wantFacts = usesFacts(play);
  let index = 0;
  let ok = true;
  let fetchedAt = -1;
  try {
    for (; index < tasks.length; index++) {
      if (ctx.options.stopping()) return ok;
      const task = tasks[index];
      if (task.barrier) await barriers.arrive(index, ctx.host.name);
      try {
        // Facts first, as the login user (no sudo, a tiny script), so that
        // the batch below can render every task that uses them.
        if (wantFacts && !ctx.hv.facts) {
          ctx.bus.emit('host:phase', { host: ctx.host.name, play: ctx.hv.play.name, phase: 'gathering facts' });
          await ctx.cache.prefetch([systemProbe], { become: false });
          ctx.hv.facts = await ctx.cache.get(systemProbe);
        }
        if (fetchedAt !== ctx.cache.epoch) {
          await prefetch(ctx, tasks.slice(index));
          fetchedAt = ctx.cache.epoch;
        }
      } catch (err) {
        if (!(err instanceof ProbeError)) throw err;
        failTask(ctx, task, err.message);
        return (ok = false);
      }
      const [cache, epoch] = [ctx.cache, ctx.cache.epoch];
      const r = await runTask(ctx, task);
      if (ctx.cache === cache && ctx.cache.epoch !== epoch) {
        // Facts are re-read only after a task that reported a change.
        if (r.status === 'ok') {
          ctx.cache.keepStale();
          fetchedAt = ctx.cache.epoch;
        } else ctx.cache.dropStale();
      }
      // A registered result can make later tasks' facts known: fetch what is missing in one go.
      if (task.register) fetchedAt = -1;
      if (r.status === 'failed' && !task.ignoreErrors) {
        ok = false;
        return ok;
      }
    }
    const handlers = play.handlers.filter((h) => ctx.notified.has(h.name) || h.listen.some((l) => ctx.notified.has(l)));
    for (const h of handlers) {
      if (ctx.options.stopping()) return ok;
      const r = await runTask(ctx, h, { handler: true });
      if (r.status === 'failed' && !h.ignoreErrors) return (ok = false);
    }
    return ok;
  } finally {
    barriers.leave(ctx.host.name);
  }
}

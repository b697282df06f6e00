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
import { clearPending, pendingProbe, recordPending } from './pending-handlers.js';
import { setsVars } from './record.js';
import { sudo } from './sudo.js';

// A result the host-runner decides itself (no module ran): recorded and reported like any other.
function settle(ctx: HostContext, r: TaskResult): TaskResult {
  ctx.results.push(r);
  ctx.bus.emit('task:end', r);
  return r;
}

function failTask(ctx: HostContext, task: TaskDef, msg: string): void {
  settle(ctx, { host: ctx.host.name, play: ctx.hv.play.name, role: task.role?.name, task: task.name, status: 'failed', changes: [], msg, durationMs: 0 });
}

// run_once (as in Ansible): every host of the batch waits at the task, the
// first runs it, and the others take what it registered or set; they report
// it skipped, or failed when it failed there.
async function runOnce(ctx: HostContext, task: TaskDef, index: number, barriers: Barriers): Promise<TaskResult> {
  if (barriers.leader(index) === ctx.host.name) {
    let assigned: Record<string, unknown> = {};
    try {
      const r = await runTask(ctx, task, { onAssign: (vars) => (assigned = vars) });
      barriers.share(index, { host: ctx.host.name, status: r.status, ignored: r.ignored, assigned });
      return r;
    } catch (err) {
      barriers.share(index, { host: ctx.host.name, status: 'unreachable', assigned });
      throw err;
    }
  }
  const once = await barriers.outcome(index);
  Object.assign(ctx.hv.registered, once.assigned);
  const failed = (once.status === 'failed' && !once.ignored) || once.status === 'unreachable';
  const r: TaskResult = {
    host: ctx.host.name, play: ctx.hv.play.name, role: task.role?.name, task: task.name, module: task.module,
    status: failed ? 'failed' : 'skipped', changes: [], msg: `run_once: ${failed ? 'failed' : 'ran'} on "${once.host}"`, durationMs: 0,
  };
  ctx.bus.emit('task:start', { host: r.host, play: r.play, role: r.role, task: r.task });
  return settle(ctx, r);
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
  const pending = pendingProbe(play);
  // Handlers recorded on the host: by an earlier run that stopped before running them, or by this run.
  let recorded = false;
  let fetchedAt = -1;
  try {
    for (let index = 0; index < tasks.length; index++) {
      if (ctx.options.stopping()) return true;
      const task = tasks[index];
      if (task.barrier || task.runOnce) await barriers.arrive(index, ctx.host.name);
      try {
        // Facts first, as the login user (no sudo, a tiny script), so that
        // the batch below can render every task that uses them.
        if (wantFacts && !ctx.hv.facts) {
          ctx.bus.emit('host:phase', { host: ctx.host.name, play: ctx.hv.play.name, phase: 'gathering facts' });
          await ctx.cache.prefetch([systemProbe], { sudo: sudo({ kind: 'host-facts' }) });
          ctx.hv.facts = await ctx.cache.get(systemProbe);
        }
        if (fetchedAt !== ctx.cache.epoch) {
          await prefetch(ctx, tasks.slice(index), index === 0 ? [pending] : []);
          fetchedAt = ctx.cache.epoch;
        }
        if (index === 0) recorded = takePending(ctx, await ctx.cache.get(pending));
      } catch (err) {
        if (!(err instanceof ProbeError)) throw err;
        failTask(ctx, task, err.message);
        return false;
      }
      // meta: flush_handlers runs what was notified so far, here, as Ansible does.
      if (isFlush(task)) {
        ctx.remote.taskStarts();
        const flushed = await runHandlers(ctx, play, recorded);
        ctx.remote.taskDone('changed');
        if (!flushed) return false;
        ctx.notified.clear();
        ctx.maybeNotified.clear();
        recorded = false;
        continue;
      }
      ctx.remote.taskStarts();
      const r = task.runOnce ? await runOnce(ctx, task, index, barriers) : await runTask(ctx, task);
      if (r.status === 'changed' && task.notify.length > 0 && !ctx.options.check) {
        await recordPending(ctx, task.notify);
        recorded = true;
      }
      // Facts are re-read only after a task that reported a change.
      if (ctx.remote.taskDone(r.status)) fetchedAt = ctx.cache.epoch;
      // A registered result or a set_fact can make later tasks' facts known
      // (and let a read-only command run ahead): fetch what is missing in one go.
      if (setsVars(task).length) fetchedAt = -1;
      if (r.status === 'failed' && !task.ignoreErrors) {
        // As Ansible's --force-handlers: what was notified still runs.
        if (ctx.options.forceHandlers || play.forceHandlers) await runHandlers(ctx, play, recorded);
        return false;
      }
    }
    return await runHandlers(ctx, play, recorded);
  } finally {
    barriers.leave(ctx.host.name);
  }
}

const isFlush = (t: TaskDef) => t.module === 'meta' && (t.args as { free_form?: unknown })?.free_form === 'flush_handlers';

// Handlers an earlier run notified and never ran join this run's, and the user is told.
function takePending(ctx: HostContext, names: string[]): boolean {
  if (names.length === 0) return false;
  for (const n of names) ctx.notified.add(n);
  ctx.bus.emit('warning', {
    host: ctx.host.name,
    message: `Handler(s) ${names.map((n) => `"${n}"`).join(', ')} were notified by an earlier run that stopped before running them: ${ctx.options.check ? 'they would run now' : 'running them at the end of this play'}`,
  });
  return true;
}

// The notified handlers, once each, in the order the play defines them. The
// record on the host goes only when every one of them ran.
// In check mode a handler notified only by tasks whose outcome is unknown is reported unknown.
async function runHandlers(ctx: HostContext, play: Play, recorded: boolean): Promise<boolean> {
  const notified = (set: Set<string>, h: TaskDef) => set.has(h.name) || h.listen.some((l) => set.has(l));
  const handlers = play.handlers.filter((h) => notified(ctx.notified, h) || notified(ctx.maybeNotified, h));
  for (const h of handlers) {
    if (ctx.options.stopping()) return true;
    const r = await runTask(ctx, h, { handler: true, uncertain: !notified(ctx.notified, h) });
    if (r.status === 'failed' && !h.ignoreErrors) return false;
  }
  if (recorded && !ctx.options.check) await clearPending(ctx);
  return true;
}

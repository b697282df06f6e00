// Applies a task's planned changes on the host: remote steps in one
// execution, controller-side actions in order, and the lockout guard around
// any change that can cut SSH access.
import { TaskError, errorMessage } from '../errors.js';
import type { ActionContext, Change, Step } from '../modules/types.js';
import type { ExecResult } from '../transport/types.js';
import type { HostContext } from './context.js';
import { stepsLabel, stepsScript } from './apply.js';
import { armGuard, mergeGuards } from './guard.js';

export async function applyChanges(ctx: HostContext, changes: Change[], become: boolean): Promise<ExecResult[]> {
  const guards = changes.map((c) => c.guard).filter((g) => g !== undefined);
  const steps = changes.flatMap((c) => c.steps);
  try {
    if (guards.length) return await guarded(ctx, steps, mergeGuards(guards));
    return await runSteps(ctx, steps, become);
  } finally {
    ctx.cache.invalidate();
  }
}

export function actionContext(ctx: HostContext): ActionContext {
  return {
    host: { name: ctx.host.name, address: ctx.host.address, port: ctx.host.port, user: ctx.host.user },
    exec: (script, opts) => ctx.transport.exec(script, { become: opts?.become }),
    freshLogin: async (opts) => {
      ctx.guardLogins += 1;
      const t = await ctx.openFresh(opts?.timeoutMs);
      try {
        const r = await t.exec('true');
        if (r.failed) throw new Error(`a fresh login ran "true" with exit ${r.exitCode}`);
      } finally {
        await t.close();
      }
    },
    reconnect: (opts) => ctx.reconnect(opts?.timeoutMs),
  };
}

async function runSteps(ctx: HostContext, steps: Step[], become: boolean, prefix = ''): Promise<ExecResult[]> {
  const results: ExecResult[] = [];
  let batch: Step[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const r = await ctx.transport.exec(prefix + stepsScript(batch), { become, label: stepsLabel(batch), secret: batch.some((s) => s.kind === 'write' && s.secret) });
    prefix = '';
    batch = [];
    results.push(r);
    if (r.failed) throw new StepFailed(r);
  };
  try {
    for (const s of steps) {
      if (s.kind !== 'action') {
        batch.push(s);
        continue;
      }
      await flush();
      const r = await s.run(actionContext(ctx));
      if (r) results.push(r);
    }
    await flush();
  } catch (err) {
    if (err instanceof StepFailed) return results;
    throw err;
  }
  return results;
}

class StepFailed extends Error {
  constructor(readonly result: ExecResult) {
    super('step failed');
  }
}

// The guard needs root whatever the task says: it saves system files and arms a systemd timer.
async function guarded(ctx: HostContext, steps: Step[], guard: ReturnType<typeof mergeGuards>): Promise<ExecResult[]> {
  const armed = armGuard(guard);
  // Arm and apply in one execution where the first step is remote: the timer is
  // in place before anything changes. A leading controller action arms first.
  let prefix = `${armed.armScript}\n`;
  if (steps[0]?.kind === 'action') {
    const r = await ctx.transport.exec(armed.armScript, { become: true, label: 'arm rollback timer' });
    if (r.failed) throw new TaskError(`Cannot arm the rollback timer on "${ctx.host.name}": ${r.stderr.trim()}`, { host: ctx.host.name });
    prefix = '';
  }
  const results = await runSteps(ctx, steps, true, prefix);
  const last = results[results.length - 1];
  if (last?.failed) {
    await ctx.transport.exec(armed.restoreNowScript, { become: true });
    return results;
  }
  try {
    await actionContext(ctx).freshLogin({ timeoutMs: 15000 });
  } catch (err) {
    await ctx.transport.exec(armed.restoreNowScript, { become: true }).catch(() => undefined);
    throw new TaskError(`Refused a change that would lock "${ctx.host.name}" out (${guard.risk}): a fresh SSH login failed after applying it (${errorMessage(err)}); the previous state was restored`, { host: ctx.host.name });
  }
  await ctx.transport.exec(armed.disarmScript, { become: true });
  return results;
}

// Runs planned steps: remote steps batched into one execution each stretch,
// controller-side actions (wait for a login, reboot) in between.
import type { ActionContext, Step } from '../modules/types.js';
import type { ExecResult } from '../transport/types.js';
import { stepsLabel, stepsScript } from './script.js';
import type { HostContext } from './context.js';

export function actionContext(ctx: HostContext): ActionContext {
  return {
    host: { name: ctx.host.name, address: ctx.host.address, port: ctx.host.port, user: ctx.host.user },
    exec: (script, opts) => ctx.transport.exec(script, { become: opts?.become }),
    freshLogin: async (opts) => {
      ctx.guardLogins += 1;
      const t = await ctx.openFresh(opts?.timeoutMs);
      try {
        const r = await t.exec('true');
        if (r.failed) throw new Error(`a fresh login ran "true" with exit ${r.exitCode}${r.stderr.trim() ? ` (${r.stderr.trim()})` : ''}`);
      } finally {
        await t.close();
      }
    },
    reconnect: (opts) => ctx.reconnect(opts?.timeoutMs),
  };
}

// Remote steps in as few executions as possible, controller actions in
// between. `prefix` runs in the first execution, before the first step (the
// guard's arming); the results end at the first failure.
export async function runSteps(ctx: HostContext, steps: Step[], opts: { become: boolean; prefix?: string }): Promise<ExecResult[]> {
  const results: ExecResult[] = [];
  let prefix = opts.prefix ?? '';
  let batch: Step[] = [];
  const flush = async (): Promise<boolean> => {
    if (!batch.length) return true;
    const r = await ctx.transport.exec(prefix + stepsScript(batch), { become: opts.become, label: stepsLabel(batch), secret: batch.some((s) => s.kind === 'write' && s.secret) });
    prefix = '';
    batch = [];
    results.push(r);
    return !r.failed;
  };
  for (const s of steps) {
    if (s.kind !== 'action') {
      batch.push(s);
      continue;
    }
    if (!(await flush())) return results;
    const r = await s.run(actionContext(ctx));
    if (r) results.push(r);
  }
  await flush();
  return results;
}

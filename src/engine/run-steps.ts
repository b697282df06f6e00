// Runs planned steps: remote steps (write, exec) batched into one execution
// each stretch, the controller-side kinds (login-check, reboot; steps/) in between.
import type { Step } from '../modules/types.js';
import type { ExecResult } from '../transport/types.js';
import { isRemote, stepsLabel, stepsScript, type RemoteStep } from './script.js';
import type { HostContext } from './context.js';
import type { ControllerHost } from './steps/controller.js';
import { loginCheck } from './steps/login-check.js';
import { reboot } from './steps/reboot.js';

// What the controller-side steps use: the host's RemoteHost (engine/host.ts).
export function actionContext(ctx: HostContext): ControllerHost {
  const { remote } = ctx;
  return {
    host: remote.info,
    exec: (script, opts) => remote.exec(script, { become: opts?.become }),
    freshLogin: (opts) => remote.freshLogin(opts),
    reconnect: (opts) => remote.reconnect(opts),
  };
}

// Remote steps in as few executions as possible, controller actions in
// between. `prefix` runs in the first execution, before the first step (the
// guard's arming); the results end at the first failure.
export async function runSteps(ctx: HostContext, steps: Step[], opts: { become: boolean; prefix?: string }): Promise<ExecResult[]> {
  const results: ExecResult[] = [];
  let prefix = opts.prefix ?? '';
  let batch: RemoteStep[] = [];
  const flush = async (): Promise<boolean> => {
    if (!batch.length) return true;
    const r = await ctx.transport.exec(prefix + stepsScript(batch), { become: opts.become, label: stepsLabel(batch), secret: batch.some((s) => s.kind === 'write' && s.secret) });
    prefix = '';
    batch = [];
    results.push(r);
    return !r.failed;
  };
  for (const s of steps) {
    if (isRemote(s)) {
      batch.push(s);
      continue;
    }
    if (!(await flush())) return results;
    results.push(s.kind === 'reboot' ? await reboot(actionContext(ctx), s, { become: opts.become }) : await loginCheck(actionContext(ctx), s));
  }
  await flush();
  return results;
}

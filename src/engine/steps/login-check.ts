// The login-check step (wait_for_connection): fresh logins until one works,
// then the run's own connection is made to work too.
import { errorMessage } from '../../errors.js';
import type { LoginCheckStep } from '../../modules/types.js';
import type { ExecResult } from '../../transport/types.js';
import { done, sleep, type ControllerHost } from './controller.js';

export async function loginCheck(actx: ControllerHost, a: LoginCheckStep): Promise<ExecResult> {
  const started = Date.now();
  await sleep(a.delayS * 1000);
  const deadline = started + (a.delayS + a.timeoutS) * 1000;
  let last = 'no login was tried';
  let tries = 0;
  while (Date.now() < deadline) {
    tries += 1;
    const timeoutMs = Math.max(1000, Math.min(a.connectTimeoutS * 1000, deadline - Date.now()));
    try {
      await actx.freshLogin({ timeoutMs });
      try {
        const r = await actx.exec('true');
        if (r.failed) throw new Error(`"true" exited ${r.exitCode}`);
      } catch {
        await actx.reconnect({ timeoutMs });
      }
      return done('wait_for_connection', { started, stdout: `a fresh login worked after ${tries} attempt(s)` });
    } catch (err) {
      last = errorMessage(err);
      await sleep(Math.min(a.sleepS * 1000, deadline - Date.now()));
    }
  }
  throw new Error(`Cannot log in to "${actx.host.name}" within ${a.timeoutS} s: ${last}`);
}

// A change that can cut SSH access, applied under the lockout guard: arm the
// rollback (fail closed), apply, put the change into effect, prove that a
// brand-new SSH login works, then confirm. When the change or the login
// fails, restore at once through the old connection, and say what really
// happened: restored, already restored by the timer, or the restore failed.
import { errorMessage, TaskError } from '../errors.js';
import type { AccessGuard, Step } from '../modules/types.js';
import type { ExecResult } from '../transport/types.js';
import type { HostContext } from './context.js';
import { isRemote } from './script.js';
import { ALREADY_RAN, armGuard, type ArmedGuard } from './guard.js';
import { runSteps } from './run-steps.js';
import { sudo } from './sudo.js';

const FRESH_LOGIN_TIMEOUT_MS = 15_000;

// The guard runs as root whatever the task says (engine/sudo.ts).
export async function guarded(ctx: HostContext, o: { steps: Step[]; guard: AccessGuard; become: boolean }): Promise<ExecResult[]> {
  const { guard, become } = o;
  const host = ctx.host.name;
  let armed: ArmedGuard;
  try {
    armed = armGuard(guard);
  } catch (err) {
    throw new TaskError(errorMessage(err), { host });
  }
  const activate: Step[] = guard.activate ? [{ kind: 'exec', script: guard.activate, label: 'put the change into effect before the fresh login' }] : [];
  // Arm in the same execution as the first remote steps when those run as
  // root: the rollback is in place before anything changes. Otherwise arm first, alone.
  const together = become && o.steps[0] !== undefined && isRemote(o.steps[0]);
  if (!together) {
    const r = await ctx.transport.exec(armed.armScript, { become: sudo({ kind: 'guard' }), label: 'arm the rollback timer' });
    if (r.failed) throw armError(ctx, r, armed);
  }
  let results = await runSteps(ctx, become ? [...o.steps, ...activate] : o.steps, { become, prefix: together ? `${armed.armScript}\n` : '' });
  if (together && results[0]?.failed && results[0].stderr.includes(armed.armFailed)) throw armError(ctx, results[0], armed);
  if (!become && activate.length && !results[results.length - 1]?.failed) results = [...results, ...(await runSteps(ctx, activate, { become: sudo({ kind: 'guard' }) }))];

  const last = results[results.length - 1];
  if (last?.failed) {
    // The change itself failed (a validation, the reload): put everything back and keep its error.
    const note = await restoreNow(ctx, armed);
    return [...results.slice(0, -1), { ...last, stderr: `${last.stderr.trimEnd()}\nlockout guard: ${note}` }];
  }
  try {
    await ctx.remote.freshLogin({ timeoutMs: FRESH_LOGIN_TIMEOUT_MS });
  } catch (err) {
    const note = await restoreNow(ctx, armed);
    throw new TaskError(`Refused a change that would lock "${host}" out (${guard.risk}): a fresh SSH login failed after applying it (${errorMessage(err)}); ${note}`, { host });
  }
  const d = await ctx.transport.exec(armed.disarmScript, { become: sudo({ kind: 'guard' }), label: 'confirm the change (remove the rollback)' });
  if (d.exitCode === ALREADY_RAN) {
    throw new TaskError(`Cannot keep the change on "${host}": the rollback window (${armed.seconds} s) ran out before the fresh login confirmed it, and the rollback timer put the previous state back`, { host });
  }
  if (d.failed) {
    throw new TaskError(`Cannot confirm the change on "${host}": ${lastLines(d)}; the rollback timer restores the previous state ${armed.seconds} s after the change`, { host });
  }
  return results;
}

function armError(ctx: HostContext, r: ExecResult, armed: ArmedGuard): TaskError {
  const detail = lastLines({ ...r, stderr: r.stderr.split('\n').filter((l) => !l.includes(armed.armFailed)).join('\n') });
  return new TaskError(`Cannot arm the rollback timer on "${ctx.host.name}": ${detail || `exit ${r.exitCode}`}; nothing was changed`, { host: ctx.host.name });
}

// Restores through the run's connection; the words say what happened.
async function restoreNow(ctx: HostContext, armed: ArmedGuard): Promise<string> {
  let r: ExecResult;
  try {
    r = await ctx.transport.exec(armed.restoreNowScript, { become: sudo({ kind: 'guard' }), label: 'restore the previous state' });
  } catch (err) {
    return `restoring through the current connection failed (${errorMessage(err)}); the rollback timer restores the previous state ${armed.seconds} s after the change`;
  }
  if (r.exitCode === 0) return 'the previous state was restored';
  if (r.exitCode === ALREADY_RAN) return 'the rollback timer had already put the previous state back';
  return `restoring the previous state FAILED (exit ${r.exitCode}: ${lastLines(r)})`;
}

function lastLines(r: Pick<ExecResult, 'stderr' | 'stdout'>): string {
  return (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-4).join(' | ');
}

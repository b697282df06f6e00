// What the controller-side step kinds (login-check, reboot) may do with a
// host: run a script on the run's connection, open a fresh login, reconnect.
import type { HostInfo } from '../../modules/types.js';
import type { ExecResult } from '../../transport/types.js';

export interface ControllerHost {
  host: HostInfo;
  exec(script: string, opts?: { become?: boolean }): Promise<ExecResult>;
  // Opens a brand-new SSH connection with the inventory's credentials, runs `true`, closes it.
  freshLogin(opts?: { timeoutMs?: number }): Promise<void>;
  // Drops and re-opens the run's connection (after a reboot).
  reconnect(opts?: { timeoutMs?: number }): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

// Controller steps report success in the same result shape as remote steps.
export function done(command: string, { started, stdout }: { started: number; stdout: string }): ExecResult {
  return { command, exitCode: 0, stdout, stderr: '', durationMs: Date.now() - started, failed: false };
}

// wait_for_connection and reboot: controller-side steps that wait for the
// host. Both are actions, so check mode runs nothing: wait_for_connection
// only proves the current connection answers, reboot reports the change.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import type { Probe } from '../facts/probe.js';
import { quote, sh } from '../transport/quote.js';
import type { ExecResult } from '../transport/types.js';
import { defineModule, type ActionContext } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

// The kernel's boot id plus PID 1's start time: a container restarted in
// place of a reboot keeps the kernel (and its boot id) but not its PID 1.
export const BOOT_IDENTITY = `printf '%s %s\\n' "$(cat /proc/sys/kernel/random/boot_id)" "$(sed 's/.*) //' /proc/1/stat | cut -d' ' -f20)"`;

// A probe with a fresh key each time, so it is never answered from the cache.
function pingProbe(): Probe<boolean> {
  return { key: `ping:${randomBytes(6).toString('hex')}`, script: 'true', parse: (_out, code) => code === 0 };
}

// Actions report success in the same result shape as remote steps.
function done(command: string, { started, stdout }: { started: number; stdout: string }): ExecResult {
  return { command, exitCode: 0, stdout, stderr: '', durationMs: Date.now() - started, failed: false };
}

const waitArgs = z.strictObject({
  timeout: z.number().int().positive().default(300).describe('Seconds to keep trying before failing'),
  delay: z.number().int().nonnegative().default(0).describe('Seconds to wait before the first try'),
  sleep: z.number().positive().default(1).describe('Seconds between tries'),
  connect_timeout: z.number().int().positive().default(5).describe('Seconds one login may take'),
});

// Opens fresh logins until one works, then makes sure the run's own connection works too.
async function waitForLogin(actx: ActionContext, a: z.infer<typeof waitArgs>): Promise<ExecResult> {
  const started = Date.now();
  await sleep(a.delay * 1000);
  const deadline = started + (a.delay + a.timeout) * 1000;
  let last = 'no login was tried';
  let tries = 0;
  while (Date.now() < deadline) {
    tries += 1;
    const timeoutMs = Math.max(1000, Math.min(a.connect_timeout * 1000, deadline - Date.now()));
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
      await sleep(Math.min(a.sleep * 1000, deadline - Date.now()));
    }
  }
  throw new Error(`Cannot log in to "${actx.host.name}" within ${a.timeout} s: ${last}`);
}

export const waitForConnection = defineModule({
  name: 'wait_for_connection',
  description: 'Wait until a fresh SSH login to the host works',
  args: waitArgs,
  async plan(a, ctx) {
    // Check mode: only prove the current connection answers (a check, not a change).
    if (ctx.check) {
      await ctx.fact(pingProbe());
      return { changes: [], msg: 'the connection answers' };
    }
    return { changes: [{ summary: 'wait for a fresh SSH login', op: 'connection.wait', risk: 'none', steps: [{ kind: 'action', label: 'wait for a fresh SSH login', run: (actx) => waitForLogin(actx, a) }] }] };
  },
  result: (_a, results) => ({ elapsed: Math.round((results[results.length - 1]?.durationMs ?? 0) / 1000) }),
});

const rebootArgs = z.strictObject({
  reboot_timeout: z.number().int().positive().default(600).describe('Seconds to wait for the host to come back and finish booting'),
  msg: z.string().default('Reboot initiated by pirun').describe('Message broadcast to logged-in users'),
  pre_reboot_delay: z.number().int().nonnegative().default(0).describe('Seconds to wait before rebooting'),
  post_reboot_delay: z.number().int().nonnegative().default(0).describe('Seconds to wait after the host is back'),
});

// Prints the boot identity, then reboots 2 s later from a transient timer so this execution returns.
function scheduleScript(msg: string): string {
  return [
    BOOT_IDENTITY,
    'if command -v systemd-run >/dev/null 2>&1; then',
    sh`  systemd-run --quiet --on-active=2 --timer-property=AccuracySec=100ms systemctl reboot ${`--message=${msg}`}`,
    'else',
    sh`  nohup sh -c ${`sleep 2; shutdown -r now ${quote(msg)}`} >/dev/null 2>&1 &`,
    'fi',
  ].join('\n');
}

// Reboots, then reconnects until the boot identity differs and systemd has finished booting.
async function reboot(actx: ActionContext, { args: a, become }: { args: z.infer<typeof rebootArgs>; become: boolean }): Promise<ExecResult> {
  const started = Date.now();
  await sleep(a.pre_reboot_delay * 1000);
  const scheduled = await actx.exec(scheduleScript(a.msg), { become });
  const before = scheduled.stdout.split('\n')[0]?.trim() ?? '';
  if (scheduled.failed || !before) {
    throw new Error(`Cannot reboot "${actx.host.name}": scheduling the reboot failed (exit ${scheduled.exitCode}): ${scheduled.stderr.trim().split('\n').pop() ?? ''}`);
  }
  const deadline = Date.now() + a.reboot_timeout * 1000;
  let last = 'the host did not go down';
  let rebooted = false;
  await sleep(3000);
  while (Date.now() < deadline) {
    try {
      if (!rebooted) {
        await actx.reconnect({ timeoutMs: Math.max(1000, Math.min(15000, deadline - Date.now())) });
        const now = (await actx.exec(BOOT_IDENTITY)).stdout.trim();
        rebooted = now !== '' && now !== before;
        if (!rebooted) last = 'the host has not rebooted yet';
      }
      if (rebooted) {
        const state = (await actx.exec('systemctl is-system-running')).stdout.trim();
        if (state === 'running' || state === 'degraded') {
          await sleep(a.post_reboot_delay * 1000);
          return done('reboot', { started, stdout: `rebooted; systemd reports "${state}"` });
        }
        last = `the host is back but systemd reports "${state}"`;
      }
    } catch (err) {
      last = errorMessage(err);
      rebooted = false;
    }
    await sleep(Math.min(2000, deadline - Date.now()));
  }
  throw new Error(`Cannot reboot "${actx.host.name}": it was not back within ${a.reboot_timeout} s: ${last}`);
}

export const rebootModule = defineModule({
  name: 'reboot',
  description: 'Reboot the host and wait until it is back and booted (always a change; guard it with when:)',
  args: rebootArgs,
  async plan(a, ctx) {
    return { changes: [{ summary: 'reboot', op: 'connection.reboot', risk: 'service', steps: [{ kind: 'action', label: 'reboot and wait for the host', run: (actx) => reboot(actx, { args: a, become: ctx.become }) }] }] };
  },
  result: (_a, results) => ({ rebooted: true, elapsed: Math.round((results[results.length - 1]?.durationMs ?? 0) / 1000) }),
});

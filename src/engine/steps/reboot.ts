// The reboot step: schedule a reboot, then reconnect until the boot identity
// differs and systemd has finished booting.
import { errorMessage } from '../../errors.js';
import type { RebootStep } from '../../modules/types.js';
import { quote, sh } from '../../transport/quote.js';
import type { ExecResult } from '../../transport/types.js';
import { done, sleep, type ControllerHost } from './controller.js';

// The kernel's boot id plus PID 1's start time: a container restarted in
// place of a reboot keeps the kernel (and its boot id) but not its PID 1.
export const BOOT_IDENTITY = `printf '%s %s\\n' "$(cat /proc/sys/kernel/random/boot_id)" "$(sed 's/.*) //' /proc/1/stat | cut -d' ' -f20)"`;

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

export async function reboot(actx: ControllerHost, a: RebootStep, { become }: { become: boolean }): Promise<ExecResult> {
  const started = Date.now();
  await sleep(a.preDelayS * 1000);
  const scheduled = await actx.exec(scheduleScript(a.msg), { become });
  const before = scheduled.stdout.split('\n')[0]?.trim() ?? '';
  if (scheduled.failed || !before) {
    throw new Error(`Cannot reboot "${actx.host.name}": scheduling the reboot failed (exit ${scheduled.exitCode}): ${scheduled.stderr.trim().split('\n').pop() ?? ''}`);
  }
  const deadline = Date.now() + a.timeoutS * 1000;
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
          await sleep(a.postDelayS * 1000);
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
  throw new Error(`Cannot reboot "${actx.host.name}": it was not back within ${a.timeoutS} s: ${last}`);
}

// wait_for_connection and reboot: their plans are data steps that the engine
// carries out on the controller (engine/steps/). A reboot is always a change;
// wait_for_connection changes nothing on the host, so check mode only proves
// that the current connection answers (an engine rule, engine/check-rules.ts).
import { z } from 'zod';
import { defineModule } from './types.js';

const waitArgs = z.strictObject({
  timeout: z.number().int().positive().default(300).describe('Seconds to keep trying before failing'),
  delay: z.number().int().nonnegative().default(0).describe('Seconds to wait before the first try'),
  sleep: z.number().positive().default(1).describe('Seconds between tries'),
  connect_timeout: z.number().int().positive().default(5).describe('Seconds one login may take'),
});

export const waitForConnection = defineModule({
  name: 'wait_for_connection',
  description: 'Wait until a fresh SSH login to the host works',
  args: waitArgs,
  async plan(a) {
    const step = { kind: 'login-check', timeoutS: a.timeout, delayS: a.delay, sleepS: a.sleep, connectTimeoutS: a.connect_timeout } as const;
    return { changes: [{ summary: 'wait for a fresh SSH login', op: 'connection.wait', risk: 'none', steps: [step] }] };
  },
  result: (_a, results) => ({ elapsed: Math.round((results[results.length - 1]?.durationMs ?? 0) / 1000) }),
});

const rebootArgs = z.strictObject({
  reboot_timeout: z.number().int().positive().default(600).describe('Seconds to wait for the host to come back and finish booting'),
  msg: z.string().default('Reboot initiated by pirun').describe('Message broadcast to logged-in users'),
  pre_reboot_delay: z.number().int().nonnegative().default(0).describe('Seconds to wait before rebooting'),
  post_reboot_delay: z.number().int().nonnegative().default(0).describe('Seconds to wait after the host is back'),
});

export const rebootModule = defineModule({
  name: 'reboot',
  description: 'Reboot the host and wait until it is back and booted (always a change; guard it with when:)',
  args: rebootArgs,
  async plan(a) {
    const step = { kind: 'reboot', timeoutS: a.reboot_timeout, msg: a.msg, preDelayS: a.pre_reboot_delay, postDelayS: a.post_reboot_delay } as const;
    return { changes: [{ summary: 'reboot', op: 'connection.reboot', risk: 'service', steps: [step] }] };
  },
  result: (_a, results) => ({ rebooted: true, elapsed: Math.round((results[results.length - 1]?.durationMs ?? 0) / 1000) }),
});

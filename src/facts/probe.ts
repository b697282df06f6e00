// A fact is a small read-only probe: a shell snippet plus a parser. Probes
// are batched into one remote execution whose output is split by a nonce
// marker, so a role's facts cost one round trip.
import { randomBytes } from 'node:crypto';
import type { Transport } from '../transport/types.js';

export interface Probe<T> {
  // Identifies the probe in the per-host cache, e.g. "file:/etc/ssh/sshd_config".
  key: string;
  script: string;
  // Read as root when the task runs with become.
  become?: boolean;
  parse(stdout: string, exitCode: number): T;
}

export class ProbeError extends Error {}

// Runs probes in one execution. Probes that need root run in the same
// execution when `become` is set for the batch.
export async function runProbes(transport: Transport, probes: Probe<unknown>[], become: boolean): Promise<Map<string, unknown>> {
  const nonce = randomBytes(8).toString('hex');
  const parts = probes.map((p, i) => `( ${p.script}\n) 2>/dev/null; printf '\\n${nonce}:${i}:%s\\n' "$?"`);
  const result = await transport.exec(parts.join('\n'), { become, label: `probe ${probes.map((p) => p.key).join(', ')}` });
  const values = new Map<string, unknown>();
  const re = new RegExp(`\\n?${nonce}:(\\d+):(\\d+)\\n`, 'g');
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(result.stdout)) !== null) {
    const probe = probes[Number(m[1])];
    values.set(probe.key, probe.parse(result.stdout.slice(start, m.index), Number(m[2])));
    start = re.lastIndex;
  }
  if (values.size !== probes.length) {
    throw new ProbeError(`Cannot read facts on "${transport.host}": the probe ended early (exit ${result.exitCode}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
  }
  return values;
}

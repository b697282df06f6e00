// A fact is a small read-only probe: a shell snippet plus a parser. Probes
// are batched into one remote execution whose output is split by a nonce
// marker, so a role's facts cost one round trip.
import { randomBytes } from 'node:crypto';
import { TaskError } from '../errors.js';
import type { Transport } from '../transport/types.js';

export interface Probe<T> {
  // Identifies the probe in the per-host cache, e.g. "file:/etc/ssh/sshd_config".
  key: string;
  script: string;
  // Read as root when the task runs with become.
  become?: boolean;
  // Run exactly as `become` says (a command as the login user stays so): in a
  // batch of the other kind the probe gets an execution of its own.
  exact?: boolean;
  parse(stdout: string, exitCode: number): T;
  // Facts of simpler probes that this one read on the way (e.g. a user's
  // authorized_keys found through their home folder), cached beside it.
  also?(value: T): [Probe<unknown>, unknown][];
  // Probes of the same kind in one batch are read by one combined probe
  // (one `systemctl show` for every unit instead of one per unit).
  batch?: { kind: string; combine(members: Probe<unknown>[]): Probe<unknown> };
  // Read for a no_log task: its output (a file's content) must not reach -vv,
  // so the execution that reads it shows none.
  secret?: boolean;
}

// The host answered, but the probe could not run there (e.g. sudo refused).
export class ProbeError extends TaskError {}

// Turns sudo's refusals into a message that says what to do.
export function explainFailure(host: string, stderr: string): string | undefined {
  if (/a password is required|a terminal is required/.test(stderr)) return `Cannot become root on "${host}": sudo needs a password (pass --ask-become-pass / -K)`;
  if (/incorrect password|Sorry, try again/.test(stderr)) return `Cannot become root on "${host}": sudo refused the become password`;
  if (/is not in the sudoers file|not allowed to execute/.test(stderr)) return `Cannot become root on "${host}": the user may not use sudo`;
  return undefined;
}

// Scripts run one after another in one shell, each in a subshell (stderr
// dropped) followed by a marker line with its exit code; split() returns each
// script's output and exit code, undefined for those that never finished.
export function sections(scripts: string[]): { script: string; split(out: string): ({ out: string; code: number } | undefined)[] } {
  const nonce = randomBytes(8).toString('hex');
  return {
    script: scripts.map((s, i) => `( ${s}\n) 2>/dev/null; printf '\\n${nonce}:${i}:%s\\n' "$?"`).join('\n'),
    split(out) {
      const got: ({ out: string; code: number } | undefined)[] = scripts.map(() => undefined);
      const re = new RegExp(`\\n?${nonce}:(\\d+):(\\d+)\\n`, 'g');
      let start = 0;
      for (let m = re.exec(out); m !== null; m = re.exec(out)) {
        got[Number(m[1])] = { out: out.slice(start, m.index), code: Number(m[2]) };
        start = re.lastIndex;
      }
      return got;
    },
  };
}

// Runs probes in one execution. Probes that need root run in the same
// execution when `become` is set for the batch.
export async function runProbes(transport: Transport, probes: Probe<unknown>[], become: boolean): Promise<Map<string, unknown>> {
  const batch = sections(probes.map((p) => p.script));
  const result = await transport.exec(batch.script, { become, label: `probe ${probes.map((p) => p.key).join(', ')}`, secret: probes.some((p) => p.secret) });
  const values = new Map<string, unknown>();
  batch.split(result.stdout).forEach((part, i) => {
    if (part) values.set(probes[i].key, probes[i].parse(part.out, part.code));
  });
  if (values.size !== probes.length) {
    const why = explainFailure(transport.host, result.stderr);
    if (why) throw new ProbeError(why, { host: transport.host });
    throw new ProbeError(`Cannot read facts on "${transport.host}": the probe ended early (exit ${result.exitCode}): ${result.stderr.trim().split('\n').pop() ?? ''}`, { host: transport.host });
  }
  return values;
}

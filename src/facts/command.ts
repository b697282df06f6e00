// The output of a read-only command (a `command` / `shell` task with
// `changed_when: false` and `check_mode: false`) as a fact, so it joins the
// batched probe instead of costing an execution of its own. stdout, stderr
// and the exit code are kept apart, as a real run would report them.
import { createHash, randomBytes } from 'node:crypto';
import type { ExecResult } from '../transport/types.js';
import type { Probe } from './probe.js';

export function commandProbe(script: string, become: boolean, label: string): Probe<ExecResult> {
  const marker = `pirun-cmd-${randomBytes(6).toString('hex')}`;
  const id = createHash('sha256').update(`${become ? 'root' : 'user'}\n${script}`).digest('hex').slice(0, 16);
  return {
    key: `command:${id}`,
    become,
    exact: true,
    // stdout goes straight out (fd 3); stderr and then the exit code are captured and printed after it.
    script: [
      'exec 3>&1',
      `pirun_err=$( { ( ${script}\n) 2>&1 1>&3 3>&-; printf '\\n${marker} rc=%s' "$?"; } )`,
      `printf '\\n${marker} stderr\\n%s' "$pirun_err"`,
    ].join('\n'),
    parse(out) {
      const rcAt = out.lastIndexOf(`\n${marker} rc=`);
      const errAt = out.lastIndexOf(`\n${marker} stderr\n`);
      if (rcAt < 0 || errAt < 0 || errAt > rcAt) {
        return { command: label, exitCode: 255, stdout: out, stderr: 'pirun: the command\'s output could not be read', durationMs: 0, failed: true };
      }
      const exitCode = Number(out.slice(rcAt + marker.length + 5).trim());
      const stdout = out.slice(0, errAt);
      const stderr = out.slice(errAt + marker.length + 9, rcAt);
      return { command: label, exitCode, stdout, stderr, durationMs: 0, failed: exitCode !== 0 };
    },
  };
}

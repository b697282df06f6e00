// The one place that wraps a remote execution in privilege escalation.
// The script always travels on stdin as one brace group, so sudo is entered
// once per execution and commands inside never read the script as input.
import { randomBytes } from 'node:crypto';

export interface Invocation {
  command: string;
  // Marker that sudo prints as its password prompt (only with a password).
  promptMarker?: string;
  // Marker printed once the shell is ready to read the script.
  readyMarker?: string;
}

export function invocation(become: boolean, withPassword: boolean): Invocation {
  if (!become) return { command: 'sh -s' };
  if (!withPassword) return { command: 'sudo -n -- sh -s' };
  const nonce = randomBytes(6).toString('hex');
  const promptMarker = `[pirun-sudo-${nonce}]`;
  const readyMarker = `[pirun-ready-${nonce}]`;
  return {
    command: `sudo -S -p '${promptMarker}' -- sh -c 'echo "${readyMarker}" >&2; exec sh -s'`,
    promptMarker,
    readyMarker,
  };
}

export function wrapScript(script: string): string {
  return `{\n${script}\n} </dev/null\n`;
}

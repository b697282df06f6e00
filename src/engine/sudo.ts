// The sudo policy: the one place that decides whether a remote execution runs
// through sudo (transport/become.ts decides how). Every execution the engine
// starts asks here, by what it is:
//   - a task's steps and the facts only it reads: the task's `become`, else the play's;
//   - the engine's record of notified handlers: the play's `become` (the record
//     lives where the play acts: root's folder or the login user's);
//   - the lockout guard (arm, activate, confirm, restore): always, because it
//     saves system files and arms systemd units whatever the task says;
//   - the host facts read before the first task, and a fresh login's `true`: never;
//   - a batch of facts: through sudo when the play becomes or any probe must be
//     read as root; a probe that must run exactly as it says (a read-only
//     command of a task without become) gets an execution of its own.
import type { ProbeRun, ProbeRunner } from '../facts/cache.js';
import type { Probe } from '../facts/probe.js';

export type Execution =
  | { kind: 'task'; task: { become?: boolean }; play: { become: boolean } }
  | { kind: 'handler-record'; play: { become: boolean } }
  | { kind: 'guard' }
  | { kind: 'host-facts' }
  | { kind: 'login' };

export function sudo(e: Execution): boolean {
  switch (e.kind) {
    case 'task':
      return e.task.become ?? e.play.become;
    case 'handler-record':
      return e.play.become;
    case 'guard':
      return true;
    case 'host-facts':
    case 'login':
      return false;
  }
}

// The executions that read one batch of probes. `asked` is what the fetch
// asks for (the host facts: no sudo); otherwise the policy above decides.
export function probeRuns(probes: Probe<unknown>[], o: { play: { become: boolean }; asked?: boolean }): ProbeRun[] {
  const batch = o.asked ?? (o.play.become || probes.some((p) => p.become));
  const apart = probes.filter((p) => p.exact && !!p.become !== batch);
  const together = probes.filter((p) => !apart.includes(p));
  return [
    { sudo: batch, probes: together },
    { sudo: !batch, probes: apart },
  ].filter((r) => r.probes.length > 0);
}

// The fact cache's runner for a play (facts/cache.ts asks it for every fetch).
export function factSudo(play: { become: boolean }): ProbeRunner {
  return (probes, asked) => probeRuns(probes, { play, asked });
}

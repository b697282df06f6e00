// What a check run found, per host: the tasks that are not in the desired
// state (drift), the tasks whose outcome check mode cannot know (`unknown`:
// possible drift), the ones that failed, and the hosts that are fully
// compliant. Pure: the report writers and the terminal summary read this,
// from a report already masked by cli/mask.ts.
import type { RunReport, TaskResult } from '../engine/events.js';
import { renderDiff } from './format.js';

// `unknown`: no certain drift, but tasks whose outcome check mode cannot know.
export type HostStatus = 'compliant' | 'drifted' | 'unknown' | 'failed' | 'unreachable' | 'untouched';

export interface DriftItem {
  role: string | null;
  task: string;
  changes: { summary: string; diff: string | null }[];
  // Possible drift: check mode cannot know the outcome (the reason is in `reason`).
  unknown: boolean;
  reason: string | null;
}

export interface HostDrift {
  host: string;
  status: HostStatus;
  drift: DriftItem[];
  failures: { role: string | null; task: string; msg: string }[];
  // Every task with its outcome, for JUnit.
  tasks: { role: string | null; task: string; status: TaskResult['status']; msg: string | null; drift?: DriftItem }[];
}

export interface Drift {
  check: boolean;
  interrupted: boolean;
  hosts: HostDrift[];
  // Drifted tasks per role ("(play)" for tasks outside roles).
  perRole: Record<string, number>;
  compliant: string[];
}

const PLAY_TASKS = '(play)';

function driftItem(t: TaskResult): DriftItem {
  return {
    role: t.role ?? null,
    task: t.task,
    changes: t.changes.map((c) => ({ summary: c.summary, diff: c.diff ? renderDiff(c.diff) : null })),
    unknown: t.status === 'unknown',
    reason: t.status === 'unknown' && t.msg ? t.msg : null,
  };
}

function hostDrift(host: string, h: RunReport['hosts'][string]): HostDrift {
  const drift: DriftItem[] = [];
  const failures: HostDrift['failures'] = [];
  const tasks: HostDrift['tasks'] = [];
  for (const t of h.tasks) {
    const entry: HostDrift['tasks'][number] = { role: t.role ?? null, task: t.task, status: t.status, msg: t.msg ?? null };
    if (t.status === 'changed' || t.status === 'unknown') {
      entry.drift = driftItem(t);
      drift.push(entry.drift);
    } else if ((t.status === 'failed' && !t.ignored) || t.status === 'unreachable') {
      failures.push({ role: t.role ?? null, task: entry.task, msg: entry.msg ?? t.status });
    }
    tasks.push(entry);
  }
  const certain = drift.some((d) => !d.unknown);
  const status: HostStatus = h.untouched ? 'untouched' : h.unreachable ? 'unreachable' : failures.length ? 'failed' : certain ? 'drifted' : drift.length ? 'unknown' : 'compliant';
  return { host, status, drift, failures, tasks };
}

export function buildDrift(report: RunReport): Drift {
  const hosts = Object.entries(report.hosts).map(([name, h]) => hostDrift(name, h));
  const perRole: Record<string, number> = {};
  for (const h of hosts) for (const d of h.drift) perRole[d.role ?? PLAY_TASKS] = (perRole[d.role ?? PLAY_TASKS] ?? 0) + 1;
  return { check: report.check, interrupted: report.interrupted, hosts, perRole, compliant: hosts.filter((h) => h.status === 'compliant').map((h) => h.host) };
}

// The terminal summary after a check run: drift per host and per role, and who is compliant.
export function driftSummaryLines(report: RunReport): string[] {
  const d = buildDrift(report);
  const lines = ['DRIFT'];
  for (const h of d.hosts) {
    const would = h.drift.filter((i) => !i.unknown).length;
    const unknown = h.drift.length - would;
    const cannotKnow = unknown ? `${would ? ', ' : ': '}${unknown} task(s) check mode cannot know (possible drift)` : '';
    const detail = h.status === 'drifted' || h.status === 'unknown' ? `${would ? `: ${would} task(s) would change` : ''}${cannotKnow}` : h.status === 'failed' ? `: ${h.failures.length} task(s) failed` : '';
    lines.push(`  ${h.host} : ${h.status}${detail}`);
  }
  const roles = Object.entries(d.perRole);
  if (roles.length) lines.push(`  per role: ${roles.map(([r, n]) => `${r}=${n}`).join(', ')}`);
  lines.push(`  compliant: ${d.compliant.length ? d.compliant.join(', ') : 'none'} (${d.compliant.length}/${d.hosts.length})`);
  return lines;
}

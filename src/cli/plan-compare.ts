// Whether a host may apply a saved plan: the facts it was planned against
// must read the same now, and planning again must give the same changes
// (the same operations, paths, content hashes and scripts).
import { canonical } from './plan-file.js';
import type { PlanHost, PlanTask } from './plan-schema.js';

// What a probe key read, for people: "file:/etc/x" -> "/etc/x".
export function describeFact(key: string): string {
  const m = /^(file|content):(.*)$/s.exec(key);
  if (m) return m[2];
  const kind = /^(unit|user|authorized_keys|upgradable):(.*)$/s.exec(key);
  if (kind) return `${kind[1] === 'authorized_keys' ? 'authorized_keys of' : kind[1]} ${kind[2]}`;
  if (key === 'packages') return 'the installed packages';
  if (key === 'group-names') return 'the groups';
  if (key === 'system') return 'the host facts (OS, hostname, address)';
  return `fact "${key}"`;
}

// Facts read both times whose values differ (a fact only one side read is judged by the changes).
export function changedFacts(saved: PlanHost['facts'], now: PlanHost['facts']): string[] {
  return Object.keys(saved).filter((k) => k in now && now[k] !== saved[k]);
}

const taskName = (t: PlanTask) => `${t.handler ? 'handler' : 'task'} "${t.task}"`;
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

// The first difference between two plans of one host, for people; undefined when they agree.
export function planDifference(saved: PlanTask[], now: PlanTask[]): string | undefined {
  const n = Math.max(saved.length, now.length);
  for (let i = 0; i < n; i++) {
    const [a, b] = [saved[i], now[i]];
    if (!a) return `${taskName(b)} is not in the plan`;
    if (!b) return `${taskName(a)} of the plan is not planned now`;
    if (a.task !== b.task || a.play !== b.play || a.handler !== b.handler) return `${taskName(b)} is planned where the plan has ${taskName(a)}`;
    if (a.status !== b.status) return `${taskName(a)} would now be ${b.status} (planned: ${a.status})`;
    if (same(a.changes, b.changes)) continue;
    const j = a.changes.findIndex((c, k) => !same(c, b.changes[k]));
    const c = a.changes[j] ?? b.changes[j];
    const content = a.changes[j] && b.changes[j] && a.changes[j].op === b.changes[j].op && a.changes[j].summary === b.changes[j].summary;
    return `${taskName(a)} would now ${content ? 'write or run something other than planned' : 'change something other than planned'} (${c.summary})`;
  }
  return undefined;
}

// Why a host is refused, in one line; undefined when it may apply.
export function refusal(host: string, saved: PlanHost | undefined, now: PlanHost | undefined): string | undefined {
  if (!saved) return `host ${host} refused: it is not in the plan`;
  if (!saved.ok) return `host ${host} refused: planning failed on it`;
  const unknown = saved.tasks.find((t) => t.status === 'unknown');
  if (unknown) return `host ${host} refused: the plan cannot say what task "${unknown.task}" does (status unknown in check mode)`;
  if (!now) return `host ${host} refused: it was not planned again`;
  if (!now.ok) return `host ${host} refused: planning again failed on it`;
  // A file's attributes and content are two facts: named once.
  const facts = [...new Set(changedFacts(saved.facts, now.facts).map(describeFact))];
  if (facts.length) return `host ${host} refused: ${facts.slice(0, 3).join(', ')}${facts.length > 3 ? ` and ${facts.length - 3} more` : ''} changed since the plan`;
  const diff = planDifference(saved.tasks, now.tasks);
  if (diff) return `host ${host} refused: ${diff}`;
  return undefined;
}

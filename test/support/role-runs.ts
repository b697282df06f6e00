// Small helpers for the role tests: run pirun on a playbook of the test's own
// (roles come from pirun's roles/ folder), and read the JSON report.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPirun, type Fleet, type PirunResult } from './fleet.js';

export interface TaskRow {
  role: string | null;
  task: string;
  status: string;
  changes: string[];
  msg: string | null;
}

export interface RoleRunner {
  readonly dir: string;
  // Runs pirun with --json - plus extra arguments; `inventory` defaults to the one given at creation.
  run(args?: string[], opts?: { inventory?: string }): Promise<PirunResult>;
}

// Writes the playbook into a temp dir and returns a runner bound to the fleet's known_hosts.
export function roleRunner(fleet: Fleet, playbook: string, inventory: string): RoleRunner {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-role-'));
  const pb = join(dir, 'play.yaml');
  writeFileSync(pb, playbook);
  return {
    dir,
    run: (args = [], opts = {}) =>
      runPirun([pb, '-i', opts.inventory ?? inventory, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-', ...args]),
  };
}

export function report(r: PirunResult): { ok: boolean; hosts: Record<string, { changed: number; failed: number; tasks: TaskRow[] }> } {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`pirun printed no JSON report (exit ${r.code}): ${r.stderr}\n${r.stdout}`);
  }
}

export function tasksOf(r: PirunResult, host: string): TaskRow[] {
  const h = report(r).hosts[host];
  if (!h) throw new Error(`no host "${host}" in the report: ${r.stdout}`);
  return h.tasks;
}

// "role: task" of every changed task of one host, in order.
export function changedTasks(r: PirunResult, host: string): string[] {
  return tasksOf(r, host)
    .filter((t) => t.status === 'changed')
    .map((t) => `${t.role}: ${t.task}`);
}

export function changedCount(r: PirunResult, host: string): number {
  return report(r).hosts[host].changed;
}

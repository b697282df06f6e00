// Text shared by the renderers: task lines, diffs and the recap, from events
// already masked by cli/mask.ts.
import { createTwoFilesPatch } from 'diff';
import type { RunReport, TaskResult } from '../engine/events.js';
import type { FileDiff } from '../modules/types.js';
import { MASK } from '../secrets.js';

export function taskLabel(r: Pick<TaskResult, 'role' | 'task' | 'handler'>): string {
  return `${r.handler ? 'handler: ' : ''}${r.role ? `${r.role} : ` : ''}${r.task}`;
}

export function resultLine(r: TaskResult): string {
  const status = r.ignored ? 'failed (ignored)' : r.status;
  const msg = r.msg && (r.status === 'failed' || r.status === 'unreachable' || r.module === 'debug' || r.status === 'skipped' || r.status === 'unknown') ? ` | ${r.msg}` : '';
  return `${r.host} | ${taskLabel(r)} | ${status}${msg}`;
}

export function changeLines(r: TaskResult, diff: boolean): string[] {
  const lines: string[] = [];
  for (const c of r.changes) {
    lines.push(`    ~ ${c.summary}`);
    if (diff && c.diff) lines.push(...renderDiff(c.diff).split('\n').map((l) => `      ${l}`));
  }
  return lines;
}

export function renderDiff(d: FileDiff): string {
  if (d.secret) return `--- ${d.path}\n+++ ${d.path}\n(${MASK} secret content not shown)`;
  const patch = createTwoFilesPatch(d.path, d.path, d.before ?? '', d.after ?? '', d.before === null ? '(absent)' : 'before', d.after === null ? '(absent)' : 'after');
  return patch.split('\n').filter((l) => !/^(=+|Index: .*)$/.test(l)).join('\n').trimEnd();
}

export function recapLines(report: RunReport): string[] {
  const names = Object.keys(report.hosts);
  const width = Math.max(4, ...names.map((n) => n.length));
  const lines = [report.check ? 'RECAP (check mode: nothing was changed)' : 'RECAP'];
  for (const n of names) {
    const h = report.hosts[n];
    const state = h.untouched ? '  (not started)' : '';
    // `unknown` exists only in check mode: tasks whose outcome it cannot know.
    const unknown = report.check ? ` unknown=${h.unknown}` : '';
    lines.push(`${n.padEnd(width)} : ok=${h.ok} changed=${h.changed} failed=${h.failed} skipped=${h.skipped}${unknown} unreachable=${h.unreachable ? 1 : 0}${state}`);
  }
  lines.push(`${names.length} host(s) in ${(report.durationMs / 1000).toFixed(1)}s${report.aborted ? ' (aborted)' : report.interrupted ? ' (interrupted)' : ''}`);
  return [...lines, ...warningLines(report)];
}

// Warnings of successful tasks (pirun did more than asked, and says so), after the recap.
export function warningLines(report: RunReport): string[] {
  return Object.entries(report.hosts).flatMap(([name, h]) =>
    h.tasks.flatMap((t) => (t.warnings ?? []).map((w) => `WARNING ${name} | ${taskLabel(t)} | ${w}`)),
  );
}

// After a rollout that did not reach every host: which hosts were done,
// which failed, and which were never touched, so the operator knows where
// to pick up.
import type { RunReport } from '../engine/events.js';

export function rolloutLines(report: RunReport): string[] {
  const hosts = Object.entries(report.hosts);
  const untouched = hosts.filter(([, h]) => h.untouched).map(([n]) => n);
  const unreachable = hosts.filter(([, h]) => !h.untouched && h.unreachable).map(([n]) => n);
  const failed = hosts.filter(([, h]) => !h.untouched && !h.unreachable && h.failed > 0).map(([n]) => n);
  const done = hosts.filter(([, h]) => !h.untouched && !h.unreachable && h.failed === 0).map(([n]) => n);
  // Only a rollout (several batches) or a run that left hosts out has something to say here.
  if (untouched.length === 0 && (!report.rolling || failed.length + unreachable.length === 0)) return [];
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  const lines = [untouched.length ? `ROLLOUT STOPPED${report.interrupted ? ' (interrupted)' : ''}: ${untouched.length} host(s) were never touched` : 'ROLLOUT'];
  // After Ctrl-C a started host may have stopped between tasks: it is not "done".
  lines.push(report.interrupted ? `  started:       ${list(done)}` : `  done:          ${list(done)}`, `  failed:        ${list(failed)}`);
  if (unreachable.length) lines.push(`  unreachable:   ${list(unreachable)}`);
  lines.push(`  never touched: ${list(untouched)}`);
  return lines;
}

// The machine-readable report (--json FILE, or - for stdout), written from a
// report already masked by cli/mask.ts.
import { writeFileSync } from 'node:fs';
import type { RunReport } from '../engine/events.js';
import type { Masked } from './mask.js';

export function jsonReport(report: Masked<RunReport>): unknown {
  const hosts = Object.fromEntries(
    Object.entries(report.hosts).map(([name, h]) => [
      name,
      {
        ok: h.ok,
        changed: h.changed,
        failed: h.failed,
        skipped: h.skipped,
        unknown: h.unknown,
        unreachable: h.unreachable,
        untouched: h.untouched ?? false,
        warnings: h.tasks.flatMap((t) => t.warnings ?? []),
        tasks: h.tasks.map((t) => ({ role: t.role ?? null, task: t.task, status: t.status, changes: t.changes.map((c) => c.summary), msg: t.msg ?? null, warnings: t.warnings ?? [], durationMs: t.durationMs })),
      },
    ]),
  );
  return { ok: report.ok, check: report.check, hosts, durationMs: report.durationMs, stats: report.stats };
}

export function writeJson(report: Masked<RunReport>, file: string): void {
  const text = JSON.stringify(jsonReport(report), null, 2) + '\n';
  if (file === '-') process.stdout.write(text);
  else writeFileSync(file, text);
}

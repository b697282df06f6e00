// Drift reports (--report FILE): .json, .md or .xml (JUnit), by extension.
// They are written from a report already masked by cli/mask.ts.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ConfigError } from '../errors.js';
import type { RunReport } from '../engine/events.js';
import { buildDrift, type Drift } from './drift.js';
import type { Masked } from './mask.js';

export const REPORT_FORMATS = ['.json', '.md', '.xml'] as const;

export function driftJson(d: Drift): string {
  const hosts = Object.fromEntries(d.hosts.map((h) => [h.host, { status: h.status, drift: h.drift, failures: h.failures }]));
  return JSON.stringify({ check: d.check, interrupted: d.interrupted, compliant: d.compliant, perRole: d.perRole, hosts }, null, 2) + '\n';
}

// A Markdown cell: one line, no table breakers.
const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');

export function driftMarkdown(d: Drift): string {
  const out = [`# pirun drift report${d.check ? '' : ' (applied run: changes were made)'}`, ''];
  const drifted = d.hosts.filter((h) => h.status !== 'compliant');
  out.push(`${d.compliant.length} of ${d.hosts.length} host(s) compliant${d.compliant.length ? `: ${d.compliant.join(', ')}` : ''}.`);
  if (d.interrupted) out.push('', '**The run was interrupted: the report is incomplete.**');
  out.push('', '| Host | Status | Role | Task | What would change |', '| --- | --- | --- | --- | --- |');
  for (const h of d.hosts) {
    if (h.status === 'compliant') out.push(`| ${cell(h.host)} | compliant | | | |`);
    for (const item of h.drift) {
      const what = item.unknown ? [item.reason ?? 'check mode cannot know', ...item.changes.map((c) => c.summary)].join('; ') : item.changes.map((c) => c.summary).join('; ');
      out.push(`| ${cell(h.host)} | ${item.unknown ? 'unknown' : 'drifted'} | ${cell(item.role ?? '(play)')} | ${cell(item.task)} | ${cell(what)} |`);
    }
    for (const f of h.failures) out.push(`| ${cell(h.host)} | ${h.status === 'unreachable' ? 'unreachable' : 'failed'} | ${cell(f.role ?? '(play)')} | ${cell(f.task)} | ${cell(f.msg)} |`);
    if (h.status === 'untouched') out.push(`| ${cell(h.host)} | not checked | | | |`);
  }
  const diffs = drifted.flatMap((h) => h.drift.flatMap((item) => item.changes.filter((c) => c.diff).map((c) => ({ h, item, c }))));
  if (diffs.length) {
    out.push('', '## Diffs');
    for (const { h, item, c } of diffs) {
      const fence = c.diff!.includes('```') ? '~~~~' : '```';
      out.push('', `<details><summary>${escapeXml(`${h.host}: ${item.role ? `${item.role} : ` : ''}${item.task} (${c.summary})`)}</summary>`, '', `${fence}diff`, c.diff!, fence, '', '</details>');
    }
  }
  return out.join('\n') + '\n';
}

function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// JUnit: one testsuite per host, one testcase per task; drift is a failure
// (type "drift", or "unknown" where check mode cannot know), a failed or
// unreachable task an error, a skipped task skipped.
export function driftJunit(d: Drift): string {
  const suites = d.hosts.map((h) => {
    const cases = h.tasks.map((t) => {
      const name = escapeXml(`${t.role ? `${t.role} : ` : ''}${t.task}`);
      const open = `    <testcase classname="${escapeXml(h.host)}" name="${name}">`;
      if (t.drift?.unknown) {
        const reason = t.drift.reason ?? 'check mode cannot know';
        const body = [reason, ...t.drift.changes.map((c) => (c.diff ? `${c.summary}\n${c.diff}` : c.summary))].join('\n\n');
        return `${open}\n      <failure message="${escapeXml(reason)}" type="unknown">${escapeXml(body)}</failure>\n    </testcase>`;
      }
      if (t.drift) {
        const body = t.drift.changes.map((c) => (c.diff ? `${c.summary}\n${c.diff}` : c.summary)).join('\n\n');
        return `${open}\n      <failure message="${escapeXml(`would ${t.drift.changes.map((c) => c.summary).join('; ')}`)}" type="drift">${escapeXml(body)}</failure>\n    </testcase>`;
      }
      if (t.status === 'failed' || t.status === 'unreachable') return `${open}\n      <error message="${escapeXml(t.msg ?? t.status)}" type="${t.status}"/>\n    </testcase>`;
      if (t.status === 'skipped') return `${open}\n      <skipped${t.msg ? ` message="${escapeXml(t.msg)}"` : ''}/>\n    </testcase>`;
      return `${open}</testcase>`;
    });
    if (h.status === 'untouched') cases.push(`    <testcase classname="${escapeXml(h.host)}" name="not checked">\n      <skipped message="the run stopped before this host"/>\n    </testcase>`);
    const count = (k: string) => (k === 'failures' ? h.drift.length : k === 'errors' ? h.tasks.filter((t) => t.status === 'failed' || t.status === 'unreachable').length : h.tasks.filter((t) => t.status === 'skipped').length + (h.status === 'untouched' ? 1 : 0));
    return `  <testsuite name="${escapeXml(h.host)}" tests="${cases.length}" failures="${count('failures')}" errors="${count('errors')}" skipped="${count('skipped')}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="pirun drift">\n${suites.join('\n')}\n</testsuites>\n`;
}

export function renderDriftReport(report: Masked<RunReport>, format: string): string {
  const d = buildDrift(report);
  if (format === '.json') return driftJson(d);
  if (format === '.md') return driftMarkdown(d);
  if (format === '.xml') return driftJunit(d);
  throw new ConfigError(`Cannot write the drift report: unknown format "${format}" (use ${REPORT_FORMATS.join(', ')})`);
}

export function writeDriftReport(report: Masked<RunReport>, file: string): void {
  writeFileSync(file, renderDriftReport(report, extname(file).toLowerCase()));
}

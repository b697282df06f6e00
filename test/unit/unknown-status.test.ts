// The `unknown` status (check mode cannot know a task's outcome) in every
// output: the task line, the recap, the JSON report, the drift reports and
// summary, and both renderers. It counts as possible drift, never as compliant.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildDrift, driftSummaryLines } from '../../src/cli/drift.js';
import { renderDriftReport } from '../../src/cli/drift-report.js';
import { recapLines, resultLine } from '../../src/cli/format.js';
import { jsonReport } from '../../src/cli/json-report.js';
import { listrRenderer } from '../../src/cli/render-listr.js';
import { plainRenderer } from '../../src/cli/render-plain.js';
import { maskedBus, maskReport } from '../../src/cli/mask.js';
import { EngineBus, type RunReport, type TaskResult } from '../../src/engine/events.js';

const WHY = 'check mode cannot know: it reads the result of "Ask the host", which check mode does not run';
const t = (over: Partial<TaskResult>): TaskResult => ({ host: 'pi1', play: 'p', task: 't', status: 'ok', changes: [], durationMs: 1, ...over });
const host = (tasks: TaskResult[]) => ({
  ok: tasks.filter((x) => x.status === 'ok' || x.status === 'changed').length,
  changed: tasks.filter((x) => x.status === 'changed').length,
  failed: 0,
  skipped: tasks.filter((x) => x.status === 'skipped').length,
  unknown: tasks.filter((x) => x.status === 'unknown').length,
  unreachable: false,
  untouched: false,
  tasks,
});

const unknownTask = t({ task: 'Write the answer', status: 'unknown', msg: WHY, changes: [{ summary: 'update /etc/answer' }] });
const rawReport = (check: boolean): RunReport => ({
  ok: true,
  check,
  interrupted: false,
  durationMs: 10,
  stats: { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} },
  hosts: {
    pi1: host([t({ task: 'Ask the host', status: 'changed', changes: [{ summary: 'run echo 42' }] }), unknownTask]),
    pi2: host([t({ host: 'pi2', task: 'Ask' }), t({ host: 'pi2', task: 'Maybe change', status: 'unknown', msg: WHY })]),
    pi3: host([t({ host: 'pi3', task: 'Ask' })]),
  },
});
const report = (check: boolean) => maskReport(rawReport(check));

describe('status unknown', () => {
  it('shows the reason on the task line', () => {
    expect(resultLine(unknownTask)).toBe(`pi1 | Write the answer | unknown | ${WHY}`);
  });

  it('is counted in the recap of a check run (and not shown in a real run, where it cannot occur)', () => {
    const lines = recapLines(report(true));
    expect(lines[1]).toBe('pi1  : ok=1 changed=1 failed=0 skipped=0 unknown=1 unreachable=0');
    expect(lines[3]).toBe('pi3  : ok=1 changed=0 failed=0 skipped=0 unknown=0 unreachable=0');
    expect(recapLines(report(false))[1]).toBe('pi1  : ok=1 changed=1 failed=0 skipped=0 unreachable=0');
  });

  it('is in the JSON report: per host count and per task status and reason', () => {
    const j = jsonReport(report(true)) as { hosts: Record<string, { unknown: number; tasks: { status: string; msg: string | null }[] }> };
    expect(j.hosts.pi1.unknown).toBe(1);
    expect(j.hosts.pi1.tasks[1]).toMatchObject({ status: 'unknown', msg: WHY });
  });

  it('is possible drift: a host with only unknown tasks is not compliant, one with certain drift is drifted', () => {
    const d = buildDrift(report(true));
    expect(Object.fromEntries(d.hosts.map((h) => [h.host, h.status]))).toEqual({ pi1: 'drifted', pi2: 'unknown', pi3: 'compliant' });
    expect(d.compliant).toEqual(['pi3']);
    expect(d.hosts[1].drift).toEqual([{ role: null, task: 'Maybe change', changes: [], unknown: true, reason: WHY }]);
    expect(driftSummaryLines(report(true))).toEqual([
      'DRIFT',
      '  pi1 : drifted: 1 task(s) would change, 1 task(s) check mode cannot know (possible drift)',
      '  pi2 : unknown: 1 task(s) check mode cannot know (possible drift)',
      '  pi3 : compliant',
      '  per role: (play)=3',
      '  compliant: pi3 (1/3)',
    ]);
  });

  it('is in every drift report format', () => {
    const j = JSON.parse(renderDriftReport(report(true), '.json'));
    expect(j.hosts.pi2).toEqual({ status: 'unknown', drift: [{ role: null, task: 'Maybe change', changes: [], unknown: true, reason: WHY }], failures: [] });
    const md = renderDriftReport(report(true), '.md').split('\n');
    expect(md).toContain(`| pi1 | unknown | (play) | Write the answer | ${WHY}; update /etc/answer |`);
    expect(md).toContain('1 of 3 host(s) compliant: pi3.');
    const xml = renderDriftReport(report(true), '.xml');
    expect(xml).toContain(`<failure message="${WHY.replace(/"/g, '&quot;')}" type="unknown">`);
    expect(xml).toContain('<testsuite name="pi2" tests="2" failures="1" errors="0" skipped="0">');
  });

  it('is printed by the plain renderer with its reason', async () => {
    const bus = new EngineBus();
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    const r = plainRenderer(maskedBus(bus), { diff: false, verbose: 0, out });
    bus.emit('task:end', unknownTask);
    bus.emit('run:end', rawReport(true));
    await r.done();
    expect(text).toContain(`pi1 | Write the answer | unknown | ${WHY}\n    ~ update /etc/answer\n`);
    expect(text).toContain('  pi2 : unknown: 1 task(s) check mode cannot know (possible drift)');
  });

  it('has its own section in the terminal view', async () => {
    const bus = new EngineBus();
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    const r = listrRenderer(maskedBus(bus), { diff: false, verbose: 0, out });
    bus.emit('task:end', unknownTask);
    bus.emit('run:end', rawReport(true));
    await r.done();
    expect(text).toContain(`\nUNKNOWN (check mode cannot know: possible drift)\npi1 | Write the answer | ${WHY}\n    ~ update /etc/answer\n`);
    expect(text).toContain('unknown=1');
  });
});

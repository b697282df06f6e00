// Drift reports from a fixed RunReport: what each format says about which
// host drifted where, with secrets masked in every format.
import { describe, expect, it } from 'vitest';
import type { RunReport, TaskResult } from '../../src/engine/events.js';
import { buildDrift, driftSummaryLines } from '../../src/cli/drift.js';
import { renderDriftReport } from '../../src/cli/drift-report.js';
import { maskReport } from '../../src/cli/mask.js';
import { registerSecretValue } from '../../src/secrets.js';

const SECRET = 'hunter2-wifi-psk';
registerSecretValue(SECRET);

const t = (over: Partial<TaskResult>): TaskResult => ({ host: 'h', play: 'Harden', task: 't', status: 'ok', changes: [], durationMs: 1, ...over });
const host = (tasks: TaskResult[], extra: Partial<RunReport['hosts'][string]> = {}) => ({
  ok: tasks.filter((x) => x.status === 'ok' || x.status === 'changed').length,
  changed: tasks.filter((x) => x.status === 'changed').length,
  failed: tasks.filter((x) => x.status === 'failed').length,
  skipped: tasks.filter((x) => x.status === 'skipped').length,
  unknown: tasks.filter((x) => x.status === 'unknown').length,
  unreachable: false,
  untouched: false,
  tasks,
  ...extra,
});

const raw: RunReport = {
  ok: false,
  check: true,
  interrupted: false,
  durationMs: 1234,
  stats: { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} },
  hosts: {
    pi1: host([t({ host: 'pi1', role: 'ssh', task: 'sshd drop-in' }), t({ host: 'pi1', role: 'ufw', task: 'ufw enabled', status: 'skipped', msg: 'condition false' })]),
    pi2: host([
      t({
        host: 'pi2',
        role: 'ssh',
        task: 'sshd drop-in',
        status: 'changed',
        changes: [{ summary: 'update /etc/ssh/sshd_config.d/00-pirun.conf', diff: { path: '/etc/ssh/sshd_config.d/00-pirun.conf', before: 'PasswordAuthentication yes\n', after: 'PasswordAuthentication no\n' } }],
      }),
      t({ host: 'pi2', role: 'wifi', task: 'wpa config', status: 'changed', changes: [{ summary: 'update /etc/wpa.conf', diff: { path: '/etc/wpa.conf', before: `psk=${SECRET}\n`, after: 'psk=other\n' } }] }),
      t({ host: 'pi2', task: 'motd | banner <b>', status: 'changed', changes: [{ summary: `set motd to ${SECRET}` }] }),
    ]),
    pi3: host([t({ host: 'pi3', task: 'connect', status: 'unreachable', msg: 'Cannot connect to "pi3": ECONNREFUSED' })], { unreachable: true }),
    pi4: host([], { untouched: true }),
  },
};

// As main.ts hands it to the writers: through the masking boundary.
const report = maskReport(raw);

describe('buildDrift', () => {
  const d = buildDrift(report);
  it('classifies each host', () => {
    expect(Object.fromEntries(d.hosts.map((h) => [h.host, h.status]))).toEqual({ pi1: 'compliant', pi2: 'drifted', pi3: 'unreachable', pi4: 'untouched' });
    expect(d.compliant).toEqual(['pi1']);
    expect(d.perRole).toEqual({ ssh: 1, wifi: 1, '(play)': 1 });
  });

  it('names the role, task and change of each drift, with the diff', () => {
    const pi2 = d.hosts.find((h) => h.host === 'pi2')!;
    expect(pi2.drift[0]).toMatchObject({ role: 'ssh', task: 'sshd drop-in', changes: [{ summary: 'update /etc/ssh/sshd_config.d/00-pirun.conf' }] });
    expect(pi2.drift[0].changes[0].diff).toContain('-PasswordAuthentication yes');
    expect(pi2.drift[0].changes[0].diff).toContain('+PasswordAuthentication no');
  });

  it('summarises per host and per role for the terminal', () => {
    expect(driftSummaryLines(report)).toEqual([
      'DRIFT',
      '  pi1 : compliant',
      '  pi2 : drifted: 3 task(s) would change',
      '  pi3 : unreachable',
      '  pi4 : untouched',
      '  per role: ssh=1, wifi=1, (play)=1',
      '  compliant: pi1 (1/4)',
    ]);
  });
});

describe('report formats', () => {
  for (const ext of ['.json', '.md', '.xml']) {
    it(`${ext} never contains a secret value`, () => {
      const text = renderDriftReport(report, ext);
      expect(text).not.toContain(SECRET);
      expect(text).toContain('********');
    });
  }

  it('.json: per host status, drift and failures', () => {
    const j = JSON.parse(renderDriftReport(report, '.json'));
    expect(j.compliant).toEqual(['pi1']);
    expect(j.hosts.pi1).toEqual({ status: 'compliant', drift: [], failures: [] });
    expect(j.hosts.pi2.drift.map((x: { task: string }) => x.task)).toEqual(['sshd drop-in', 'wpa config', 'motd | banner <b>']);
    expect(j.hosts.pi3.failures).toEqual([{ role: null, task: 'connect', msg: 'Cannot connect to "pi3": ECONNREFUSED' }]);
    expect(j.hosts.pi4.status).toBe('untouched');
  });

  it('.md: one table row per drifted task, pipes escaped, diffs in details blocks', () => {
    const md = renderDriftReport(report, '.md');
    const rows = md.split('\n').filter((l) => l.startsWith('| pi'));
    expect(rows).toEqual([
      '| pi1 | compliant | | | |',
      '| pi2 | drifted | ssh | sshd drop-in | update /etc/ssh/sshd_config.d/00-pirun.conf |',
      '| pi2 | drifted | wifi | wpa config | update /etc/wpa.conf |',
      '| pi2 | drifted | (play) | motd \\| banner &lt;b&gt; | set motd to ******** |',
      '| pi3 | unreachable | (play) | connect | Cannot connect to "pi3": ECONNREFUSED |',
      '| pi4 | not checked | | | |',
    ]);
    expect(md).toContain('1 of 4 host(s) compliant: pi1.');
    expect(md).toMatch(/<details><summary>pi2: ssh : sshd drop-in \(update \/etc\/ssh\/sshd_config.d\/00-pirun.conf\)<\/summary>\n\n```diff\n[\s\S]*\+PasswordAuthentication no\n[\s\S]*```/);
  });

  it('.xml: JUnit, one testcase per host and task, drift as failures', () => {
    const xml = renderDriftReport(report, '.xml');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')).toBe(true);
    expect(xml).toContain('<testsuite name="pi1" tests="2" failures="0" errors="0" skipped="1">');
    expect(xml).toContain('<testsuite name="pi2" tests="3" failures="3" errors="0" skipped="0">');
    expect(xml).toContain('<testcase classname="pi2" name="ssh : sshd drop-in">');
    expect(xml).toContain('<failure message="would update /etc/ssh/sshd_config.d/00-pirun.conf" type="drift">');
    expect(xml).toContain('name="motd | banner &lt;b&gt;"');
    expect(xml).toContain('<error message="Cannot connect to &quot;pi3&quot;: ECONNREFUSED" type="unreachable"/>');
    expect(xml).toContain('<testcase classname="pi4" name="not checked">');
    expect((xml.match(/<testcase /g) ?? []).length).toBe(7);
    expect(xml.match(/<failure /g)).toHaveLength(3);
  });

  it('refuses an unknown extension', () => {
    expect(() => renderDriftReport(report, '.txt')).toThrow('Cannot write the drift report: unknown format ".txt"');
  });
});

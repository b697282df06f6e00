// The rolling-update engine without Docker: each "host" runs its scripts in
// a local shell, so batch order, max_fail_percentage, any_errors_fatal, the
// health gate and untouched hosts are observed through what actually ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadInventory, type InventoryHost } from '../../src/config/inventory.js';
import { loadPlaybook } from '../../src/config/playbook.js';
import { UnreachableError } from '../../src/errors.js';
import { EngineBus, type RunReport } from '../../src/engine/events.js';
import { runPlaybook } from '../../src/engine/run.js';
import type { ExecResult, Transport } from '../../src/transport/types.js';
import { rolloutLines } from '../../src/cli/rollout.js';

interface Log {
  // [host, connection number, script] in the order they ran.
  runs: [string, number, string][];
  connects: string[];
}

// A transport that runs the script in a local sh with PIRUN_HOST set.
function localTransport(host: string, n: number, log: Log): Transport {
  return {
    host,
    counters: { connections: 1, execs: 0, bytesSent: 0 },
    async exec(script: string): Promise<ExecResult> {
      log.runs.push([host, n, script]);
      const r = spawnSync('sh', ['-s'], { input: script, encoding: 'utf8', env: { ...process.env, PIRUN_HOST: host } });
      return { command: script, exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, durationMs: 1, failed: r.status !== 0 };
    },
    async close() {},
  };
}

function setup(play: Record<string, unknown>, hosts: Record<string, Record<string, unknown>>) {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-rollout-'));
  const inv = join(dir, 'inventory.yaml');
  const pb = join(dir, 'play.yaml');
  const entries = Object.fromEntries(Object.entries(hosts).map(([n, v]) => [n, { host: '127.0.0.1', port: 22, user: 'pi', ...v }]));
  writeFileSync(inv, yaml.dump({ all: { hosts: entries } }));
  writeFileSync(pb, yaml.dump([{ name: 'roll', hosts: 'all', ...play }]));
  return { inventory: loadInventory(inv), playbook: loadPlaybook(pb) };
}

async function run(play: Record<string, unknown>, hosts: Record<string, Record<string, unknown>>, opts: { down?: string[]; stopAfter?: number } = {}) {
  const { inventory, playbook } = setup(play, hosts);
  const log: Log = { runs: [], connects: [] };
  const bus = new EngineBus();
  const batches: string[][] = [];
  bus.on('batch:start', (e) => batches.push(e.hosts));
  let connections = 0;
  const report: RunReport = await runPlaybook({
    playbook,
    inventory,
    bus,
    connect: async (h: InventoryHost) => {
      log.connects.push(h.name);
      if (opts.down?.includes(h.name)) throw new UnreachableError(`Cannot connect to "${h.name}": ECONNREFUSED`, { host: h.name });
      return localTransport(h.name, ++connections, log);
    },
    options: { check: false, diff: false, tags: [], skipTags: [], extraVars: {}, forks: 5, stopping: () => opts.stopAfter !== undefined && batches.length >= opts.stopAfter },
  });
  return { report, log, batches };
}

const six = Object.fromEntries(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((n) => [n, {}]));
const work = [{ name: 'work', command: 'echo "work on $PIRUN_HOST"' }];

describe('rolling batches', () => {
  it('follows the ramp and finishes every host', async () => {
    const { report, batches } = await run({ serial: [1, 2, '50%'], tasks: work }, six);
    expect(batches).toEqual([['h1'], ['h2', 'h3'], ['h4', 'h5', 'h6']]);
    expect(Object.values(report.hosts).every((h) => h.changed === 1 && !h.untouched)).toBe(true);
    expect(report.ok).toBe(true);
  });

  it('stops before the next batch when a batch exceeds max_fail_percentage, leaving later hosts untouched', async () => {
    const hosts = { ...six, h2: { broken: true } };
    const { report, log, batches } = await run(
      { serial: [1, 2], max_fail_percentage: 0, tasks: [{ name: 'work', command: "{{ 'false' if broken | default(false) else 'true' }}" }] },
      hosts,
    );
    expect(batches).toEqual([['h1'], ['h2', 'h3']]);
    expect(report.hosts.h2.failed).toBe(1);
    expect(report.hosts.h3.failed).toBe(0);
    for (const n of ['h4', 'h5', 'h6']) {
      expect(report.hosts[n].untouched).toBe(true);
      expect(log.connects).not.toContain(n);
    }
    expect(rolloutLines(report)).toEqual([
      'ROLLOUT STOPPED: 3 host(s) were never touched',
      '  done:          h1, h3',
      '  failed:        h2',
      '  never touched: h4, h5, h6',
    ]);
  });

  it('tolerates failures up to max_fail_percentage', async () => {
    const hosts = { ...six, h3: { broken: true } };
    const { report, batches } = await run(
      { serial: [3], max_fail_percentage: 34, tasks: [{ name: 'work', command: "{{ 'false' if broken | default(false) else 'true' }}" }] },
      hosts,
    );
    expect(batches).toEqual([['h1', 'h2', 'h3'], ['h4', 'h5', 'h6']]);
    expect(report.hosts.h6.untouched).toBe(false);
  });

  it('counts an unreachable host as failed', async () => {
    const { report, batches } = await run({ serial: [2], max_fail_percentage: 0, tasks: work }, six, { down: ['h1'] });
    expect(batches).toEqual([['h1', 'h2']]);
    expect(report.hosts.h1.unreachable).toBe(true);
    expect(report.hosts.h3.untouched).toBe(true);
  });

  it('any_errors_fatal stops after the batch with a failure, even without max_fail_percentage', async () => {
    const hosts = { ...six, h1: { broken: true } };
    const { report, batches } = await run(
      { serial: [2], any_errors_fatal: true, tasks: [{ name: 'work', command: "{{ 'false' if broken | default(false) else 'true' }}" }] },
      hosts,
    );
    expect(batches).toHaveLength(1);
    expect(report.hosts.h3.untouched).toBe(true);
  });

  it('without serial or max_fail_percentage every host runs despite one failure', async () => {
    const hosts = { ...six, h1: { broken: true } };
    const { report } = await run({ tasks: [{ name: 'work', command: "{{ 'false' if broken | default(false) else 'true' }}" }] }, hosts);
    expect(Object.values(report.hosts).filter((h) => h.untouched)).toHaveLength(0);
    expect(report.hosts.h1.failed).toBe(1);
  });

  it('starts no new batch after an interrupt', async () => {
    const { report, batches } = await run({ serial: [2], tasks: work }, six, { stopAfter: 1 });
    expect(batches).toHaveLength(1);
    expect(report.interrupted).toBe(true);
    expect(report.hosts.h3.untouched).toBe(true);
  });
});

describe('health gate', () => {
  const health = [{ name: 'service up', command: "{{ 'false' if unhealthy | default(false) else 'true' }}" }];

  it('runs on a fresh connection after each batch, before the next batch starts', async () => {
    const { report, log } = await run({ serial: [1, 2], tasks: work, health }, { h1: {}, h2: {}, h3: {} });
    // h1's work, then h1's health on a second connection, before anything on h2.
    const h1 = log.runs.filter(([h]) => h === 'h1');
    expect(h1.length).toBeGreaterThanOrEqual(3);
    const firstH2 = log.runs.findIndex(([h]) => h === 'h2');
    const lastH1 = log.runs.map(([h]) => h).lastIndexOf('h1');
    expect(lastH1).toBeLessThan(firstH2);
    expect(new Set(h1.map(([, n]) => n)).size).toBe(2);
    expect(report.hosts.h1.tasks.map((t) => `${t.task}=${t.status}`)).toEqual(['work=changed', 'health: fresh SSH login=ok', 'health: service up=ok']);
    expect(report.hosts.h1.changed).toBe(1);
  });

  it('a failing health check marks the host failed and stops the rollout', async () => {
    const { report, batches } = await run({ serial: [1, 2], max_fail_percentage: 0, tasks: work, health }, { h1: {}, h2: { unhealthy: true }, h3: {}, h4: {} });
    expect(batches).toEqual([['h1'], ['h2', 'h3']]);
    expect(report.hosts.h2.failed).toBe(1);
    expect(report.hosts.h2.tasks.at(-1)).toMatchObject({ task: 'health: service up', status: 'failed' });
    expect(report.hosts.h4.untouched).toBe(true);
  });

  it('a host that refuses the fresh login is unreachable', async () => {
    const { inventory, playbook } = setup({ serial: [1], max_fail_percentage: 0, tasks: work }, { h1: {}, h2: {} });
    const log: Log = { runs: [], connects: [] };
    const report = await runPlaybook({
      playbook,
      inventory,
      bus: new EngineBus(),
      connect: async (h) => {
        log.connects.push(h.name);
        if (log.connects.filter((n) => n === h.name).length > 1) throw new UnreachableError('Cannot log in: refused', { host: h.name });
        return localTransport(h.name, log.connects.length, log);
      },
      options: { check: false, diff: false, tags: [], skipTags: [], extraVars: {}, forks: 5, stopping: () => false },
    });
    expect(report.hosts.h1.unreachable).toBe(true);
    expect(report.hosts.h2.untouched).toBe(true);
  });

  it('runs read-only checks for real in check mode and counts nothing as changed', async () => {
    const { inventory, playbook } = setup({ serial: [1], tasks: work, health }, { h1: {}, h2: {} });
    const log: Log = { runs: [], connects: [] };
    const report = await runPlaybook({
      playbook,
      inventory,
      bus: new EngineBus(),
      connect: async (h) => localTransport(h.name, log.connects.push(h.name), log),
      options: { check: true, diff: false, tags: [], skipTags: [], extraVars: {}, forks: 5, stopping: () => false },
    });
    // The work command is not run in check mode; the health check and the login probe are.
    expect(log.runs.map(([, , s]) => s).some((s) => s.includes('work on'))).toBe(false);
    expect(report.hosts.h1.tasks.map((t) => `${t.task}=${t.status}`)).toEqual(['work=changed', 'health: fresh SSH login=ok', 'health: service up=ok']);
    expect(report.hosts.h1.changed).toBe(1);
  });

  it('a state module as health check passes only when it would change nothing, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirun-health-state-'));
    writeFileSync(join(dir, 'h1.conf'), 'want\n');
    writeFileSync(join(dir, 'h2.conf'), 'drifted\n');
    const health = [{ name: 'config in place', copy: { dest: `${dir}/{{ inventory_hostname }}.conf`, content: 'want\n' } }];
    const { report } = await run({ serial: [1], tasks: work, health }, { h1: {}, h2: {} });
    expect(report.hosts.h1.tasks.at(-1)).toMatchObject({ task: 'health: config in place', status: 'ok' });
    expect(report.hosts.h2.tasks.at(-1)).toMatchObject({ task: 'health: config in place', status: 'failed' });
    expect(report.hosts.h2.tasks.at(-1)!.msg).toContain('not in the expected state: would update');
    expect(report.hosts.h2.failed).toBe(1);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'h2.conf'), 'utf8')).toBe('drifted\n');
  });
});

describe('rollout block', () => {
  const host = (h: Partial<RunReport['hosts'][string]>): RunReport['hosts'][string] => ({ ok: 1, changed: 0, failed: 0, skipped: 0, unknown: 0, unreachable: false, tasks: [], ...h });
  const report = (hosts: RunReport['hosts'], rolling: boolean): RunReport => ({
    ok: false, check: false, interrupted: false, rolling, hosts, durationMs: 1, stats: { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} },
  });

  it('is not shown for a play without serial, even when a host failed or was unreachable', () => {
    expect(rolloutLines(report({ a: host({}), b: host({ unreachable: true, ok: 0 }), c: host({ failed: 1 }) }, false))).toEqual([]);
  });

  it('names unreachable hosts apart from failed ones, as the recap does', () => {
    expect(rolloutLines(report({ a: host({}), b: host({ unreachable: true, ok: 0 }), c: host({ failed: 1 }) }, true))).toEqual([
      'ROLLOUT',
      '  done:          a',
      '  failed:        c',
      '  unreachable:   b',
      '  never touched: none',
    ]);
  });
});

// Runs a playbook across the inventory: hosts concurrently up to --forks,
// one connection per host for the whole run, plays in order, batches by `serial`.
import pLimit from 'p-limit';
import type { InventoryHost } from '../config/inventory.js';
import { selectHosts } from '../config/inventory.js';
import type { Play } from '../config/types.js';
import { UnreachableError, errorMessage } from '../errors.js';
import { Barriers } from './barrier.js';
import { splitBatches } from './batches.js';
import { hostContext, type EngineInput } from './context.js';
import type { EngineBus, RunReport, TaskResult } from './events.js';
import { runHostPlay } from './host-runner.js';
import { runHealthGate } from './health.js';
import { RemoteHost } from './host.js';
import { hostRecap } from './recap.js';

interface HostState {
  remote: RemoteHost;
  registered: Record<string, unknown>;
  results: TaskResult[];
  failed: boolean;
  unreachable: boolean;
  touched: boolean;
}

export async function runPlaybook(input: EngineInput): Promise<RunReport> {
  const started = Date.now();
  const { inventory, options, bus } = input;
  const limited = input.limit ? new Set(selectHosts(inventory, input.limit, { what: '--limit' }).map((h) => h.name)) : undefined;
  const states = new Map<string, HostState>();
  // Saved plans fingerprint every fact read from a host.
  const observer = (host: string) => (options.recorder ? (key: string, value: unknown) => options.recorder!.fact(host, key, value) : undefined);
  const state = (name: string) => {
    let s = states.get(name);
    if (!s) {
      s = { remote: new RemoteHost(inventory.hosts.get(name)!, input.connect, { observe: observer(name) }), registered: {}, results: [], failed: false, unreachable: false, touched: false };
      states.set(name, s);
    }
    return s;
  };
  const groups = Object.fromEntries([...inventory.groups.values()].map((g) => [g.name, [...inventory.hosts.values()].filter((h) => h.groups.includes(g.name)).map((h) => h.name)]));
  const hostvars: Record<string, Record<string, unknown>> = {};
  let stopped = false;
  // Some play ran in several batches (serial): the recap says where the rollout got to.
  let rolling = false;

  try {
    for (const play of input.playbook.plays) {
      const hosts = selectHosts(inventory, play.hosts, { what: `play "${play.name}" hosts` }).filter((h) => (!limited || limited.has(h.name)) && (!input.only || input.only.has(h.name)));
      for (const h of hosts) state(h.name);
      const live = hosts.filter((h) => !state(h.name).failed && !state(h.name).unreachable);
      bus.emit('play:start', { play: play.name, hosts: live.map((h) => h.name) });
      const batches = splitBatches(live, input.serial ?? play.serial);
      if (batches.length > 1) rolling = true;
      for (const [bi, batch] of batches.entries()) {
        if (stopped || options.stopping()) break;
        bus.emit('batch:start', { play: play.name, batch: bi + 1, hosts: batch.map((h) => h.name) });
        const barriers = new Barriers(batch.map((h) => h.name));
        const limit = pLimit(Math.max(1, options.forks));
        let fatal = false;
        await Promise.all(
          batch.map((host) =>
            limit(async () => {
              if (fatal || options.stopping()) return;
              const ok = await runOnHost(host, play, barriers);
              if (!ok && play.anyErrorsFatal) fatal = true;
            }),
          ),
        );
        // Rolling (several batches) or with health tasks: prove each host healthy before going on.
        if (play.health.length || batches.length > 1) await runHealthGate({ play, batch, states: (n) => state(n), options, bus, hostvars, groups });
        const failed = batch.filter((h) => state(h.name).failed || state(h.name).unreachable).map((h) => h.name);
        bus.emit('batch:end', { play: play.name, batch: bi + 1, failed });
        const pct = (failed.length / batch.length) * 100;
        if ((play.anyErrorsFatal && failed.length > 0) || (play.maxFailPercentage !== undefined && pct > play.maxFailPercentage)) {
          stopped = true;
        }
      }
      if (stopped) break;
    }
  } finally {
    await Promise.all([...states.values()].map((s) => s.remote.close()));
  }

  async function runOnHost(host: InventoryHost, play: Play, barriers: Barriers): Promise<boolean> {
    const s = state(host.name);
    s.touched = true;
    bus.emit('host:start', { host: host.name, play: play.name });
    try {
      if (!s.remote.connected) {
        bus.emit('host:phase', { host: host.name, play: play.name, phase: 'connecting' });
        await s.remote.open();
      }
      s.remote.beginPlay(play);
      const hv = { host, play, registered: s.registered, extraVars: options.extraVars, check: options.check, groups, hostvars };
      const ctx = hostContext(s.remote, { options, bus, hv, results: s.results });
      hostvars[host.name] = new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? (s.registered[k] ?? host.vars[k]) : undefined), has: (_t, k) => typeof k === 'string' && (k in s.registered || k in host.vars) });
      const ok = await runHostPlay(ctx, play, barriers);
      if (!ok) s.failed = true;
      bus.emit('host:end', { host: host.name, play: play.name, failed: !ok, unreachable: false });
      return ok;
    } catch (err) {
      barriers.leave(host.name);
      if (!(err instanceof UnreachableError)) throw err;
      s.unreachable = true;
      const result: TaskResult = { host: host.name, play: play.name, task: 'connect', status: 'unreachable', changes: [], msg: errorMessage(err), durationMs: 0 };
      s.results.push(result);
      bus.emit('task:end', result);
      bus.emit('host:end', { host: host.name, play: play.name, failed: true, unreachable: true });
      return false;
    }
  }

  const report = buildReport(states, { check: options.check, durationMs: Date.now() - started, interrupted: options.stopping(), rolling });
  bus.emit('run:end', report);
  return report;
}

function buildReport(states: Map<string, HostState>, o: { check: boolean; durationMs: number; interrupted: boolean; rolling: boolean }): RunReport {
  const hosts: RunReport['hosts'] = {};
  const stats: RunReport['stats'] = { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} };
  for (const [name, s] of states) {
    hosts[name] = { ...hostRecap(s.results, { unreachable: s.unreachable, touched: s.touched }), tasks: s.results };
    const c = s.remote.counters();
    stats.connections[name] = c.connections;
    stats.execs[name] = c.execs;
    stats.bytesSent += c.bytesSent;
    stats.guardLogins[name] = s.remote.guardLogins;
  }
  const ok = Object.values(hosts).every((h) => h.failed === 0 && !h.unreachable && !h.untouched);
  return { ok, ...o, hosts, stats };
}

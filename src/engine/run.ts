// Runs a playbook across the inventory: hosts concurrently up to --forks,
// one connection per host for the whole run, plays in order, batches by `serial`.
import pLimit from 'p-limit';
import type { InventoryHost } from '../config/inventory.js';
import { selectHosts } from '../config/inventory.js';
import type { Play } from '../config/types.js';
import { UnreachableError, errorMessage } from '../errors.js';
import { FactCache } from '../facts/cache.js';
import type { Transport } from '../transport/types.js';
import { Barriers } from './barrier.js';
import { splitBatches } from './batches.js';
import type { EngineInput, HostContext } from './context.js';
import type { EngineBus, RunReport, TaskResult } from './events.js';
import { runHostPlay } from './host-runner.js';
import { runHealthGate } from './health.js';
import { hostRecap } from './recap.js';
import { readVar } from './unknown.js';

interface HostState {
  transport?: Transport;
  registered: Record<string, unknown>;
  results: TaskResult[];
  failed: boolean;
  unreachable: boolean;
  touched: boolean;
  guardLogins: number;
  closedStats: { connections: number; execs: number; bytesSent: number };
}

export async function runPlaybook(input: EngineInput): Promise<RunReport> {
  const started = Date.now();
  const { inventory, options, bus } = input;
  const limited = input.limit ? new Set(selectHosts(inventory, input.limit, { what: '--limit' }).map((h) => h.name)) : undefined;
  const states = new Map<string, HostState>();
  const state = (name: string) => {
    let s = states.get(name);
    if (!s) {
      s = { registered: {}, results: [], failed: false, unreachable: false, touched: false, guardLogins: 0, closedStats: { connections: 0, execs: 0, bytesSent: 0 } };
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
      const hosts = selectHosts(inventory, play.hosts, { what: `play "${play.name}" hosts` }).filter((h) => !limited || limited.has(h.name));
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
        if (play.health.length || batches.length > 1) await runHealthGate({ play, batch, states: (n) => state(n), input, hostvars, groups });
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
    await Promise.all([...states.values()].map((s) => s.transport?.close()));
  }

  async function runOnHost(host: InventoryHost, play: Play, barriers: Barriers): Promise<boolean> {
    const s = state(host.name);
    s.touched = true;
    bus.emit('host:start', { host: host.name, play: play.name });
    try {
      if (!s.transport) {
        bus.emit('host:phase', { host: host.name, play: play.name, phase: 'connecting' });
        s.transport = await input.connect(host);
      }
      const ctx: HostContext = {
        host,
        transport: s.transport,
        cache: new FactCache(s.transport, () => play.become),
        options,
        bus,
        hv: { host, play, registered: s.registered, extraVars: options.extraVars, check: options.check, groups, hostvars },
        pendingPackages: new Set(),
        notified: new Set(),
        maybeNotified: new Set(),
        results: s.results,
        openFresh: (timeoutMs) => input.connect(host, { timeoutMs }),
        reconnect: async (timeoutMs) => {
          const old = s.transport!;
          const fresh = await input.connect(host, { timeoutMs });
          addStats(s, old);
          await old.close();
          s.transport = fresh;
          ctx.transport = fresh;
          ctx.cache = new FactCache(s.transport, () => play.become);
        },
        guardLogins: 0,
      };
      hostvars[host.name] = new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? (s.registered[k] ?? host.vars[k]) : undefined), has: (_t, k) => typeof k === 'string' && (k in s.registered || k in host.vars) });
      const ok = await runHostPlay(ctx, play, barriers);
      s.guardLogins += ctx.guardLogins;
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

function addStats(s: HostState, t: Transport): void {
  s.closedStats.connections += t.counters.connections;
  s.closedStats.execs += t.counters.execs;
  s.closedStats.bytesSent += t.counters.bytesSent;
}

function buildReport(states: Map<string, HostState>, o: { check: boolean; durationMs: number; interrupted: boolean; rolling: boolean }): RunReport {
  const hosts: RunReport['hosts'] = {};
  const stats: RunReport['stats'] = { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} };
  for (const [name, s] of states) {
    hosts[name] = { ...hostRecap(s.results, { unreachable: s.unreachable, touched: s.touched }), tasks: s.results };
    if (s.transport) addStats(s, s.transport);
    stats.connections[name] = s.closedStats.connections;
    stats.execs[name] = s.closedStats.execs;
    stats.bytesSent += s.closedStats.bytesSent;
    stats.guardLogins[name] = s.guardLogins;
  }
  const ok = Object.values(hosts).every((h) => h.failed === 0 && !h.unreachable && !h.untouched);
  return { ok, ...o, hosts, stats };
}

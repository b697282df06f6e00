// What the run had finished when a second Ctrl-C cut it off: a report built
// from the engine's events, so the abort still ends with a recap.
import type { RunReport, TaskResult } from '../engine/events.js';
import type { MaskedBus } from './mask.js';
import { hostRecap } from '../engine/recap.js';

// From the masked events: what it holds goes straight to the terminal.
export function partialReport(bus: MaskedBus, check: boolean): () => RunReport {
  const started = Date.now();
  const hosts = new Map<string, { results: TaskResult[]; touched: boolean; unreachable: boolean }>();
  const host = (name: string) => {
    let h = hosts.get(name);
    if (!h) hosts.set(name, (h = { results: [], touched: false, unreachable: false }));
    return h;
  };
  bus.on('play:start', (e) => e.hosts.forEach(host));
  bus.on('host:start', (e) => (host(e.host).touched = true));
  bus.on('task:end', (r) => host(r.host).results.push(r));
  bus.on('host:end', (e) => (host(e.host).unreachable ||= e.unreachable));
  return () => ({
    ok: false,
    check,
    interrupted: true,
    aborted: true,
    hosts: Object.fromEntries([...hosts].map(([name, h]) => [name, { ...hostRecap(h.results, h), tasks: h.results }])),
    durationMs: Date.now() - started,
    stats: { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} },
  });
}

// The health gate after each batch of a rolling update: every host must
// accept a fresh SSH login and pass the play's `health` tasks before the next
// batch may start. A host that fails its gate counts as failed (toward
// max_fail_percentage); one that refuses the login counts as unreachable.
import pLimit from 'p-limit';
import type { InventoryHost } from '../config/inventory.js';
import type { Play, TaskDef } from '../config/types.js';
import { UnreachableError, errorMessage } from '../errors.js';
import { systemProbe } from '../facts/system.js';
import { hostContext, type HostContext, type RunOptions } from './context.js';
import { EngineBus, type TaskResult } from './events.js';
import type { RemoteHost } from './host.js';
import { sudo } from './sudo.js';
import { runTask } from './task-runner.js';

// The parts of the engine's per-host state the gate reads and updates.
export interface GateHostState {
  failed: boolean;
  unreachable: boolean;
  results: TaskResult[];
  registered: Record<string, unknown>;
  remote: RemoteHost;
}

export interface HealthGateInput {
  play: Play;
  batch: InventoryHost[];
  states: (name: string) => GateHostState;
  options: RunOptions;
  bus: EngineBus;
  hostvars: Record<string, Record<string, unknown>>;
  groups: Record<string, string[]>;
}

const LOGIN_TASK = 'health: fresh SSH login';
// Modules that only read (or whose run is the check itself): run them for real, even under --check.
const LIVE_CHECKS = new Set(['command', 'shell', 'assert', 'debug', 'set_fact']);

export async function runHealthGate(gate: HealthGateInput): Promise<void> {
  const limit = pLimit(Math.max(1, gate.options.forks));
  const waiting = gate.batch.filter((h) => {
    const s = gate.states(h.name);
    return !s.failed && !s.unreachable;
  });
  await Promise.all(waiting.map((host) => limit(() => checkHost(gate, host))));
}

// One host's gate: a brand-new connection (not the run's), then each health task on it.
async function checkHost(gate: HealthGateInput, host: InventoryHost): Promise<void> {
  const { play } = gate;
  const state = gate.states(host.name);
  if (gate.options.stopping()) return;
  const started = Date.now();
  let fresh: RemoteHost;
  try {
    fresh = await state.remote.freshSession(play);
    const r = await fresh.exec('true', { become: sudo({ kind: 'login' }) });
    if (r.failed) throw new UnreachableError(`a fresh login ran "true" with exit ${r.exitCode}`, { host: host.name });
  } catch (err) {
    if (!(err instanceof UnreachableError)) throw err;
    state.unreachable = true;
    report(gate, state, { host: host.name, play: play.name, task: LOGIN_TASK, status: 'unreachable', changes: [], msg: errorMessage(err), durationMs: Date.now() - started });
    return;
  }
  try {
    report(gate, state, { host: host.name, play: play.name, task: LOGIN_TASK, status: 'ok', changes: [], durationMs: Date.now() - started });
    const ctx = healthContext(gate, fresh, state);
    if (usesFacts(play.health)) ctx.hv.facts = await ctx.cache.get(systemProbe);
    for (const task of play.health) {
      const r = await runHealthTask(ctx, task);
      report(gate, state, r);
      if (r.status === 'failed' && !r.ignored) {
        state.failed = true;
        return;
      }
    }
  } catch (err) {
    if (!(err instanceof UnreachableError)) throw err;
    state.unreachable = true;
    report(gate, state, { host: host.name, play: play.name, task: 'health', status: 'unreachable', changes: [], msg: errorMessage(err), durationMs: Date.now() - started });
  } finally {
    await fresh.close();
  }
}

// A check passes when it succeeds and would change nothing: `command` and
// friends run for real (they are the check), state modules (e.g. `systemd`)
// only plan, and a planned change means the host is not in the state it should be.
async function runHealthTask(ctx: HostContext, task: TaskDef): Promise<TaskResult> {
  const live = LIVE_CHECKS.has(task.module);
  const def: TaskDef = live ? { ...task, checkMode: false, changedWhen: false } : { ...task, checkMode: undefined };
  const r = await runTask(ctx, def);
  const out: TaskResult = { ...r, task: `health: ${task.name}` };
  if (out.status === 'changed' || out.status === 'unknown') {
    out.msg = out.status === 'unknown' ? `cannot prove the expected state: ${out.msg}` : `not in the expected state: would ${out.changes.map((c) => c.summary).join('; ')}`;
    out.status = 'failed';
    out.changes = [];
  }
  if (out.status === 'failed' && task.ignoreErrors) out.ignored = true;
  return out;
}

// The task runner records into its own list and a private bus; the gate
// rewrites each result (name, changed -> failed) before the real bus sees it.
function healthContext(gate: HealthGateInput, fresh: RemoteHost, state: GateHostState): HostContext {
  const { play } = gate;
  const bus = new EngineBus();
  bus.on('exec', (e) => gate.bus.emit('exec', e));
  bus.on('warning', (e) => gate.bus.emit('warning', e));
  bus.on('task:start', (e) => gate.bus.emit('task:start', { ...e, task: `health: ${e.task}` }));
  const hv = { host: fresh.host, play, registered: state.registered, extraVars: gate.options.extraVars, check: gate.options.check, groups: gate.groups, hostvars: gate.hostvars };
  // Health tasks never apply changes, whatever the run's mode.
  return hostContext(fresh, { options: { ...gate.options, check: true }, bus, hv, results: [] });
}

function report(gate: HealthGateInput, state: GateHostState, r: TaskResult): void {
  state.results.push(r);
  gate.bus.emit('task:end', r);
}

function usesFacts(tasks: TaskDef[]): boolean {
  return /\bfacts\b/.test(JSON.stringify(tasks.map((t) => [t.args, t.when])));
}

// The engine never prints: it emits events, and renderers (listr2 on a
// terminal, plain lines in CI, JSON to a file) subscribe.
import { EventEmitter } from 'node:events';
import type { FileDiff } from '../modules/types.js';

// `unknown`: check mode cannot know the outcome (it depends on running a
// command that check mode does not run); it counts as possible drift.
export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable' | 'unknown';

export interface ChangeReport {
  summary: string;
  diff?: FileDiff;
}

export interface TaskResult {
  host: string;
  play: string;
  role?: string;
  task: string;
  // The module the task ran (absent for the connection attempt).
  module?: string;
  status: TaskStatus;
  changes: ChangeReport[];
  msg?: string;
  // From the plan (Plan.warnings): printed in the recap, listed in the JSON report.
  warnings?: string[];
  durationMs: number;
  ignored?: boolean;
  handler?: boolean;
  // The task says no_log: its command, output, changes and result are shown nowhere.
  noLog?: boolean;
}

// Why the engine skipped a task. It says nothing about the task's data, so
// it is shown even for a no_log task.
export const SKIPPED_CONDITION = 'condition false';

export interface HostRecap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  // Tasks whose outcome check mode cannot know (possible drift).
  unknown: number;
  unreachable: boolean;
  // Never started because the rollout stopped before its batch.
  untouched?: boolean;
}

export interface RunReport {
  ok: boolean;
  check: boolean;
  interrupted: boolean;
  // Cut off by a second Ctrl-C: the counts are what had finished by then.
  aborted?: boolean;
  // Some play ran in several batches (serial).
  rolling?: boolean;
  hosts: Record<string, HostRecap & { tasks: TaskResult[] }>;
  durationMs: number;
  stats: { connections: Record<string, number>; execs: Record<string, number>; bytesSent: number; guardLogins: Record<string, number> };
}

export interface EngineEvents {
  'play:start': { play: string; hosts: string[] };
  'batch:start': { play: string; batch: number; hosts: string[] };
  'batch:end': { play: string; batch: number; failed: string[] };
  'host:start': { host: string; play: string };
  // What a host is doing before its next task: connecting, gathering facts.
  'host:phase': { host: string; play: string; phase: string };
  'task:start': { host: string; play: string; role?: string; task: string; noLog?: boolean };
  'task:end': TaskResult;
  'host:end': { host: string; play: string; failed: boolean; unreachable: boolean };
  // `hidden`: the command carried secret content; its output is not shown.
  'exec': { host: string; command: string; exitCode: number; stdout: string; stderr: string; durationMs: number; hidden?: boolean };
  'warning': { host?: string; message: string };
  'run:end': RunReport;
}

export class EngineBus {
  private readonly emitter = new EventEmitter();
  on<K extends keyof EngineEvents>(event: K, fn: (e: EngineEvents[K]) => void): void {
    this.emitter.on(event, fn);
  }
  emit<K extends keyof EngineEvents>(event: K, payload: EngineEvents[K]): void {
    this.emitter.emit(event, payload);
  }
}

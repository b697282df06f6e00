// The one boundary between the engine and every sink (listr view, plain
// lines, -v / -vv, JSON, drift reports, error messages): an engine event
// becomes masked data here, and renderers only ever see what this returns.
// Secret values (src/secrets.ts) become ********; a no_log task shows its
// status and that its output was hidden, never its command, output, changes
// or result.
import { EngineBus, SKIPPED_CONDITION, type ChangeReport, type EngineEvents, type RunReport, type TaskResult } from '../engine/events.js';
import { maskText } from '../secrets.js';

// What has passed the boundary. Sinks take only these types, so an unmasked
// report or bus cannot reach them by mistake.
declare const masked: unique symbol;
export type Masked<T> = T & { readonly [masked]: true };
export type MaskedBus = Masked<Pick<EngineBus, 'on'>>;

export const HIDDEN_OUTPUT = '(output hidden by no_log)';
export const HIDDEN_CHANGE = '(change hidden by no_log)';
export const HIDDEN_COMMAND = '(command hidden by no_log)';

// Skip reasons that say nothing about a task's data.
const ENGINE_REASONS = [SKIPPED_CONDITION, 'not run in check mode'];
const engineReason = (msg: string) => msg.split('; ').every((part) => ENGINE_REASONS.some((r) => part.startsWith(r)));

export const maskMessage = maskText;

function maskChange(c: ChangeReport): ChangeReport {
  if (!c.diff) return { summary: maskText(c.summary) };
  const d = c.diff;
  const diff = d.secret
    ? { path: maskText(d.path), before: null, after: null, secret: true }
    : { path: maskText(d.path), before: d.before === null ? null : maskText(d.before), after: d.after === null ? null : maskText(d.after) };
  return { summary: maskText(c.summary), diff };
}

export function maskResult(r: TaskResult): TaskResult {
  const task = maskText(r.task);
  const warnings = r.warnings === undefined ? {} : { warnings: r.warnings.map((w) => maskText(w)) };
  if (r.noLog) {
    const msg = r.msg === undefined ? undefined : r.status === 'skipped' && engineReason(r.msg) ? r.msg : HIDDEN_OUTPUT;
    return { ...r, task, msg, ...warnings, changes: r.changes.map(() => ({ summary: HIDDEN_CHANGE })) };
  }
  return { ...r, task, msg: r.msg === undefined ? undefined : maskText(r.msg), ...warnings, changes: r.changes.map(maskChange) };
}

export function maskReport(report: RunReport): Masked<RunReport> {
  const hosts = Object.fromEntries(Object.entries(report.hosts).map(([name, h]) => [name, { ...h, tasks: h.tasks.map(maskResult) }]));
  return { ...report, hosts } as Masked<RunReport>;
}

// A bus carrying the engine's events, masked. Remote executions of a host
// between the start and the end of a no_log task belong to that task (a host
// runs one task at a time), so they show neither command nor output; a
// batched fact read ahead of it is marked `hidden` (engine/prefetch.ts).
export function maskedBus(engine: EngineBus): MaskedBus {
  const view = new EngineBus();
  const inNoLog = new Set<string>();
  // One entry per event kind: the compiler refuses a new kind that is not masked here.
  const maskers: { [K in keyof EngineEvents]: (e: EngineEvents[K]) => EngineEvents[K] } = {
    'play:start': (e) => ({ ...e, play: maskText(e.play) }),
    'batch:start': (e) => ({ ...e, play: maskText(e.play) }),
    'batch:end': (e) => ({ ...e, play: maskText(e.play) }),
    'host:start': (e) => ({ ...e, play: maskText(e.play) }),
    'host:phase': (e) => ({ ...e, play: maskText(e.play), phase: maskText(e.phase) }),
    'host:end': (e) => ({ ...e, play: maskText(e.play) }),
    'task:start': (e) => {
      if (e.noLog) inNoLog.add(e.host);
      else inNoLog.delete(e.host);
      return { ...e, play: maskText(e.play), task: maskText(e.task) };
    },
    'task:end': (r) => {
      inNoLog.delete(r.host);
      return maskResult(r);
    },
    exec: (e) => {
      if (inNoLog.has(e.host)) return { ...e, command: HIDDEN_COMMAND, stdout: '', stderr: '', hidden: true };
      if (e.hidden) return { ...e, command: maskText(e.command), stdout: '', stderr: '' };
      return { ...e, command: maskText(e.command), stdout: maskText(e.stdout), stderr: maskText(e.stderr) };
    },
    warning: (w) => ({ ...w, message: maskText(w.message) }),
    'run:end': maskReport,
  };
  for (const event of Object.keys(maskers) as (keyof EngineEvents)[]) {
    const mask = maskers[event] as (e: unknown) => never;
    engine.on(event, (e) => view.emit(event, mask(e)));
  }
  return view as unknown as MaskedBus;
}

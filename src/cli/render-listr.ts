// Terminal progress: a listr2 view with one line per host showing what it is
// doing (connecting, gathering facts, its current task), then the same
// summary as the plain view: changes, what check mode cannot know (unknown),
// failures, recap, rollout and drift.
import { Listr } from 'listr2';
import type { TaskResult } from '../engine/events.js';
import type { MaskedBus } from './mask.js';
import { changeLines, taskLabel } from './format.js';
import type { Renderer, RenderOptions } from './render-plain.js';
import { summaryLines } from './summary.js';

// One host's line in one play. Events may arrive before listr2 has started
// the line's task (a host that is unreachable ends at once): the line keeps
// its state and hands it over when the task attaches, so it always ends.
class HostLine {
  private title = '';
  private task?: { title: string };
  private settle?: (error?: string) => void;
  private ended?: { error?: string };

  constructor(
    private readonly host: string,
    private readonly note: () => string,
  ) {}

  attach(task: { title: string }, settle: (error?: string) => void): void {
    this.task = task;
    this.settle = settle;
    this.render();
    if (this.ended) settle(this.ended.error);
  }

  setTitle(title: string): void {
    if (this.ended) return;
    this.title = title;
    this.render();
  }

  finish(error?: string, title = error ? 'failed' : 'done'): void {
    if (this.ended) return;
    this.ended = { error };
    this.title = title;
    this.render();
    this.settle?.(error);
  }

  render(): void {
    if (!this.task) return;
    const note = this.ended ? '' : this.note();
    this.task.title = [this.host, this.title, note].filter(Boolean).join('  ');
  }

  get open(): boolean {
    return !this.ended;
  }
}

export function listrRenderer(bus: MaskedBus, o: RenderOptions): Renderer {
  const current = new Map<string, HostLine>();
  let runs: Promise<unknown> = Promise.resolve();
  const changed: TaskResult[] = [];
  const unknown: TaskResult[] = [];
  const failures: TaskResult[] = [];
  const warnings: string[] = [];
  let note = '';
  const noteText = () => note;

  bus.on('play:start', (e) => {
    const lines = e.hosts.map((host) => new HostLine(host, noteText));
    e.hosts.forEach((host, i) => current.set(host, lines[i]));
    const list = new Listr(
      e.hosts.map((host, i) => ({
        title: host,
        task: (_ctx: unknown, task: { title: string }) =>
          new Promise<void>((resolve, reject) => lines[i].attach(task, (err) => (err ? reject(new Error(err)) : resolve()))),
      })),
      { concurrent: true, exitOnError: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
    );
    // One view at a time: the next play's view starts when this one has drawn its last frame.
    runs = runs.then(() => list.run().catch(() => undefined));
  });
  bus.on('host:phase', (e) => current.get(e.host)?.setTitle(e.phase));
  bus.on('task:start', (e) => current.get(e.host)?.setTitle(taskLabel(e)));
  bus.on('task:end', (r) => {
    if (r.status === 'changed') changed.push(r);
    if (r.status === 'unknown') unknown.push(r);
    if (r.status === 'failed' || r.status === 'unreachable') failures.push(r);
  });
  bus.on('warning', (w) => warnings.push(`${w.host ? `${w.host} | ` : ''}${w.message}`));
  bus.on('host:end', (e) => {
    const last = failures.filter((f) => f.host === e.host).pop();
    const err = e.failed ? (last ? `${taskLabel(last)}: ${last.msg ?? last.status}` : 'failed') : undefined;
    current.get(e.host)?.finish(err, e.unreachable ? 'unreachable' : undefined);
  });
  let report: Parameters<typeof summaryLines>[0] | undefined;
  bus.on('run:end', (r) => (report = r));

  const endAll = (why: string) => {
    for (const line of current.values()) if (line.open) line.finish(why, why);
  };
  const printSummary = () => {
    const write = (s: string) => o.out.write(s + '\n');
    if (changed.length) {
      write('\nCHANGES');
      for (const r of changed) {
        write(`${r.host} | ${taskLabel(r)}`);
        for (const l of changeLines(r, o.diff)) write(l);
      }
    }
    if (warnings.length) {
      write('\nWARNINGS');
      for (const w of warnings) write(`  ${w}`);
    }
    if (unknown.length) {
      write('\nUNKNOWN (check mode cannot know: possible drift)');
      for (const r of unknown) {
        write(`${r.host} | ${taskLabel(r)} | ${r.msg ?? 'unknown'}`);
        for (const l of changeLines(r, o.diff)) write(l);
      }
    }
    if (failures.length) {
      write('\nFAILURES');
      for (const f of failures) write(`${f.host}\n  └─ ${taskLabel(f)}\n     └─ ${f.msg ?? f.status}`);
    }
  };
  return {
    interrupted() {
      note = '(interrupted: finishing this step, starting nothing new)';
      for (const line of current.values()) line.render();
    },
    async abort() {
      endAll('aborted');
      await runs;
      printSummary();
    },
    async done() {
      // Every host has ended by now; a line that never heard so is closed rather than left spinning.
      endAll('not started');
      await runs;
      printSummary();
      if (report) {
        o.out.write('\n');
        for (const l of summaryLines(report)) o.out.write(l + '\n');
      }
    },
  };
}

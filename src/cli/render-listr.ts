// Terminal progress: a listr2 view with one line per host showing its
// current task, a tree of failures, then the recap.
import { Listr } from 'listr2';
import type { EngineBus, TaskResult } from '../engine/events.js';
import { maskText } from '../secrets.js';
import { changeLines, recapLines, resultLine, taskLabel } from './format.js';
import type { RenderOptions } from './render-plain.js';

interface HostLine {
  setTitle(title: string): void;
  finish(error?: string): void;
}

export function listrRenderer(bus: EngineBus, o: RenderOptions): { done(): Promise<void> } {
  const lines = new Map<string, HostLine>();
  const pending = new Map<string, { title?: string; end?: string | null }>();
  const runs: Promise<unknown>[] = [];
  const changed: TaskResult[] = [];
  const failures: TaskResult[] = [];

  bus.on('play:start', (e) => {
    const list = new Listr(
      e.hosts.map((host) => ({
        title: host,
        task: (_ctx: unknown, task: { title: string }) =>
          new Promise<void>((resolve, reject) => {
            const line: HostLine = {
              setTitle: (t) => (task.title = `${host}  ${t}`),
              finish: (err) => (err ? reject(new Error(err)) : resolve()),
            };
            lines.set(host, line);
            const p = pending.get(host);
            if (p?.title) line.setTitle(p.title);
            if (p?.end !== undefined) line.finish(p.end ?? undefined);
          }),
      })),
      { concurrent: true, exitOnError: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
    );
    runs.push(list.run().catch(() => undefined));
  });
  const update = (host: string, f: (l: HostLine) => void, p: { title?: string; end?: string | null }) => {
    const line = lines.get(host);
    if (line) f(line);
    else pending.set(host, { ...pending.get(host), ...p });
  };
  bus.on('task:start', (e) => {
    const t = taskLabel(e);
    update(e.host, (l) => l.setTitle(t), { title: t });
  });
  bus.on('task:end', (r) => {
    if (r.status === 'changed') changed.push(r);
    if (r.status === 'failed' || r.status === 'unreachable') failures.push(r);
  });
  bus.on('host:end', (e) => {
    const last = failures.filter((f) => f.host === e.host).pop();
    const err = e.failed ? maskText(last ? `${taskLabel(last)}: ${last.msg ?? last.status}` : 'failed') : undefined;
    update(e.host, (l) => {
      if (!err) l.setTitle('done');
      l.finish(err);
      lines.delete(e.host);
    }, { end: err ?? null });
    pending.delete(e.host);
  });
  let report: Parameters<typeof recapLines>[0] | undefined;
  bus.on('run:end', (r) => (report = r));
  return {
    async done() {
      await Promise.all(runs);
      const write = (s: string) => o.out.write(s + '\n');
      if (changed.length) {
        write('\nCHANGES');
        for (const r of changed) {
          write(resultLine(r));
          for (const l of changeLines(r, o.diff)) write(l);
        }
      }
      if (failures.length) {
        write('\nFAILURES');
        for (const f of failures) write(`${f.host}\n  └─ ${taskLabel(f)}\n     └─ ${maskText(f.msg ?? f.status)}`);
      }
      if (report) {
        write('');
        for (const l of recapLines(report)) write(l);
      }
    },
  };
}

// Plain lines for CI and pipes: `HOST | TASK | ok|changed|failed|skipped`.
import type { EngineBus } from '../engine/events.js';
import { maskText } from '../secrets.js';
import { driftSummaryLines } from './drift.js';
import { changeLines, recapLines, resultLine } from './format.js';
import { rolloutLines } from './rollout.js';

export interface RenderOptions {
  diff: boolean;
  verbose: number;
  out: NodeJS.WritableStream;
}

export function plainRenderer(bus: EngineBus, o: RenderOptions): { done(): Promise<void> } {
  const write = (s: string) => o.out.write(s + '\n');
  bus.on('play:start', (e) => write(`PLAY ${e.play} (${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'})`));
  bus.on('batch:start', (e) => write(`BATCH ${e.batch}: ${e.hosts.join(', ')}`));
  bus.on('task:end', (r) => {
    write(resultLine(r));
    for (const l of changeLines(r, o.diff)) write(l);
  });
  bus.on('warning', (w) => write(`WARNING${w.host ? ` ${w.host}` : ''} | ${maskText(w.message)}`));
  bus.on('exec', (e) => {
    if (o.verbose >= 2 || (o.verbose >= 1 && e.exitCode !== 0)) {
      write(maskText(`  [${e.host}] $ ${e.command.split('\n')[0].slice(0, 200)} (exit ${e.exitCode}, ${e.durationMs}ms)`));
      const body = (e.stdout + e.stderr).trim();
      if (body && (o.verbose >= 2 || e.exitCode !== 0)) write(maskText(body.split('\n').slice(-20).map((l) => `    ${l}`).join('\n')));
    }
  });
  bus.on('run:end', (report) => {
    write('');
    for (const l of recapLines(report)) write(l);
    for (const l of rolloutLines(report)) write(l);
    if (report.check) for (const l of driftSummaryLines(report)) write(l);
  });
  return { done: async () => undefined };
}

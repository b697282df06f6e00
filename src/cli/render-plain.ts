// Plain lines for CI and pipes: `HOST | TASK | ok|changed|failed|skipped|unknown`
// (unknown: check mode only, with the reason), from the masked events of cli/mask.ts.
import type { MaskedBus } from './mask.js';
import { changeLines, resultLine } from './format.js';
import { summaryLines } from './summary.js';

export interface RenderOptions {
  diff: boolean;
  verbose: number;
  out: NodeJS.WritableStream;
}

// A view of the engine's events. `interrupted` follows the first Ctrl-C,
// `abort` the second (the run is cut off: end the view, no report follows).
export interface Renderer {
  interrupted(): void;
  abort(): Promise<void>;
  done(): Promise<void>;
}

export function plainRenderer(bus: MaskedBus, o: RenderOptions): Renderer {
  const write = (s: string) => o.out.write(s + '\n');
  bus.on('play:start', (e) => write(`PLAY ${e.play} (${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'})`));
  bus.on('batch:start', (e) => write(`BATCH ${e.batch}: ${e.hosts.join(', ')}`));
  bus.on('task:end', (r) => {
    write(resultLine(r));
    for (const l of changeLines(r, o.diff)) write(l);
  });
  bus.on('warning', (w) => write(`WARNING${w.host ? ` ${w.host}` : ''} | ${w.message}`));
  bus.on('exec', (e) => {
    if (o.verbose >= 2 || (o.verbose >= 1 && e.exitCode !== 0)) {
      write(`  [${e.host}] $ ${e.command.split('\n')[0].slice(0, 200)} (exit ${e.exitCode}, ${e.durationMs}ms)`);
      const body = (e.stdout + e.stderr).trim();
      if (e.hidden) write('    (output hidden)');
      else if (body && (o.verbose >= 2 || e.exitCode !== 0)) write(body.split('\n').slice(-20).map((l) => `    ${l}`).join('\n'));
    }
  });
  bus.on('run:end', (report) => {
    write('');
    for (const l of summaryLines(report)) write(l);
  });
  return { interrupted: () => undefined, abort: async () => undefined, done: async () => undefined };
}

// One engine run behind the masking boundary and a view (listr2 or plain
// lines), with Ctrl-C handling: the first stops starting new work, the
// second aborts with what had finished. Used by a run and by `pirun apply`.
import { EngineBus, type RunReport } from '../engine/events.js';
import { EXIT } from './load-run.js';
import { maskedBus, maskReport, type Masked } from './mask.js';
import { partialReport } from './partial-report.js';
import { listrRenderer } from './render-listr.js';
import { plainRenderer, type Renderer } from './render-plain.js';
import { summaryLines } from './summary.js';

export interface ViewOptions {
  check: boolean;
  diff: boolean;
  verbose: number;
  progress?: 'auto' | 'listr' | 'plain';
  json?: string;
}

export async function renderedRun(o: ViewOptions, run: (bus: EngineBus, stopping: () => boolean) => Promise<RunReport>): Promise<Masked<RunReport>> {
  const bus = new EngineBus();
  // Renderers and reports see the engine's events only through the masking boundary.
  const view = maskedBus(bus);
  const interactive = o.progress === 'listr' || (o.progress === 'auto' && process.stdout.isTTY && !process.env.CI && o.json !== '-');
  const out = o.json === '-' ? process.stderr : process.stdout;
  const renderer = interactive ? listrRenderer(view, { diff: o.diff, verbose: o.verbose, out }) : plainRenderer(view, { diff: o.diff, verbose: o.verbose, out });

  const partial = partialReport(view, o.check);
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\nInterrupted: finishing running steps, starting nothing new (Ctrl-C again to abort now)\n');
      renderer.interrupted();
    } else if (interrupts === 2) {
      void abortNow(renderer, partial, out);
    } else process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSigint);
  try {
    const report = maskReport(await run(bus, () => interrupts > 0));
    await renderer.done();
    return report;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

// The second Ctrl-C: end the view, say what had finished, exit at once.
// Steps still running on a host are cut off with the connection.
async function abortNow(renderer: Renderer, partial: () => RunReport, out: NodeJS.WritableStream): Promise<never> {
  await Promise.race([renderer.abort(), new Promise((r) => setTimeout(r, 2000))]);
  out.write('\n');
  for (const l of summaryLines(partial())) out.write(l + '\n');
  process.stderr.write('Aborted: steps that were running on a host were cut off and may have stopped halfway\n');
  process.exit(EXIT.interrupted);
}

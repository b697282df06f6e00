// pirun's entry point: parse flags, load and check everything before any
// host is touched, run, render, and exit with a code that says what happened.
import { ansibleList, describeInventory } from '../config/inventory-view.js';
import { loadInventory, selectHosts } from '../config/inventory.js';
import { loadPlaybook } from '../config/playbook.js';
import type { Play } from '../config/types.js';
import { EngineBus, type RunReport } from '../engine/events.js';
import { preflight } from '../engine/preflight.js';
import { runPlaybook } from '../engine/run.js';
import { isUserError } from '../errors.js';
import { registerSecretValue, registerSecretVars } from '../secrets.js';
import { maskedBus, maskMessage, maskReport } from './mask.js';
import { connectionSecrets, connector } from './connect.js';
import { checkWritable, parseSerial } from './flag-checks.js';
import { parseExtraVars } from './extra-vars.js';
import { writeJson } from './json-report.js';
import { buildInventoryProgram, buildProgram, type CliOptions, type InventoryOptions } from './options.js';
import { promptSecret } from './prompt.js';
import { partialReport } from './partial-report.js';
import { plainRenderer, type Renderer } from './render-plain.js';
import { summaryLines } from './summary.js';
import { listrRenderer } from './render-listr.js';
import { REPORT_FORMATS, writeDriftReport } from './drift-report.js';
import { dirname, extname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

export const EXIT = { ok: 0, config: 1, failed: 2, drift: 3, unreachable: 4, interrupted: 130 } as const;

async function inventoryCommand(argv: string[]): Promise<number> {
  const program = buildInventoryProgram().exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const opts = program.opts<InventoryOptions>();
  const inv = loadInventory(opts.inventory, { playbookDir: opts.playbookDir });
  if (opts.limit !== undefined) selectHosts(inv, opts.limit, { what: '--limit' });
  process.stdout.write((opts.list ? JSON.stringify(ansibleList(inv), null, 4) : describeInventory(inv)) + '\n');
  return EXIT.ok;
}

// Secret-named values of a play, its vars_files, roles (parameters, defaults) and tasks (`vars:`).
function registerPlaySecrets(play: Play): void {
  registerSecretVars(play.vars);
  for (const role of play.roles) {
    registerSecretVars(role.params);
    registerSecretVars(role.defaults);
  }
  for (const task of [...play.tasks, ...play.handlers, ...play.health]) registerSecretVars(task.vars);
}

export function exitCodeFor(report: RunReport, expectNoChanges: boolean): number {
  if (report.interrupted) return EXIT.interrupted;
  const hosts = Object.values(report.hosts);
  if (hosts.some((h) => h.unreachable)) return EXIT.unreachable;
  if (hosts.some((h) => h.failed > 0 || h.untouched)) return EXIT.failed;
  // A task check mode cannot know may change the host: possible drift.
  if (expectNoChanges && hosts.some((h) => h.changed > 0 || h.unknown > 0)) return EXIT.drift;
  return EXIT.ok;
}

async function runCommand(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const opts = program.opts<CliOptions>();
  const playbookFile = program.args[0];
  const extraVars = parseExtraVars(opts.extraVars);
  registerSecretVars(extraVars);

  // Everything that can be wrong with the input fails here, before a connection.
  if (opts.report && !(REPORT_FORMATS as readonly string[]).includes(extname(opts.report).toLowerCase())) {
    throw new ConfigError(`Invalid --report "${opts.report}": the file name must end in ${REPORT_FORMATS.join(', ')}`);
  }
  const serial = parseSerial(opts.serial);
  if (opts.json && opts.json !== '-') checkWritable(opts.json, '--json');
  if (opts.report) checkWritable(opts.report, '--report');
  const inventory = loadInventory(opts.inventory, { playbookDir: dirname(resolve(playbookFile)) });
  const playbook = loadPlaybook(playbookFile);
  // Literal secrets are known before anything runs (an error may quote them);
  // templated ones are registered once rendered (engine/scope.ts).
  for (const h of inventory.hosts.values()) registerSecretVars(h.vars);
  for (const play of playbook.plays) registerPlaySecrets(play);
  const limited = opts.limit ? new Set(selectHosts(inventory, opts.limit, { what: '--limit' }).map((h) => h.name)) : undefined;
  for (const play of playbook.plays) {
    const hosts = selectHosts(inventory, play.hosts, { what: `play "${play.name}" hosts` }).filter((h) => !limited || limited.has(h.name));
    for (const h of hosts) {
      const login = connectionSecrets(h, extraVars);
      registerSecretValue(login.password);
      registerSecretValue(login.becomePassword);
    }
    preflight(play, hosts, extraVars);
  }

  const secrets: { password?: string; becomePassword?: string } = {};
  if (opts.askPass) secrets.password = await promptSecret('SSH password: ');
  if (opts.askBecomePass) secrets.becomePassword = await promptSecret('BECOME (sudo) password: ');
  registerSecretValue(secrets.password);
  registerSecretValue(secrets.becomePassword);

  const bus = new EngineBus();
  // Renderers and reports see the engine's events only through the masking boundary.
  const view = maskedBus(bus);
  const interactive = opts.progress === 'listr' || (opts.progress === 'auto' && process.stdout.isTTY && !process.env.CI && opts.json !== '-');
  const out = opts.json === '-' ? process.stderr : process.stdout;
  const renderer = interactive ? listrRenderer(view, { diff: opts.diff, verbose: opts.verbose, out }) : plainRenderer(view, { diff: opts.diff, verbose: opts.verbose, out });

  const partial = partialReport(view, opts.check);
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
    const report = maskReport(await runPlaybook({
      playbook,
      inventory,
      limit: opts.limit,
      serial,
      bus,
      connect: connector(opts, secrets, bus, extraVars),
      options: {
        check: opts.check,
        diff: opts.diff,
        tags: opts.tags ? opts.tags.split(',').map((t) => t.trim()) : [],
        skipTags: opts.skipTags ? opts.skipTags.split(',').map((t) => t.trim()) : [],
        extraVars,
        forks: opts.forks,
        forceHandlers: opts.forceHandlers,
        stopping: () => interrupts > 0,
      },
    }));
    await renderer.done();
    if (opts.json) writeJson(report, opts.json);
    if (opts.report) writeDriftReport(report, opts.report);
    return exitCodeFor(report, opts.expectNoChanges);
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

// A reader that goes away (`pirun … | head`) must not crash the run or stop
// it halfway on a host: later output is dropped and the run ends with its
// own exit code.
function survivePipeClose(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  survivePipeClose();
  try {
    if (argv[0] === 'inventory') return await inventoryCommand(argv.slice(1));
    return await runCommand(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (e.code?.startsWith('commander.')) return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.config;
    if (isUserError(err)) {
      process.stderr.write(`pirun: ${maskMessage(err.message)}\n`);
      return EXIT.config;
    }
    process.stderr.write(`pirun: internal error (a bug, please report it):\n${maskMessage((err as Error).stack ?? String(err))}\n`);
    return 70;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

// pirun's entry point: parse flags, load and check everything before any
// host is touched, run, render, and exit with a code that says what happened.
import { extname } from 'node:path';
import { ansibleList, describeInventory } from '../config/inventory-view.js';
import { loadInventory, selectHosts } from '../config/inventory.js';
import { runPlaybook } from '../engine/run.js';
import { ConfigError, isUserError } from '../errors.js';
import { registerSecretVars } from '../secrets.js';
import { connector } from './connect.js';
import { REPORT_FORMATS, writeDriftReport } from './drift-report.js';
import { parseExtraVars } from './extra-vars.js';
import { checkWritable, parseSerial } from './flag-checks.js';
import { writeJson } from './json-report.js';
import { askSecrets, EXIT, exitCodeFor, loadRun, tagList } from './load-run.js';
import { maskMessage } from './mask.js';
import { buildInventoryProgram, buildProgram, type CliOptions, type InventoryOptions } from './options.js';
import { applyCommand, showCommand } from './plan-commands.js';
import { PlanCollector, planHeader, planHosts, writePlanFile } from './plan-file.js';
import { renderedRun } from './rendered-run.js';

export { EXIT, exitCodeFor } from './load-run.js';

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
  if (opts.planOut) {
    if (!opts.check) throw new ConfigError('Invalid --plan-out: a plan is made by a check run (add --check)');
    checkWritable(opts.planOut, '--plan-out');
  }
  const { inventory, playbook } = loadRun({ playbook: playbookFile, inventory: opts.inventory, extraVars, limit: opts.limit });
  const secrets = await askSecrets(opts);
  const collector = opts.planOut ? new PlanCollector() : undefined;

  const report = await renderedRun(opts, (bus, stopping) =>
    runPlaybook({
      playbook,
      inventory,
      limit: opts.limit,
      serial,
      bus,
      connect: connector(opts, secrets, bus, extraVars),
      options: { check: opts.check, diff: opts.diff, tags: tagList(opts.tags), skipTags: tagList(opts.skipTags), extraVars, forks: opts.forks, forceHandlers: opts.forceHandlers, stopping, recorder: collector },
    }),
  );
  if (collector && opts.planOut) {
    const header = planHeader({ playbook: playbookFile, inventory: { sources: opts.inventory, loaded: inventory }, extraVars, limit: opts.limit, tags: tagList(opts.tags), skipTags: tagList(opts.skipTags) });
    writePlanFile(opts.planOut, { ...header, createdAt: new Date().toISOString(), hosts: planHosts(collector, report) });
    process.stderr.write(`Plan written to ${opts.planOut} (apply it with: pirun apply ${opts.planOut} ${opts.inventory.map((i) => `-i ${i}`).join(' ')})\n`);
  }
  if (opts.json) writeJson(report, opts.json);
  if (opts.report) writeDriftReport(report, opts.report);
  return exitCodeFor(report, opts.expectNoChanges);
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
    if (argv[0] === 'apply') return await applyCommand(argv.slice(1));
    if (argv[0] === 'show') return showCommand(argv.slice(1));
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

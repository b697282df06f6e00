// `pirun apply PLAN` and `pirun show PLAN`. Apply plans the same playbook
// again, with the same inputs, on every host of the plan (a check run, not
// shown), and compares: a host whose facts or planned changes differ from the
// saved plan is refused before any of its changes is applied; the others are
// applied by a normal run (lockout guard, handlers, reports as usual).
import { Command } from 'commander';
import type { Inventory } from '../config/inventory.js';
import { readFileSync } from 'node:fs';
import { EngineBus, type RunReport, type TaskResult } from '../engine/events.js';
import { hostRecap } from '../engine/recap.js';
import { runPlaybook } from '../engine/run.js';
import { ConfigError, errorMessage } from '../errors.js';
import { maskText, registerSecretVars } from '../secrets.js';
import { connector } from './connect.js';
import { parseExtraVars } from './extra-vars.js';
import { checkWritable } from './flag-checks.js';
import { writeJson } from './json-report.js';
import { askSecrets, EXIT, exitCodeFor, loadRun } from './load-run.js';
import { maskedBus } from './mask.js';
import { buildApplyProgram, type CliOptions } from './options.js';
import { refusal } from './plan-compare.js';
import { canonical, inventoryHash, PlanCollector, planHosts, readPlanFile, sha256 } from './plan-file.js';
import type { PlanFile, PlanStep } from './plan-schema.js';
import { plainRenderer } from './render-plain.js';
import { renderedRun } from './rendered-run.js';

function parse(program: Command, argv: string[]): Command {
  program.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  return program.parse(argv, { from: 'user' });
}

// The plan must be applied with what it was made from: the same playbook, -e and inventory.
function checkSources(path: string, plan: PlanFile, extraVars: Record<string, unknown>): void {
  let text: Buffer;
  try {
    text = readFileSync(plan.playbook.path);
  } catch (err) {
    throw new ConfigError(`Cannot apply plan "${path}": cannot read playbook "${plan.playbook.path}": ${errorMessage(err)}`);
  }
  if (sha256(text) !== plan.playbook.sha256) throw new ConfigError(`Cannot apply plan "${path}": playbook "${plan.playbook.path}" changed since the plan (plan again)`);
  if (sha256(canonical(extraVars)) !== plan.extraVarsSha256) throw new ConfigError(`Cannot apply plan "${path}": the -e variables differ from the ones the plan was made with`);
}

function checkInventory(path: string, plan: PlanFile, o: { sources: string[]; loaded: Inventory }): void {
  if (inventoryHash(o.loaded) === plan.inventory.sha256) return;
  const was = plan.inventory.sources.map((s) => `"${s}"`).join(', ');
  throw new ConfigError(`Cannot apply plan "${path}": it was made with inventory ${was}, and ${o.sources.map((s) => `"${s}"`).join(', ')} differs from it`);
}

export async function applyCommand(argv: string[]): Promise<number> {
  const program = parse(buildApplyProgram(), argv);
  const opts = program.opts<CliOptions>();
  const path = program.args[0];
  const plan = readPlanFile(path);
  const extraVars = parseExtraVars(opts.extraVars);
  registerSecretVars(extraVars);
  checkSources(path, plan, extraVars);
  if (opts.json && opts.json !== '-') checkWritable(opts.json, '--json');
  const { inventory, playbook } = loadRun({ playbook: plan.playbook.path, inventory: opts.inventory, extraVars, limit: plan.limit });
  checkInventory(path, plan, { sources: opts.inventory, loaded: inventory });
  const secrets = await askSecrets(opts);
  const out = opts.json === '-' ? process.stderr : process.stdout;
  const base = { playbook, inventory, limit: plan.limit };
  const runOptions = { diff: opts.diff, tags: plan.tags, skipTags: plan.skipTags, extraVars, forks: opts.forks, forceHandlers: opts.forceHandlers };

  // Plan again, unseen, exactly as the plan was made.
  out.write(`Checking ${Object.keys(plan.hosts).length} host(s) against plan ${path}\n`);
  const collector = new PlanCollector();
  const silent = new EngineBus();
  const fresh = await runPlaybook({ ...base, bus: silent, connect: connector(opts, secrets, silent, extraVars), options: { ...runOptions, check: true, stopping: () => false, recorder: collector } });
  const now = planHosts(collector, fresh);
  const names = [...new Set([...Object.keys(plan.hosts), ...Object.keys(now)])].sort();
  const refused = new Map(names.flatMap((n) => {
    const why = refusal(n, plan.hosts[n], now[n]);
    return why ? [[n, why] as const] : [];
  }));
  for (const why of refused.values()) process.stderr.write(`${maskText(why)}\n`);
  const accepted = names.filter((n) => !refused.has(n));
  if (refused.size && opts.allOrNothing) {
    process.stderr.write(`Applied nothing: ${refused.size} host(s) differ from the plan (--all-or-nothing)\n`);
    return EXIT.failed;
  }
  if (!accepted.length) {
    process.stderr.write('Applied nothing: every host differs from the plan\n');
    return EXIT.failed;
  }
  const report = await renderedRun({ ...opts, check: false }, (bus, stopping) =>
    runPlaybook({ ...base, only: new Set(accepted), bus, connect: connector(opts, secrets, bus, extraVars), options: { ...runOptions, check: false, stopping } }),
  );
  if (opts.json) writeJson(report, opts.json);
  const code = exitCodeFor(report, false);
  return code === EXIT.ok && refused.size ? EXIT.failed : code;
}

const count = (_v: string, prev: number) => prev + 1;

function stepLine(s: PlanStep): string {
  const short = (h: string) => h.slice(0, 12);
  switch (s.kind) {
    case 'write':
      return `write ${s.path} sha256:${short(s.contentSha256)}${s.mode ? ` mode=${s.mode}` : ''}${s.owner ? ` owner=${s.owner}` : ''}${s.secret ? ' (secret)' : ''}`;
    case 'exec':
      return `exec ${s.label.split('\n')[0]} sha256:${short(s.scriptSha256)}`;
    case 'login-check':
      return `login-check within ${s.timeoutS} s`;
    case 'reboot':
      return `reboot, back within ${s.timeoutS} s`;
    case 'hidden':
      return `(hidden by no_log) sha256:${short(s.sha256)}`;
  }
}

// Prints a saved plan the way a check run shows it: task lines, changes, recap.
export function showCommand(argv: string[]): number {
  const program = parse(
    new Command('pirun show').description('Print a saved plan as a check run shows it').argument('<plan>', 'plan file').option('-v, --verbose', 'also show each change\'s operation, risk and steps', count, 0),
    argv,
  );
  const path = program.args[0];
  const verbose = program.opts<{ verbose: number }>().verbose;
  const plan = readPlanFile(path);
  const out = process.stdout;
  const bits = [plan.limit ? `limit ${plan.limit}` : '', plan.tags.length ? `tags ${plan.tags.join(',')}` : '', plan.skipTags.length ? `skip-tags ${plan.skipTags.join(',')}` : ''].filter(Boolean);
  out.write(`PLAN ${path}: playbook ${plan.playbook.path}, inventory ${plan.inventory.sources.join(' ')}${bits.length ? `, ${bits.join(', ')}` : ''}, made ${plan.createdAt}\n`);
  const bus = new EngineBus();
  plainRenderer(maskedBus(bus), { diff: false, verbose: 0, out });
  const plays = [...new Set(Object.values(plan.hosts).flatMap((h) => h.tasks.map((t) => t.play)))];
  const results = new Map<string, TaskResult[]>(Object.keys(plan.hosts).map((n) => [n, []]));
  for (const play of plays) {
    const hosts = Object.keys(plan.hosts).filter((n) => plan.hosts[n].tasks.some((t) => t.play === play));
    bus.emit('play:start', { play, hosts });
    for (const host of hosts) {
      for (const t of plan.hosts[host].tasks.filter((x) => x.play === play)) {
        const r: TaskResult = { host, play, role: t.role, task: t.task, handler: t.handler, status: t.status, msg: t.msg, noLog: t.noLog, changes: t.changes.map((c) => ({ summary: c.summary })), durationMs: 0 };
        results.get(host)!.push(r);
        bus.emit('task:end', r);
        if (verbose && !t.noLog) for (const c of t.changes) out.write(`      ${c.op}${c.risk ? ` (risk: ${c.risk})` : ''}: ${c.steps.map(stepLine).join('; ')}\n`);
      }
    }
  }
  for (const [name, h] of Object.entries(plan.hosts)) if (!h.ok) out.write(`WARNING ${name} | planning failed on this host: pirun apply refuses it\n`);
  const hosts = Object.fromEntries([...results].map(([n, tasks]) => [n, { ...hostRecap(tasks, { unreachable: false, touched: true }), tasks }]));
  const report: RunReport = { ok: Object.values(plan.hosts).every((h) => h.ok), check: true, interrupted: false, hosts, durationMs: 0, stats: { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} } };
  bus.emit('run:end', report);
  return EXIT.ok;
}

// What a run and `pirun apply` share: the exit codes, and loading and
// checking everything before any host is touched.
import { dirname, resolve } from 'node:path';
import { loadInventory, selectHosts, type Inventory } from '../config/inventory.js';
import { loadPlaybook } from '../config/playbook.js';
import type { Play, Playbook } from '../config/types.js';
import type { RunReport } from '../engine/events.js';
import { preflight } from '../engine/preflight.js';
import { registerSecretValue, registerSecretVars } from '../secrets.js';
import { connectionSecrets } from './connect.js';
import type { CliOptions } from './options.js';
import { promptSecret } from './prompt.js';

export const EXIT = { ok: 0, config: 1, failed: 2, drift: 3, unreachable: 4, interrupted: 130 } as const;

export function exitCodeFor(report: RunReport, expectNoChanges: boolean): number {
  if (report.interrupted) return EXIT.interrupted;
  const hosts = Object.values(report.hosts);
  if (hosts.some((h) => h.unreachable)) return EXIT.unreachable;
  if (hosts.some((h) => h.failed > 0 || h.untouched)) return EXIT.failed;
  // A task check mode cannot know may change the host: possible drift.
  if (expectNoChanges && hosts.some((h) => h.changed > 0 || h.unknown > 0)) return EXIT.drift;
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

// Everything that can be wrong with the input fails here, before a connection.
export function loadRun(o: { playbook: string; inventory: string[]; extraVars: Record<string, unknown>; limit?: string }): { inventory: Inventory; playbook: Playbook } {
  const inventory = loadInventory(o.inventory, { playbookDir: dirname(resolve(o.playbook)) });
  const playbook = loadPlaybook(o.playbook);
  // Literal secrets are known before anything runs (an error may quote them);
  // templated ones are registered once rendered (engine/scope.ts).
  for (const h of inventory.hosts.values()) registerSecretVars(h.vars);
  for (const play of playbook.plays) registerPlaySecrets(play);
  const limited = o.limit ? new Set(selectHosts(inventory, o.limit, { what: '--limit' }).map((h) => h.name)) : undefined;
  for (const play of playbook.plays) {
    const hosts = selectHosts(inventory, play.hosts, { what: `play "${play.name}" hosts` }).filter((h) => !limited || limited.has(h.name));
    for (const h of hosts) {
      const login = connectionSecrets(h, o.extraVars);
      registerSecretValue(login.password);
      registerSecretValue(login.becomePassword);
    }
    preflight(play, hosts, o.extraVars);
  }
  return { inventory, playbook };
}

export async function askSecrets(opts: Pick<CliOptions, 'askPass' | 'askBecomePass'>): Promise<{ password?: string; becomePassword?: string }> {
  const secrets: { password?: string; becomePassword?: string } = {};
  if (opts.askPass) secrets.password = await promptSecret('SSH password: ');
  if (opts.askBecomePass) secrets.becomePassword = await promptSecret('BECOME (sudo) password: ');
  registerSecretValue(secrets.password);
  registerSecretValue(secrets.becomePassword);
  return secrets;
}

export const tagList = (t?: string): string[] => (t ? t.split(',').map((x) => x.trim()) : []);

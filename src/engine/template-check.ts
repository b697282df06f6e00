// Compiles every template a play carries (task arguments, conditions, loops,
// variables, role defaults and parameters, template files) before any host
// is touched, so a Jinja syntax error is one line naming where it is written.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InventoryHost } from '../config/inventory.js';
import type { Play, TaskDef } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { getModule } from '../modules/index.js';
import { isSecretName } from '../secrets.js';
import { syntaxError } from './template.js';

const short = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
// A secret's text is never quoted (`vars.db.password`): it may be the secret itself.
const quoted = (path: string, s: string) => (path.split(/[.[\]]/).some((k) => k && isSecretName(k)) ? '(a secret: its text is not shown)' : short(s));

// Every string inside a value, with its key path (`vars.motd`, `args.lines[2]`).
function strings(value: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => strings(v, path ? `${path}.${k}` : k, out));
  return out;
}

// The file a template task renders, where it can be known before running.
export function templateFile(task: TaskDef): string | undefined {
  const src = (task.args as { src?: unknown })?.src;
  if (task.module !== 'template' || typeof src !== 'string' || src.includes('{{')) return undefined;
  const p = task.role ? join(task.role.dir, 'templates', src) : src;
  return existsSync(p) ? p : undefined;
}

function checkValues(value: unknown, path: string, fail: (what: string, detail: string) => never): void {
  for (const [p, s] of strings(value, path)) {
    const err = syntaxError(s);
    if (err) fail(`${p} ${quoted(p, s)}`, err);
  }
}

function checkConditions(conditions: unknown, label: string, fail: (what: string, detail: string) => never): void {
  for (const c of [conditions].flat()) {
    const err = syntaxError(c, { condition: true });
    if (err) fail(`${label} ${short(String(c))}`, err);
  }
}

function checkTask(task: TaskDef): void {
  const fail = (what: string, detail: string): never => {
    throw new ConfigError(`Invalid template in task "${task.name}" (${task.where}): ${what}: ${detail}`, { task: task.name, file: task.where });
  };
  const conditionArgs = new Set(getModule(task.module)?.conditionArgs ?? []);
  const args = task.args && typeof task.args === 'object' && !Array.isArray(task.args) ? (task.args as Record<string, unknown>) : undefined;
  for (const [k, v] of Object.entries(args ?? { args: task.args })) {
    if (conditionArgs.has(k)) checkConditions(v, `${task.module}.${k}`, fail);
    else checkValues(v, args ? `${task.module}.${k}` : task.module, fail);
  }
  checkConditions(task.when, 'when', fail);
  if (task.changedWhen !== undefined) checkConditions(task.changedWhen, 'changed_when', fail);
  if (task.failedWhen !== undefined) checkConditions(task.failedWhen, 'failed_when', fail);
  if (task.until) checkConditions(task.until.condition, 'until', fail);
  checkValues(task.loop, 'loop', fail);
  checkValues(task.vars, 'vars', fail);
  const file = templateFile(task);
  if (file) {
    const err = syntaxError(readFileSync(file, 'utf8'), { file: true });
    if (err) fail(`template file "${file}"`, err);
  }
}

export function checkTemplates(play: Play): void {
  const where = play.file ? ` (${play.file})` : '';
  checkValues(play.vars, 'vars', (what, detail) => {
    throw new ConfigError(`Invalid template in play "${play.name}"${where}: ${what}: ${detail}`, { file: play.file });
  });
  for (const role of play.roles) {
    const fail = (what: string, detail: string): never => {
      throw new ConfigError(`Invalid template in role "${role.name}" (${role.dir}): ${what}: ${detail}`, { file: role.dir });
    };
    checkValues(role.defaults, 'defaults', fail);
    checkValues(role.params, 'params', fail);
  }
  for (const task of [...play.tasks, ...play.handlers, ...play.health]) checkTask(task);
}

// Inventory variables (host, group, group_vars/ and host_vars/ files) of a host the play runs on.
export function checkHostTemplates(host: InventoryHost): void {
  checkValues(host.vars, '', (what, detail) => {
    throw new ConfigError(`Invalid template in the inventory variables of host "${host.name}": ${what}: ${detail}`, { host: host.name });
  });
}

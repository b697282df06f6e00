// Checks that can fail before any host is touched: template syntax, role
// variables against their declared types, and variables that no layer defines.
import { readFileSync } from 'node:fs';
import type { InventoryHost } from '../config/inventory.js';
import type { Play, TaskDef } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { layers } from './scope.js';
import { checkHostTemplates, checkTemplates, templateFile } from './template-check.js';
import { undefinedNames } from './template-names.js';

const RUNTIME_NAMES = ['facts', 'item', 'result', 'ansible_facts'];

function templates(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string' && (value.includes('{{') || value.includes('{%'))) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => templates(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => templates(v, out));
  return out;
}

// Names that tasks define while running: register, set_fact keys, loop variables.
function runtimeNames(play: Play): Set<string> {
  const names = new Set(RUNTIME_NAMES);
  for (const t of [...play.tasks, ...play.handlers, ...play.health]) {
    if (t.register) names.add(t.register);
    names.add(t.loopVar);
    if (t.module === 'set_fact' && t.args && typeof t.args === 'object') Object.keys(t.args).forEach((k) => names.add(k));
  }
  return names;
}

export function preflight(play: Play, hosts: InventoryHost[], extraVars: Record<string, unknown>): void {
  checkTemplates(play);
  const runtime = runtimeNames(play);
  for (const host of hosts) {
    checkHostTemplates(host);
    const hv = { host, play, registered: {}, extraVars, check: false, groups: {}, hostvars: {} };
    for (const role of play.roles) {
      if (!role.argSpec) continue;
      const vars = layers(hv, { role } as TaskDef);
      const r = role.argSpec.safeParse(vars);
      if (!r.success) {
        const issue = r.error.issues[0];
        const name = issue.path.join('.');
        throw new ConfigError(`Invalid variable "${name}" for role "${role.name}" on host "${host.name}": ${issue.message}, got ${JSON.stringify(vars[issue.path[0] as string])}`, { host: host.name });
      }
    }
    for (const task of [...play.tasks, ...play.handlers, ...play.health]) {
      const vars = layers(hv, task);
      const defined = (n: string) => vars[n] !== undefined || runtime.has(n);
      const sources = templates([task.args, task.loop, task.changedWhen, task.failedWhen]);
      const conditions = [...task.when, ...[task.until?.condition ?? []].flat(), ...(task.module === 'assert' ? [(task.args as { that?: unknown }).that].flat() : [])].filter((w) => typeof w === 'string') as string[];
      sources.push(...conditions.map((c) => `{{ ${c} }}`));
      const file = templateFile(task);
      if (file) sources.push(readFileSync(file, 'utf8'));
      for (const src of sources) {
        const missing = undefinedNames(src, defined);
        if (missing.length) {
          throw new ConfigError(`Undefined variable "${missing[0]}" in task "${task.name}" (${task.where}) for host "${host.name}"`, { host: host.name, task: task.name });
        }
      }
    }
  }
}

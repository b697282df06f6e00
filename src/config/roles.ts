// Roles are data: roles/NAME/{tasks,defaults,handlers,meta}/main.yaml plus
// templates/ and files/. Looked up beside the playbook, then in pirun's own roles/.
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { argSpecSchema } from './argspec.js';
import { parseTask } from './task.js';
import type { RoleInstance, TaskDef } from './types.js';
import { loadYamlFile } from './yaml.js';

export const BUILTIN_ROLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../roles');

function findYaml(dir: string, sub: string): string | undefined {
  for (const ext of ['yaml', 'yml']) {
    const p = join(dir, sub, `main.${ext}`);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function roleDirs(playbookDir: string): string[] {
  return [join(playbookDir, 'roles'), join(playbookDir, '..', 'roles'), BUILTIN_ROLES];
}

export interface LoadedRole {
  role: RoleInstance;
  tasks: TaskDef[];
  handlers: TaskDef[];
  secrets: string[];
}

function loadTaskList(file: string | undefined, role: RoleInstance): TaskDef[] {
  if (!file) return [];
  const doc = loadYamlFile(file, 'role tasks') ?? [];
  const shown = relative(process.cwd(), file) || file;
  if (!Array.isArray(doc)) throw new ConfigError(`Invalid role tasks "${shown}": expected a list of tasks`, { file: shown });
  return doc.map((t, i) => {
    if (!t || typeof t !== 'object') throw new ConfigError(`Invalid role tasks "${shown}": [${i}]: expected a mapping`, { file: shown });
    return parseTask(t as Record<string, unknown>, `${shown}: [${i}]`, role);
  });
}

export function loadRole(name: string, params: Record<string, unknown>, opts: { playbookDir: string; where: string }): LoadedRole {
  const searched = roleDirs(opts.playbookDir);
  const dir = searched.map((d) => join(d, name)).find((d) => existsSync(d));
  if (!dir) {
    throw new ConfigError(`Unknown role "${name}" in ${opts.where}: not found in ${searched.map((d) => relative(process.cwd(), d) || '.').join(', ')}`, { file: opts.where });
  }
  const defaultsFile = findYaml(dir, 'defaults');
  const defaults = (defaultsFile ? (loadYamlFile(defaultsFile, 'role defaults') as Record<string, unknown>) : null) ?? {};
  const specFile = ['argument_specs.yaml', 'argument_specs.yml'].map((f) => join(dir, 'meta', f)).find((f) => existsSync(f)) ?? findYaml(dir, 'meta');
  const spec = specFile ? argSpecSchema(loadYamlFile(specFile, 'role argument specs')) : undefined;
  const role: RoleInstance = { name, dir, defaults, params, argSpec: spec?.schema };
  return {
    role,
    tasks: loadTaskList(findYaml(dir, 'tasks'), role),
    handlers: loadTaskList(findYaml(dir, 'handlers'), role),
    secrets: spec?.secrets ?? [],
  };
}

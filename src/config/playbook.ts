// Loads a playbook: plays, their roles and tasks, validated before any host is touched.
import { dirname, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { registerSecretNames } from '../secrets.js';
import { playbookSchema, type PlayInput } from './playbook-schema.js';
import { loadRole } from './roles.js';
import { parseTask } from './task.js';
import type { Play, Playbook, RoleInstance, TaskDef } from './types.js';
import { loadYamlFile, validate } from './yaml.js';

export function loadPlaybook(file: string): Playbook {
  const shown = relative(process.cwd(), file) || file;
  const doc = loadYamlFile(file, 'playbook');
  const plays = validate(playbookSchema, doc, { file: shown, what: 'playbook' });
  const dir = dirname(resolve(file));
  return { file: shown, dir, plays: plays.map((p, i) => loadPlay(p, i, { file: shown, dir })) };
}

function loadPlay(p: PlayInput, index: number, pb: { file: string; dir: string }): Play {
  const where = (k: string) => `${pb.file}: [${index}].${k}`;
  const vars: Record<string, unknown> = {};
  for (const vf of p.vars_files ?? []) {
    const v = loadYamlFile(resolve(pb.dir, vf), 'vars file');
    if (v && typeof v === 'object') Object.assign(vars, v);
    else if (v != null) throw new ConfigError(`Invalid vars file "${vf}" in ${where('vars_files')}: expected a mapping`, { file: vf });
  }
  Object.assign(vars, p.vars ?? {});
  const tags = p.tags === undefined ? [] : Array.isArray(p.tags) ? p.tags : [p.tags];
  const tasks: TaskDef[] = [];
  const handlers: TaskDef[] = [];
  const roles: RoleInstance[] = [];
  (p.roles ?? []).forEach((ref, ri) => {
    const { role: name, when, tags: roleTags, ...params } = typeof ref === 'string' ? { role: ref } : (ref as { role: string; when?: unknown; tags?: string | string[] });
    const loaded = loadRole(name, params, { playbookDir: pb.dir, where: where(`roles[${ri}]`) });
    registerSecretNames(loaded.secrets);
    roles.push(loaded.role);
    const extraTags = [...tags, name, ...(roleTags === undefined ? [] : Array.isArray(roleTags) ? roleTags : [roleTags])];
    for (const t of loaded.tasks) tasks.push({ ...t, when: when === undefined ? t.when : [when, ...t.when], tags: [...t.tags, ...extraTags] });
    handlers.push(...loaded.handlers);
  });
  const list = (key: 'pre_tasks' | 'tasks' | 'handlers' | 'health') =>
    (p[key] ?? []).map((t, i) => {
      const def = parseTask(t, where(`${key}[${i}]`));
      return { ...def, tags: [...def.tags, ...tags] };
    });
  tasks.unshift(...list('pre_tasks'));
  tasks.push(...list('tasks'));
  handlers.push(...list('handlers'));
  return {
    name: p.name ?? (Array.isArray(p.hosts) ? p.hosts.join(',') : p.hosts),
    file: pb.file,
    index,
    hosts: Array.isArray(p.hosts) ? p.hosts.join(',') : p.hosts,
    become: p.become ?? false,
    vars,
    tasks,
    handlers,
    health: list('health'),
    serial: p.serial === undefined ? undefined : Array.isArray(p.serial) ? p.serial : [p.serial],
    maxFailPercentage: p.max_fail_percentage,
    anyErrorsFatal: p.any_errors_fatal ?? false,
    forceHandlers: p.force_handlers ?? false,
    roles,
  };
}

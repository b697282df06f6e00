// Variables visible to a task, by a short documented precedence (lowest first):
// role defaults < inventory group vars (all, parents, children) < host vars
// < play vars < role params < task vars < registered results and set_fact
// < -e extra vars. Values that are templates resolve lazily against the same scope.
import { dirname, resolve } from 'node:path';
import type { InventoryHost } from '../config/inventory.js';
import type { Play, TaskDef } from '../config/types.js';
import { holdsSecret, registerVariable } from '../secrets.js';
import { markScope, renderDeep, TemplateError, type Scope } from './template.js';
import { readVar, Unknown } from './unknown.js';

export interface HostVars {
  host: InventoryHost;
  play: Play;
  registered: Record<string, unknown>;
  facts?: unknown;
  extraVars: Record<string, unknown>;
  check: boolean;
  groups: Record<string, string[]>;
  hostvars: Record<string, Record<string, unknown>>;
}

export function layers(hv: HostVars, task?: TaskDef, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const role = task?.role;
  return {
    ...(role?.defaults ?? {}),
    ...hv.host.vars,
    inventory_hostname: hv.host.name,
    ansible_host: hv.host.address,
    ansible_port: hv.host.port,
    ansible_user: hv.host.user,
    group_names: hv.host.groups.filter((g) => g !== 'all'),
    groups: hv.groups,
    hostvars: hv.hostvars,
    ansible_check_mode: hv.check,
    // Ansible's magic variables for where the play and the role are written (lookups search there).
    playbook_dir: hv.play.file ? dirname(resolve(hv.play.file)) : process.cwd(),
    ...(role ? { role_path: role.dir } : {}),
    check_mode: hv.check,
    ...(hv.facts ? { facts: hv.facts } : {}),
    ...hv.play.vars,
    ...(role?.params ?? {}),
    ...(task?.vars ?? {}),
    ...hv.registered,
    ...extra,
    ...hv.extraVars,
  };
}

// A scope whose template-valued variables render on first use (at most 10
// levels deep). `onRead` hears every variable name read, also from inside
// another variable's template; a check-mode unknown value reads as "" (unknown.ts).
export function makeScope(vars: Record<string, unknown>, opts: { onRead?: (name: string) => void } = {}): Scope {
  const resolved = new Map<string, unknown>();
  const resolving = new Set<string>();
  const proxy: Scope = new Proxy(vars, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      opts.onRead?.(key);
      if (target[key] instanceof Unknown) return readVar(target[key]);
      if (resolved.has(key)) return resolved.get(key);
      const raw = target[key];
      if (!isTemplated(raw)) {
        resolved.set(key, raw);
        registerVariable(key, raw);
        return raw;
      }
      if (resolving.has(key) || resolving.size > 10) return raw;
      resolving.add(key);
      try {
        const v = renderDeep(raw, proxy);
        resolved.set(key, v);
        // Secrets are known by their rendered value, before any output can show it.
        registerVariable(key, v);
        return v;
      } catch (err) {
        // A message that quotes the template (more than its reason) must not, when the variable holds a secret.
        throw err instanceof TemplateError && err.message !== err.reason && holdsSecret(key, raw) ? secretRenderError(key, err) : err;
      } finally {
        resolving.delete(key);
      }
    },
  });
  return markScope(proxy);
}

// The error names the variable, never its template: the text around the
// expression may be the secret itself.
function secretRenderError(key: string, err: TemplateError): TemplateError {
  return new TemplateError(`cannot render variable "${key}" (it holds a secret, its template is not shown): ${err.reason}`, err.undefinedVars, err.reason);
}

// Objects (hostvars, facts, registered results) are walked once, not on every read.
const templatedObjects = new WeakMap<object, boolean>();
function isTemplated(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{') || v.includes('{%');
  if (!v || typeof v !== 'object') return false;
  const known = templatedObjects.get(v);
  if (known !== undefined) return known;
  const found = Array.isArray(v) ? v.some(isTemplated) : Object.values(v).some(isTemplated);
  templatedObjects.set(v, found);
  return found;
}

// Host variables: the group_vars/ and host_vars/ folders beside the inventory,
// the merge order, and the connection settings taken out of the result.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { InventoryHost } from './inventory-types.js';
import { CONNECTION_VARS, varsSchema } from './inventory-schema.js';
import { loadYamlFile, validate } from './yaml.js';

export interface VarsSource {
  kind: 'group' | 'host';
  name: string;
}

// group_vars/NAME.yaml, NAME.yml, then NAME/*.y{a,}ml in name order; later
// files win. An empty file means no vars.
export function readVarsFiles(dir: string, source: VarsSource): Record<string, unknown> {
  const folder = join(dir, `${source.kind}_vars`);
  if (!isDir(folder)) return {};
  const files = [`${source.name}.yaml`, `${source.name}.yml`].map((f) => join(folder, f)).filter(isFile);
  const sub = join(folder, source.name);
  if (isDir(sub)) {
    const inside = readdirSync(sub).filter((f) => /\.ya?ml$/.test(f)).sort();
    files.push(...inside.map((f) => join(sub, f)).filter(isFile));
  }
  const what = `${source.kind} vars`;
  const vars: Record<string, unknown> = {};
  for (const file of files) Object.assign(vars, validate(varsSchema.nullish(), loadYamlFile(file, what), { file, what }) ?? {});
  return vars;
}

export interface HostSources {
  groups: { name: string; vars: Record<string, unknown> }[]; // in precedence order, lowest first
  hostVars: Record<string, unknown>;
  dir: string; // the inventory's folder
}

// Precedence, lowest first: "all", then groups by depth (parents before
// children, siblings by name), then the host's own vars. Shallow: a later
// value replaces an earlier one whole, as Ansible does by default.
export function resolveHost(name: string, sources: HostSources): InventoryHost {
  const vars: Record<string, unknown> = {};
  for (const group of sources.groups) Object.assign(vars, group.vars);
  Object.assign(vars, sources.hostVars);
  const conn: Record<string, unknown> = {};
  for (const key of CONNECTION_VARS) {
    conn[key] = vars[key];
    delete vars[key];
  }
  const keyFile = conn.ansible_ssh_private_key_file as string | undefined;
  return {
    name,
    address: (conn.ansible_host as string | undefined) ?? name,
    port: (conn.ansible_port as number | undefined) ?? 22,
    user: (conn.ansible_user as string | undefined) ?? localUser(),
    ...(keyFile ? { privateKey: resolve(sources.dir, expandHome(keyFile)) } : {}),
    groups: sources.groups.map((g) => g.name),
    vars,
  };
}

function expandHome(path: string): string {
  return path.replace(/^~(?=\/|$)/, homedir());
}

// userInfo() throws for a uid with no passwd entry (some containers).
function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

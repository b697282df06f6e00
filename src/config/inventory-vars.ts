// Host variables: the group_vars/ and host_vars/ folders beside each
// inventory source and beside the playbook, Ansible's precedence between
// them, and the connection settings taken out of the result.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { InventoryGroup, InventoryHost } from './inventory-types.js';
import { CONNECTION_VARS, varsSchema } from './inventory-schema.js';
import { loadYamlFile, validate } from './yaml.js';

export interface VarsSource {
  kind: 'group' | 'host';
  name: string;
}

const VARS_EXTS = ['.yml', '.yaml', '.json'];
const LEGACY = new Set(['ansible_ssh_host', 'ansible_ssh_port', 'ansible_ssh_user']);

// As Ansible: the first of NAME, NAME.yml, NAME.yaml, NAME.json; a folder
// gives every file in it (and below) in name order, skipping hidden files,
// backups (~) and extensions other than those. Later files win. An empty
// file means no vars.
export function readVarsFiles(dir: string, source: VarsSource): Record<string, unknown> {
  const folder = join(dir, `${source.kind}_vars`);
  if (!isDir(folder)) return {};
  const first = ['', ...VARS_EXTS].map((ext) => join(folder, source.name + ext)).find(existsSync);
  if (!first) return {};
  const files = isDir(first) ? filesIn(first) : [first];
  const what = `${source.kind} vars`;
  const vars: Record<string, unknown> = {};
  for (const file of files) Object.assign(vars, validate(varsSchema.nullish(), loadYamlFile(file, what), { file, what }) ?? {});
  return vars;
}

function filesIn(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .filter((name) => !name.startsWith('.') && !name.endsWith('~'))
    .flatMap((name) => {
      const path = join(folder, name);
      const ext = extname(name);
      if (isDir(path)) return ext ? [] : filesIn(path);
      return isFile(path) && (!ext || VARS_EXTS.includes(ext)) ? [path] : [];
    });
}

export interface VarsDirs {
  inventory: string[]; // the folder of each inventory source, in -i order
  playbook?: string; // the playbook's folder, whose files win
}

// One reader per load, so each file is read once however many hosts use it.
// For several groups, as Ansible: folder by folder, and in each folder group by group.
export type VarsReader = (sources: VarsSource[], where: 'inventory' | 'playbook') => Record<string, unknown>;

export function varsReader(dirs: VarsDirs): VarsReader {
  const cache = new Map<string, Record<string, unknown>>();
  const read = (dir: string, source: VarsSource) => {
    const key = `${dir}\0${source.kind}\0${source.name}`;
    if (!cache.has(key)) cache.set(key, readVarsFiles(dir, source));
    return cache.get(key)!;
  };
  return (sources, where) => {
    const list = where === 'inventory' ? dirs.inventory : dirs.playbook ? [dirs.playbook] : [];
    const vars: Record<string, unknown> = {};
    for (const dir of list) for (const source of sources) Object.assign(vars, read(dir, source));
    return vars;
  };
}

export interface HostSources {
  groups: InventoryGroup[]; // every group the host is in, lowest precedence first ("all" first)
  inline: Map<string, Record<string, unknown>>; // each group's vars as written in the inventory
  hostVars: Record<string, unknown>; // the host's own, as written in the inventory
  read: VarsReader;
  keyDir: string; // a relative private key path is resolved against it
}

// Ansible's precedence, lowest first: inline group vars (by depth, siblings by
// name), group_vars/all beside the inventory then beside the playbook, the
// other groups' group_vars files likewise, the host's inline vars, then its
// host_vars files beside the inventory and beside the playbook. Shallow: a
// later value replaces an earlier one whole, as Ansible does by default.
export function resolveHost(name: string, sources: HostSources): InventoryHost {
  const vars: Record<string, unknown> = {};
  const others = sources.groups.filter((g) => g.name !== 'all');
  for (const group of sources.groups) Object.assign(vars, sources.inline.get(group.name));
  const both = ['inventory', 'playbook'] as const;
  for (const where of both) Object.assign(vars, sources.read([{ kind: 'group', name: 'all' }], where));
  for (const where of both) Object.assign(vars, sources.read(others.map((g) => ({ kind: 'group' as const, name: g.name })), where));
  Object.assign(vars, sources.hostVars);
  for (const where of both) Object.assign(vars, sources.read([{ kind: 'host', name }], where));
  const conn: Record<string, unknown> = {};
  for (const key of CONNECTION_VARS) {
    if (vars[key] !== undefined) conn[key] = vars[key];
    // The older spellings stay variables too, for templates that read them.
    if (!LEGACY.has(key)) delete vars[key];
  }
  const keyFile = conn.ansible_ssh_private_key_file as string | undefined;
  return {
    name,
    address: (conn.ansible_host as string | undefined) ?? (conn.ansible_ssh_host as string | undefined) ?? name,
    port: (conn.ansible_port as number | undefined) ?? (conn.ansible_ssh_port as number | undefined) ?? 22,
    user: (conn.ansible_user as string | undefined) ?? (conn.ansible_ssh_user as string | undefined) ?? localUser(),
    ...(keyFile ? { privateKey: resolve(sources.keyDir, expandHome(keyFile)) } : {}),
    groups: sources.groups.map((g) => g.name),
    vars,
    connectionVars: conn,
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

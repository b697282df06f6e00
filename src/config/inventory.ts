// Loads an Ansible-style YAML inventory: read the file and the vars folders
// beside it, then assemble hosts with their groups and merged variables.
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { HOST_ALIASES, inventorySchema, type GroupEntry, type InventoryFile } from './inventory-schema.js';
import type { Inventory, InventoryGroup, InventoryHost } from './inventory-types.js';
import { readVarsFiles, resolveHost } from './inventory-vars.js';
import { loadYamlFile, validate } from './yaml.js';

export { selectHosts } from './inventory-patterns.js';
export type { Inventory, InventoryGroup, InventoryHost } from './inventory-types.js';

// read → assemble: the file and its vars folders are read first, the rest is pure.
export function loadInventory(file: string): Inventory {
  const data = validate(inventorySchema, loadYamlFile(file, 'inventory'), { file, what: 'inventory' });
  const { groups, hostVars } = buildTree(data, file);
  const dir = dirname(file);
  // group_vars/NAME and host_vars/NAME files override the inline vars of the same group or host.
  for (const group of groups.values()) Object.assign(group.vars, readVarsFiles(dir, { kind: 'group', name: group.name }));
  for (const [name, vars] of hostVars) Object.assign(vars, readVarsFiles(dir, { kind: 'host', name }));

  const depths = groupDepths(groups, file);
  const hosts = new Map<string, InventoryHost>();
  for (const [name, vars] of hostVars) {
    const memberOf = [...groups.values()].filter((g) => g.hosts.includes(name)).map((g) => g.name);
    const names = [...ancestors(groups, memberOf)].sort((a, b) => depths.get(a)! - depths.get(b)! || a.localeCompare(b));
    hosts.set(name, resolveHost(name, { groups: names.map((n) => groups.get(n)!), hostVars: vars, dir }));
  }
  return { file, hosts, groups };
}

interface Tree {
  groups: Map<string, InventoryGroup>;
  hostVars: Map<string, Record<string, unknown>>; // inline host entries, short names as ansible_*
}

// A group or host may appear in several places: entries merge, later ones win.
// Top-level groups beside "all" become its children, as in Ansible.
function buildTree(data: InventoryFile, file: string): Tree {
  const groups = new Map<string, InventoryGroup>();
  const hostVars = new Map<string, Record<string, unknown>>();
  const group = (name: string): InventoryGroup => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, hosts: [], children: [], parents: [], vars: {} }));
    return g;
  };
  const visit = (name: string, entry: GroupEntry | null, parent?: string) => {
    if (parent && name === 'all') {
      throw new ConfigError(`Invalid inventory "${file}": group "all" cannot be a child of "${parent}"`, { file });
    }
    const g = group(name);
    if (parent) {
      addOnce(group(parent).children, name);
      addOnce(g.parents, parent);
    }
    for (const [host, hostEntry] of Object.entries(entry?.hosts ?? {})) {
      addOnce(g.hosts, host);
      hostVars.set(host, { ...hostVars.get(host), ...normalizeHost(hostEntry ?? {}) });
    }
    Object.assign(g.vars, entry?.vars ?? {});
    for (const [child, childEntry] of Object.entries(entry?.children ?? {})) visit(child, childEntry, name);
  };
  visit('all', data.all ?? null);
  for (const [name, entry] of Object.entries(data)) if (name !== 'all') visit(name, entry, 'all');
  return { groups, hostVars };
}

// `port: 2222` on a host means `ansible_port: 2222`: one name from here on.
function normalizeHost(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (value === undefined) continue;
    out[key in HOST_ALIASES ? HOST_ALIASES[key as keyof typeof HOST_ALIASES] : key] = value;
  }
  return out;
}

// Depth orders variable precedence: "all" is 0, a child is one deeper than its deepest parent.
function groupDepths(groups: Map<string, InventoryGroup>, file: string): Map<string, number> {
  const depths = new Map<string, number>();
  const depthOf = (name: string, trail: string[]): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (trail.includes(name)) {
      const cycle = [...trail.slice(trail.indexOf(name)), name].join(' → ');
      throw new ConfigError(`Invalid inventory "${file}": group "${name}" is its own ancestor (${cycle})`, { file });
    }
    const parents = groups.get(name)!.parents;
    const depth = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depthOf(p, [...trail, name])));
    depths.set(name, depth);
    return depth;
  };
  for (const name of groups.keys()) depthOf(name, []);
  return depths;
}

function ancestors(groups: Map<string, InventoryGroup>, start: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...groups.get(name)!.parents);
  }
  return seen.add('all');
}

function addOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

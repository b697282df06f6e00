// Loads Ansible inventories: every -i (INI or YAML files, folders of them,
// comma lists of hosts) read into one tree in order, then the vars folders
// beside each source and beside the playbook, then each host assembled with
// its groups and merged variables.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { inventoryFiles, isHostList, readHostList, readInventoryFile } from './inventory-sources.js';
import { InventoryTree } from './inventory-tree.js';
import type { Inventory, InventoryGroup, InventoryHost } from './inventory-types.js';
import { resolveHost, varsReader } from './inventory-vars.js';

export { selectHosts } from './inventory-patterns.js';
export type { Inventory, InventoryGroup, InventoryHost } from './inventory-types.js';

export interface LoadOptions {
  playbookDir?: string; // group_vars/ and host_vars/ beside the playbook win over those beside the inventory
}

// read → assemble: the sources and vars folders are read first, the rest is pure.
export function loadInventory(sources: string | string[], opts: LoadOptions = {}): Inventory {
  const list = Array.isArray(sources) ? sources : [sources];
  const file = list.join(', ');
  const tree = new InventoryTree();
  const dirs: string[] = [];
  for (const source of list) {
    if (isHostList(source)) {
      readHostList(source, tree);
      continue;
    }
    for (const f of inventoryFiles(source)) readInventoryFile(f, tree);
    dirs.push(isDir(source) ? source : dirname(source));
  }
  tree.reconcile();
  const { groups, hostVars } = tree;
  const inline = new Map([...groups.values()].map((g) => [g.name, { ...g.vars }]));
  const read = varsReader({ inventory: dirs, playbook: opts.playbookDir });
  for (const g of groups.values()) {
    for (const where of ['inventory', 'playbook'] as const) Object.assign(g.vars, read([{ kind: 'group', name: g.name }], where));
  }

  const depths = groupDepths(groups, file);
  const keyDir = resolve(dirs[0] ?? '.');
  const hosts = new Map<string, InventoryHost>();
  for (const [name, vars] of hostVars) {
    const memberOf = [...groups.values()].filter((g) => g.hosts.includes(name)).map((g) => g.name);
    const names = [...ancestors(groups, memberOf)].sort((a, b) => depths.get(a)! - depths.get(b)! || a.localeCompare(b));
    hosts.set(name, resolveHost(name, { groups: names.map((n) => groups.get(n)!), inline, hostVars: vars, read, keyDir }));
  }
  return { file, sources: list, hosts, groups };
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

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

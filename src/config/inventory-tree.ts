// The inventory as sources are read into it, like Ansible's InventoryData:
// every INI or YAML file, from every -i and folder, adds its groups, hosts and
// inline variables to one tree in order; a later source wins for the same
// variable. reconcile() then applies Ansible's rules: groups without a parent
// belong to "all", hosts in no group belong to "ungrouped".
import type { InventoryGroup } from './inventory-types.js';

export class InventoryTree {
  readonly groups = new Map<string, InventoryGroup>();
  readonly hostVars = new Map<string, Record<string, unknown>>(); // inline, in order of first appearance

  constructor() {
    this.group('all');
    this.addChild('all', 'ungrouped');
  }

  group(name: string): InventoryGroup {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { name, hosts: [], children: [], parents: [], vars: {} }));
    return g;
  }

  addChild(parent: string, child: string): void {
    if (child === 'all') throw new Error(`group "all" cannot be a child of "${parent}"`);
    addOnce(this.group(parent).children, child);
    addOnce(this.group(child).parents, parent);
  }

  // A port written with the name (`pi1:2222`) counts only where the host first appears, as in Ansible.
  addHost(name: string, opts: { group?: string; port?: number } = {}): Record<string, unknown> {
    let vars = this.hostVars.get(name);
    if (!vars) {
      this.hostVars.set(name, (vars = {}));
      if (opts.port !== undefined) vars.ansible_port = opts.port;
    }
    if (opts.group) addOnce(this.group(opts.group).hosts, name);
    return vars;
  }

  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    }
    const ungrouped = this.group('ungrouped');
    for (const host of this.hostVars.keys()) {
      const inOthers = [...this.groups.values()].some((g) => g.name !== 'all' && g.name !== 'ungrouped' && g.hosts.includes(host));
      if (inOthers) ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host);
      else addOnce(ungrouped.hosts, host);
    }
    // Every host is in "all" through its groups; listing them there too would show them twice.
    this.group('all').hosts = [];
  }
}

function addOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

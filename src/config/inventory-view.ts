// What `pirun inventory -i FILE` prints: the group tree, then each host with
// its connection and merged variables, secrets masked.
import { dump } from 'js-yaml';
import { maskValue } from '../secrets.js';
import type { Inventory, InventoryHost } from './inventory-types.js';

export interface DescribeOptions {
  secretNames?: Iterable<string>; // variables marked secret besides those named like one
}

export function describeInventory(inv: Inventory, opts: DescribeOptions = {}): string {
  const secretNames = new Set(opts.secretNames ?? []);
  const lines = ['Groups:', ...groupTree(inv, 'all'), '', 'Hosts:'];
  for (const host of inv.hosts.values()) lines.push(...describeHost(host, secretNames));
  if (inv.hosts.size === 0) lines.push('  (none)');
  return lines.join('\n');
}

// The shape of `ansible-inventory --graph`: "@" marks a group, child groups
// come before the group's own hosts.
function groupTree(inv: Inventory, name: string, depth = 0): string[] {
  const group = inv.groups.get(name);
  if (!group) return [];
  const pad = `    ${'|  '.repeat(depth)}|--`;
  const lines = depth === 0 ? [`  @${name}:`] : [];
  for (const child of group.children) lines.push(`${pad}@${child}:`, ...groupTree(inv, child, depth + 1));
  for (const host of group.hosts) lines.push(`${pad}${host}`);
  return lines;
}

function describeHost(host: InventoryHost, secretNames: ReadonlySet<string>): string[] {
  const vars = Object.fromEntries(Object.entries(host.vars).map(([k, v]) => [k, maskValue(k, v, { secretNames })]));
  const lines = [
    `  ${host.name}:`,
    `    address: ${host.address}`,
    `    port: ${host.port}`,
    `    user: ${host.user}`,
  ];
  if (host.privateKey) lines.push(`    private_key: ${host.privateKey}`);
  lines.push(`    groups: ${host.groups.join(', ')}`);
  if (Object.keys(vars).length === 0) return [...lines, '    vars: {}'];
  const body = dump(vars, { lineWidth: -1, noRefs: true, sortKeys: true }).trimEnd();
  return [...lines, '    vars:', ...body.split('\n').map((l) => `      ${l}`)];
}

// The JSON `ansible-inventory --list` prints: each group's own hosts and
// children (empty ones left out), and every host's merged variables under
// _meta.hostvars, connection settings as written. Secrets stay masked.
export function ansibleList(inv: Inventory, opts: DescribeOptions = {}): Record<string, unknown> {
  const secretNames = new Set(opts.secretNames ?? []);
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const visit = (name: string) => {
    const group = inv.groups.get(name)!;
    const entry: Record<string, string[]> = {};
    if (name !== 'all' && group.hosts.length > 0) entry.hosts = [...group.hosts];
    if (group.children.length > 0) entry.children = [...group.children];
    if (Object.keys(entry).length > 0) out[name] = entry;
    for (const child of group.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      visit(child);
    }
  };
  visit('all');
  const hostvars: Record<string, unknown> = {};
  for (const host of inv.hosts.values()) {
    const vars = { ...host.connectionVars, ...host.vars };
    if (Object.keys(vars).length > 0) hostvars[host.name] = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, maskValue(k, v, { secretNames })]));
  }
  return { _meta: { hostvars }, ...out };
}

// Ansible's YAML inventory layout read into the inventory tree: top-level
// groups (beside or inside "all"), each with hosts, vars and children in the
// order written. Host keys may be ranges (`pi[01:20]`) and carry a port.
import { ConfigError, errorMessage } from '../errors.js';
import { expandHostPattern } from './host-pattern.js';
import { HOST_ALIASES, inventorySchema, type GroupEntry } from './inventory-schema.js';
import type { InventoryTree } from './inventory-tree.js';
import { validate } from './yaml.js';

export function readYamlInventory(data: unknown, file: string, tree: InventoryTree): void {
  const groups = validate(inventorySchema, data, { file, what: 'inventory' });
  const fail = (detail: string): never => {
    throw new ConfigError(`Invalid inventory "${file}": ${detail}`, { file });
  };
  const visit = (name: string, entry: GroupEntry | null, path: string) => {
    tree.group(name);
    for (const section of Object.keys(entry ?? {})) {
      if (section === 'vars') Object.assign(tree.group(name).vars, entry?.vars ?? {});
      if (section === 'children') {
        for (const [child, childEntry] of Object.entries(entry?.children ?? {})) {
          visit(child, childEntry, `${path}.children.${child}`);
          try {
            tree.addChild(name, child);
          } catch (err) {
            fail(errorMessage(err));
          }
        }
      }
      if (section === 'hosts') {
        for (const [pattern, hostEntry] of Object.entries(entry?.hosts ?? {})) {
          let parsed;
          try {
            parsed = expandHostPattern(pattern);
          } catch (err) {
            fail(`${path}.hosts["${pattern}"]: ${errorMessage(err)}`);
          }
          for (const host of parsed!.names) Object.assign(tree.addHost(host, { group: name, port: parsed!.port }), normalizeHost(hostEntry ?? {}));
        }
      }
    }
  };
  for (const [name, entry] of Object.entries(groups)) visit(name, entry, name);
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

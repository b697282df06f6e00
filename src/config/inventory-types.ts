// What a loaded inventory is: hosts with their groups and merged variables
// (built by inventory.ts, read by the host patterns and the engine).
export interface InventoryHost {
  name: string;
  address: string;
  port: number;
  user: string;
  privateKey?: string;
  groups: string[]; // every group it is in, ancestors and "all" included, lowest precedence first
  vars: Record<string, unknown>; // merged, without the connection settings above
  connectionVars?: Record<string, unknown>; // the ansible_* connection settings as written (for the Ansible view)
}

export interface InventoryGroup {
  name: string;
  hosts: string[]; // listed directly in this group
  children: string[];
  parents: string[];
  vars: Record<string, unknown>; // inline vars, then group_vars files over them
}

export interface Inventory {
  file: string; // the sources as named, for messages
  sources: string[];
  hosts: Map<string, InventoryHost>; // in inventory order
  groups: Map<string, InventoryGroup>;
}

// The inventory's shape: Ansible's YAML layout, so an existing inventory works
// as it is. The .describe() texts are the reference documentation.
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);

// The connection settings Ansible users already write, wherever vars are allowed.
export const connectionVarsShape = {
  ansible_host: z.string().min(1).optional().describe('Address to connect to, a name or an IP; defaults to the host name'),
  ansible_port: port.optional().describe('SSH port; defaults to 22'),
  ansible_user: z.string().min(1).optional().describe('User to log in as; defaults to the local user name'),
  ansible_ssh_private_key_file: z
    .string()
    .min(1)
    .optional()
    .describe('Private key file; a relative path is resolved against the inventory folder and "~" expands'),
  ansible_ssh_host: z.string().min(1).optional().describe('Older spelling of ansible_host, used when that is not set'),
  ansible_ssh_port: port.optional().describe('Older spelling of ansible_port, used when that is not set'),
  ansible_ssh_user: z.string().min(1).optional().describe('Older spelling of ansible_user, used when that is not set'),
};

export const CONNECTION_VARS = Object.keys(connectionVarsShape) as (keyof typeof connectionVarsShape)[];

export const varsSchema = z
  .looseObject(connectionVarsShape)
  .describe('Variables by name; the ansible_* connection settings among them are type-checked');

// Short names accepted on a host entry only. In vars they would collide with
// ordinary variables (an application's `port`), so there only ansible_* count.
export const HOST_ALIASES = {
  host: 'ansible_host',
  port: 'ansible_port',
  user: 'ansible_user',
  private_key: 'ansible_ssh_private_key_file',
} as const;

export const hostSchema = z
  .looseObject({
    host: z.string().min(1).optional().describe('Same as ansible_host'),
    port: port.optional().describe('Same as ansible_port'),
    user: z.string().min(1).optional().describe('Same as ansible_user'),
    private_key: z.string().min(1).optional().describe('Same as ansible_ssh_private_key_file'),
    ...connectionVarsShape,
  })
  .superRefine((entry, ctx) => {
    for (const [short, long] of Object.entries(HOST_ALIASES)) {
      if (entry[short] !== undefined && entry[long] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [long], input: entry[long], message: `use either "${short}" or "${long}", not both` });
      }
    }
  })
  .describe('A host: connection settings, and any other keys become host variables');

export type HostEntry = z.output<typeof hostSchema>;
export type Vars = z.output<typeof varsSchema>;

export interface GroupEntry {
  hosts?: Record<string, HostEntry | null> | null;
  vars?: Vars | null;
  children?: Record<string, GroupEntry | null> | null;
}

export const groupSchema: z.ZodType<GroupEntry> = z
  .strictObject({
    hosts: z
      .record(z.string(), hostSchema.nullable())
      .nullable()
      .optional()
      .describe('Hosts in this group by name; an empty entry means defaults only'),
    vars: varsSchema.nullable().optional().describe('Variables for every host in this group and its children'),
    children: z
      .record(
        z.string(),
        z.lazy(() => groupSchema.nullable()),
      )
      .nullable()
      .optional()
      .describe('Child groups by name; their hosts are also members of this group'),
  })
  .describe('A group: "hosts", "vars" and "children", each optional');

export const inventorySchema = z
  .record(z.string(), groupSchema.nullable())
  .describe('Groups by name: "all" and any others beside it, which become children of "all"');

export type InventoryFile = z.output<typeof inventorySchema>;

// The shapes of a playbook, its plays and tasks. The `.describe()` texts are
// the reference documentation for each keyword.
import { z } from 'zod';
import { ansibleBool, yaml11Condition } from './ansible-bool.js';

const strOrList = z.union([z.string(), z.array(z.string())]);
const condition = z.preprocess(yaml11Condition, z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))]));

// Keywords a task may carry beside its one module.
export const taskKeywords = {
  name: z.string().describe('What the task does, shown in output and reports'),
  when: condition.describe('Jinja expression(s); the task runs only when all are true'),
  loop: z.union([z.array(z.unknown()), z.string()]).describe('Run the task once per item; the item is `item`'),
  loop_var: z.string().describe('Name of the loop variable instead of `item`'),
  register: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).describe('Store the result in this variable for later tasks'),
  notify: strOrList.describe('Handlers to run at the end of the play when the task changed something'),
  tags: strOrList.describe('Tags for --tags / --skip-tags'),
  become: ansibleBool().describe('Run through sudo'),
  ignore_errors: ansibleBool().describe('A failure does not stop the host'),
  changed_when: condition.describe('Overrides whether the task counts as changed'),
  failed_when: condition.describe('Overrides whether the task counts as failed'),
  until: condition.describe('Retry the task until this is true (the registered result is visible to it)'),
  retries: z.number().int().min(0).max(1000).describe('With until: how many times to retry after the first attempt (default 3)'),
  delay: z.number().min(0).max(3600).describe('With until: seconds between attempts (default 5)'),
  no_log: ansibleBool().describe('Mask the task arguments, results and diffs everywhere'),
  check_mode: ansibleBool().describe('false: run this (read-only) task for real even under --check'),
  vars: z.record(z.string(), z.unknown()).describe('Variables for this task only'),
  listen: strOrList.describe('Handlers: extra names this handler answers to'),
  barrier: ansibleBool().describe('Wait until every host of the batch reached this task (for cross-host data such as WireGuard keys)'),
  run_once: ansibleBool().describe('Run on the first host of the batch only'),
};

export const TASK_KEYWORDS = new Set(Object.keys(taskKeywords));

export const roleRefSchema = z.union([
  z.string(),
  z.looseObject({ role: z.string().describe('Role name'), when: condition.optional(), tags: strOrList.optional() }),
]);

const serialItem = z.union([z.number().int().positive(), z.string().regex(/^\d+%?$/)]);

export const playSchema = z.strictObject({
  name: z.string().optional().describe('Name of the play'),
  hosts: strOrList.describe('Host pattern: host, group, glob, comma list, !exclude'),
  become: ansibleBool().optional().describe('Run every task through sudo'),
  vars: z.record(z.string(), z.unknown()).optional().describe('Play variables'),
  vars_files: z.array(z.string()).optional().describe('YAML files of variables, relative to the playbook'),
  roles: z.array(roleRefSchema).optional().describe('Roles applied in order before the tasks'),
  pre_tasks: z.array(z.record(z.string(), z.unknown())).optional().describe('Tasks run before the roles'),
  tasks: z.array(z.record(z.string(), z.unknown())).optional().describe('Tasks run after the roles'),
  handlers: z.array(z.record(z.string(), z.unknown())).optional().describe('Tasks run once at the end when notified'),
  health: z.array(z.record(z.string(), z.unknown())).optional().describe('Checks every host of a batch must pass before the next batch starts'),
  serial: z.union([serialItem, z.array(serialItem)]).optional().describe('Batch size: number, percentage, or a ramp such as [1, 5, "25%"]'),
  max_fail_percentage: z.number().min(0).max(100).optional().describe('Stop before the next batch when more hosts of a batch failed'),
  any_errors_fatal: ansibleBool().optional().describe('A failure on any host stops the whole play'),
  force_handlers: ansibleBool().optional().describe('Run the notified handlers even when a later task fails (as --force-handlers)'),
  gather_facts: ansibleBool().optional().describe('Accepted for Ansible compatibility: facts are gathered lazily anyway'),
  tags: strOrList.optional().describe('Tags applied to every task of the play'),
});

export const playbookSchema = z.array(playSchema).min(1);

export type PlayInput = z.infer<typeof playSchema>;

// Loaded and validated playbooks, ready for the engine.
import type { z } from 'zod';

export interface RoleInstance {
  name: string;
  dir: string;
  defaults: Record<string, unknown>;
  params: Record<string, unknown>;
  // Checks the role's variables before any host is touched.
  argSpec?: z.ZodType;
}

export interface TaskDef {
  name: string;
  module: string;
  args: unknown;
  when: unknown[];
  loop?: unknown;
  loopVar: string;
  register?: string;
  notify: string[];
  tags: string[];
  become?: boolean;
  ignoreErrors: boolean;
  changedWhen?: unknown;
  failedWhen?: unknown;
  // Retry the task until the condition holds: 1 + retries attempts, delayMs apart.
  until?: { condition: unknown; retries: number; delayMs: number };
  noLog: boolean;
  checkMode?: boolean;
  vars: Record<string, unknown>;
  listen: string[];
  barrier: boolean;
  runOnce: boolean;
  role?: RoleInstance;
  // Where the task is written, for errors: `roles/ufw/tasks/main.yaml: [3]`.
  where: string;
}

export type SerialSpec = (number | string)[];

export interface Play {
  name: string;
  // The playbook it is written in, for errors.
  file?: string;
  index: number;
  hosts: string;
  become: boolean;
  vars: Record<string, unknown>;
  tasks: TaskDef[];
  handlers: TaskDef[];
  health: TaskDef[];
  serial?: SerialSpec;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  forceHandlers?: boolean;
  roles: RoleInstance[];
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
}

// Per-host state during one run of a play, and what a run needs.
import type { Inventory, InventoryHost } from '../config/inventory.js';
import type { Playbook } from '../config/types.js';
import type { FactCache } from '../facts/cache.js';
import type { Change } from '../modules/types.js';
import type { Transport } from '../transport/types.js';
import type { EngineBus, TaskResult, TaskStatus } from './events.js';
import type { Connect, RemoteHost } from './host.js';
import type { HostVars } from './scope.js';

export interface RunOptions {
  check: boolean;
  diff: boolean;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  forks: number;
  // Run the notified handlers even when a later task failed (--force-handlers).
  forceHandlers?: boolean;
  // Set on the first Ctrl-C: start nothing new.
  stopping: () => boolean;
  // Hears the plan as data (--plan-out, apply): every fact observed and every task's changes.
  recorder?: PlanRecorder;
}

// One task's planned (or applied) changes on one host, unmasked: the CLI's plan file masks them.
export interface PlannedTask {
  play: string;
  role?: string;
  task: string;
  handler?: boolean;
  status: TaskStatus;
  msg?: string;
  noLog?: boolean;
  changes: Change[];
}

export interface PlanRecorder {
  // A fact read from the host (never a check-mode prediction).
  fact(host: string, key: string, value: unknown): void;
  task(host: string, t: PlannedTask): void;
}

export interface HostContext {
  host: InventoryHost;
  // The host's connection, fact cache, reconnects and fresh logins (host.ts).
  remote: RemoteHost;
  // The remote's current connection and fact cache (both change after a reboot).
  readonly transport: Transport;
  readonly cache: FactCache;
  options: RunOptions;
  bus: EngineBus;
  hv: HostVars;
  pendingPackages: Set<string>;
  notified: Set<string>;
  // Check mode: handlers notified by tasks whose outcome is unknown.
  maybeNotified: Set<string>;
  results: TaskResult[];
}

// A play's state on one host, over its RemoteHost: the run and the health gate build it here.
export function hostContext(remote: RemoteHost, o: { options: RunOptions; bus: EngineBus; hv: HostVars; results: TaskResult[] }): HostContext {
  return {
    host: remote.host,
    remote,
    get transport() {
      return remote.transport;
    },
    get cache() {
      return remote.cache;
    },
    options: o.options,
    bus: o.bus,
    hv: o.hv,
    pendingPackages: new Set(),
    notified: new Set(),
    maybeNotified: new Set(),
    results: o.results,
  };
}

// What a run needs: the playbook, the inventory and how to reach its hosts.
export interface EngineInput {
  playbook: Playbook;
  inventory: Inventory;
  limit?: string;
  // Only these hosts (pirun apply: the hosts whose plan still holds).
  only?: ReadonlySet<string>;
  serial?: (number | string)[];
  options: RunOptions;
  bus: EngineBus;
  // Opens a connection to a host with the inventory's credentials.
  connect: Connect;
}

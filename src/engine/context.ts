// Per-host state during one run of a play.
import type { Inventory, InventoryHost } from '../config/inventory.js';
import type { Playbook } from '../config/types.js';
import type { FactCache } from '../facts/cache.js';
import type { Transport } from '../transport/types.js';
import type { EngineBus, TaskResult } from './events.js';
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
}

export interface HostContext {
  host: InventoryHost;
  transport: Transport;
  cache: FactCache;
  options: RunOptions;
  bus: EngineBus;
  hv: HostVars;
  pendingPackages: Set<string>;
  notified: Set<string>;
  // Check mode: handlers notified by tasks whose outcome is unknown.
  maybeNotified: Set<string>;
  results: TaskResult[];
  // A brand-new connection with the inventory's credentials (lockout guard, health gate).
  openFresh(timeoutMs?: number): Promise<Transport>;
  // Replaces the run's connection (after a reboot).
  reconnect(timeoutMs?: number): Promise<void>;
  guardLogins: number;
}

// What a run needs: the playbook, the inventory and how to reach its hosts.
export interface EngineInput {
  playbook: Playbook;
  inventory: Inventory;
  limit?: string;
  serial?: (number | string)[];
  options: RunOptions;
  bus: EngineBus;
  // Opens a connection to a host with the inventory's credentials.
  connect(host: InventoryHost, opts?: { timeoutMs?: number }): Promise<Transport>;
}

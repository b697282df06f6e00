// The health gate after each batch of a rolling update: every host must
// accept a fresh SSH login and pass the play's `health` tasks.
import type { InventoryHost } from '../config/inventory.js';
import type { Play } from '../config/types.js';
import type { EngineInput } from './run.js';

export interface HealthGateInput {
  play: Play;
  batch: InventoryHost[];
  states: (name: string) => { failed: boolean; unreachable: boolean };
  input: EngineInput;
  hostvars: Record<string, Record<string, unknown>>;
  groups: Record<string, string[]>;
}

export async function runHealthGate(_gate: HealthGateInput): Promise<void> {
  throw new Error('health gates are not implemented yet');
}

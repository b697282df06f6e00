// Lets a task wait until every live host of the batch has reached it, so
// data gathered on each host (e.g. WireGuard public keys) is in hostvars.
// `run_once` builds on it: once every host arrived, the first of the batch
// runs the task and shares its outcome with the others.
import type { TaskStatus } from './events.js';

export interface OnceOutcome {
  // The host that ran the task.
  host: string;
  status: TaskStatus;
  ignored?: boolean;
  // What the task set (register, set_fact), for every host of the batch.
  assigned: Record<string, unknown>;
}

export class Barriers {
  private readonly arrived = new Map<number, Set<string>>();
  private readonly waiters = new Map<number, (() => void)[]>();
  private readonly gone = new Set<string>();
  private readonly leaders = new Map<number, string>();
  private readonly once = new Map<number, { outcome?: OnceOutcome; waiters: ((o: OnceOutcome) => void)[] }>();

  constructor(private readonly hosts: string[]) {}

  arrive(index: number, host: string): Promise<void> {
    const set = this.arrived.get(index) ?? new Set<string>();
    this.arrived.set(index, set);
    set.add(host);
    const p = new Promise<void>((resolve) => {
      this.waiters.set(index, [...(this.waiters.get(index) ?? []), resolve]);
    });
    this.release();
    return p;
  }

  // A host that finished or failed no longer holds the others back; a
  // run_once task it was to run counts as failed on it.
  leave(host: string): void {
    this.gone.add(host);
    for (const [index, leader] of this.leaders) {
      if (leader === host && !this.once.get(index)?.outcome) this.share(index, { host, status: 'failed', assigned: {} });
    }
    this.release();
  }

  // run_once: the host that runs task `index`, the first of the batch that reached it.
  leader(index: number): string | undefined {
    return this.leaders.get(index);
  }

  share(index: number, outcome: OnceOutcome): void {
    const entry = this.once.get(index) ?? { waiters: [] };
    entry.outcome = outcome;
    this.once.set(index, entry);
    for (const w of entry.waiters) w(outcome);
    entry.waiters = [];
  }

  outcome(index: number): Promise<OnceOutcome> {
    const entry = this.once.get(index) ?? { waiters: [] };
    this.once.set(index, entry);
    if (entry.outcome) return Promise.resolve(entry.outcome);
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  private release(): void {
    for (const [index, set] of this.arrived) {
      if (this.hosts.every((h) => set.has(h) || this.gone.has(h))) {
        if (!this.leaders.has(index)) {
          const leader = this.hosts.find((h) => set.has(h) && !this.gone.has(h));
          if (leader) this.leaders.set(index, leader);
        }
        for (const w of this.waiters.get(index) ?? []) w();
        this.waiters.set(index, []);
      }
    }
  }
}

// Per-host, per-run cache of facts. Applying a change marks every fact stale;
// check mode instead records the predicted value (see `predict`).
import type { Transport } from '../transport/types.js';
import { runProbes, type Probe } from './probe.js';

export class FactCache {
  private readonly values = new Map<string, unknown>();
  // Keys whose cached value is a prediction made in check mode.
  private readonly predicted = new Set<string>();
  // What invalidate() cleared, until the task that applied reports its outcome.
  private stale?: { values: Map<string, unknown>; predicted: Set<string> };
  // Changes whenever the cache is invalidated or replaced, so callers know to prefetch again.
  private static epochs = 0;
  epoch = ++FactCache.epochs;

  constructor(
    private readonly transport: Transport,
    private readonly become: () => boolean,
  ) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  // Fetches all missing probes in one remote execution.
  async prefetch(probes: Probe<unknown>[]): Promise<void> {
    const seen = new Set<string>();
    const missing = probes.filter((p) => !this.values.has(p.key) && !seen.has(p.key) && seen.add(p.key));
    if (missing.length === 0) return;
    const become = this.become() || missing.some((p) => p.become);
    const got = await runProbes(this.transport, missing, become);
    for (const [k, v] of got) this.values.set(k, v);
  }

  async get<T>(probe: Probe<T>): Promise<T> {
    if (!this.values.has(probe.key)) await this.prefetch([probe as Probe<unknown>]);
    return this.values.get(probe.key) as T;
  }

  // After a real change: everything may have moved (a package brings units and files).
  invalidate(): void {
    this.stale = { values: new Map([...(this.stale?.values ?? []), ...this.values]), predicted: new Set([...(this.stale?.predicted ?? []), ...this.predicted]) };
    this.values.clear();
    this.predicted.clear();
    this.epoch = ++FactCache.epochs;
  }

  // A task that ran steps but reported no change (a read-only command with
  // changed_when: false) left the host as it was, so the facts read before it
  // (and check mode's predictions) still hold; facts read since win.
  keepStale(): void {
    for (const [k, v] of this.stale?.values ?? []) {
      if (this.values.has(k)) continue;
      this.values.set(k, v);
      if (this.stale!.predicted.has(k)) this.predicted.add(k);
    }
    this.stale = undefined;
  }

  // The task changed the host: the facts read before it are gone for good.
  dropStale(): void {
    this.stale = undefined;
  }

  // In check mode: remember what a planned change would leave behind.
  predict(key: string, value: unknown): void {
    this.values.set(key, value);
    this.predicted.add(key);
  }

  isPredicted(key: string): boolean {
    return this.predicted.has(key);
  }
}

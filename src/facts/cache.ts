// Per-host, per-run cache of facts. Applying a change marks every fact stale;
// check mode instead records the predicted value (see `predict`).
import type { Transport } from '../transport/types.js';
import { runProbes, type Probe } from './probe.js';

export class FactCache {
  private readonly values = new Map<string, unknown>();
  // Keys whose cached value is a prediction made in check mode.
  private readonly predicted = new Set<string>();
  // Bumped whenever the cache is invalidated, so callers know to prefetch again.
  epoch = 0;

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
    this.values.clear();
    this.predicted.clear();
    this.epoch += 1;
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

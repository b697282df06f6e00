// Per-host, per-run cache of facts. Applying a change marks every fact stale;
// check mode instead records the predicted value (see `predict`). The cache
// keeps values; when they go stale is decided by its owner (engine/host.ts),
// and who reads them (sudo or not) by the sudo policy (engine/sudo.ts).
import type { Transport } from '../transport/types.js';
import { runProbes, type Probe } from './probe.js';

// One remote execution of probes, through sudo or not.
export interface ProbeRun {
  sudo: boolean;
  probes: Probe<unknown>[];
}

// Splits the probes of one fetch into executions (the sudo policy). `sudo`,
// when given, is what the fetch asks for; otherwise the policy decides.
export type ProbeRunner = (probes: Probe<unknown>[], sudo?: boolean) => ProbeRun[];

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
    private readonly runs: ProbeRunner,
    // Hears every value read from the host (saved plans fingerprint them); never a prediction.
    private readonly observe?: (key: string, value: unknown) => void,
  ) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  // Fetches all missing probes in one remote execution (two when the sudo
  // policy splits them). `sudo` asks for the fetch to run so (see ProbeRunner).
  async prefetch(probes: Probe<unknown>[], opts: { sudo?: boolean } = {}): Promise<void> {
    const seen = new Set<string>();
    const missing = probes.filter((p) => !this.values.has(p.key) && !seen.has(p.key) && seen.add(p.key));
    if (missing.length === 0) return;
    const run = combine(missing);
    const got = new Map<string, unknown>();
    for (const r of this.runs(run, opts.sudo)) for (const [k, v] of await runProbes(this.transport, r.probes, r.sudo)) got.set(k, v);
    for (const probe of run) {
      const value = got.get(probe.key);
      this.values.set(probe.key, value);
      this.observe?.(probe.key, value);
      // A composite probe also answers the simpler probes it read on the way.
      for (const [p, v] of probe.also?.(value) ?? []) {
        if (this.values.has(p.key)) continue;
        this.values.set(p.key, v);
        this.observe?.(p.key, v);
      }
    }
  }

  // Drops one fact so that the next read runs its probe again (a retried read-only command).
  forget(key: string): void {
    this.values.delete(key);
    this.predicted.delete(key);
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

// Probes of one kind (e.g. systemd units) become one probe that reads them all
// with a single command, and answers each of them through `also`.
function combine(probes: Probe<unknown>[]): Probe<unknown>[] {
  const kinds = new Map<string, Probe<unknown>[]>();
  for (const p of probes) if (p.batch) kinds.set(p.batch.kind, [...(kinds.get(p.batch.kind) ?? []), p]);
  const merged = [...kinds.values()].filter((members) => members.length > 1);
  const inMerged = new Set(merged.flat());
  const combined = (members: Probe<unknown>[]) => ({ ...members[0].batch!.combine(members), secret: members.some((m) => m.secret) || undefined });
  return [...probes.filter((p) => !inMerged.has(p)), ...merged.map(combined)];
}

// Lets a task wait until every live host of the batch has reached it, so
// data gathered on each host (e.g. WireGuard public keys) is in hostvars.
export class Barriers {
  private readonly arrived = new Map<number, Set<string>>();
  private readonly waiters = new Map<number, (() => void)[]>();
  private readonly gone = new Set<string>();

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

  // A host that finished or failed no longer holds the others back.
  leave(host: string): void {
    this.gone.add(host);
    this.release();
  }

  private release(): void {
    for (const [index, set] of this.arrived) {
      if (this.hosts.every((h) => set.has(h) || this.gone.has(h))) {
        for (const w of this.waiters.get(index) ?? []) w();
        this.waiters.set(index, []);
      }
    }
  }
}

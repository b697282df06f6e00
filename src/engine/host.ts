// One object per host for the whole run. It owns the connection (opened once,
// replaced after a reboot), the fact cache and when its facts go stale, and
// fresh logins (lockout guard, wait_for_connection, health gate). The run and
// the health gate both build a play's HostContext over it (context.ts).
import type { InventoryHost } from '../config/inventory.js';
import type { Play } from '../config/types.js';
import { FactCache } from '../facts/cache.js';
import type { HostInfo } from '../modules/types.js';
import type { ExecOptions, ExecResult, Transport, TransportCounters } from '../transport/types.js';
import type { TaskStatus } from './events.js';
import { factSudo, sudo } from './sudo.js';

export type Connect = (host: InventoryHost, opts?: { timeoutMs?: number }) => Promise<Transport>;

export class RemoteHost {
  private link?: Transport;
  private facts?: FactCache;
  private play: Pick<Play, 'become'> = { become: false };
  // The cache and its epoch when the current task started (see taskDone).
  private taskStart?: { facts: FactCache; epoch: number };
  // Counters of connections already closed (replaced after a reboot).
  private readonly closed: TransportCounters = { connections: 0, execs: 0, bytesSent: 0 };
  // Fresh logins opened for the lockout guard and wait_for_connection.
  guardLogins = 0;

  constructor(
    readonly host: InventoryHost,
    private readonly connect: Connect,
    // A health gate's session runs on one fresh login and never replaces it.
    // observe: hears every fact read from the host (saved plans fingerprint them).
    private readonly opts: { link?: Transport; observe?: (key: string, value: unknown) => void } = {},
  ) {
    this.link = opts.link;
  }

  get info(): HostInfo {
    return { name: this.host.name, address: this.host.address, port: this.host.port, user: this.host.user };
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  get transport(): Transport {
    if (!this.link) throw new Error(`Cannot use the connection to "${this.host.name}": it is not open`);
    return this.link;
  }

  get cache(): FactCache {
    if (!this.facts) throw new Error(`Cannot read facts of "${this.host.name}": no play started`);
    return this.facts;
  }

  async open(): Promise<void> {
    if (!this.link) this.link = await this.connect(this.host);
  }

  // Each play reads its facts again, with its own sudo default.
  beginPlay(play: Pick<Play, 'become'>): void {
    this.play = play;
    this.facts = this.newCache();
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.transport.exec(script, opts);
  }

  // A brand-new SSH connection with the inventory's credentials.
  openFresh(timeoutMs?: number): Promise<Transport> {
    return this.connect(this.host, { timeoutMs });
  }

  // Proves that a brand-new login works: it runs `true` and closes.
  async freshLogin(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.guardLogins += 1;
    const t = await this.openFresh(opts.timeoutMs);
    try {
      const r = await t.exec('true', { become: sudo({ kind: 'login' }) });
      if (r.failed) throw new Error(`a fresh login ran "true" with exit ${r.exitCode}${r.stderr.trim() ? ` (${r.stderr.trim()})` : ''}`);
    } finally {
      await t.close();
    }
  }

  // Replaces the run's connection (after a reboot): every fact is read again.
  async reconnect(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.opts.link) throw new Error('health checks cannot reconnect');
    const fresh = await this.openFresh(opts.timeoutMs);
    const old = this.link;
    this.link = fresh;
    if (old) {
      addCounters(this.closed, old.counters);
      await old.close();
    }
    this.facts = this.newCache();
  }

  // A session of its own on a fresh login (the health gate): the caller runs `true` on it and closes it.
  async freshSession(play: Pick<Play, 'become'>): Promise<RemoteHost> {
    const s = new RemoteHost(this.host, this.connect, { link: await this.openFresh() });
    s.beginPlay(play);
    return s;
  }

  // Applying changes leaves every fact stale (a package brings units and files).
  async changing<T>(apply: () => Promise<T>): Promise<T> {
    try {
      return await apply();
    } finally {
      this.cache.invalidate();
    }
  }

  taskStarts(): void {
    this.taskStart = { facts: this.cache, epoch: this.cache.epoch };
  }

  // A task that applied steps but reported no change (a read-only command
  // with changed_when: false) left the host as it was: the facts read before
  // it still hold. Returns true when they do (no fetch needed).
  taskDone(status: TaskStatus): boolean {
    const t = this.taskStart;
    this.taskStart = undefined;
    if (!t || t.facts !== this.facts || t.facts.epoch === t.epoch) return false;
    if (status === 'ok') {
      t.facts.keepStale();
      return true;
    }
    t.facts.dropStale();
    return false;
  }

  // A read-only command that ran as a fact probe is retried (`until`): its probe runs again.
  retrying(key: string): void {
    this.cache.forget(key);
  }

  counters(): TransportCounters {
    const c = { ...this.closed };
    if (this.link) addCounters(c, this.link.counters);
    return c;
  }

  async close(): Promise<void> {
    await this.link?.close();
  }

  private newCache(): FactCache {
    return new FactCache(this.transport, factSudo(this.play), this.opts.observe);
  }
}

function addCounters(into: TransportCounters, c: TransportCounters): void {
  into.connections += c.connections;
  into.execs += c.execs;
  into.bytesSent += c.bytesSent;
}

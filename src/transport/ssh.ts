// One ssh2 connection per host for the whole run, reused by every task.
import ssh2, { type ClientChannel, type ConnectConfig } from 'ssh2';
const { Client } = ssh2;
type Client = InstanceType<typeof Client>;
import pLimit, { type LimitFunction } from 'p-limit';
import { UnreachableError } from '../errors.js';
import { invocation, wrapScript } from './become.js';
import { hostKeyAlgorithms, hostPattern, knownKeyTypes } from './known-hosts.js';
import { verifyHostKey } from './host-verify.js';
import { authMethods } from './auth.js';
import type { ConnectOptions, ConnectTarget, ExecOptions, ExecResult, Transport, TransportCounters } from './types.js';

// ssh2 has no post-quantum key exchange: keep curve25519 first.
const ALGORITHMS: ConnectConfig['algorithms'] = {
  kex: { prepend: ['curve25519-sha256', 'curve25519-sha256@libssh.org'] } as never,
};

export class SshTransport implements Transport {
  readonly counters: TransportCounters = { connections: 0, execs: 0, bytesSent: 0 };
  private readonly limit: LimitFunction;
  private closed = false;
  lostReason?: string;

  private constructor(
    private readonly client: Client,
    readonly target: ConnectTarget,
    private readonly options: ConnectOptions,
  ) {
    this.limit = pLimit(Math.max(1, options.maxChannels));
    client.on('close', () => {
      if (!this.closed) this.lostReason = 'connection closed by the host';
      this.closed = true;
    });
    client.on('error', (err) => {
      this.lostReason = err.message;
    });
  }

  get host(): string {
    return this.target.name;
  }

  // Opens a connection, retrying with jitter on resets and handshake drops (sshd MaxStartups).
  static async connect(target: ConnectTarget, options: ConnectOptions): Promise<SshTransport> {
    let attempt = 0;
    for (;;) {
      try {
        const client = await connectOnce(target, options);
        const t = new SshTransport(client, target, options);
        t.counters.connections = 1;
        return t;
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (!retriable || attempt >= options.retries) throw toUnreachable(err, target);
        attempt += 1;
        await sleep(150 * attempt + Math.random() * 400);
      }
    }
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.limit(() => this.run(script, opts));
  }

  private run(script: string, opts: ExecOptions): Promise<ExecResult> {
    if (this.closed) {
      return Promise.reject(new UnreachableError(`Cannot run on "${this.host}": ${this.lostReason ?? 'connection closed'}`, { host: this.host }));
    }
    const password = this.options.credentials.becomePassword;
    const inv = invocation(opts.become === true, password !== undefined);
    const payload = wrapScript(script);
    const started = Date.now();
    this.counters.execs += 1;
    return new Promise((resolve, reject) => {
      this.client.exec(inv.command, (err, channel) => {
        if (err) {
          reject(new UnreachableError(`Cannot open a channel on "${this.host}": ${err.message}`, { host: this.host }));
          return;
        }
        const out: Buffer[] = [];
        const errChunks: Buffer[] = [];
        let exitCode = -1;
        let sent = false;
        const send = () => {
          if (sent) return;
          sent = true;
          this.counters.bytesSent += Buffer.byteLength(payload);
          channel.end(payload);
        };
        let stderrText = '';
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => {
          if (!inv.readyMarker || sent) {
            errChunks.push(d);
            return;
          }
          stderrText += d.toString();
          if (inv.promptMarker && stderrText.includes(inv.promptMarker)) {
            stderrText = stderrText.replace(inv.promptMarker, '');
            channel.write(`${password}\n`);
          }
          if (stderrText.includes(inv.readyMarker)) {
            const rest = stderrText.slice(stderrText.indexOf(inv.readyMarker) + inv.readyMarker.length).replace(/^\n/, '');
            if (rest) errChunks.push(Buffer.from(rest));
            send();
          }
        });
        channel.on('exit', (code: number | null) => {
          exitCode = code ?? -1;
        });
        channel.on('close', () => {
          if (!sent && inv.readyMarker) errChunks.push(Buffer.from(stderrText));
          const result = finish(opts.label ?? script, exitCode, out, errChunks, started);
          this.options.onExec?.(this.host, result, opts);
          if (exitCode === -1 && this.closed) {
            reject(new UnreachableError(`Lost connection to "${this.host}": ${this.lostReason ?? 'closed'}`, { host: this.host }));
            return;
          }
          resolve(result);
        });
        if (!inv.readyMarker) send();
        channel satisfies ClientChannel;
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
  }
}

function finish(command: string, exitCode: number, out: Buffer[], err: Buffer[], started: number): ExecResult {
  return {
    command,
    exitCode,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    durationMs: Date.now() - started,
    failed: exitCode !== 0,
  };
}

function connectOnce(target: ConnectTarget, options: ConnectOptions): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyProblem: Error | undefined;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(hostKeyProblem ?? markRetriable(err));
    };
    client.on('ready', () => {
      settled = true;
      resolve(client);
    });
    client.on('error', fail);
    client.on('close', () => fail(Object.assign(new Error('connection closed during handshake'), { retriable: true })));
    const pattern = hostPattern(target.address, target.port);
    const known = hostKeyAlgorithms(knownKeyTypes(options.knownHostsFile, pattern));
    client.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      algorithms: { ...ALGORITHMS, serverHostKey: known as never },
      authHandler: authMethods(target.user, options.credentials) as never,
      hostVerifier: (blob: Buffer) => {
        hostKeyProblem = verifyHostKey(blob, { host: target.name, pattern, knownHostsFile: options.knownHostsFile, acceptNew: options.acceptNewHostKeys });
        return hostKeyProblem === undefined;
      },
    });
  });
}

const RETRIABLE = /ECONNRESET|EPIPE|closed during handshake|Connection lost before handshake|kex_exchange_identification|EHOSTUNREACH/i;

function toUnreachable(err: unknown, target: ConnectTarget): Error {
  if (err instanceof UnreachableError) return err;
  const e = err as Error & { level?: string; code?: string };
  const where = `"${target.name}" (${target.user}@${target.address}:${target.port})`;
  if (e.level === 'client-authentication') {
    return new UnreachableError(`Cannot log in to ${where}: the host refused every key and password offered (check the user, --private-key or --ask-pass)`, { host: target.name });
  }
  if (e.level === 'client-timeout' || /Timed out/i.test(e.message)) {
    return new UnreachableError(`Cannot connect to ${where}: timed out during the SSH handshake`, { host: target.name });
  }
  return new UnreachableError(`Cannot connect to ${where}: ${e.code ?? e.message}`, { host: target.name });
}

export function markRetriable(err: Error): Error {
  if (RETRIABLE.test(err.message) || RETRIABLE.test((err as { code?: string }).code ?? '')) {
    (err as { retriable?: boolean }).retriable = true;
  }
  return err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

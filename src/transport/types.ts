// The shapes the transport hands up to facts and the engine.

// One result shape for success and failure (after execa).
export interface ExecResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  failed: boolean;
}

export interface ExecOptions {
  // Run the whole script under sudo, entered once for this execution.
  become?: boolean;
  // A label for logs (-vv) instead of the script text, e.g. when it carries file content.
  label?: string;
  // The script or its output can carry secret content (a secret file): -vv shows the label, never the output.
  secret?: boolean;
}

export interface TransportCounters {
  connections: number;
  execs: number;
  bytesSent: number;
}

// What the engine and facts need from a host connection.
export interface Transport {
  readonly host: string;
  readonly counters: TransportCounters;
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

export interface ConnectTarget {
  name: string;
  address: string;
  port: number;
  user: string;
}

export interface Credentials {
  // Private keys to offer, in order (already read from disk).
  keys: { path: string; data: Buffer; passphrase?: string }[];
  agent?: string;
  password?: string;
  becomePassword?: string;
}

export interface ConnectOptions {
  credentials: Credentials;
  knownHostsFile: string;
  acceptNewHostKeys: boolean;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  // Channels open at once on the connection (kept below sshd's MaxSessions).
  maxChannels: number;
  retries: number;
  // Called with every remote execution, for -v / -vv.
  onExec?: (host: string, result: ExecResult, options: ExecOptions) => void;
}

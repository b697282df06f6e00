// Builds the transport for each host from flags and the inventory.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { InventoryHost } from '../config/inventory.js';
import type { EngineBus } from '../engine/events.js';
import { credentialsFor } from '../transport/credentials.js';
import { SshTransport } from '../transport/ssh.js';
import type { Transport } from '../transport/types.js';
import type { CliOptions } from './options.js';

export interface Secrets {
  password?: string;
  becomePassword?: string;
}

export function connector(opts: CliOptions, secrets: Secrets, bus: EngineBus) {
  const knownHostsFile = opts.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
  return (host: InventoryHost, o: { timeoutMs?: number } = {}): Promise<Transport> => {
    const becomePassword = secrets.becomePassword ?? (host.vars.ansible_become_password as string | undefined) ?? (host.vars.become_password as string | undefined);
    const password = secrets.password ?? (host.vars.ansible_password as string | undefined) ?? (host.vars.ssh_password as string | undefined);
    return SshTransport.connect(
      { name: host.name, address: host.address, port: host.port, user: host.user },
      {
        credentials: credentialsFor({ privateKey: opts.privateKey, hostKeyFile: host.privateKey, password, becomePassword, host: host.name }),
        knownHostsFile,
        acceptNewHostKeys: opts.acceptNewHostKeys,
        connectTimeoutMs: o.timeoutMs ?? opts.timeout * 1000,
        // A host that stops answering (frozen, cable pulled) is dropped after about --timeout, not minutes.
        keepaliveIntervalMs: Math.min(15000, Math.max(1000, Math.round((opts.timeout * 1000) / 3))),
        maxChannels: 4,
        retries: 3,
        onExec: (h, r, label) => bus.emit('exec', { host: h, command: label ?? r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs }),
      },
    );
  };
}

// Builds the transport for each host from flags and the inventory.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { InventoryHost } from '../config/inventory.js';
import type { EngineBus } from '../engine/events.js';
import { makeScope } from '../engine/scope.js';
import { ConfigError, errorMessage } from '../errors.js';
import { credentialsFor } from '../transport/credentials.js';
import { SshTransport } from '../transport/ssh.js';
import type { Transport } from '../transport/types.js';
import type { CliOptions } from './options.js';

export interface Secrets {
  password?: string;
  becomePassword?: string;
}

// The inventory's login and sudo passwords, rendered like every other
// variable (host and group vars, then -e), so `ansible_password: "{{ vault_pw }}"` works.
export function connectionSecrets(host: InventoryHost, extraVars: Record<string, unknown>): Secrets {
  const vars: Record<string, unknown> = {
    ...host.vars,
    inventory_hostname: host.name,
    ansible_host: host.address,
    ansible_port: host.port,
    ansible_user: host.user,
    ...extraVars,
  };
  const scope = makeScope(vars);
  const read = (...names: string[]): string | undefined => {
    const name = names.find((n) => vars[n] !== undefined && vars[n] !== null);
    if (!name) return undefined;
    try {
      const v = scope[name];
      return v === undefined || v === null ? undefined : String(v);
    } catch (err) {
      throw new ConfigError(`Cannot render "${name}" for host "${host.name}": ${errorMessage(err)}`, { host: host.name });
    }
  };
  return { password: read('ansible_password', 'ssh_password'), becomePassword: read('ansible_become_password', 'become_password') };
}

export function connector(opts: CliOptions, secrets: Secrets, bus: EngineBus, extraVars: Record<string, unknown>) {
  const knownHostsFile = opts.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
  return (host: InventoryHost, o: { timeoutMs?: number } = {}): Promise<Transport> => {
    const fromInventory = connectionSecrets(host, extraVars);
    const becomePassword = secrets.becomePassword ?? fromInventory.becomePassword;
    const password = secrets.password ?? fromInventory.password;
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
        onExec: (h, r, o) => bus.emit('exec', { host: h, command: o.label ?? r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs, hidden: o.secret }),
      },
    );
  };
}

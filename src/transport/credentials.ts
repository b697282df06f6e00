// Reads the private keys to offer: --private-key, the inventory's key, then
// ~/.ssh/id_ed25519 and ~/.ssh/id_rsa. Keys that cannot be read are skipped
// unless they were named explicitly.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { ConfigError } from '../errors.js';
import type { Credentials } from './types.js';

export interface CredentialSources {
  privateKey?: string; // --private-key
  hostKeyFile?: string; // inventory private_key
  password?: string;
  becomePassword?: string;
  useAgent?: boolean;
  host?: string;
}

const cache = new Map<string, { path: string; data: Buffer }>();

function loadKey(path: string, explicit: boolean, host?: string): { path: string; data: Buffer } | undefined {
  const full = resolve(path.replace(/^~(?=\/|$)/, homedir()));
  const hit = cache.get(full);
  if (hit) return hit;
  if (!existsSync(full)) {
    if (explicit) throw new ConfigError(`Cannot read private key "${path}"${host ? ` for host "${host}"` : ''}: file not found`, { file: path, host });
    return undefined;
  }
  const data = readFileSync(full);
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (explicit) throw new ConfigError(`Cannot use private key "${path}": ${parsed.message}`, { file: path, host });
    return undefined;
  }
  const key = { path: full, data };
  cache.set(full, key);
  return key;
}

export function credentialsFor(src: CredentialSources): Credentials {
  const keys: Credentials['keys'] = [];
  const add = (k?: { path: string; data: Buffer }) => {
    if (k && !keys.some((x) => x.path === k.path)) keys.push(k);
  };
  if (src.privateKey) add(loadKey(src.privateKey, true, src.host));
  if (src.hostKeyFile) add(loadKey(src.hostKeyFile, true, src.host));
  for (const name of ['id_ed25519', 'id_rsa']) add(loadKey(join(homedir(), '.ssh', name), false));
  const agent = src.useAgent !== false ? process.env.SSH_AUTH_SOCK : undefined;
  return { keys, agent: agent || undefined, password: src.password, becomePassword: src.becomePassword };
}

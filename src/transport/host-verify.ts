// The host key policy: which key a host may present, and the one-line reason
// when it may not. Only an unknown host (no entry of any kind) can be
// recorded, and only with --accept-new-host-keys.
import { UnreachableError } from '../errors.js';
import { checkHostKey, fingerprint, keyType, recordHostKey, type KnownEntry } from './known-hosts.js';

export interface HostKeyCheck {
  // Inventory name, for messages.
  host: string;
  // The name looked up in known_hosts (`[address]:port` unless port 22).
  pattern: string;
  knownHostsFile: string;
  acceptNew: boolean;
}

const show = (k: { type: string; blob: Buffer }) => `${k.type} ${fingerprint(k.blob)}`;
const list = (entries: KnownEntry[]) => entries.map((e) => `${show(e)} (line ${e.line})`).join(', ');

// Returns undefined when the key may be used, else the error to fail the connection with.
export function verifyHostKey(blob: Buffer, c: HostKeyCheck): UnreachableError | undefined {
  const key = { type: keyType(blob), blob };
  const verdict = checkHostKey(c.knownHostsFile, c.pattern, key);
  const who = `"${c.host}" (${c.pattern})`;
  const remove = `ssh-keygen -f '${c.knownHostsFile}' -R '${c.pattern}'`;
  const fail = (msg: string) => new UnreachableError(msg, { host: c.host });
  switch (verdict.kind) {
    case 'match':
      return undefined;
    case 'unknown':
      if (c.acceptNew) {
        recordHostKey(c.knownHostsFile, c.pattern, key);
        return undefined;
      }
      return fail(`Host key of ${who} is unknown: ${show(key)}; verify it and pass --accept-new-host-keys to record it in ${c.knownHostsFile}`);
    case 'revoked':
      return fail(`Host key of ${who} is REVOKED: ${show(key)} is listed @revoked in ${c.knownHostsFile} (line ${verdict.entry.line}); refusing to connect`);
    case 'changed':
      return fail(`Host key of ${who} has CHANGED: it offers ${show(key)}, ${c.knownHostsFile} has ${list(verdict.known)}; refusing to connect (if the change is expected, remove the old entry with: ${remove})`);
    case 'other-type':
      return fail(
        `Host key of ${who} is of a type not known for it: it offers ${show(key)}, ${c.knownHostsFile} has ${list(verdict.known)}; refusing to connect, also with --accept-new-host-keys (if the host really changed its key, remove the old entry with: ${remove})`,
      );
    case 'cert-authority':
      return fail(
        `Host ${who} is trusted through @cert-authority in ${c.knownHostsFile} (${list(verdict.authorities)}), but pirun's SSH library (ssh2) cannot negotiate host certificates and the host offered the plain key ${show(key)}; refusing to connect, also with --accept-new-host-keys (to trust this key, check its fingerprint and add it as a plain entry)`,
      );
  }
}

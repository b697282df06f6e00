// The one place that decides what is secret and how it is hidden, so every
// output sink (terminal, log, diff, JSON or drift report) masks the same
// things the same way. A secret is a variable whose name looks secret or that
// a role marks `no_log`, a password given to pirun, or a value registered at
// run time (e.g. a private key read from a host).

// `wifi_psk`, `ansible_become_password`, `api_token`, `ssh_private_key`; not
// `ssh_password_authentication`, which is a setting, not a secret.
const SECRET_NAME = /pass(word|phrase|wd)?$|secret|token|private_key$|privkey|psk$|api_key/i;
export const MASK = '********';

const extraNames = new Set<string>();
const values = new Set<string>();

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || extraNames.has(name);
}

export function registerSecretNames(names: Iterable<string>): void {
  for (const n of names) extraNames.add(n);
}

// Values shorter than 4 characters are not masked: they would garble output.
export function registerSecretValue(value: unknown): void {
  if (typeof value === 'string' && value.length >= 4) values.add(value);
}

// Registers the values of secret-named variables found in a vars object.
export function registerSecretVars(vars: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (!isSecretName(k) || v == null) continue;
    registerSecretValue(typeof v === 'string' ? v : JSON.stringify(v));
  }
}

// Masks the value of a secret name whole; otherwise looks inside lists and
// mappings, so `wifi: { ssid: x, psk: y }` hides only the psk. `secretNames`
// adds names marked secret elsewhere.
export function maskValue(name: string, value: unknown, opts: { secretNames?: ReadonlySet<string> } = {}): unknown {
  if (isSecretName(name) || opts.secretNames?.has(name)) return MASK;
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map((item) => maskValue('', item, opts));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValue(k, v, opts)]));
  }
  return value;
}

// Replaces every known secret value inside a text.
export function maskText(text: string): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(MASK);
  return out;
}

// Masks a whole structure (a report, an event): secret-named keys and secret values.
export function maskDeep<T>(value: T): T {
  return maskValue('', value) as T;
}

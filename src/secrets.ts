// What is secret, decided in one place. A secret is the value of a variable
// whose name looks secret (at any depth: `db: { password: … }`) or that a
// role marks `no_log`, a password given to pirun, the registered result of a
// `no_log` task, or anything else registered at run time. Values are
// registered after rendering (engine/scope.ts registers every variable a task
// reads), so a secret built by a template is known by its real value. The
// one place that hides them from output is cli/mask.ts.

// `wifi_psk`, `psk_hex`, `ansible_become_password`, `api_token`,
// `private_key_pem`, `wireguard_preshared_key`; not `ssh_password_authentication`
// (a setting) nor `ansible_ssh_private_key_file` (a path to a secret, not the secret).
const SECRET_NAME = /pass(word|phrase|wd)?$|secret|token|private_?key|privkey|psk|preshared|api_?key/i;
const SECRET_PATH = /_(file|path)$/i;
export const MASK = '********';

// Shorter values are not masked: they would garble output.
const MIN_LENGTH = 4;
// How deep a structure is searched for secret-named keys.
const MAX_DEPTH = 32;

const extraNames = new Set<string>();
const values = new Set<string>();
// Longest first, so a secret inside a longer one leaves no fragment.
let ordered: string[] = [];

export function isSecretName(name: string): boolean {
  return (SECRET_NAME.test(name) && !SECRET_PATH.test(name)) || extraNames.has(name);
}

export function registerSecretNames(names: Iterable<string>): void {
  for (const n of names) extraNames.add(n);
}

const isTemplate = (s: string) => s.includes('{{') || s.includes('{%');

function add(text: string): void {
  if (text.length < MIN_LENGTH || values.has(text)) return;
  values.add(text);
  ordered = [...values].sort((a, b) => b.length - a.length);
}

// One value: a string (also each of its lines, and its JSON-escaped form, as
// output shows them), or a number. A template is not a value yet: it is
// registered once rendered.
export function registerSecretValue(value: unknown): void {
  if (typeof value === 'number' || typeof value === 'bigint') return add(String(value));
  if (typeof value !== 'string' || isTemplate(value)) return;
  add(value);
  add(value.trim());
  add(JSON.stringify(value).slice(1, -1));
  if (value.includes('\n')) for (const line of value.split('\n')) add(line.trim());
}

// Every value inside a structure (a secret variable's whole value, a no_log
// task's registered result).
export function registerSecretTree(value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) value.forEach((v) => registerSecretTree(v, depth + 1));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => registerSecretTree(v, depth + 1));
  else registerSecretValue(value);
}

// The values of secret-named keys anywhere inside a vars object or value.
export function registerSecretVars(vars: unknown, depth = 0): void {
  if (depth > MAX_DEPTH || vars === null || typeof vars !== 'object') return;
  if (Array.isArray(vars)) return vars.forEach((v) => registerSecretVars(v, depth + 1));
  for (const [k, v] of Object.entries(vars)) {
    if (isSecretName(k)) registerSecretTree(v, depth + 1);
    else registerSecretVars(v, depth + 1);
  }
}

// A variable as a task reads it, after rendering: all of it when its name is
// secret, else the secret-named keys inside it.
export function registerVariable(name: string, value: unknown): void {
  if (isSecretName(name)) registerSecretTree(value);
  else registerSecretVars(value);
}

// Whether a variable's raw value holds a secret (its name, or a secret-named
// key inside it), so that an error rendering it must not quote it.
export function holdsSecret(name: string, value: unknown, depth = 0): boolean {
  if (isSecretName(name)) return true;
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => holdsSecret(Array.isArray(value) ? '' : k, v, depth + 1));
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
  for (const v of ordered) if (out.includes(v)) out = out.split(v).join(MASK);
  return out;
}

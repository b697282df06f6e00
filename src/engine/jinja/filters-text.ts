// Ansible's filters on strings and serialised data: ternary, split,
// regex_findall (Python's regular expressions), to/from JSON and YAML as
// Ansible prints them, password_hash (crypt(3) SHA-512/SHA-256), type_debug.
import yaml from 'js-yaml';
import { encrypt } from 'unixcrypt';
import { randomBytes } from 'node:crypto';
import { pyRegExp } from '../../modules/py-regexp.js';
import { registerSecretValue } from '../../secrets.js';
import { byName, isMapping, truthy, typeName } from './values.js';

// Python's str.split: no separator splits on runs of whitespace and drops empty ends.
export function pySplit(s: string, sep?: unknown, maxsplit: unknown = -1): string[] {
  const max = Number(maxsplit ?? -1);
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest) {
      if (max >= 0 && out.length === max) return [...out, rest];
      const m = /\s+/.exec(rest);
      if (!m) return [...out, rest];
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  if (sep === '') throw new Error('split: empty separator');
  const parts = s.split(String(sep));
  return max < 0 || parts.length <= max + 1 ? parts : [...parts.slice(0, max), parts.slice(max).join(String(sep))];
}

function flags(ignorecase: unknown, multiline: unknown): string {
  return `${truthy(ignorecase) ? 'i' : ''}${truthy(multiline) ? 'm' : ''}`;
}

export function pyRegex(pattern: unknown, opts: { ignorecase?: unknown; multiline?: unknown; global?: boolean } = {}): RegExp {
  // The flags reach the translator: Python's `$` reads differently with MULTILINE.
  const f = flags(opts.ignorecase, opts.multiline);
  return pyRegExp(String(pattern), { ignorecase: f.includes('i'), multiline: f.includes('m'), global: opts.global });
}

// re.findall: the whole matches, or the one group, or a list per match of all groups.
function regexFindall(value: unknown, ...args: unknown[]): unknown[] {
  const [pattern, multiline, ignorecase] = byName(['regex', 'multiline', 'ignorecase'], args, 'regex_findall');
  const re = pyRegex(pattern, { ignorecase, multiline, global: true });
  return [...String(value).matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? '')));
}

// Python's yaml.dump(indent=4, default_flow_style=False) as to_nice_yaml prints it: keys sorted, block style.
function toNiceYaml(value: unknown, ...args: unknown[]): string {
  const [indent = 4, sortKeys = true] = byName(['indent', 'sort_keys', 'width'], args, 'to_nice_yaml') as [number, boolean];
  return yaml.dump(value, { indent: Number(indent), noArrayIndent: true, sortKeys: truthy(sortKeys), lineWidth: -1, noRefs: true });
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (isMapping(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

function toNiceJson(value: unknown, ...args: unknown[]): string {
  const [indent = 4, sortKeys = true] = byName(['indent', 'sort_keys'], args, 'to_nice_json') as [number, boolean];
  return JSON.stringify(truthy(sortKeys) ? sorted(value) : value, null, Number(indent));
}

const HASHES: Record<string, string> = { sha512: '6', sha512_crypt: '6', sha256: '5', sha256_crypt: '5' };
const SALT_CHARS = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// crypt(3) as /etc/shadow holds it. Without a salt the hash changes at every
// run, as in Ansible; the result is registered as a secret for masking.
function passwordHash(value: unknown, ...args: unknown[]): string {
  const [hashtype = 'sha512', salt, rounds] = byName(['hashtype', 'salt', 'rounds', 'ident'], args, 'password_hash') as [string, string | undefined, number | undefined];
  const id = HASHES[String(hashtype)];
  if (!id) throw new Error(`password_hash: hash type "${hashtype}" is not supported (supported: sha512, sha256)`);
  const s = salt ?? [...randomBytes(16)].map((b) => SALT_CHARS[b % 64]).join('');
  if (!/^[./0-9A-Za-z]{1,16}$/.test(String(s))) throw new Error('password_hash: the salt must be 1 to 16 characters of [./0-9A-Za-z]');
  const r = rounds === undefined || rounds === null ? '' : `rounds=${Number(rounds)}$`;
  const hash = encrypt(String(value), `$${id}$${r}${s}`);
  registerSecretValue(String(value));
  registerSecretValue(hash);
  return hash;
}

function ternary(value: unknown, ...args: unknown[]): unknown {
  const [yes, no, none] = byName(['true_val', 'false_val', 'none_val'], args, 'ternary');
  if ((value === null || value === undefined) && none !== undefined) return none;
  return truthy(value) ? yes : no;
}

export const textFilters: Record<string, (value: unknown, ...args: unknown[]) => unknown> = {
  ternary,
  split: (value, ...args) => {
    const [sep, max] = byName(['sep', 'maxsplit'], args, 'split');
    return pySplit(String(value), sep, max);
  },
  regex_findall: regexFindall,
  regex_escape: (value) => String(value).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
  to_nice_yaml: toNiceYaml,
  to_nice_json: toNiceJson,
  from_json: (value) => JSON.parse(String(value)),
  from_yaml: (value) => (typeof value === 'string' ? yaml.load(value) : value),
  from_yaml_all: (value) => yaml.loadAll(String(value)),
  password_hash: passwordHash,
  type_debug: (value) => typeName(value),
};

// Ansible host patterns, for a play's `hosts:` and for --limit: names, groups,
// globs, `~regex`, lists joined by "," or ":", `&group` and `!name`.
import { ConfigError } from '../errors.js';
import type { Inventory, InventoryHost } from './inventory-types.js';

// As Ansible: the plain terms are joined first, then each `&` narrows and each
// `!` removes. A pattern of only `&`/`!` terms starts from all hosts. A term
// that names nothing is an error: a mistyped `!pi9` would otherwise run
// everywhere it was meant to skip. Order follows the inventory.
export function selectHosts(inv: Inventory, pattern: string | undefined, opts: { what?: string } = {}): InventoryHost[] {
  const hosts = [...inv.hosts.values()];
  if (pattern === undefined) return hosts;
  const what = opts.what ?? 'Host pattern';
  const terms = splitPattern(pattern);
  if (terms.length === 0) throw new ConfigError(`${what} "${pattern}" is empty`, { file: inv.file });

  const plain = terms.filter((t) => !/^[&!]/.test(t));
  let selected = new Set<string>(plain.length === 0 ? inv.hosts.keys() : []);
  const apply = (term: string, combine: (found: Set<string>) => void) => {
    let found: Set<string> | undefined;
    try {
      found = matchTerm(inv, term.replace(/^[&!]/, ''));
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      throw new ConfigError(`${what} "${pattern}": "${term}" is not a valid regular expression`, { file: inv.file });
    }
    if (found === undefined) throw noMatch(inv, { pattern, term, what });
    combine(found);
  };
  for (const term of plain) apply(term, (found) => found.forEach((h) => selected.add(h)));
  for (const term of terms.filter((t) => t.startsWith('&'))) apply(term, (found) => (selected = intersect(selected, found)));
  for (const term of terms.filter((t) => t.startsWith('!'))) apply(term, (found) => found.forEach((h) => selected.delete(h)));

  const result = hosts.filter((h) => selected.has(h.name));
  if (result.length === 0) throw noMatch(inv, { pattern, what });
  return result;
}

// Commas always separate; colons only when there is no comma and the
// pattern is not an IPv6 address.
export function splitPattern(pattern: string): string[] {
  const parts = pattern.includes(',') || isIPv6(pattern) ? pattern.split(',') : pattern.split(':');
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

// Hosts named by one term, or undefined when it names no host and no group.
function matchTerm(inv: Inventory, term: string): Set<string> | undefined {
  if (term === 'all' || term === '*') return new Set(inv.hosts.keys());
  const test = termTest(term);
  const groups = [...inv.groups.keys()].filter(test);
  const found = new Set<string>();
  for (const host of inv.hosts.values()) {
    if (test(host.name) || host.groups.some((g) => groups.includes(g))) found.add(host.name);
  }
  if (found.size === 0 && groups.length === 0) return undefined;
  return found;
}

function termTest(term: string): (name: string) => boolean {
  if (term.startsWith('~')) {
    const re = new RegExp(term.slice(1));
    return (name) => re.test(name);
  }
  if (!/[*?[]/.test(term)) return (name) => name === term;
  const re = new RegExp(`^${globToRegExp(term)}$`);
  return (name) => re.test(name);
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    const close = c === '[' ? glob.indexOf(']', i + 1) : -1;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (close > i + 1) {
      out += `[${glob.slice(i + 1, close).replace(/^!/, '^').replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

function isIPv6(s: string): boolean {
  return (s.match(/:/g) ?? []).length >= 2 && /^[0-9a-fA-F:.]+$/.test(s);
}

function intersect(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a].filter((x) => b.has(x)));
}

function noMatch(inv: Inventory, at: { pattern: string; term?: string; what: string }): ConfigError {
  const inFile = `in inventory "${inv.file}"`;
  const message =
    at.term === undefined || at.term === at.pattern.trim()
      ? `${at.what} "${at.pattern}" matches no host ${inFile}`
      : `${at.what} "${at.pattern}": "${at.term}" matches no host or group ${inFile}`;
  return new ConfigError(message, { file: inv.file });
}

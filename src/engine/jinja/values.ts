// Python's view of template values, for filters and tests that must answer
// as Ansible does: truthiness (an empty list is false), equality of
// structures, type names, keyword arguments as nunjucks passes them.

// nunjucks hands `f(a, key=v)` to a filter as (value, a, {key: v, __keywords: true}).
export interface Kwargs {
  [k: string]: unknown;
}

export function splitArgs(args: unknown[]): { pos: unknown[]; kw: Kwargs } {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const { __keywords: _, ...kw } = last as Kwargs;
    return { pos: args.slice(0, -1), kw };
  }
  return { pos: args, kw: {} };
}

// Keyword arguments placed where the Python signature puts them, so
// `sort(attribute='name')` reaches nunjucks' sort(value, reverse, case, attribute).
export function byName(params: string[], args: unknown[], what: string): unknown[] {
  const { pos, kw } = splitArgs(args);
  const out = [...pos];
  for (const [k, v] of Object.entries(kw)) {
    const i = params.indexOf(k);
    if (i < 0) throw new Error(`${what} got an unexpected keyword argument "${k}"`);
    while (out.length <= i) out.push(undefined);
    out[i] = v;
  }
  return out;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

export function uniq(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of list) if (!out.some((y) => equal(x, y))) out.push(x);
  return out;
}

export function toList(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  throw new Error(`${what} expects a list, got ${typeName(v)}`);
}

// Jinja's attribute lookup for map/sort/selectattr: "a.b" walks nested keys, "0" indexes lists.
export function attr(item: unknown, path: string | number): unknown {
  let cur: unknown = item;
  for (const part of String(path).split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

// The name Python (and so Ansible's type_debug) gives a value's type.
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'dict';
  return typeof v;
}

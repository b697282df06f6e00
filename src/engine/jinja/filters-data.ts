// Ansible's filters on lists and dictionaries, with Ansible's results
// (ansible.builtin: combine, dict2items, difference, ...; Jinja: map,
// selectattr with its test, min, max).
import type nunjucks from 'nunjucks';
import { attr, byName, equal, isMapping, splitArgs, toList, truthy, uniq, type Kwargs } from './values.js';

type Ctx = { env: nunjucks.Environment };
type Filter = (this: Ctx, value: unknown, ...args: unknown[]) => unknown;

function mapping(v: unknown, what: string): Record<string, unknown> {
  if (!isMapping(v)) throw new Error(`${what} expects a dictionary, got ${JSON.stringify(v)}`);
  return v;
}

type ListMerge = 'replace' | 'keep' | 'append' | 'prepend' | 'append_rp' | 'prepend_rp';

function merge(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean, lists: ListMerge): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    if (recursive && isMapping(old) && isMapping(v)) out[k] = merge(old, v, recursive, lists);
    else if (Array.isArray(old) && Array.isArray(v) && lists !== 'replace') {
      if (lists === 'keep') continue;
      if (lists === 'append') out[k] = [...old, ...v];
      else if (lists === 'prepend') out[k] = [...v, ...old];
      else if (lists === 'append_rp') out[k] = [...old.filter((x) => !v.some((y) => equal(x, y))), ...v];
      else out[k] = [...v, ...old.filter((x) => !v.some((y) => equal(x, y)))];
    } else out[k] = v;
  }
  return out;
}

const combine: Filter = (value, ...args) => {
  const { pos, kw } = splitArgs(args);
  const lists = (kw.list_merge ?? 'replace') as ListMerge;
  if (!['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'].includes(lists)) throw new Error(`combine: list_merge "${lists}" is not one of replace, keep, append, prepend, append_rp, prepend_rp`);
  const dicts = [value, ...pos].flatMap((d) => (Array.isArray(d) ? d : [d])).map((d) => mapping(d, 'combine'));
  return dicts.reduce((acc, d) => merge(acc, d, truthy(kw.recursive), lists), {});
};

// The item's filter or test by name, so map('upper') and select('match', 're') run them.
function test(ctx: Ctx, name: unknown): (this: Ctx, ...a: unknown[]) => unknown {
  return (ctx.env as unknown as { getTest(n: string): never }).getTest(String(name));
}

function selectOrReject(want: boolean, byAttr: boolean): Filter {
  return function (this: Ctx, value, ...args) {
    const { pos, kw } = splitArgs(args);
    const [key, testName, ...testArgs] = byAttr ? pos : [undefined, ...pos];
    const t = testName === undefined ? undefined : test(this, testName);
    const kwArgs = Object.keys(kw).length ? [{ ...kw, __keywords: true }] : [];
    return toList(value ?? [], byAttr ? 'selectattr' : 'select').filter((item) => {
      const v = byAttr ? attr(item, String(key)) : item;
      const ok = t ? t.call(this, v, ...testArgs, ...kwArgs) === true : truthy(v);
      return ok === want;
    });
  };
}

const map: Filter = function (value, ...args) {
  const { pos, kw } = splitArgs(args);
  const items = toList(value ?? [], 'map');
  if (kw.attribute !== undefined) {
    return items.map((x) => {
      const v = attr(x, String(kw.attribute));
      return v === undefined && 'default' in kw ? kw.default : v;
    });
  }
  const [name, ...rest] = pos;
  if (name === undefined) throw new Error('map needs a filter name or attribute=');
  const f = this.env.getFilter(String(name)) as unknown as Filter;
  const kwArgs = Object.keys(kw).length ? [{ ...kw, __keywords: true }] : [];
  return items.map((x) => f.call(this, x, ...rest, ...kwArgs));
};

// Python's ordering for numbers and strings (code points, not locale).
function cmp(a: unknown, b: unknown): number {
  const x = typeof a === 'string' ? a : Number(a);
  const y = typeof b === 'string' ? b : Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function extreme(sign: 1 | -1): Filter {
  return (value, ...args) => {
    const [attribute] = byName(['attribute', 'case_sensitive'], args, sign > 0 ? 'max' : 'min') as [string | undefined];
    const items = toList(value, sign > 0 ? 'max' : 'min');
    if (!items.length) return undefined;
    const key = (x: unknown) => (attribute !== undefined ? attr(x, attribute) : x);
    return items.reduce((best, x) => (cmp(key(x), key(best)) * sign > 0 ? x : best));
  };
}

function product(value: unknown, ...args: unknown[]): unknown[][] {
  const { pos, kw } = splitArgs(args);
  const lists = [value, ...pos].map((l) => toList(l, 'product'));
  const repeat = Number(kw.repeat ?? 1);
  const all = Array.from({ length: repeat }, () => lists).flat();
  return all.reduce<unknown[][]>((acc, l) => acc.flatMap((prefix) => l.map((x) => [...prefix, x])), [[]]);
}

function zip(longest: boolean): Filter {
  return (value, ...args) => {
    const { pos, kw } = splitArgs(args);
    const lists = [value, ...pos].map((l) => toList(l, 'zip'));
    const n = lists.length ? Math[longest ? 'max' : 'min'](...lists.map((l) => l.length)) : 0;
    return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : (kw.fillvalue ?? null))));
  };
}

function dict2items(value: unknown, ...args: unknown[]): unknown[] {
  const [k = 'key', v = 'value'] = byName(['key_name', 'value_name'], args, 'dict2items') as string[];
  return Object.entries(mapping(value, 'dict2items')).map(([key, val]) => ({ [k]: key, [v]: val }));
}

function items2dict(value: unknown, ...args: unknown[]): Record<string, unknown> {
  const [k = 'key', v = 'value'] = byName(['key_name', 'value_name'], args, 'items2dict') as string[];
  const out: Record<string, unknown> = {};
  for (const item of toList(value, 'items2dict')) {
    const m = mapping(item, 'items2dict');
    if (!(k in m) || !(v in m)) throw new Error(`items2dict: an item has no "${k}" or "${v}" key: ${JSON.stringify(m)}`);
    out[String(m[k])] = m[v];
  }
  return out;
}

const sets = {
  difference: (a: unknown, b: unknown) => uniq(toList(a, 'difference').filter((x) => !toList(b, 'difference').some((y) => equal(x, y)))),
  intersect: (a: unknown, b: unknown) => uniq(toList(a, 'intersect').filter((x) => toList(b, 'intersect').some((y) => equal(x, y)))),
  union: (a: unknown, b: unknown) => uniq([...toList(a, 'union'), ...toList(b, 'union')]),
  symmetric_difference: (a: unknown, b: unknown) => {
    const la = toList(a, 'symmetric_difference');
    const lb = toList(b, 'symmetric_difference');
    return uniq([...la.filter((x) => !lb.some((y) => equal(x, y))), ...lb.filter((x) => !la.some((y) => equal(x, y)))]);
  },
};

export const dataFilters: Record<string, Filter> = {
  combine,
  map,
  select: selectOrReject(true, false),
  reject: selectOrReject(false, false),
  selectattr: selectOrReject(true, true),
  rejectattr: selectOrReject(false, true),
  min: extreme(-1),
  max: extreme(1),
  product,
  zip: zip(false),
  zip_longest: zip(true),
  dict2items,
  items2dict,
  ...sets,
  unique: (value: unknown, ...args: unknown[]) => {
    const [, attribute] = byName(['case_sensitive', 'attribute'], args, 'unique') as [unknown, string | undefined];
    const items = toList(value, 'unique');
    if (attribute === undefined) return uniq(items);
    const seen: unknown[] = [];
    return items.filter((x) => (seen.some((y) => equal(y, attr(x, attribute))) ? false : (seen.push(attr(x, attribute)), true)));
  },
  flatten: (value: unknown, ...args: unknown[]) => {
    const [levels, skipNulls = true] = byName(['levels', 'skip_nulls'], args, 'flatten') as [number | undefined, boolean];
    const flat = toList(value, 'flatten').flat(levels === undefined || levels === null ? Infinity : Number(levels));
    return skipNulls ? flat.filter((x) => x !== null && x !== undefined) : flat;
  },
};

export type { Kwargs };

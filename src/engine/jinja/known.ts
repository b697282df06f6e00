// Finds a filter, test or lookup a template names that pirun does not have,
// so the preflight reports it before any host is touched (nunjucks itself
// would only fail when the template renders, on the first host).
import nunjucks from 'nunjucks';

interface Node {
  typename?: string;
  fields?: string[];
  [k: string]: unknown;
}

export interface Known {
  filter(name: string): boolean;
  test(name: string): boolean;
  lookup(name: string): boolean;
}

const literal = (n: unknown): string | undefined => {
  const v = (n as Node | undefined)?.typename === 'Literal' ? (n as Node).value : undefined;
  return typeof v === 'string' ? v : undefined;
};

// Filters and tests named by string inside map/select/selectattr and their kin.
const BY_NAME: Record<string, { arg: number; kind: 'filter' | 'test' }> = {
  map: { arg: 1, kind: 'filter' },
  select: { arg: 1, kind: 'test' },
  reject: { arg: 1, kind: 'test' },
  selectattr: { arg: 2, kind: 'test' },
  rejectattr: { arg: 2, kind: 'test' },
};

export function unknownName(source: string, known: Known): string | undefined {
  const root = (nunjucks as unknown as { parser: { parse(s: string, e: unknown[], o: object): unknown } }).parser.parse(source, [], {});
  let found: string | undefined;
  const walk = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.typename === 'Filter') {
      const name = String((n.name as Node)?.value);
      if (!known.filter(name)) found = `unknown filter "${name}"`;
      const by = BY_NAME[name];
      const arg = by && literal(((n.args as Node)?.children as unknown[])?.[by.arg]);
      if (!found && arg !== undefined && !known[by.kind](arg)) found = `unknown ${by.kind} "${arg}"`;
    } else if (n.typename === 'Is') {
      const right = n.right as Node;
      const name = String((right.name as Node | undefined)?.value ?? right.value);
      if (!known.test(name)) found = `unknown test "${name}"`;
    } else if (n.typename === 'FunCall') {
      const fn = (n.name as Node)?.typename === 'Symbol' ? String((n.name as Node).value) : undefined;
      const kind = literal(((n.args as Node)?.children as unknown[])?.[0]);
      if (fn && ['lookup', 'query', 'q'].includes(fn) && kind !== undefined && !known.lookup(kind)) found = `unknown lookup "${kind}"`;
    }
    for (const f of n.fields ?? []) {
      const v = n[f];
      if (Array.isArray(v)) v.forEach(walk);
      else walk(v);
    }
  };
  walk(root);
  return found;
}

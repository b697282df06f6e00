// Finds the variables a template reads that are not defined, so an error can
// name them (nunjucks itself only says "undefined value"). Names guarded by
// `is defined`, `default(...)` or bound by for/set inside the template are fine.
import nunjucks from 'nunjucks';

interface Node {
  typename?: string;
  fields?: string[];
  value?: unknown;
  [k: string]: unknown;
}

const cache = new Map<string, { reads: Set<string>; local: Set<string> }>();

function analyse(source: string): { reads: Set<string>; local: Set<string> } {
  const hit = cache.get(source);
  if (hit) return hit;
  const reads = new Set<string>();
  const local = new Set<string>();
  const walk = (node: unknown, guarded: boolean): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    switch (n.typename) {
      case 'Symbol':
        if (!guarded) reads.add(String(n.value));
        return;
      case 'Is': // `x is defined`: the left side may be undefined
        walk(n.left, true);
        return;
      case 'Filter': {
        const name = (n.name as Node)?.value;
        const args = ((n.args as Node)?.children as unknown[]) ?? [];
        args.forEach((a, i) => walk(a, guarded || (i === 0 && (name === 'default' || name === 'd'))));
        return;
      }
      case 'FunCall':
        walk(n.args, guarded);
        if ((n.name as Node)?.typename !== 'Symbol') walk(n.name, guarded);
        return;
      case 'KeywordArgs': // `sort(attribute='name')`: the keys are names, not variables
        for (const pair of (n.children as Node[]) ?? []) walk(pair.value, guarded);
        return;
      case 'LookupVal':
        walk(n.target, guarded);
        return;
      case 'For':
      case 'Set':
        for (const t of [n.name, ...(((n.targets as unknown[]) ?? []) as unknown[])]) collectLocal(t, local);
        break;
      case 'Macro': // `{% macro yn(v) %}`: the macro and its parameters are local names
        collectLocal(n.name, local);
        collectLocal(n.args, local);
        break;
    }
    for (const f of n.fields ?? []) {
      const v = n[f];
      if (Array.isArray(v)) v.forEach((c) => walk(c, guarded));
      else walk(v, guarded);
    }
  };
  walk((nunjucks as unknown as { parser: { parse(s: string, e: unknown[], o: object): unknown } }).parser.parse(source, [], {}), false);
  const out = { reads, local };
  cache.set(source, out);
  return out;
}

function collectLocal(node: unknown, into: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  if (n.typename === 'Symbol') into.add(String(n.value));
  for (const c of (n.children as unknown[]) ?? []) collectLocal(c, into);
}

const BUILTINS = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'loop', 'range', 'lipsum', 'cycler', 'joiner', 'omit']);

export function undefinedNames(source: string, defined: (name: string) => boolean): string[] {
  const { reads, local } = analyse(source);
  return [...reads].filter((n) => !local.has(n) && !BUILTINS.has(n) && !defined(n));
}

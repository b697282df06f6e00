// Ansible's Jinja on nunjucks, through its extension points only (filters,
// tests, globals, the Jinja compatibility layer): no forked engine.
import type nunjucks from 'nunjucks';
import { dataFilters } from './filters-data.js';
import { textFilters } from './filters-text.js';
import { lookupGlobals, makeLookups } from './lookups.js';
import { installPython } from './python.js';
import { ansibleTests } from './tests.js';
import { byName } from './values.js';

// Ansible's placeholder: an argument whose value renders to it is dropped
// (`mode: "{{ m | default(omit) }}"`).
export const OMIT = '__omit_place_holder__pirun';
export const isOmit = (v: unknown): boolean => v === OMIT;

// nunjucks' built-in filters whose positional order is Jinja's: keyword
// arguments are put in place by name (`sort(attribute='name')`).
const BUILTIN_PARAMS: Record<string, string[]> = {
  sort: ['reverse', 'case_sensitive', 'attribute'],
  join: ['d', 'attribute'],
  sum: ['attribute', 'start'],
  default: ['default_value', 'boolean'],
  d: ['default_value', 'boolean'],
  truncate: ['length', 'killwords', 'end', 'leeway'],
  round: ['precision', 'method'],
  indent: ['width', 'first', 'blank'],
  replace: ['old', 'new', 'count'],
  batch: ['linecount', 'fill_with'],
  slice: ['slices', 'fill_with'],
  dictsort: ['case_sensitive', 'by', 'reverse'],
  groupby: ['attribute', 'default'],
  center: ['width'],
  first: [],
  last: [],
  length: [],
  lower: [],
  upper: [],
  trim: ['chars'],
  list: [],
  string: [],
  float: ['default'],
  wordcount: [],
  title: [],
  capitalize: [],
  reverse: [],
  random: [],
  urlencode: [],
  escape: [],
  safe: [],
  abs: [],
};

// Ansible's fully qualified names for the same filters (`ansible.builtin.combine`).
const FQCN = ['ansible.builtin.', 'ansible.utils.', 'community.general.'];

export interface JinjaNames {
  filters: Set<string>;
  tests: Set<string>;
  lookups: Set<string>;
}

export function installJinja(env: nunjucks.Environment, renderFile: (text: string, vars: Record<string, unknown>) => string): JinjaNames {
  installPython();
  const envAny = env as unknown as { filters: Record<string, unknown>; tests: Record<string, unknown> };
  for (const [name, params] of Object.entries(BUILTIN_PARAMS)) {
    const f = envAny.filters[name] as ((...a: unknown[]) => unknown) | undefined;
    if (!f) continue;
    env.addFilter(name, function (this: unknown, value: unknown, ...args: unknown[]) {
      return f.call(this, value, ...byName(params, args, name));
    });
  }
  for (const [name, f] of Object.entries({ ...dataFilters, ...textFilters })) env.addFilter(name, f as never);
  for (const [name, t] of Object.entries(ansibleTests)) (env as unknown as { addTest(n: string, f: unknown): void }).addTest(name, t);
  const lookups = makeLookups(renderFile);
  const { lookup, query } = lookupGlobals(lookups);
  env.addGlobal('lookup', lookup);
  env.addGlobal('query', query);
  env.addGlobal('q', query);
  env.addGlobal('omit', OMIT);
  // Python's dict(a=1) builds a dictionary from keyword arguments.
  env.addGlobal('dict', (...args: unknown[]) => {
    const kw = args[args.length - 1] as Record<string, unknown> | undefined;
    const { __keywords: _, ...rest } = kw ?? {};
    return rest;
  });
  for (const name of Object.keys(envAny.filters)) for (const p of FQCN) if (!name.includes('.')) envAny.filters[p + name] = envAny.filters[name];
  return {
    filters: new Set(Object.keys(envAny.filters)),
    tests: new Set(Object.keys(envAny.tests)),
    lookups: new Set(Object.keys(lookups)),
  };
}

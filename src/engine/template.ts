// Jinja-compatible templates through nunjucks, rendered on the controller.
// A string that is a single `{{ expr }}` keeps the expression's native type
// (list, number, bool), as in Ansible.
import nunjucks from 'nunjucks';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import yaml from 'js-yaml';
import { installJinja, isOmit } from './jinja/index.js';
import { unknownName } from './jinja/known.js';
import { undefinedNames } from './template-names.js';
import { quote } from '../transport/quote.js';
import { expandTemplate, pySearch, pySub } from '../modules/py-regexp.js';

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly undefinedVars: string[] = [],
    // What went wrong, without the template's text (which may hold a secret).
    readonly reason = message,
  ) {
    super(message);
  }
}

// nunjucks passes `name=value` arguments as a last object marked __keywords.
function keywords(rest: unknown[]): { args: unknown[]; kw: Record<string, unknown> } {
  const last = rest[rest.length - 1] as Record<string, unknown> | undefined;
  if (last && typeof last === 'object' && last.__keywords) return { args: rest.slice(0, -1), kw: last };
  return { args: rest, kw: {} };
}

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true, trimBlocks: true, lstripBlocks: true });
let captured: unknown;
env.addFilter('__capture', (v: unknown) => {
  captured = v;
  return '';
});
env.addFilter('bool', (v: unknown) => (typeof v === 'string' ? /^(true|yes|on|1)$/i.test(v.trim()) : Boolean(v)));
env.addFilter('int', (v: unknown) => parseInt(String(v), 10) || 0);
env.addFilter('to_json', (v: unknown) => JSON.stringify(v));
env.addFilter('to_yaml', (v: unknown) => yaml.dump(v).trimEnd());
env.addFilter('basename', (v: string) => basename(v));
env.addFilter('dirname', (v: string) => dirname(v));
// Python's regular expressions, as Ansible's filters run them (modules/py-regexp.ts).
env.addFilter('regex_replace', (v: unknown, pattern: string, ...rest: unknown[]) => {
  const { args, kw } = keywords(rest);
  const repl = String(args[0] ?? kw.replacement ?? '');
  return pySub(String(pattern), repl, String(v ?? ''), { ignorecase: kw.ignorecase === true, multiline: kw.multiline === true, count: Number(kw.count ?? 0) });
});
// The match, or with group arguments ('\\1', '\\g<name>') the list of those groups; none without a match.
env.addFilter('regex_search', (v: unknown, pattern: string, ...rest: unknown[]) => {
  const { args, kw } = keywords(rest);
  const m = pySearch(String(pattern), String(v ?? ''), { ignorecase: kw.ignorecase === true, multiline: kw.multiline === true });
  if (!m) return null;
  return args.length ? args.map((g) => expandTemplate(String(g), m)) : m[0];
});
env.addFilter('unique', (v: unknown[]) => [...new Set(v)]);
env.addFilter('flatten', (v: unknown[]) => (v as unknown[]).flat(Infinity));
env.addFilter('map_attr', (v: Record<string, unknown>[], attr: string) => v.map((x) => x[attr]));
env.addFilter('select_attr', (v: Record<string, unknown>[], attr: string, value: unknown) => v.filter((x) => x[attr] === value));
env.addFilter('hash', (v: string, algo = 'sha256') => createHash(algo).update(String(v)).digest('hex'));
env.addFilter('b64encode', (v: string) => Buffer.from(String(v)).toString('base64'));
env.addFilter('b64decode', (v: string) => Buffer.from(String(v), 'base64').toString('utf8'));
env.addFilter('mandatory', (v: unknown) => {
  if (v === undefined) throw new Error('mandatory variable is undefined');
  return v;
});
// Shell-quotes a value for a command line (Ansible's `quote`).
env.addFilter('quote', (v: unknown) => quote(String(v)));
// Ansible's filters, tests, lookups and Python methods (engine/jinja/).
const names = installJinja(env, (text, vars) => renderFile(text, vars));
export const isKnown = {
  filter: (n: string) => names.filters.has(n) || n in (env as unknown as { filters: object }).filters,
  test: (n: string) => names.tests.has(n) || n in (env as unknown as { tests: object }).tests,
  lookup: (n: string) => names.lookups.has(n),
};

// nunjucks copies the whole context object at every render (lib.extend in its
// Context), which would read every variable of a scope, render each lazily
// templated one, and hide which variables a template really reads (resolve.ts
// needs that, and check mode's unknown values must be noted only when read).
// A scope from makeScope() is handed over as the prototype of the copy
// instead: the template's reads reach it one by one; `{% set %}` still writes
// to the copy only.
const scopes = new WeakSet<object>();
export function markScope(scope: Scope): Scope {
  scopes.add(scope);
  return scope;
}
const lib = (nunjucks as unknown as { lib: { extend: (a: object, b: object) => object } }).lib;
const copy = lib.extend;
lib.extend = (into, from) => (from && scopes.has(from) && Object.keys(into).length === 0 ? Object.create(from) : copy(into, from));

// Only a bare `{{ expr }}` keeps the expression's type; any text around it
// (spaces, a newline) makes the result a string, with that text kept.
const SINGLE = /^\{\{([\s\S]*?)\}\}$/;

// Compiled once per run: a fleet renders the same task arguments for every
// host, and compiling (parse, code generation) costs far more than rendering.
const compiled = new Map<string, nunjucks.Template>();
function compile(source: string): nunjucks.Template {
  let t = compiled.get(source);
  if (!t) {
    t = new nunjucks.Template(source, env, undefined, true);
    compiled.set(source, t);
  }
  return t;
}

function render(source: string, scope: Scope): string {
  return compile(source).render(scope);
}

function single(source: string): string | undefined {
  const m = SINGLE.exec(source);
  return m && !m[1].includes('}}') ? m[1] : undefined;
}

// A condition (`when`, `changed_when`, ...) as the template evaluate() renders.
function conditionTemplate(expr: unknown): string {
  const source = String(expr).replace(/^\s*\{\{([\s\S]*)\}\}\s*$/, '$1');
  return `{% if ${source} %}1{% else %}0{% endif %}`;
}

// Compiles without rendering, for the preflight: the syntax error as one
// line, or undefined. Conditions lose the position (it points into the wrapper).
export function syntaxError(source: unknown, opts: { condition?: boolean; file?: boolean } = {}): string | undefined {
  if (typeof source !== 'string') return undefined;
  if (!opts.condition && !opts.file && !/\{\{|\{%/.test(source)) return undefined;
  const inner = opts.condition ? undefined : single(source);
  try {
    if (opts.condition) compile(conditionTemplate(source));
    else compile(inner !== undefined ? `{{ (${inner}) | __capture }}` : source);
    if (inner !== undefined) compile(source);
    return unknownName(opts.condition ? conditionTemplate(source) : source, isKnown);
  } catch (err) {
    const msg = (err as Error).message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ').trim();
    return opts.condition || inner !== undefined ? msg.replace(/^\[Line \d+, Column \d+\]\s*/, '') : msg;
  }
}

export type Scope = Record<string, unknown>;

function check(source: string, scope: Scope): void {
  const missing = undefinedNames(source, (n) => scope[n] !== undefined);
  if (missing.length) throw new TemplateError(`undefined variable "${missing[0]}"`, missing);
}

function wrap(err: unknown, source: string): TemplateError {
  if (err instanceof TemplateError) return err;
  const msg = (err as Error).message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ').trim();
  if (/undefined value/.test(msg)) return new TemplateError(`undefined value in "${source.trim()}"`, [], 'undefined value');
  return new TemplateError(`cannot render "${source.trim()}": ${msg}`, [], msg);
}

export function renderString(source: string, scope: Scope): unknown {
  if (!source.includes('{{') && !source.includes('{%')) return source;
  check(source, scope);
  try {
    const expr = single(source);
    if (expr !== undefined) {
      captured = undefined;
      render(`{{ (${expr}) | __capture }}`, scope);
      if (captured === undefined) throw new TemplateError(`undefined value in "${source.trim()}"`, [], 'undefined value');
      return captured;
    }
    return render(source, scope);
  } catch (err) {
    throw wrap(err, source);
  }
}

// Renders every string inside a value (args objects, lists).
export function renderDeep(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  // A value that renders to `omit` is dropped, as in Ansible.
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, scope)).filter((v) => !isOmit(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, scope)] as const).filter(([, v]) => !isOmit(v)));
  }
  return value;
}

// Evaluates a `when` / `changed_when` / `failed_when` expression (Jinja syntax, no braces).
export function evaluate(expr: unknown, scope: Scope): boolean {
  if (typeof expr === 'boolean') return expr;
  if (Array.isArray(expr)) return expr.every((e) => evaluate(e, scope));
  const source = String(expr).replace(/^\s*\{\{([\s\S]*)\}\}\s*$/, '$1');
  check(`{{ ${source} }}`, scope);
  try {
    return render(conditionTemplate(expr), scope) === '1';
  } catch (err) {
    throw wrap(err, source);
  }
}

export function renderFile(text: string, scope: Scope): string {
  check(text, scope);
  try {
    return render(text, scope);
  } catch (err) {
    throw wrap(err, text.slice(0, 60));
  }
}

// Lookups run on the controller, as in Ansible: file, env, template, pipe,
// varnames. `lookup()` joins a list result with commas (unless wantlist=True);
// `query()` / `q()` always return the list.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pyRegex } from './filters-text.js';
import { splitArgs, truthy } from './values.js';

type Vars = Record<string, unknown>;
type Lookup = (terms: string[], vars: Vars, kw: Record<string, unknown>) => unknown[];

const home = (p: string) => p.replace(/^~(?=\/|$)/, homedir());

// A relative path is looked for in the working folder, then (as Ansible does) in
// the role's and the playbook's `sub` folder and beside them.
function find(path: string, vars: Vars, sub: 'files' | 'templates', cwdFirst: boolean): string | undefined {
  const p = home(path);
  if (isAbsolute(p)) return p;
  const bases = [vars.role_path, vars.playbook_dir].filter((b): b is string => typeof b === 'string');
  const near = bases.flatMap((b) => [join(b, sub, p), join(b, p)]);
  const all = cwdFirst ? [resolve(p), ...near] : [...near, resolve(p)];
  return all.find((c) => existsSync(c));
}

function read(kind: string, path: string, full: string | undefined): string {
  try {
    return readFileSync(full ?? resolve(home(path)), 'utf8');
  } catch (err) {
    throw new Error(`lookup('${kind}') cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function makeLookups(renderFile: (text: string, vars: Vars) => string): Record<string, Lookup> {
  return {
    file: (terms, vars) => terms.map((t) => read('file', t, find(t, vars, 'files', true)).trimEnd()),
    env: (terms, _vars, kw) => terms.map((t) => process.env[t] ?? (kw.default !== undefined ? String(kw.default) : '')),
    template: (terms, vars) => terms.map((t) => renderFile(read('template', t, find(t, vars, 'templates', false)), vars)),
    // A command on the controller, through sh as Ansible's pipe does; its output without the trailing newline.
    pipe: (terms) =>
      terms.map((t) => {
        try {
          return execFileSync('/bin/sh', ['-c', t], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
        } catch (err) {
          const e = err as { status?: number; stderr?: string };
          throw new Error(`lookup('pipe') command "${t}" failed (exit ${e.status ?? '?'})${e.stderr ? `: ${e.stderr.trim().split('\n')[0]}` : ''}`);
        }
      }),
    // The names of the variables the task can see that match each Python regular expression.
    varnames: (terms, vars) => {
      const names: string[] = [];
      for (const k in vars) names.push(k);
      return terms.flatMap((t) => {
        const re = pyRegex(`^(?:${t})`);
        return names.filter((n) => re.test(n)).sort();
      });
    },
  };
}

export const LOOKUPS = ['file', 'env', 'template', 'pipe', 'varnames'];

// Called as nunjucks globals: `this.ctx` holds the template's variables.
export function lookupGlobals(lookups: Record<string, Lookup>): { lookup: (...a: unknown[]) => unknown; query: (...a: unknown[]) => unknown } {
  const run = (ctx: { ctx?: Vars } | undefined, args: unknown[], list: boolean): unknown => {
    const { pos, kw } = splitArgs(args);
    const [kind, ...rest] = pos.map((x) => x);
    const f = lookups[String(kind)];
    if (!f) throw new Error(`unknown lookup "${kind}" (known: ${Object.keys(lookups).join(', ')})`);
    const terms = rest.flatMap((t) => (Array.isArray(t) ? t : [t])).map(String);
    const out = f(terms, ctx?.ctx ?? {}, kw);
    if (list || truthy(kw.wantlist)) return out;
    return out.length === 1 ? out[0] : out.map(String).join(',');
  };
  return {
    lookup: function (this: { ctx?: Vars }, ...args: unknown[]) {
      return run(this, args, false);
    },
    query: function (this: { ctx?: Vars }, ...args: unknown[]) {
      return run(this, args, true);
    },
  };
}

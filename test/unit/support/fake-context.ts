// The one PlanContext for module unit tests: facts are served by probe key
// from a plain object, so a test reads as "given these facts". Asking for a
// fact the fixture did not list is an error, so fixtures stay complete and
// honest. The generic fixture runner (plan-fixtures.ts) drives it.
import { createHash } from 'node:crypto';
import type { FileFact } from '../../../src/facts/files.js';
import type { Probe } from '../../../src/facts/probe.js';
import type { Change, Module, Plan, PlanContext } from '../../../src/modules/types.js';

export interface FakeContextOptions {
  // Values by probe key ("file:/etc/x", "content:/etc/x", "user:pi"...).
  facts?: Record<string, unknown>;
  // Keys whose value counts as a check-mode prediction.
  predicted?: string[];
  become?: boolean;
  user?: string;
  vars?: Record<string, unknown>;
  pendingPackages?: string[];
  // Facts not listed are null instead of an error.
  missingIsNull?: boolean;
  // The task only reads (changed_when: false, check_mode: false).
  readOnly?: boolean;
  // Controller folders for `src` files and templates.
  searchPaths?: { files?: string[]; templates?: string[] };
  // Rendered text of a template file, by path (as the engine would render it).
  templates?: Record<string, string>;
}

export interface FakeContext extends PlanContext {
  // Keys the module asked for, in order.
  readonly asked: string[];
  // The same list (older tests call it reads).
  readonly reads: string[];
}

export function fakeContext(o: FakeContextOptions = {}): FakeContext {
  const facts = o.facts ?? {};
  const asked: string[] = [];
  return {
    asked,
    reads: asked,
    host: { name: 'h1', address: '127.0.0.1', port: 22, user: o.user ?? 'pi' },
    become: o.become ?? true,
    async fact<T>(probe: Probe<T>): Promise<T> {
      asked.push(probe.key);
      if (probe.key in facts) return facts[probe.key] as T;
      // A composite probe only caches the simpler facts it read; the test gives those.
      if (probe.also || o.missingIsNull) return null as T;
      throw new Error(`fake context has no fact "${probe.key}" (facts: ${Object.keys(facts).join(', ')})`);
    },
    predicted: (p) => (o.predicted ?? []).includes(p.key),
    vars: o.vars ?? {},
    readOnly: o.readOnly ?? false,
    pendingPackages: new Set(o.pendingPackages ?? []),
    searchPaths: { files: o.searchPaths?.files ?? [], templates: o.searchPaths?.templates ?? [] },
    renderTemplate: (path) => {
      const text = o.templates?.[path];
      if (text === undefined) throw new Error(`fake context has no rendered template "${path}"`);
      return text;
    },
  };
}

// Parses the arguments as the engine does (defaults applied), then plans.
export async function planWith<A>(mod: Module<A>, rawArgs: unknown, facts: Record<string, unknown>, opts: Omit<FakeContextOptions, 'facts'> = {}): Promise<Plan> {
  return mod.plan(mod.args.parse(rawArgs), fakeContext({ ...opts, facts }));
}

// The facts as the plan's last predictions leave them (what a re-run would observe).
export function afterPlan(facts: Record<string, unknown>, plan: Plan): Record<string, unknown> {
  const next = { ...facts };
  for (const c of plan.changes) for (const p of c.predicts ?? []) next[p.key] = p.value;
  return next;
}

// Each step as its script (exec), "write PATH" or its kind.
export function scripts(plan: Plan): string[] {
  return plan.changes.flatMap((c) => c.steps.map((s) => (s.kind === 'exec' ? s.script : s.kind === 'write' ? `write ${s.path}` : s.kind)));
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

// A regular file's fact (and its content fact) for the facts map.
export function fileFacts(path: string, content: string, attrs: Partial<FileFact> = {}): Record<string, unknown> {
  return {
    [`file:${path}`]: { type: 'file', mode: '0644', owner: 'root', group: 'root', size: Buffer.byteLength(content), sha256: sha(content), ...attrs },
    [`content:${path}`]: Buffer.from(content),
  };
}

export function dirFact(path: string, attrs: Partial<FileFact> = {}): Record<string, unknown> {
  return { [`file:${path}`]: { type: 'directory', mode: '0755', owner: 'root', group: 'root', size: 4096, ...attrs } };
}

export function linkFact(path: string, target: string, attrs: Partial<FileFact> = {}): Record<string, unknown> {
  return { [`file:${path}`]: { type: 'link', mode: '0777', owner: 'root', group: 'root', size: target.length, linkTarget: target, ...attrs } };
}

// What a test compares: summaries, and each step as a short string.
export function describeSteps(changes: Change[]): string[] {
  return changes.flatMap((c) =>
    c.steps.map((s) => (s.kind === 'write' ? `write ${s.path}${s.mode ? ` mode=${s.mode}` : ''}${s.owner ? ` owner=${s.owner}` : ''}${s.group ? ` group=${s.group}` : ''}` : s.kind === 'exec' ? s.script : s.kind)),
  );
}

// The text a write step would put on the host.
export function written(changes: Change[], path: string): string | undefined {
  for (const c of changes) for (const s of c.steps) if (s.kind === 'write' && s.path === path) return s.content.toString('utf8');
  return undefined;
}

// The value a plan predicts for a probe key (the last change's word wins, as in the engine).
export function predicted(changes: Change[], key: string): unknown {
  let value: unknown = undefined;
  for (const c of changes) for (const p of c.predicts ?? []) if (p.key === key) value = p.value;
  return value;
}

// A PlanContext for module unit tests: facts are served by probe key from a
// plain object, so a test states the host it imagines and nothing else.
import type { Probe } from '../../../src/facts/probe.js';
import type { Module, Plan, PlanContext } from '../../../src/modules/types.js';

export interface FakeOptions {
  become?: boolean;
  pendingPackages?: string[];
  // Probe keys whose values are check-mode predictions.
  predicted?: string[];
}

export interface FakeContext extends PlanContext {
  // Probe keys read, in order.
  readonly reads: string[];
}

export function fakeContext(facts: Record<string, unknown>, opts: FakeOptions = {}): FakeContext {
  const reads: string[] = [];
  return {
    host: { name: 'h1', address: '127.0.0.1', port: 2222, user: 'pi' },
    become: opts.become ?? true,
    reads,
    async fact<T>(p: Probe<T>): Promise<T> {
      reads.push(p.key);
      if (p.key.startsWith('ping:')) return true as T;
      if (!(p.key in facts)) throw new Error(`unexpected probe "${p.key}" (the test gives ${Object.keys(facts).join(', ') || 'no facts'})`);
      return facts[p.key] as T;
    },
    predicted: (p) => (opts.predicted ?? []).includes(p.key),
    vars: {},
    readOnly: false,
    pendingPackages: new Set(opts.pendingPackages ?? []),
    searchPaths: { files: [], templates: [] },
    renderTemplate: () => '',
  };
}

// Parses the arguments as the engine does (defaults applied), then plans.
export async function planWith<A>(mod: Module<A>, rawArgs: unknown, facts: Record<string, unknown>, opts: FakeOptions = {}): Promise<Plan> {
  return mod.plan(mod.args.parse(rawArgs), fakeContext(facts, opts));
}

// The facts as the plan's last predictions leave them (what a re-run would observe).
export function afterPlan(facts: Record<string, unknown>, plan: Plan): Record<string, unknown> {
  const next = { ...facts };
  for (const c of plan.changes) for (const p of c.predicts ?? []) next[p.key] = p.value;
  return next;
}

export function scripts(plan: Plan): string[] {
  return plan.changes.flatMap((c) => c.steps.map((s) => (s.kind === 'exec' ? s.script : s.kind === 'write' ? `write ${s.path}` : s.kind)));
}

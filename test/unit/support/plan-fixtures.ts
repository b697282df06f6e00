// One generic runner for table-driven module tests: each fixture gives the
// task arguments and the facts, and expects the plan's change summaries,
// steps, written file text, predictions, guard or failure.
import { expect, it } from 'vitest';
import { accessGuard } from '../../../src/engine/access.js';
import type { Module } from '../../../src/modules/types.js';
import { describeSteps, fakeContext, predicted, written, type FakeContextOptions } from './fake-context.js';

export interface PlanFixture {
  name: string;
  args: Record<string, unknown>;
  given?: FakeContextOptions;
  expect: {
    summaries?: string[];
    steps?: string[];
    // Text of the write step for each path.
    written?: Record<string, string>;
    // Predicted values by probe key (checked with toMatchObject, or toBeNull for null).
    predicts?: Record<string, unknown>;
    // Risk text of what the engine guards (undefined: no change is guarded).
    guard?: RegExp;
    failed?: RegExp;
    // The real run fails with this before applying (Plan.blocked; check mode reports the changes).
    blocked?: RegExp;
  };
}

// Paths to any function inside a plan: a plan is plain data, never closures.
export function functionsIn(value: unknown, path = 'plan'): string[] {
  if (typeof value === 'function') return [path];
  if (!value || typeof value !== 'object' || Buffer.isBuffer(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => functionsIn(v, `${path}.${k}`));
}

export function runPlanFixtures(mod: Module<any>, fixtures: PlanFixture[]): void {
  for (const f of fixtures) {
    it(f.name, async () => {
      const args = mod.args.parse(f.args);
      const plan = await mod.plan(args, fakeContext(f.given));
      expect(functionsIn(plan)).toEqual([]);
      const e = f.expect;
      if (e.failed) {
        expect(plan.failed).toMatch(e.failed);
        expect(plan.changes).toEqual([]);
        return;
      }
      expect(plan.failed).toBeUndefined();
      if (e.blocked) expect(plan.blocked).toMatch(e.blocked);
      else expect(plan.blocked).toBeUndefined();
      if (e.summaries) expect(plan.changes.map((c) => c.summary)).toEqual(e.summaries);
      if (e.steps) expect(describeSteps(plan.changes)).toEqual(e.steps);
      for (const [path, text] of Object.entries(e.written ?? {})) expect(written(plan.changes, path)).toBe(text);
      for (const [key, value] of Object.entries(e.predicts ?? {})) {
        if (value === null) expect(predicted(plan.changes, key)).toBeNull();
        else expect(predicted(plan.changes, key)).toMatchObject(value as object);
      }
      // What the engine guards (engine/access.ts), for the login account of the fake host.
      const login = f.given?.user ?? 'pi';
      const guards = plan.changes.flatMap((c) => accessGuard(c, { user: login, home: login === 'root' ? '/root' : `/home/${login}` })?.risk ?? []);
      if (e.guard) expect(guards.join('; ')).toMatch(e.guard);
      else expect(guards).toEqual([]);
    });
  }
}

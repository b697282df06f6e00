// The one runner for table-driven module tests: each fixture gives the task
// arguments and the facts (the host it imagines), and expects the plan's
// changes as data: summaries, operation tags, steps, written file text,
// predictions, guard, failure, or what a task that changes nothing reports.
// With `again`, the plan is made a second time against the facts its own
// predictions leave, and must be empty (a second run reports changed=0).
import { expect, it } from 'vitest';
import { accessGuard } from '../../../src/engine/access.js';
import type { Module, Plan } from '../../../src/modules/types.js';
import { afterPlan, describeSteps, fakeContext, predicted, written, type FakeContextOptions } from './fake-context.js';

export interface PlanFixture {
  name: string;
  args: Record<string, unknown>;
  given?: FakeContextOptions;
  expect: {
    summaries?: string[];
    // Operation tag of each change ('apt.install', 'file.write', ...).
    ops?: string[];
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
    // The plan fails by throwing (a refusal with this message).
    throws?: RegExp;
    skipped?: RegExp;
    // The plan's message (null: none).
    msg?: string | RegExp | null;
    // The plan's warnings, each matched in order.
    warnings?: RegExp[];
    setFacts?: Record<string, unknown>;
    // The values registered for later tasks.
    result?: Record<string, unknown>;
    runInCheckMode?: boolean;
  };
  // Assertions only this module needs, on the first plan.
  check?: (plan: Plan) => void;
  // Plan again on the facts the predictions leave (plus `facts`, with `given`
  // changed as a later run would see it): no change.
  again?: boolean | { facts?: Record<string, unknown>; given?: Omit<FakeContextOptions, 'facts'> };
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
      const e = f.expect;
      if (e.throws) {
        await expect(mod.plan(args, fakeContext(f.given))).rejects.toThrow(e.throws);
        return;
      }
      const plan = await mod.plan(args, fakeContext(f.given));
      expect(functionsIn(plan)).toEqual([]);
      if (e.failed) {
        expect(plan.failed).toMatch(e.failed);
        expect(plan.changes).toEqual([]);
        return;
      }
      expect(plan.failed).toBeUndefined();
      if (e.blocked) expect(plan.blocked).toMatch(e.blocked);
      else expect(plan.blocked).toBeUndefined();
      if (e.summaries) expect(plan.changes.map((c) => c.summary)).toEqual(e.summaries);
      if (e.ops) expect(plan.changes.map((c) => c.op)).toEqual(e.ops);
      if (e.skipped) expect(plan.skipped).toMatch(e.skipped);
      if (e.msg === null) expect(plan.msg).toBeUndefined();
      else if (e.msg !== undefined) expect(plan.msg).toMatch(e.msg);
      if (e.warnings) expect(plan.warnings ?? []).toEqual(e.warnings.map((w) => expect.stringMatching(w)));
      f.check?.(plan);
      if (e.setFacts) expect(plan.setFacts).toEqual(e.setFacts);
      if (e.result) expect(plan.result).toEqual(e.result);
      if (e.runInCheckMode !== undefined) expect(plan.runInCheckMode ?? false).toBe(e.runInCheckMode);
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
      if (f.again) {
        const more = f.again === true ? {} : f.again;
        const facts = { ...afterPlan(f.given?.facts ?? {}, plan), ...more.facts };
        const second = await mod.plan(args, fakeContext({ ...f.given, predicted: [], ...more.given, facts }));
        expect(second.changes.map((c) => c.summary)).toEqual([]);
        expect(second.failed).toBeUndefined();
        expect(second.warnings ?? []).toEqual(plan.warnings ?? []);
      }
    });
  }
}

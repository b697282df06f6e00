// The engine's check-mode rules (engine/check-rules.ts): decided from the
// plan's data, so modules never read whether the run is a check.
import { describe, expect, it } from 'vitest';
import { checkRules } from '../../src/engine/check-rules.js';
import type { Plan } from '../../src/modules/types.js';

const change = { summary: 'add deploy to docker', op: 'user.groups', steps: [{ kind: 'exec' as const, script: 'usermod -aG docker -- deploy' }] };

describe('check rules', () => {
  it('a blocked plan fails the real run before anything is applied', () => {
    const plan: Plan = { changes: [change], blocked: 'Cannot manage user "deploy": group "docker" does not exist' };
    expect(checkRules(plan, { check: false }).plan).toMatchObject({ changes: [], failed: plan.blocked });
  });

  it('check mode reports a blocked plan\'s changes', () => {
    const plan: Plan = { changes: [change], blocked: 'x' };
    expect(checkRules(plan, { check: true }).plan.changes).toEqual([change]);
    expect(checkRules(plan, { check: true }).plan.failed).toBeUndefined();
  });

  it('leaves a change with other steps than login-check to the run', () => {
    const plan: Plan = { changes: [{ ...change, steps: [...change.steps, { kind: 'login-check', timeoutS: 1, delayS: 0, sleepS: 1, connectTimeoutS: 1 }] }] };
    expect(checkRules(plan, { check: true })).toEqual({ plan });
  });
});

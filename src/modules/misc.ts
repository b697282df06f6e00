// Modules that change nothing on the host: debug, set_fact, assert.
import { z } from 'zod';
import { defineModule } from './types.js';

export const debug = defineModule({
  name: 'debug',
  description: 'Print a message or a variable',
  args: z.strictObject({
    msg: z.unknown().optional().describe('Message to print (templates allowed)'),
    var: z.string().optional().describe('Name of a variable to print'),
  }),
  async plan(a, ctx) {
    const value = a.var !== undefined ? ctx.vars[a.var] : a.msg;
    const msg = typeof value === 'string' ? value : JSON.stringify(value);
    return { changes: [], msg: a.var !== undefined ? `${a.var} = ${msg}` : msg };
  },
});

export const setFact = defineModule({
  name: 'set_fact',
  description: 'Set variables for the rest of the play on this host',
  args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.unknown()),
  async plan(a) {
    return { changes: [], setFacts: a };
  },
});

export const assertModule = defineModule({
  name: 'assert',
  aliases: { msg: 'fail_msg' },
  description: 'Fail unless every condition holds',
  conditionArgs: ['that'],
  args: z.strictObject({
    that: z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))]).describe('Conditions (rendered by the engine to booleans)'),
    fail_msg: z.string().optional().describe('Message when a condition is false'),
    success_msg: z.string().optional().describe('Message when all hold'),
  }),
  async plan(a) {
    const that = Array.isArray(a.that) ? a.that : [a.that];
    const failedAt = that.findIndex((t) => t !== true);
    if (failedAt >= 0) return { changes: [], failed: a.fail_msg ?? `assertion ${failedAt + 1} failed` };
    return { changes: [], msg: a.success_msg ?? 'all assertions passed' };
  },
});

// meta: flush_handlers runs the handlers notified so far at this point of
// the play (the engine does it, engine/host-runner.ts); noop does nothing.
// Other meta actions are refused when the task loads.
export const META_ACTIONS = ['flush_handlers', 'noop'] as const;
export const meta = defineModule({
  name: 'meta',
  description: 'Play control: flush_handlers (run the notified handlers now) or noop',
  args: z.strictObject({
    free_form: z.string().refine((v) => (META_ACTIONS as readonly string[]).includes(v), { message: `only ${META_ACTIONS.join(' and ')} are supported` }).describe('The action: flush_handlers or noop'),
  }),
  async plan() {
    return { changes: [] };
  },
});

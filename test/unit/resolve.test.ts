// resolve(): the one step that turns (host, task, loop item) into what runs.
// The prefetch takes its probes, so these cases pin when a read-only command
// may run ahead of its turn, and how check-mode unknown values propagate.
import { describe, expect, it } from 'vitest';
import { parseTask } from '../../src/config/task.js';
import type { Play } from '../../src/config/types.js';
import { resolve, resolveLoop } from '../../src/engine/resolve.js';
import type { HostVars } from '../../src/engine/scope.js';
import { Unknown, unknownResult } from '../../src/engine/unknown.js';

const inventoryHost = { name: 'h1', address: '127.0.0.1', port: 22, user: 'pi', groups: ['all'], vars: {} };
function hostWith(registered: Record<string, unknown> = {}, playVars: Record<string, unknown> = {}) {
  const play = { name: 'p', become: true, vars: playVars } as unknown as Play;
  const hv: HostVars = { host: inventoryHost, play, registered, extraVars: {}, check: true, groups: { all: ['h1'] }, hostvars: {} };
  return { hv, host: inventoryHost };
}
const task = (raw: Record<string, unknown>) => parseTask(raw, 'play.yaml');
const READ = { name: 'Read', shell: 'cat /etc/hostname', check_mode: false, changed_when: false };
const commandProbes = (probes: { key: string }[]) => probes.filter((p) => p.key.startsWith('command:'));

describe('resolve', () => {
  it('renders and validates the arguments once, with sudo and the read-only flag', () => {
    const r = resolve(hostWith({}, { f: '/etc/motd' }), task({ name: 'Copy', copy: { dest: '{{ f }}', content: 'x' } }));
    expect(r).toMatchObject({ when: true, args: { dest: '/etc/motd', content: 'x' }, become: true, readOnly: false, noLog: false, unknownFrom: [] });
    expect(r.error).toBeUndefined();
    const bad = resolve(hostWith({}, { m: 7 }), task({ name: 'Bad', file: { path: '/x', state: '{{ m }}' } }));
    expect(String(bad.error)).toMatch(/file\.state/);
    expect(bad.args).toBeUndefined();
  });

  it('lets a read-only command run ahead only when the run would run it exactly so', () => {
    expect(commandProbes(resolve(hostWith(), task(READ)).probes)).toHaveLength(1);
    // Its condition reads a variable an earlier task of the stretch sets (set_fact, register).
    const gated = task({ ...READ, when: 'do_read' });
    const host = hostWith({}, { do_read: true });
    expect(commandProbes(resolve(host, gated).probes)).toHaveLength(1);
    expect(commandProbes(resolve(host, gated, { changeable: new Set(['do_read']) }).probes)).toEqual([]);
    // Only what the task reads counts: another variable set earlier does not hold it back.
    const other = task({ ...READ, when: 'other' });
    expect(commandProbes(resolve(hostWith({}, { do_read: true, other: true }), other, { changeable: new Set(['do_read']) }).probes)).toHaveLength(1);
    // The same through a variable whose template reads it.
    const indirect = task({ ...READ, when: 'go', vars: { go: '{{ do_read }}' } });
    expect(commandProbes(resolve(host, indirect, { changeable: new Set(['do_read']) }).probes)).toEqual([]);
    // Condition false, or not known yet, or run_once (only the first host runs it).
    expect(resolve(hostWith({}, { do_read: false }), gated).probes).toEqual([]);
    expect(commandProbes(resolve(hostWith(), task({ ...READ, when: 'later.rc == 0' })).probes)).toEqual([]);
    expect(commandProbes(resolve(hostWith(), task({ ...READ, run_once: true })).probes)).toEqual([]);
  });

  it('a condition that reads a later result is unknown with its error (the run fails the task with it)', () => {
    const r = resolve(hostWith(), task({ name: 'Later', copy: { dest: '/etc/x', content: 'x' }, when: 'later.rc == 0' }));
    expect(r.when).toBe('unknown');
    expect(String(r.error)).toContain('later');
    // The arguments still name their facts for the prefetch.
    expect(r.probes.length).toBeGreaterThan(0);
  });

  it('notes every check-mode unknown value read, in the condition, the arguments and the loop', () => {
    const host = hostWith({ answer: unknownResult('Ask', { changed: true }), kept: new Unknown('Keep') });
    expect(resolve(host, task({ name: 'A', debug: { msg: 'x' }, when: 'answer.changed' })).unknownFrom).toEqual([]);
    expect(resolve(host, task({ name: 'B', debug: { msg: 'x' }, when: 'answer.rc == 0' }))).toMatchObject({ when: 'unknown', unknownFrom: ['Ask'] });
    const c = resolve(host, task({ name: 'C', copy: { dest: '/etc/x', content: '{{ kept }}' } }));
    expect(c).toMatchObject({ when: true, unknownFrom: ['Keep'] });
    expect(c.args).toBeUndefined();
    expect(c.error).toBeUndefined();
    expect(resolveLoop(host, task({ name: 'D', debug: { msg: '{{ item }}' }, loop: '{{ answer.stdout_lines }}' })).unknownFrom).toEqual(['Ask']);
  });
});

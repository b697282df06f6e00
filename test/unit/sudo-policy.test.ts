// The sudo policy (engine/sudo.ts): which executions run through sudo, and
// how one batch of facts is split between sudo and the login user.
import { describe, expect, it } from 'vitest';
import { factSudo, probeRuns, sudo } from '../../src/engine/sudo.js';
import type { Probe } from '../../src/facts/probe.js';

const probe = (key: string, o: { become?: boolean; exact?: boolean } = {}): Probe<unknown> => ({ key, script: 'true', parse: () => null, ...o });
const keys = (runs: { sudo: boolean; probes: Probe<unknown>[] }[]) => runs.map((r) => ({ sudo: r.sudo, keys: r.probes.map((p) => p.key) }));

describe('sudo policy: executions', () => {
  it('a task runs as its own become, else as the play says', () => {
    expect(sudo({ kind: 'task', task: {}, play: { become: true } })).toBe(true);
    expect(sudo({ kind: 'task', task: {}, play: { become: false } })).toBe(false);
    expect(sudo({ kind: 'task', task: { become: false }, play: { become: true } })).toBe(false);
    expect(sudo({ kind: 'task', task: { become: true }, play: { become: false } })).toBe(true);
  });

  it('the record of notified handlers follows the play', () => {
    expect(sudo({ kind: 'handler-record', play: { become: true } })).toBe(true);
    expect(sudo({ kind: 'handler-record', play: { become: false } })).toBe(false);
  });

  it('the lockout guard always runs as root; host facts and fresh logins never', () => {
    expect(sudo({ kind: 'guard' })).toBe(true);
    expect(sudo({ kind: 'host-facts' })).toBe(false);
    expect(sudo({ kind: 'login' })).toBe(false);
  });
});

describe('sudo policy: a batch of facts', () => {
  it('runs as the login user when the play does not become and no probe needs root', () => {
    expect(keys(probeRuns([probe('a'), probe('b')], { play: { become: false } }))).toEqual([{ sudo: false, keys: ['a', 'b'] }]);
  });

  it('runs through sudo when the play becomes, or when one probe must read as root', () => {
    expect(keys(probeRuns([probe('a')], { play: { become: true } }))).toEqual([{ sudo: true, keys: ['a'] }]);
    expect(keys(probeRuns([probe('a'), probe('file', { become: true })], { play: { become: false } }))).toEqual([{ sudo: true, keys: ['a', 'file'] }]);
  });

  it('gives a probe that must run exactly as it says an execution of its own', () => {
    const cmd = probe('command:user', { become: false, exact: true });
    expect(keys(probeRuns([probe('file', { become: true }), cmd], { play: { become: false } }))).toEqual([
      { sudo: true, keys: ['file'] },
      { sudo: false, keys: ['command:user'] },
    ]);
    // Alone, or with the batch of its own kind, it shares the execution.
    expect(keys(probeRuns([probe('a'), cmd], { play: { become: false } }))).toEqual([{ sudo: false, keys: ['a', 'command:user'] }]);
  });

  it('runs a fetch as asked (the host facts: no sudo), still keeping exact probes apart', () => {
    expect(keys(probeRuns([probe('system')], { play: { become: true }, asked: false }))).toEqual([{ sudo: false, keys: ['system'] }]);
    const root = probe('command:root', { become: true, exact: true });
    expect(keys(probeRuns([probe('system'), root], { play: { become: true }, asked: false }))).toEqual([
      { sudo: false, keys: ['system'] },
      { sudo: true, keys: ['command:root'] },
    ]);
  });

  it('the fact cache of a play asks with the play', () => {
    expect(keys(factSudo({ become: true })([probe('a')]))).toEqual([{ sudo: true, keys: ['a'] }]);
    expect(keys(factSudo({ become: true })([probe('a')], false))).toEqual([{ sudo: false, keys: ['a'] }]);
  });
});

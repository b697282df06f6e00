// Saved plans without a host: the plan file's data (hashes instead of
// contents and scripts, masked text, no_log hidden), fact fingerprints and
// their comparison, the schema in docs/, and bad plan input.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { changedFacts, planDifference, refusal } from '../../src/cli/plan-compare.js';
import { canonical, PlanCollector, planHeader, planHosts, planTask, readPlanFile, writePlanFile } from '../../src/cli/plan-file.js';
import { planFileSchema, planJsonSchema, type PlanHost } from '../../src/cli/plan-schema.js';
import type { RunReport } from '../../src/engine/events.js';
import type { Change } from '../../src/modules/types.js';
import { loadInventory } from '../../src/config/inventory.js';
import { registerSecretValue } from '../../src/secrets.js';
import { runPirun } from '../support/fleet.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const SECRET = 'cnry-unit-plan-77';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let dir: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  registerSecretValue(SECRET);
  dir = mkdtempSync(join(tmpdir(), 'pirun-plan-unit-'));
});

const write: Change = { summary: 'update /etc/app.conf', op: 'file.write', risk: 'none', steps: [{ kind: 'write', path: '/etc/app.conf', content: Buffer.from(`token=${SECRET}\n`), mode: '0600', secret: true }] };
const stdinExec: Change = {
  summary: `run cat ${SECRET}`,
  op: 'command.run',
  steps: [{ kind: 'exec', script: `base64 -d <<'PIRUN_STDIN_0123456789abcdef' | {\n${b64(`${SECRET}\n`)}\nPIRUN_STDIN_0123456789abcdef\ncat\n}`, label: `cat ${SECRET}` }],
};
const bare: Change = { summary: 'feed', op: 'command.run', steps: [{ kind: 'exec', script: `base64 -d <<'PIRUN_STDIN_0123456789abcdef' | sh\n${b64('x')}\nPIRUN_STDIN_0123456789abcdef` }] };
const task = (changes: Change[], over = {}) => ({ play: 'p', task: 't', status: 'changed' as const, changes, ...over });

describe('plan file data', () => {
  it('stores a write as path and content hash, never the content', () => {
    const t = planTask(task([write]));
    expect(t.changes[0]).toEqual({ op: 'file.write', risk: 'none', summary: 'update /etc/app.conf', steps: [{ kind: 'write', path: '/etc/app.conf', contentSha256: sha(`token=${SECRET}\n`), mode: '0600', secret: true }] });
  });

  it('stores a script as its hash and a masked label; random markers do not change the hash', () => {
    const t = planTask(task([stdinExec]));
    const text = JSON.stringify(t);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(b64(`${SECRET}\n`).slice(0, 12));
    expect(t.changes[0].summary).toBe('run cat ********');
    expect(t.changes[0].steps[0]).toMatchObject({ kind: 'exec', label: 'cat ********' });
    const other = { ...stdinExec, steps: [{ ...stdinExec.steps[0], script: (stdinExec.steps[0] as { script: string }).script.replaceAll('0123456789abcdef', 'fedcba9876543210') }] } as Change;
    expect(planTask(task([other])).changes).toEqual(t.changes);
  });

  it('never shows a script with a here-document that has no label', () => {
    expect(planTask(task([bare])).changes[0].steps[0]).toMatchObject({ kind: 'exec', label: '(a script with a here-document)' });
  });

  it('keeps only operations and hashes of a no_log task', () => {
    const t = planTask(task([write, stdinExec], { noLog: true, msg: `out ${SECRET}` }));
    expect(t.msg).toBe('(output hidden by no_log)');
    expect(t.changes.map((c) => c.summary)).toEqual(['(change hidden by no_log)', '(change hidden by no_log)']);
    expect(t.changes.map((c) => c.op)).toEqual(['file.write', 'command.run']);
    expect(t.changes.flatMap((c) => c.steps.map((s) => s.kind))).toEqual(['hidden', 'hidden']);
    expect(JSON.stringify(t)).not.toContain('/etc/app.conf');
  });
});

describe('fact fingerprints', () => {
  it('keeps the first observation per key, skips pings, hashes a key that holds a secret', () => {
    const c = new PlanCollector();
    c.fact('pi1', 'file:/etc/ssh/sshd_config', { mode: '0644' });
    c.fact('pi1', 'file:/etc/ssh/sshd_config', { mode: '0600' });
    c.fact('pi1', 'ping:abc', true);
    c.fact('pi1', `command:${SECRET}`, 'x');
    const facts = c.hosts.get('pi1')!.facts;
    expect(facts.get('file:/etc/ssh/sshd_config')).toBe(sha(canonical({ mode: '0644' })));
    expect([...facts.keys()]).toEqual(['file:/etc/ssh/sshd_config', `secret:${sha(`command:${SECRET}`)}`]);
  });

  it('hashes equal values equally whatever their key order, Buffers included', () => {
    expect(canonical({ a: 1, b: Buffer.from('x') })).toBe(canonical({ b: Buffer.from('x'), a: 1 }));
    expect(canonical(Buffer.from('x'))).not.toBe(canonical(Buffer.from('y')));
  });

  it('ignores the controller address in the host facts (planning and applying machines differ)', () => {
    const c = new PlanCollector();
    const sys = (client: string, host = 'pi1') => ({ hostname: host, connection: { address: '10.0.0.2', port: 22, client_address: client } });
    c.fact('a', 'system', sys('10.0.0.9'));
    c.fact('b', 'system', sys('10.0.0.10'));
    c.fact('c', 'system', sys('10.0.0.9', 'other'));
    const f = (h: string) => c.hosts.get(h)!.facts.get('system');
    expect(f('a')).toBe(f('b'));
    expect(f('a')).not.toBe(f('c'));
  });
});

describe('comparing with the plan', () => {
  const host = (facts: Record<string, string>, tasks = [planTask(task([write]))]): PlanHost => ({ ok: true, facts, tasks });
  const h = (c: string) => c.repeat(64);

  it('names what changed since the plan', () => {
    expect(changedFacts({ 'file:/etc/ssh/sshd_config': h('a'), 'unit:ssh.service': h('b') }, { 'file:/etc/ssh/sshd_config': h('c'), 'unit:ssh.service': h('b') })).toEqual(['file:/etc/ssh/sshd_config']);
    expect(refusal('pi2', host({ 'content:/etc/ssh/sshd_config': h('a') }), host({ 'content:/etc/ssh/sshd_config': h('b') }))).toBe('host pi2 refused: /etc/ssh/sshd_config changed since the plan');
    expect(refusal('pi2', host({ 'unit:ssh.service': h('a') }), host({ 'unit:ssh.service': h('b') }))).toBe('host pi2 refused: unit ssh.service changed since the plan');
    const both = { 'file:/etc/a': h('a'), 'content:/etc/a': h('a') };
    expect(refusal('pi2', host(both), host({ 'file:/etc/a': h('b'), 'content:/etc/a': h('b') }))).toBe('host pi2 refused: /etc/a changed since the plan');
  });

  it('accepts a host whose facts and changes are the same', () => {
    expect(refusal('pi1', host({ k: h('a') }), host({ k: h('a'), other: h('b') }))).toBeUndefined();
  });

  it('refuses when planning again gives other content, other changes or other tasks', () => {
    const other = { ...write, steps: [{ ...write.steps[0], content: Buffer.from('other') }] } as Change;
    expect(planDifference([planTask(task([write]))], [planTask(task([other]))])).toBe('task "t" would now write or run something other than planned (update /etc/app.conf)');
    expect(planDifference([planTask(task([write]))], [planTask(task([], { status: 'ok' }))])).toBe('task "t" would now be ok (planned: changed)');
    expect(planDifference([planTask(task([write]))], [])).toBe('task "t" of the plan is not planned now');
    expect(refusal('pi1', host({}), host({}, [planTask(task([stdinExec]))]))).toMatch(/^host pi1 refused: task "t" would now change something other than planned/);
  });

  it('refuses a host that failed to plan, is not in the plan, or has tasks check mode cannot know', () => {
    expect(refusal('pi1', { ...host({}), ok: false }, host({}))).toBe('host pi1 refused: planning failed on it');
    expect(refusal('pi9', undefined, host({}))).toBe('host pi9 refused: it is not in the plan');
    expect(refusal('pi1', host({}, [planTask(task([], { status: 'unknown', task: 'ask' }))]), host({}))).toBe('host pi1 refused: the plan cannot say what task "ask" does (status unknown in check mode)');
  });
});

describe('plan file and schema', () => {
  const report = (names: string[]): RunReport => ({
    ok: true, check: true, interrupted: false, durationMs: 1, stats: { connections: {}, execs: {}, bytesSent: 0, guardLogins: {} },
    hosts: Object.fromEntries(names.map((n) => [n, { ok: 1, changed: 1, failed: n === 'pi2' ? 1 : 0, skipped: 0, unknown: 0, unreachable: false, tasks: [] }])),
  });

  it('a written plan validates against the schema, and docs/plan-schema.json is generated from it', () => {
    const pb = file('pb.yaml', '- hosts: all\n  tasks: []\n');
    const inv = file('inv.yaml', 'all:\n  hosts:\n    pi1: { host: 127.0.0.1 }\n');
    const c = new PlanCollector();
    c.fact('pi1', 'file:/etc/x', null);
    c.task('pi1', task([write, stdinExec, { summary: 'reboot', op: 'connection.reboot', steps: [{ kind: 'reboot', timeoutS: 600, msg: 'm', preDelayS: 0, postDelayS: 0 }] }]));
    const out = join(dir, 'plan.json');
    writePlanFile(out, { ...planHeader({ playbook: pb, inventory: { sources: [inv], loaded: loadInventory(inv) }, extraVars: {}, tags: [], skipTags: [] }), createdAt: new Date().toISOString(), hosts: planHosts(c, report(['pi1', 'pi2'])) });
    const data = JSON.parse(readFileSync(out, 'utf8'));
    expect(planFileSchema.safeParse(data).success).toBe(true);
    expect(data.hosts.pi2).toEqual({ ok: false, facts: {}, tasks: [] });
    expect(readPlanFile(out)).toEqual(data);
    const docs = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/plan-schema.json'), 'utf8'));
    expect(docs).toEqual(JSON.parse(JSON.stringify(planJsonSchema())));
    // The generated schema describes the versioned top level and every step kind.
    expect(docs.properties.pirunPlan.const).toBe(1);
    expect(docs.required).toEqual(expect.arrayContaining(['pirunPlan', 'playbook', 'inventory', 'hosts']));
  });

  it('a missing, corrupt, foreign or other-version plan is a one-line error naming the file', () => {
    expect(() => readPlanFile(join(dir, 'nope.json'))).toThrow(/^Cannot read plan ".*nope\.json": ENOENT/);
    expect(() => readPlanFile(file('bad.json', '{"pirunPlan": 1,'))).toThrow(/^Cannot read plan ".*bad\.json": not JSON/);
    expect(() => readPlanFile(file('other.json', '{"hosts": {}}'))).toThrow(/not a pirun plan/);
    expect(() => readPlanFile(file('v2.json', '{"pirunPlan": 2}'))).toThrow(/^Cannot read plan ".*v2\.json": version 2 is not supported \(this pirun reads version 1\)$/);
    expect(() => readPlanFile(file('shape.json', '{"pirunPlan": 1, "hosts": {}}'))).toThrow(/^Cannot read plan ".*shape\.json": createdAt: /);
  });
});

describe('pirun apply and show with bad input', { timeout: 60_000 }, () => {
  // The inventory points at a closed port: a connection attempt would show as unreachable (exit 4).
  async function oneLine(args: string[], pattern: RegExp): Promise<void> {
    const r = await runPirun(args);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(pattern);
    expect(r.stdout).not.toMatch(/unreachable|PLAY/);
  }

  it('refuses a missing plan, a plan for another inventory or playbook, and other -e', async () => {
    const pb = file('apply-pb.yaml', '- hosts: all\n  tasks:\n    - name: x\n      command: "true"\n');
    const inv = file('apply-inv.yaml', 'all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: 1, user: pi }\n');
    const otherInv = file('apply-inv2.yaml', 'all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: 2, user: pi }\n');
    const plan = join(dir, 'apply-plan.json');
    writePlanFile(plan, { ...planHeader({ playbook: pb, inventory: { sources: [inv], loaded: loadInventory(inv) }, extraVars: {}, tags: [], skipTags: [] }), createdAt: new Date().toISOString(), hosts: {} });
    await oneLine(['apply', join(dir, 'missing.json'), '-i', inv], /^pirun: Cannot read plan ".*missing\.json": ENOENT/);
    await oneLine(['show', file('corrupt.json', 'not json')], /^pirun: Cannot read plan ".*corrupt\.json": not JSON/);
    await oneLine(['apply', plan, '-i', otherInv], /^pirun: Cannot apply plan ".*apply-plan\.json": it was made with inventory ".*apply-inv\.yaml", and ".*apply-inv2\.yaml" differs from it$/);
    await oneLine(['apply', plan, '-i', inv, '-e', 'x=1'], /the -e variables differ from the ones the plan was made with$/);
    writeFileSync(pb, '- hosts: all\n  tasks: []\n');
    await oneLine(['apply', plan, '-i', inv], /playbook ".*apply-pb\.yaml" changed since the plan \(plan again\)$/);
  });

  it('--plan-out needs --check', async () => {
    const pb = file('po-pb.yaml', '- hosts: all\n  tasks: []\n');
    const inv = file('po-inv.yaml', 'all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: 1, user: pi }\n');
    await oneLine([pb, '-i', inv, '--plan-out', join(dir, 'x.json')], /^pirun: Invalid --plan-out: a plan is made by a check run \(add --check\)$/);
  });
});

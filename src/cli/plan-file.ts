// Saved plans: the recorder that turns what the engine planned into the plan
// file's data, through the masking boundary. File contents and scripts are
// stored as sha256 hashes, never as text; a no_log task keeps only its
// operations and hashes; fact values are stored as hashes of what was observed.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Inventory } from '../config/inventory.js';
import type { PlannedTask, PlanRecorder } from '../engine/context.js';
import type { RunReport } from '../engine/events.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { Change, Step } from '../modules/types.js';
import { maskText } from '../secrets.js';
import { HIDDEN_CHANGE, HIDDEN_OUTPUT } from './mask.js';
import { PLAN_VERSION, planFileSchema, type PlanChange, type PlanFile, type PlanHost, type PlanStep, type PlanTask } from './plan-schema.js';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

// JSON with sorted keys and Buffers as base64, so equal values hash equal.
export function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _k, v: unknown) {
    const raw = v as { type?: string; data?: number[] };
    if (raw && raw.type === 'Buffer' && Array.isArray(raw.data)) return { buffer: Buffer.from(raw.data).toString('base64') };
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v];
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v === undefined ? null : v;
  });
}

// Random here-document and marker names differ on every plan; they say nothing about what runs.
const normalise = (script: string) => script.replace(/PIRUN_[A-Z]+_[0-9a-f]{8,}/g, 'PIRUN_MARKER').replace(/pirun-[a-z]+-[0-9a-f]{8,}/g, 'pirun-marker');

export function planStep(s: Step, { hidden }: { hidden: boolean }): PlanStep {
  const data: PlanStep = stepData(s);
  return hidden ? { kind: 'hidden', sha256: sha256(canonical(data)) } : data;
}

function stepData(s: Step): PlanStep {
  switch (s.kind) {
    case 'write':
      return {
        kind: 'write',
        path: maskText(s.path),
        contentSha256: sha256(s.content),
        ...(s.mode !== undefined ? { mode: s.mode } : {}),
        ...(s.owner !== undefined ? { owner: maskText(s.owner) } : {}),
        ...(s.group !== undefined ? { group: maskText(s.group) } : {}),
        ...(s.validate !== undefined ? { validate: maskText(s.validate) } : {}),
        ...(s.backup ? { backup: true } : {}),
        ...(s.secret ? { secret: true } : {}),
      };
    case 'exec':
      // A here-document may carry data in base64, which masking by value cannot see: its script is never shown.
      return { kind: 'exec', label: maskText(s.label ?? (s.script.includes('<<') ? '(a script with a here-document)' : s.script)), scriptSha256: sha256(normalise(s.script)), ...(s.actsOn ? { actsOn: maskText(s.actsOn) } : {}) };
    case 'login-check':
      return { kind: 'login-check', timeoutS: s.timeoutS, delayS: s.delayS, sleepS: s.sleepS, connectTimeoutS: s.connectTimeoutS };
    case 'reboot':
      return { kind: 'reboot', timeoutS: s.timeoutS, msg: maskText(s.msg), preDelayS: s.preDelayS, postDelayS: s.postDelayS };
  }
}

export function planChange(c: Change, { hidden }: { hidden: boolean }): PlanChange {
  const t = c.target;
  const target = t && !hidden ? { target: JSON.parse(maskText(JSON.stringify(t))) as PlanChange['target'] } : {};
  return {
    op: c.op,
    ...(c.risk ? { risk: c.risk } : {}),
    summary: hidden ? HIDDEN_CHANGE : maskText(c.summary),
    ...target,
    steps: c.steps.map((s) => planStep(s, { hidden })),
  };
}

export function planTask(t: PlannedTask): PlanTask {
  const hidden = t.noLog === true;
  return {
    play: maskText(t.play),
    ...(t.role ? { role: t.role } : {}),
    task: maskText(t.task),
    ...(t.handler ? { handler: true } : {}),
    status: t.status,
    ...(t.msg !== undefined ? { msg: hidden ? HIDDEN_OUTPUT : maskText(t.msg) } : {}),
    ...(hidden ? { noLog: true } : {}),
    changes: t.changes.map((c) => planChange(c, { hidden })),
  };
}

// A probe key names what it read (a path, a unit); one that holds a secret value is stored by hash.
export function factKey(key: string): string {
  const masked = maskText(key);
  return masked === key ? key : `secret:${sha256(key)}`;
}

// The controller's own address is in the host facts; it differs between the
// machine that plans and the one that applies (a plan that depends on it has
// different changes, which apply compares too).
function stable(key: string, value: unknown): unknown {
  const v = value as { connection?: Record<string, unknown> } | null;
  if (key !== 'system' || !v?.connection) return value;
  return { ...v, connection: { ...v.connection, client_address: undefined } };
}

// Listens to the engine while it plans: facts (first observation per key) and tasks, per host.
export class PlanCollector implements PlanRecorder {
  readonly hosts = new Map<string, { facts: Map<string, string>; tasks: PlannedTask[] }>();

  private host(name: string) {
    let h = this.hosts.get(name);
    if (!h) this.hosts.set(name, (h = { facts: new Map(), tasks: [] }));
    return h;
  }

  fact(host: string, key: string, value: unknown): void {
    // A ping has a fresh key every time: it checks the connection, it describes nothing.
    if (key.startsWith('ping:')) return;
    const facts = this.host(host).facts;
    const k = factKey(key);
    if (!facts.has(k)) facts.set(k, sha256(canonical(stable(key, value))));
  }

  task(host: string, t: PlannedTask): void {
    this.host(host).tasks.push(t);
  }

}

// Every host of the run, as the file stores it; a host that failed, was unreachable or never started is not `ok`.
export function planHosts(c: PlanCollector, report: RunReport): Record<string, PlanHost> {
  const names = [...Object.keys(report.hosts)].sort();
  return Object.fromEntries(
    names.map((name) => {
      const r = report.hosts[name];
      const h = c.hosts.get(name) ?? { facts: new Map<string, string>(), tasks: [] };
      const ok = r.failed === 0 && !r.unreachable && !r.untouched;
      return [name, { ok, facts: Object.fromEntries([...h.facts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), tasks: h.tasks.map(planTask) }];
    }),
  );
}

// The inventory as loaded (files, folders, host lists, vars beside the playbook), by hash.
export const inventoryHash = (inv: Inventory): string => sha256(canonical({ hosts: inv.hosts, groups: inv.groups }));

export interface PlanInputs {
  playbook: string;
  inventory: { sources: string[]; loaded: Inventory };
  extraVars: Record<string, unknown>;
  limit?: string;
  tags: string[];
  skipTags: string[];
}

function fileHash(path: string, what: string): string {
  try {
    return sha256(readFileSync(path));
  } catch (err) {
    throw new ConfigError(`Cannot read ${what} "${path}": ${errorMessage(err)}`);
  }
}

// What the plan was made from (apply checks it is given the same).
export function planHeader(i: PlanInputs): Omit<PlanFile, 'hosts' | 'createdAt'> {
  return {
    pirunPlan: PLAN_VERSION,
    playbook: { path: i.playbook, sha256: fileHash(i.playbook, 'playbook') },
    inventory: { sources: i.inventory.sources, sha256: inventoryHash(i.inventory.loaded) },
    extraVarsSha256: sha256(canonical(i.extraVars)),
    ...(i.limit ? { limit: i.limit } : {}),
    tags: i.tags,
    skipTags: i.skipTags,
  };
}

export function writePlanFile(path: string, plan: PlanFile): void {
  const checked = planFileSchema.parse(plan);
  try {
    writeFileSync(path, JSON.stringify(checked, null, 2) + '\n', { mode: 0o600 });
  } catch (err) {
    throw new ConfigError(`Cannot write plan "${path}": ${errorMessage(err)}`);
  }
}

// Reads and validates a plan file; a bad one is a one-line error naming the file.
export function readPlanFile(path: string): PlanFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read plan "${path}": ${errorMessage(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`Cannot read plan "${path}": not JSON (${errorMessage(err)})`);
  }
  const version = (data as { pirunPlan?: unknown } | null)?.pirunPlan;
  if (data === null || typeof data !== 'object' || version === undefined) throw new ConfigError(`Cannot read plan "${path}": not a pirun plan (no "pirunPlan" version)`);
  if (version !== PLAN_VERSION) throw new ConfigError(`Cannot read plan "${path}": version ${JSON.stringify(version)} is not supported (this pirun reads version ${PLAN_VERSION})`);
  const parsed = planFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Cannot read plan "${path}": ${issue.path.join('.') || 'top level'}: ${issue.message}`);
  }
  return parsed.data;
}

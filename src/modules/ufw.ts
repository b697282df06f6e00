// ufw: firewall state, default policies, logging and rules in the vocabulary
// of Ansible's community.general.ufw. State comes from ufw's own files, so an
// unchanged firewall plans nothing. A task after which ufw would filter
// without admitting pirun's own connection is refused before any change (or,
// with allow_controller, admits pirun's address alone, with a warning); what
// can still cut SSH runs under the lockout guard.
import { z } from 'zod';
import { flagArg } from './args.js';
import { systemProbe } from '../facts/system.js';
import { UFW_INSTALL_DEFAULTS, ufwProbe, type UfwFact, type UfwPolicy } from '../facts/ufw.js';
import { sh } from '../transport/quote.js';
import { admitController, type Admission } from './ufw-controller.js';
import { deleteTupleCommand, describeRule, families, normalAddress, normalPort, ruleCommand, sameRule, toTuple, type RulePlan, type WantedRule } from './ufw-rules.js';
import { defineModule, type Change, type PlanContext } from './types.js';

const port = z.union([z.number().int().min(1).max(65535), z.string()]);
const action = z.enum(['allow', 'deny', 'limit', 'reject']);
const proto = z.enum(['tcp', 'udp', 'any']);

const listRule = z.strictObject({
  rule: action.default('allow').describe('What the rule does'),
  port: port.optional().describe('Destination port, range "A:B" or list "A,B"'),
  proto: proto.default('any').describe('Protocol'),
  from: z.string().optional().describe('Source address or network (default any)'),
  to: z.string().optional().describe('Destination address or network (default any)'),
  direction: z.enum(['in', 'out', 'incoming', 'outgoing']).default('in').describe('Traffic direction'),
  comment: z.string().optional().describe('Comment stored with the rule'),
});

const args = z.strictObject({
  state: z.enum(['enabled', 'disabled', 'reset']).optional().describe('enabled: ufw active (now and at boot); disabled: inactive; reset: no rules and inactive'),
  default: z.enum(['allow', 'deny', 'reject']).optional().describe('Default policy for `direction`'),
  policy: z.enum(['allow', 'deny', 'reject']).optional().describe('Alias of default'),
  direction: z.enum(['incoming', 'outgoing', 'routed', 'in', 'out']).optional().describe('Direction of `default` (default incoming) and of `rule`'),
  logging: z.enum(['on', 'off', 'low', 'medium', 'high', 'full']).optional().describe('Log level ("on" accepts any level but off)'),
  rule: action.optional().describe('Add (or with delete, remove) one rule: allow, deny, limit or reject'),
  port: port.optional().describe('Destination port of `rule`: number, range "A:B" or list "A,B"'),
  to_port: port.optional().describe('Alias of port'),
  proto: proto.optional().describe('Protocol of `rule` (default any)'),
  from_ip: z.string().optional().describe('Source address or network of `rule` (default any)'),
  src: z.string().optional().describe('Alias of from_ip'),
  to_ip: z.string().optional().describe('Destination address of `rule` (default any)'),
  dest: z.string().optional().describe('Alias of to_ip'),
  comment: z.string().optional().describe('Comment stored with `rule`'),
  delete: flagArg.default(false).describe('Remove `rule` instead of adding it'),
  rules: z.array(listRule).optional().describe('Several rules: [{rule, port, proto, from, to, direction, comment}]'),
  purge: flagArg.default(false).describe('With `rules`: delete every other rule (route rules are left alone)'),
  check_controller: flagArg.default(true).describe("When ufw ends up filtering incoming traffic, refuse (before changing anything) a rule set that would not admit pirun's own connection; false skips the check (the lockout guard still rolls back)"),
  allow_controller: flagArg.default(false).describe("Instead of refusing, allow SSH from pirun's own address only (a /32 or /128 rule on the port pirun is connected through), with a warning"),
  controller_hint: z.string().optional().describe("How to fix a refused rule set, appended to the refusal (a role names its variables here)"),
});
type Args = z.infer<typeof args>;

// Marks the rule allow_controller adds, so a later run tells it from the user's rules.
export const CONTROLLER_COMMENT = 'pirun controller';

// The single `rule` form and the `rules` list, normalised as ufw stores them.
function wantedRules(a: Args): WantedRule[] {
  const dir = (d: string | undefined) => (d === 'out' || d === 'outgoing' ? 'out' : 'in');
  if (a.rules) {
    return a.rules.map((r) => ({ action: r.rule, proto: r.proto, port: normalPort(r.port), src: normalAddress(r.from), dst: normalAddress(r.to), direction: dir(r.direction), comment: r.comment }));
  }
  if (!a.rule) return [];
  return [{ action: a.rule, proto: a.proto ?? 'any', port: normalPort(a.port ?? a.to_port), src: normalAddress(a.from_ip ?? a.src), dst: normalAddress(a.to_ip ?? a.dest), direction: dir(a.direction), comment: a.comment }];
}

// Mistakes in the arguments, as one message (undefined when fine).
function argumentProblem(a: Args): string | undefined {
  const ruleFields = ['port', 'to_port', 'proto', 'from_ip', 'src', 'to_ip', 'dest', 'comment'] as const;
  const stray = ruleFields.find((k) => a[k] !== undefined);
  if (stray && !a.rule) return `"${stray}" needs "rule"`;
  if (!a.state && !(a.default ?? a.policy) && !a.logging && !a.rule && !a.rules) return 'ufw needs at least one of state, default, logging, rule or rules';
  if (a.rule && a.rules) return 'ufw takes either "rule" or "rules", not both';
  if (a.purge && !a.rules) return 'purge needs "rules"';
  if (a.delete && !a.rule) return 'delete needs "rule"';
  if (a.direction === 'routed' && a.rule) return 'route rules are not supported ("direction: routed" applies to default only)';
  for (const w of safeWanted(a)) {
    if ((w.port.includes(':') || w.port.includes(',')) && w.proto === 'any') return `port "${w.port}" needs proto tcp or udp`;
  }
  return undefined;
}

// For argument checks only: a bad address is reported by the plan itself.
function safeWanted(a: Args): WantedRule[] {
  try {
    return wantedRules(a);
  } catch {
    return [];
  }
}

// `default` applies to incoming traffic unless told otherwise (as in ufw).
function defaultDirection(a: Args): 'incoming' | 'outgoing' | 'routed' {
  return a.direction === 'outgoing' || a.direction === 'out' ? 'outgoing' : a.direction === 'routed' ? 'routed' : 'incoming';
}

export default defineModule({
  name: 'ufw',
  description: 'Manage the ufw firewall: state, default policies, logging and rules',
  args,
  probes: () => [ufwProbe, systemProbe],
  async plan(a, ctx) {
    const problem = argumentProblem(a);
    if (problem) return { changes: [], failed: problem };
    let wanted: WantedRule[];
    try {
      wanted = wantedRules(a);
    } catch (err) {
      return { changes: [], failed: (err as Error).message };
    }
    const observed = await ctx.fact(ufwProbe);
    const fromPackage = !observed.installed && ctx.pendingPackages.has('ufw');
    if (!observed.installed && !fromPackage) {
      return { changes: [], failed: `Cannot manage ufw on "${ctx.host.name}": ufw is not installed (install it with apt first)` };
    }
    const current: UfwFact = fromPackage ? { ...UFW_INSTALL_DEFAULTS, foreign: observed.foreign } : observed;
    const planned = await planUfw(a, { wanted, current, ctx });
    if ('failed' in planned) return { changes: [], failed: planned.failed };
    const { changes, warnings } = planned;
    const msg = foreignWarning(current, changes);
    return { changes, ...(msg ? { msg } : {}), ...(warnings.length ? { warnings } : {}) };
  },
});

// Reset, rules, logging, defaults, then enable/disable; every change predicts the
// final state. Refused (before any change) when ufw would filter and the rules
// would not admit pirun's own connection, unless allow_controller admits it.
async function planUfw(a: Args, { wanted, current, ctx }: { wanted: WantedRule[]; current: UfwFact; ctx: PlanContext }): Promise<{ changes: Change[]; warnings: string[] } | { failed: string }> {
  const state: UfwFact = { ...current, defaults: { ...current.defaults }, rules: [...current.rules] };
  const changes: Change[] = [];
  // `cuts`: the change can shut out new SSH connections once ufw filters incoming traffic.
  const cutting = new Set<Change>();
  const add = (summary: string, script: string, o: { op: string; cuts?: boolean }) => {
    const c: Change = { summary, op: o.op, steps: [{ kind: 'exec', script }] };
    changes.push(c);
    if (o.cuts) cutting.add(c);
  };

  if (a.state === 'reset' && (state.enabled || state.rules.length > 0)) {
    add('reset ufw (inactive, no rules)', 'ufw --force reset', { op: 'ufw.reset' });
    Object.assign(state, { enabled: false, rules: [] });
  }
  const ruleChanges = planRules(a, { wanted, state });
  const policy = a.default ?? a.policy;
  const dir = defaultDirection(a);
  const finalEnabled = a.state === 'enabled' || (a.state === undefined && state.enabled);
  const finalIncoming: UfwPolicy = policy && dir === 'incoming' ? policy : state.defaults.incoming;

  // Lockout safety: when ufw ends up filtering, the rules must admit pirun's own connection.
  const sys = await ctx.fact(systemProbe);
  const conn = { port: sys.connection.port || 22, clientAddress: sys.connection.client_address, serverAddress: sys.connection.address };
  const filtering = finalEnabled && finalIncoming !== 'allow';
  const enabling = a.state === 'enabled' && !state.enabled;
  const incomingChanged = policy !== undefined && dir === 'incoming' && state.defaults.incoming !== policy;
  // What can shut pirun out: filtering starts or tightens, or rules go or deny.
  const mayShut = enabling || incomingChanged || ruleChanges.deleted.length > 0 || ruleChanges.removals.length > 0 || ruleChanges.added.some((r) => r.rule.action !== 'allow');
  const warnings: string[] = [];
  if (filtering && a.check_controller && (mayShut || a.allow_controller)) {
    const admission: Admission = admitController(ruleChanges, { conn, allow: a.allow_controller, comment: CONTROLLER_COMMENT });
    if (admission.refused) return { failed: `Cannot filter incoming traffic on "${ctx.host.name}": ${admission.refused}; nothing was changed: ${a.controller_hint ?? `add a rule that admits it, or set allow_controller: true to allow SSH from ${conn.clientAddress || "pirun's address"} only`}` };
    if (admission.warning) warnings.push(admission.warning);
  }
  for (const r of ruleChanges.added) add(r.summary, ruleCommand(r.rule, { prepend: r.prepend }), { op: 'ufw.rule.add', cuts: r.rule.action !== 'allow' });
  for (const c of ruleChanges.removals) add(c.summary, c.script, { op: 'ufw.rule.delete', cuts: true });
  for (const t of dedupe(ruleChanges.deleted)) add(`delete rule ${describeTuple(t)}`, deleteTupleCommand(t), { op: 'ufw.rule.delete', cuts: true });
  state.rules = ruleChanges.rules;

  if (a.logging && (a.logging === 'on' ? state.logging === 'off' : state.logging !== a.logging)) {
    add(`set ufw logging ${a.logging}`, sh`ufw logging ${a.logging}`, { op: 'ufw.logging' });
    state.logging = a.logging === 'on' ? 'low' : a.logging;
  }
  if (policy && state.defaults[dir] !== policy) {
    add(`set default ${policy} ${dir}`, sh`ufw default ${policy} ${dir}`, { op: 'ufw.default', cuts: dir === 'incoming' });
    state.defaults[dir] = policy;
  }
  if (enabling) add('enable ufw', 'ufw --force enable', { op: 'ufw.enable', cuts: true });
  if (a.state === 'disabled' && state.enabled) add('disable ufw', 'ufw disable', { op: 'ufw.disable' });
  state.enabled = finalEnabled;

  // The engine guards every change marked 'access' (engine/access.ts): ufw's files are saved and restored.
  for (const c of changes) {
    c.risk = filtering && cutting.has(c) ? 'access' : 'none';
    if (c.risk === 'access') c.target = { port: conn.port };
    c.predicts = [{ key: ufwProbe.key, value: state }];
  }
  return { changes, warnings };
}

// Rules to add (missing or with another comment), the one to delete, and with purge every other rule.
function planRules(a: Args, { wanted, state }: { wanted: WantedRule[]; state: UfwFact }): RulePlan {
  const plan: RulePlan = { rules: [...state.rules], added: [], removals: [], deleted: [] };
  for (const w of wanted) {
    const fams = families(w, state.ipv6);
    const matches = plan.rules.filter((t) => fams.some((v6) => sameRule(t, w, v6)));
    if (a.delete) {
      if (matches.length) {
        plan.removals.push({ summary: `delete rule ${describeRule(w)}`, script: ruleCommand(w, { delete: true }) });
        plan.rules = plan.rules.filter((t) => !matches.includes(t));
      }
      continue;
    }
    const missing = fams.filter((v6) => !matches.some((t) => t.v6 === v6));
    const recomment = w.comment !== undefined && matches.some((t) => t.comment !== w.comment);
    if (missing.length || recomment) {
      plan.added.push({ rule: w, summary: missing.length ? `add rule ${describeRule(w)}` : `set comment of rule ${describeRule(w)}` });
      plan.rules = [...plan.rules.map((t) => (matches.includes(t) ? { ...t, comment: w.comment ?? t.comment } : t)), ...missing.map((v6) => toTuple(w, v6))];
    }
  }
  if (a.purge) {
    const keep = (t: UfwFact['rules'][number]) => t.route || wanted.some((w) => sameRule(t, w, t.v6));
    plan.deleted = plan.rules.filter((t) => !keep(t));
    plan.rules = plan.rules.filter(keep);
  }
  return plan;
}

// One `ufw delete` removes the IPv4 and IPv6 copies of an "any address" rule.
function dedupe(rules: UfwFact['rules']): UfwFact['rules'] {
  const seen = new Set<string>();
  return rules.filter((t) => {
    const cmd = deleteTupleCommand(t);
    if (seen.has(cmd)) return false;
    seen.add(cmd);
    return true;
  });
}

// A rule from the rules file in the words of the change summaries.
function describeTuple(t: UfwFact['rules'][number]): string {
  const any = (v: string) => v === '0.0.0.0/0' || v === '::/0';
  const port = t.dapp ? t.dapp : t.dport === 'any' ? 'any port' : `${t.dport}/${t.proto}`;
  return `${t.action} ${t.direction === 'out' ? 'out ' : ''}${port}${any(t.src) ? '' : ` from ${t.src}`}${any(t.dst) ? '' : ` to ${t.dst}`}${t.comment ? ` (${t.comment})` : ''}`;
}

// ufw shadows or flushes what another tool loaded: say so while ufw is off.
function foreignWarning(current: UfwFact, changes: Change[]): string | undefined {
  if (current.enabled || current.foreign.length === 0) return undefined;
  const enabling = changes.some((c) => c.op === 'ufw.enable');
  const sample = current.foreign.slice(0, 3).map((l) => `"${l}"`).join(', ');
  return `Warning: ufw is inactive but ${current.foreign.length} firewall rule(s) from another tool are loaded (${sample}${current.foreign.length > 3 ? ', ...' : ''}); ${enabling ? 'enabling ufw now will flush or shadow them' : 'enabling ufw would flush or shadow them'}`;
}

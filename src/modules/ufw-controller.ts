// Whether the rules a ufw task leaves admit pirun's own SSH connection, and,
// with allow_controller, the one rule that admits it: pirun's address only (a
// /32 or /128 on the port pirun is connected through), never "Anywhere".
import { isIPv6 } from 'node:net';
import { allowsSsh, normalAddress, sameRule, toTuple, type RulePlan, type SshConnection, type WantedRule } from './ufw-rules.js';

export interface Admission {
  // Why the rules cannot be applied (the task fails before any change).
  refused?: string;
  // allow_controller added or kept pirun's own rule: the user must hear of it.
  warning?: string;
}

const clientOf = (conn: SshConnection) => conn.clientAddress.replace(/^::ffff:/, '');

// allow tcp PORT from CLIENT (ufw stores a lone address as /32 or /128).
export function controllerRule(conn: SshConnection, comment: string): WantedRule | undefined {
  const client = clientOf(conn);
  if (!client) return undefined;
  return { action: 'allow', proto: 'tcp', port: String(conn.port), src: normalAddress(client), dst: 'any', direction: 'in', comment };
}

// Decides from the rules the task leaves (pirun's own earlier rule aside).
// With `allow`, adds pirun's rule first (or keeps it from a purge) in `plan`.
export function admitController(plan: RulePlan, o: { conn: SshConnection; allow: boolean; comment: string }): Admission {
  const client = clientOf(o.conn);
  const who = `pirun's own connection from ${client || 'an unknown address'} to port ${o.conn.port}/tcp`;
  const ctrl = controllerRule(o.conn, o.comment);
  const isOwn = (t: RulePlan['rules'][number]) => ctrl !== undefined && t.comment === o.comment && sameRule(t, ctrl, t.v6);
  if (allowsSsh(plan.rules.filter((t) => !isOwn(t)), o.conn)) return {};
  if (!o.allow || !ctrl) return { refused: `the requested rules do not admit ${who}` };
  const kept = plan.deleted.filter((t) => sameRule(t, ctrl, t.v6));
  plan.deleted = plan.deleted.filter((t) => !kept.includes(t));
  plan.rules.unshift(...kept);
  const v6 = isIPv6(client);
  if (!plan.rules.some((t) => sameRule(t, ctrl, v6))) {
    plan.added.unshift({ rule: ctrl, prepend: true, summary: `allow SSH port ${o.conn.port}/tcp from ${client} only (pirun's own address, allow_controller)` });
    plan.rules.unshift(toTuple(ctrl, v6));
  }
  if (!allowsSsh(plan.rules, o.conn)) return { refused: `a rule ahead of pirun's own rule still blocks ${who}` };
  return { warning: `ufw allows SSH port ${o.conn.port}/tcp from ${client} only, pirun's own address (allow_controller), because the requested rules do not admit pirun's connection` };
}

// Turns one task mapping into a TaskDef: exactly one module, known keywords,
// and module arguments checked against the module's schema where their
// values are not templates (those are checked per host after rendering).
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { getModule, moduleNames } from '../modules/index.js';
import { TASK_KEYWORDS, taskKeywords } from './playbook-schema.js';
import type { RoleInstance, TaskDef } from './types.js';
import { renameAliases, unsupportedFeature } from './spellings.js';

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const FREE_FORM = new Set(['command', 'shell']);

export function parseTask(raw: Record<string, unknown>, where: string, role?: RoleInstance): TaskDef {
  const label = typeof raw.name === 'string' ? `task "${raw.name}"` : 'task';
  const fail = (msg: string): never => {
    throw new ConfigError(`Invalid ${label} in ${where}: ${msg}`, { file: where, task: String(raw.name ?? '') });
  };
  const unsupported = unsupportedFeature(raw);
  if (unsupported) fail(unsupported);
  const moduleKeys = Object.keys(raw).filter((k) => !TASK_KEYWORDS.has(k));
  if (moduleKeys.length === 0) fail('no module given');
  if (moduleKeys.length > 1) fail(`more than one module or unknown keyword: ${moduleKeys.map((k) => `"${k}"`).join(', ')}`);
  const moduleName = moduleKeys[0].replace(/^ansible\.(builtin|posix)\./, '');
  const mod = getModule(moduleName);
  if (!mod) fail(`unknown module "${moduleKeys[0]}" (known: ${moduleNames().join(', ')})`);
  const keywords: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(taskKeywords)) {
    if (raw[k] === undefined) continue;
    const r = (schema as z.ZodType).safeParse(raw[k]);
    if (!r.success) fail(`${k}: ${r.error.issues[0].message}, got ${JSON.stringify(raw[k])}`);
    else keywords[k] = r.data;
  }
  // Keywords as read (`become: yes` is true from here on).
  raw = { ...raw, ...keywords };
  let args = raw[moduleKeys[0]] ?? {};
  if (typeof args === 'string' && FREE_FORM.has(moduleName)) args = { cmd: args };
  // `meta: flush_handlers` names its action as the whole argument.
  if (typeof args === 'string' && moduleName === 'meta') args = { free_form: args };
  args = renameAliases(moduleName, mod!.aliases, args, fail) as typeof args;
  checkArgs(moduleName, mod!.args, args, fail);
  if (raw.until === undefined && (raw.retries !== undefined || raw.delay !== undefined)) fail('retries and delay need until (the condition to retry for)');
  const name = typeof raw.name === 'string' ? raw.name : `${moduleName}`;
  return {
    name,
    module: moduleName,
    args,
    when: raw.when === undefined ? [] : Array.isArray(raw.when) ? raw.when : [raw.when],
    loop: raw.loop,
    loopVar: (raw.loop_var as string) ?? 'item',
    register: raw.register as string | undefined,
    notify: list(raw.notify),
    tags: list(raw.tags),
    become: raw.become as boolean | undefined,
    ignoreErrors: raw.ignore_errors === true,
    changedWhen: raw.changed_when,
    failedWhen: raw.failed_when,
    until: raw.until === undefined ? undefined : { condition: raw.until, retries: (raw.retries as number | undefined) ?? 3, delayMs: ((raw.delay as number | undefined) ?? 5) * 1000 },
    noLog: raw.no_log === true,
    checkMode: raw.check_mode as boolean | undefined,
    vars: (raw.vars as Record<string, unknown>) ?? {},
    listen: list(raw.listen),
    barrier: raw.barrier === true,
    runOnce: raw.run_once === true,
    role,
    where,
  };
}

const isTemplated = (v: unknown): boolean =>
  (typeof v === 'string' && (v.includes('{{') || v.includes('{%'))) || (Array.isArray(v) && v.some(isTemplated));

// Unknown and missing keys always; types only for values that are not templates.
function checkArgs(module: string, schema: z.ZodType, args: unknown, fail: (m: string) => never): void {
  if (isTemplated(args)) return;
  if (!args || typeof args !== 'object' || Array.isArray(args)) fail(`module "${module}" takes a mapping of arguments, got ${JSON.stringify(args)}`);
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return;
  const a = args as Record<string, unknown>;
  for (const k of Object.keys(a)) {
    if (!(k in shape)) fail(`module "${module}" has no argument "${k}" (arguments: ${Object.keys(shape).join(', ')})`);
  }
  for (const [k, s] of Object.entries(shape)) {
    if (a[k] === undefined) {
      if (!s.safeParse(undefined).success) fail(`module "${module}" needs argument "${k}"`);
      continue;
    }
    if (isTemplated(a[k])) continue;
    const r = s.safeParse(a[k]);
    if (!r.success) fail(`${module}.${k}: ${r.error.issues[0].message}, got ${JSON.stringify(a[k])}`);
  }
}

// Full validation after rendering, per host.
export function validateArgs<A>(schema: z.ZodType<A>, args: unknown, ctx: { module: string }): { ok: true; value: A } | { ok: false; message: string } {
  const r = schema.safeParse(args);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const path = issue.path.length ? `${ctx.module}.${issue.path.join('.')}` : ctx.module;
  return { ok: false, message: `${path}: ${issue.message}` };
}

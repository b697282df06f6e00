// Stage two of a task's path (resolve → plan → apply): the resolved task and
// the host's facts go through the module, which returns the changes it would
// make as data. Check mode stops after this stage and records what the
// changes would leave behind, so that later tasks plan against it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Change, Plan, PlanContext } from '../modules/types.js';
import type { HostContext } from './context.js';
import type { ResolvedTask } from './resolve.js';
import { renderFile } from './template.js';
import { tracked } from './unknown.js';

// A module read a value check mode cannot know while planning (a template file, `debug: var`).
class NeedsUnknown extends Error {
  constructor(readonly from: string[]) {
    super('needs an unknown value');
  }
}

// Renders at plan time (template files, variables a module reads) note the
// unknown values they read, as resolve() does for the arguments.
function known<T>(fn: () => T): T {
  const t = tracked(fn);
  if (t.unknownFrom.length) throw new NeedsUnknown(t.unknownFrom);
  if (!t.ok) throw t.error;
  return t.value as T;
}

function planContext(ctx: HostContext, r: ResolvedTask): PlanContext {
  const roleDir = r.task.role?.dir;
  const vars = new Proxy(r.scope, { get: (target, key) => known(() => Reflect.get(target, key)) });
  return {
    host: { name: ctx.host.name, address: ctx.host.address, port: ctx.host.port, user: ctx.host.user },
    become: r.become,
    fact: (p) => ctx.cache.get(p),
    predicted: (p) => ctx.cache.isPredicted(p.key),
    vars,
    readOnly: r.readOnly,
    pendingPackages: ctx.pendingPackages,
    searchPaths: {
      files: roleDir ? [join(roleDir, 'files'), process.cwd()] : [process.cwd()],
      templates: roleDir ? [join(roleDir, 'templates'), process.cwd()] : [process.cwd()],
    },
    renderTemplate: (path) => known(() => renderFile(readFileSync(path, 'utf8'), r.scope)),
  };
}

// The module's plan, or the tasks whose check-mode unknown results it needed.
export type Planned = { plan: Plan; unknownFrom?: undefined } | { plan?: undefined; unknownFrom: string[] };

export async function planTask(ctx: HostContext, r: ResolvedTask): Promise<Planned> {
  try {
    return { plan: await r.mod.plan(r.args, planContext(ctx, r)) };
  } catch (err) {
    if (err instanceof NeedsUnknown) return { unknownFrom: err.from };
    throw err;
  }
}

// In check mode nothing is applied; later tasks plan against what the change would leave.
export function recordPredictions(ctx: HostContext, changes: Change[]): void {
  for (const c of changes) {
    for (const p of c.predicts ?? []) ctx.cache.predict(p.key, p.value);
    for (const pkg of c.installs ?? []) ctx.pendingPackages.add(pkg);
  }
}

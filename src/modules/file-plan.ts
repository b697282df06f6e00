// Shared planning for modules that own a whole file (copy, template,
// lineinfile, authorized_key, wireguard): compare sha256 from the facts and
// write the file when it differs, else yield only the attributes that differ.
import { createHash } from 'node:crypto';
import { fileContentProbe, fileProbe, type FileFact } from '../facts/files.js';
import { attributeChanges } from './file-attrs.js';
import { resolveMode } from './mode.js';
import { routesProbe } from '../facts/routes.js';
import { systemProbe } from '../facts/system.js';
import type { Change, PlanContext, WriteStep } from './types.js';
import { controllerDiversion, parseWgConf } from './wg-routes.js';

// A whole file as the module wants it: the write step's fields, by destination.
export type FileSpec = Omit<WriteStep, 'kind' | 'path'> & {
  dest: string;
  guard?: { risk: string; restore: string; activate?: string };
};

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function planFile(spec: FileSpec, ctx: PlanContext): Promise<Change[]> {
  const probe = fileProbe(spec.dest);
  const current = await ctx.fact(probe);
  // A symbolic mode applies to the old file's mode, or to the mode a new file gets.
  const mode = spec.mode ? resolveMode(spec.mode, current?.mode ?? (spec.secret ? '0600' : '0644')) : undefined;
  const digest = sha256(spec.content);
  if (current && current.type !== 'file') {
    throw new Error(`"${spec.dest}" exists and is a ${current.type}, not a file`);
  }
  await refuseWireguardLockout(spec, ctx);
  const predicted: FileFact = {
    type: 'file',
    mode: mode ?? current?.mode ?? (spec.secret ? '0600' : '0644'),
    owner: spec.owner ?? current?.owner ?? 'root',
    group: spec.group ?? current?.group ?? 'root',
    size: spec.content.length,
    sha256: digest,
  };
  const predicts = [
    { key: probe.key, value: predicted },
    { key: fileContentProbe(spec.dest).key, value: spec.content },
  ];
  if (!current || current.sha256 !== digest) {
    const step: WriteStep = { kind: 'write', path: spec.dest, content: spec.content, mode, owner: spec.owner, group: spec.group, validate: spec.validate, backup: spec.backup, secret: spec.secret };
    // The old content is read only for the diff, so never for a secret file (it would pass through -vv).
    const before = current && !spec.secret && !ctx.predicted(probe) ? await ctx.fact(fileContentProbe(spec.dest)) : null;
    const guarded: Partial<Pick<Change, 'guard' | 'steps'>> = spec.guard ? guardedChange(spec.dest, spec.guard) : {};
    return [
      {
        summary: current ? `update ${spec.dest}` : `create ${spec.dest}`,
        op: 'file.write',
        steps: [step, ...(guarded.steps ?? [])],
        guard: guarded.guard,
        diff: { path: spec.dest, before: before?.toString('utf8') ?? null, after: spec.content.toString('utf8'), secret: spec.secret },
        predicts,
      },
    ];
  }
  // Same content: only the attributes that drifted (the one attribute planner, file-attrs.ts).
  return attributeChanges(spec.dest, current, { want: { mode, owner: spec.owner, group: spec.group }, predicts: () => predicts });
}

// A file that can cut SSH access is written under the engine's lockout guard;
// `activate` (validate the whole config, reload) runs inside the same guarded step.
function guardedChange(dest: string, g: NonNullable<FileSpec['guard']>): Pick<Change, 'guard' | 'steps'> {
  return {
    guard: { files: [dest], restore: g.restore, risk: g.risk },
    steps: g.activate ? [{ kind: 'exec', script: g.activate, label: g.activate }] : [],
  };
}

// A wg-quick config whose routes would capture pirun's own connection is
// refused before it is written, whichever module writes it (copy, template,
// wireguard), so a reboot cannot bring the lockout up later.
const WG_CONF = /^\/etc\/wireguard\/([^/]+)\.conf$/;
async function refuseWireguardLockout(spec: FileSpec, ctx: PlanContext): Promise<void> {
  const m = WG_CONF.exec(spec.dest);
  if (!m) return;
  const sys = await ctx.fact(systemProbe);
  const why = controllerDiversion(parseWgConf(spec.content.toString('utf8')), { iface: m[1], controller: sys.connection.client_address, routes: await ctx.fact(routesProbe) });
  if (why) throw new Error(`Cannot write WireGuard config "${spec.dest}" on "${ctx.host.name}": ${why} (nothing was changed)`);
}


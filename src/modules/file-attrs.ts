// Mode and ownership of an existing path, one change per attribute that
// drifted, so the user sees exactly what differs. Shared by file, lineinfile
// and authorized_key.
import type { FileFact } from '../facts/files.js';
import type { Probe } from '../facts/probe.js';
import { sh } from '../transport/quote.js';
import type { Change, PlanContext } from './types.js';

export interface Attrs {
  mode?: string;
  owner?: string;
  group?: string;
}

// The fact as it will be once the wanted attributes are applied.
export function withAttrs(fact: FileFact, want: Attrs): FileFact {
  return { ...fact, mode: fact.type === 'link' ? fact.mode : want.mode ?? fact.mode, owner: want.owner ?? fact.owner, group: want.group ?? fact.group };
}

// Who owns a path that a task creates: root under become, else the login user.
export function creator(ctx: Pick<PlanContext, 'become' | 'host'>): { owner: string; group: string } {
  return ctx.become ? { owner: 'root', group: 'root' } : { owner: ctx.host.user, group: ctx.host.user };
}

// Shell lines that set the wanted attributes on a path just created (links: ownership only).
export function attrScript(path: string, want: Attrs, opts: { link?: boolean } = {}): string[] {
  const lines: string[] = [];
  if (want.mode && !opts.link) lines.push(sh`chmod ${want.mode} -- ${path}`);
  if (want.owner || want.group) lines.push(chownScript(path, chownSpec(want.owner, want.group), { link: opts.link }));
  return lines;
}

// chown -h changes a symlink itself instead of its target.
function chownScript(path: string, spec: string, opts: { link?: boolean } = {}): string {
  return sh`chown ${[...(opts.link ? ['-h'] : []), spec]} -- ${path}`;
}

// chown's "owner:group", either part optional.
function chownSpec(owner?: string, group?: string): string {
  return `${owner ?? ''}${group ? `:${group}` : ''}`;
}

// One change per drifted attribute, each predicting the fact as it will be.
export function attributeChanges(path: string, current: FileFact, o: { want: Attrs; predicts: (fact: FileFact) => Change['predicts'] }): Change[] {
  const { want, predicts } = o;
  const link = current.type === 'link';
  const changes: Change[] = [];
  const after = withAttrs(current, want);
  if (want.mode && !link && current.mode !== want.mode) {
    changes.push({ summary: `mode of ${path} ${current.mode} -> ${want.mode}`, op: 'file.mode', target: { paths: [path] }, steps: [{ kind: 'exec', script: sh`chmod ${want.mode} -- ${path}`, actsOn: path }], predicts: predicts(after) });
  }
  const owner = want.owner && want.owner !== current.owner ? want.owner : undefined;
  const group = want.group && want.group !== current.group ? want.group : undefined;
  if (owner || group) {
    const before = `${current.owner}:${current.group}`;
    changes.push({
      summary: `owner of ${path} ${before} -> ${after.owner}:${after.group}`,
      op: 'file.owner',
      target: { paths: [path] },
      steps: [{ kind: 'exec', script: chownScript(path, chownSpec(owner, group), { link }), actsOn: path }],
      predicts: predicts(after),
    });
  }
  return changes;
}

// The predicts entry for one file fact.
export function predictFile(probe: Probe<FileFact | null>): (fact: FileFact | null) => { key: string; value: unknown }[] {
  return (fact) => [{ key: probe.key, value: fact }];
}

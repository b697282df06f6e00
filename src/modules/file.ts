// file: a path's kind (file, directory, symlink, absent) and its mode and
// owner. `touch` only creates a missing file and never bumps the mtime, so a
// second run reports nothing to do.
import { resolve } from 'node:path';
import { z } from 'zod';
import { fileProbe, type FileFact } from '../facts/files.js';
import { sh } from '../transport/quote.js';
import { flagArg, pathArg } from './args.js';
import { fileAttrArgs } from './file-args.js';
import { attrScript, attributeChanges, creator, predictFile, type Attrs } from './file-attrs.js';
import { follow, linkTarget, MAX_LINK_HOPS } from './follow.js';
import { resolveMode } from './mode.js';
import { defineModule, type Change, type Plan, type PlanContext } from './types.js';

const args = z
  .strictObject({
    path: pathArg.describe('Absolute path on the host'),
    state: z.enum(['file', 'directory', 'absent', 'touch', 'link']).optional().describe('file: an existing file (never created); directory: created with parents; touch: created empty if missing; link: a symlink to src; absent: removed (recursively). Default: whatever the path is now (it must exist)'),
    ...fileAttrArgs,
    src: z.string().min(1).optional().describe('state: link: what the link points at, stored as given (relative to the link\'s folder when relative)'),
    force: flagArg.optional().describe('state: link: replace a file or empty directory at path, or link to a src that does not exist'),
  })
  .describe('Manage a path\'s kind, mode and owner');
type Args = z.output<typeof args>;

export default defineModule({
  name: 'file',
  aliases: { dest: 'path', name: 'path' },
  description: 'Manage files, directories and symlinks: kind, mode and owner',
  args,
  probes: (a) => [fileProbe(a.path), ...(a.state === 'link' && a.src ? [fileProbe(linkTarget(a.path, a.src))] : [])],
  async plan(a, ctx) {
    if (a.state !== 'link' && a.src !== undefined) return { changes: [], failed: 'file: "src" is only used with state: link' };
    if (a.state === 'link') return planLink(a, ctx);
    if (a.state === 'absent') return planAbsent(a, ctx);
    const { path, fact } = await follow(a.path, ctx);
    if (fact?.type === 'link') return { changes: [], failed: `Cannot manage "${a.path}": more than ${MAX_LINK_HOPS} levels of symlinks` };
    const probe = fileProbe(path);
    const dir = a.state === 'directory';
    // A symbolic mode applies to the mode the path has, or is created with.
    const base = fact ? { mode: fact.mode, dir: fact.type === 'directory' } : { mode: dir ? '0755' : '0644', dir };
    const attrs: Attrs = { mode: a.mode && resolveMode(a.mode, base.mode, { dir: base.dir }), owner: a.owner, group: a.group };
    if (fact) {
      if (a.state === 'directory' && fact.type !== 'directory') return { changes: [], failed: `Cannot make "${path}" a directory: it exists and is a ${fact.type}` };
      if (a.state === 'file' && fact.type === 'directory') return { changes: [], failed: `Cannot manage "${path}" as a file: it is a directory` };
      return { changes: attributeChanges(path, fact, { want: attrs, predicts: predictFile(probe) }) };
    }
    if (a.state === 'file' || a.state === undefined) return { changes: [], failed: `Cannot manage "${path}": it does not exist (state: file never creates a file; use state: touch or directory)` };
    const made = creator(ctx);
    const created: FileFact = {
      type: dir ? 'directory' : 'file',
      mode: attrs.mode ?? (dir ? '0755' : '0644'),
      owner: attrs.owner ?? made.owner,
      group: attrs.group ?? made.group,
      size: 0,
      ...(dir ? {} : { sha256: EMPTY_SHA256 }),
    };
    const make = dir ? sh`mkdir -p -- ${path}` : sh`touch -- ${path}`;
    const change: Change = {
      summary: dir ? `create directory ${path}` : `create empty file ${path}`,
      op: 'file.create',
      target: { paths: [path] },
      steps: [{ kind: 'exec', script: [make, ...attrScript(path, attrs)].join(' && '), actsOn: path }],
      predicts: predictFile(probe)(created),
    };
    return { changes: [change] };
  },
});

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// rm -rf, as Ansible does; a symlink is removed itself, never what it points at.
async function planAbsent(a: Args, ctx: PlanContext): Promise<Plan> {
  if (resolve(a.path) === '/') return { changes: [], failed: 'Cannot remove "/"' };
  const probe = fileProbe(a.path);
  const fact = await ctx.fact(probe);
  if (!fact) return { changes: [] };
  const what = fact.type === 'directory' ? 'directory' : fact.type === 'link' ? 'symlink' : 'file';
  return { changes: [{ summary: `remove ${what} ${a.path}`, op: 'file.remove', target: { paths: [a.path] }, steps: [{ kind: 'exec', script: sh`rm -rf -- ${a.path}` }], predicts: predictFile(probe)(null) }] };
}

// A symlink is compared by its text (readlink), never followed.
async function planLink(a: Args, ctx: PlanContext): Promise<Plan> {
  const src = a.src;
  if (!src) return { changes: [], failed: 'file: state: link needs "src"' };
  const probe = fileProbe(a.path);
  const fact = await ctx.fact(probe);
  const attrs: Attrs = { owner: a.owner, group: a.group };
  const made = creator(ctx);
  const linked: FileFact = { type: 'link', mode: '0777', owner: attrs.owner ?? made.owner, group: attrs.group ?? made.group, size: src.length, linkTarget: src };
  const predicts = predictFile(probe)(linked);
  if (fact?.type === 'link' && fact.linkTarget === src) return { changes: attributeChanges(a.path, fact, { want: attrs, predicts: predictFile(probe) }) };
  if (!a.force && !(await ctx.fact(fileProbe(linkTarget(a.path, src))))) {
    return { changes: [], failed: `Cannot link "${a.path}" to "${src}": it does not exist (set force: true to create a dangling link)` };
  }
  const link = sh`ln -s -- ${src} ${a.path}`;
  const chown = attrScript(a.path, attrs, { link: true });
  if (!fact) return { changes: [{ summary: `link ${a.path} -> ${src}`, op: 'file.link', target: { paths: [a.path] }, steps: [{ kind: 'exec', script: [link, ...chown].join(' && ') }], predicts }] };
  if (fact.type === 'link') {
    const relink = sh`ln -sfn -- ${src} ${a.path}`;
    return { changes: [{ summary: `point ${a.path} at ${src} (was ${fact.linkTarget ?? '?'})`, op: 'file.link', target: { paths: [a.path] }, steps: [{ kind: 'exec', script: [relink, ...chown].join(' && ') }], predicts }] };
  }
  if (!a.force) return { changes: [], failed: `Cannot link "${a.path}" to "${src}": a ${fact.type} is in the way (set force: true to replace it)` };
  // rmdir refuses a directory that is not empty, as Ansible does.
  const clear = fact.type === 'directory' ? sh`rmdir -- ${a.path}` : sh`rm -f -- ${a.path}`;
  return { changes: [{ summary: `replace ${fact.type} ${a.path} with a link to ${src}`, op: 'file.link', target: { paths: [a.path] }, steps: [{ kind: 'exec', script: [clear, link, ...chown].join(' && ') }], predicts }] };
}

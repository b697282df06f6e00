// Resolves symlinks through the file facts, as chmod, chown and an editor do:
// a module that manages "/etc/foo" acts on what the link points at.
import { dirname, resolve } from 'node:path';
import { fileProbe, type FileFact } from '../facts/files.js';
import type { PlanContext } from './types.js';

export const MAX_LINK_HOPS = 8;

// Where a link at `path` whose text is `target` points, as an absolute path.
export function linkTarget(path: string, target: string): string {
  return resolve(dirname(path), target);
}

// The final path and its fact; the fact is still a link when there were too many hops.
export async function follow(path: string, ctx: Pick<PlanContext, 'fact'>): Promise<{ path: string; fact: FileFact | null }> {
  let fact = await ctx.fact(fileProbe(path));
  for (let hops = 0; fact?.type === 'link' && fact.linkTarget && hops < MAX_LINK_HOPS; hops++) {
    path = linkTarget(path, fact.linkTarget);
    fact = await ctx.fact(fileProbe(path));
  }
  return { path, fact };
}

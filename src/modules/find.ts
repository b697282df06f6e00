// find: read-only; the paths below some folders that match name patterns
// (shell globs, or Python regular expressions with use_regex), by type,
// registered as `files` (each with Ansible's stat keys) and `matched`.
import { basename } from 'node:path';
import { z } from 'zod';
import { findProbe, type FoundPath } from '../facts/find.js';
import { flagArg, nameListArg } from './args.js';
import { pyRegExp } from './py-regexp.js';
import { defineModule } from './types.js';

const args = z.strictObject({
  paths: nameListArg.describe('Folders to search (aliases: name, path); a list or comma-separated'),
  patterns: nameListArg.default([]).describe('Basename patterns: shell globs, or regular expressions with use_regex (alias: pattern); any may match'),
  excludes: nameListArg.default([]).describe('Basename patterns to leave out (alias: exclude)'),
  use_regex: flagArg.default(false).describe('Patterns are Python regular expressions (matched at the start of the basename)'),
  file_type: z.enum(['file', 'directory', 'link', 'any']).default('file').describe('Which kind of path to return'),
  recurse: flagArg.default(false).describe('Search below the folders too'),
  depth: z.number().int().positive().optional().describe('With recurse: how many levels deep'),
  hidden: flagArg.default(false).describe('Include names starting with a dot'),
  follow: flagArg.default(false).describe('Follow symlinks'),
});
type Args = z.output<typeof args>;

// Python's fnmatch: *, ?, [seq], [!seq]; everything else literal.
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end);
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

function matcher(patterns: string[], regex: boolean): (name: string) => boolean {
  const res = patterns.map((p) => (regex ? new RegExp(`^(?:${pyRegExp(p).source})`, pyRegExp(p).flags) : globRegExp(p)));
  return (name) => res.some((r) => r.test(name));
}

export function select(found: FoundPath[], a: Args): FoundPath[] {
  const wanted = a.patterns.length ? matcher(a.patterns, a.use_regex) : () => true;
  const excluded = a.excludes.length ? matcher(a.excludes, a.use_regex) : () => false;
  return found.filter((f) => {
    const name = basename(f.path);
    if (!a.hidden && name.startsWith('.')) return false;
    if (a.file_type !== 'any' && f.type !== a.file_type) return false;
    return wanted(name) && !excluded(name);
  });
}

const probeOf = (a: Args) => findProbe(a.paths, { depth: a.recurse ? a.depth : 1, follow: a.follow });

export default defineModule({
  name: 'find',
  description: 'Find files below folders by name pattern and type (read-only; registers files and matched)',
  args,
  aliases: { name: 'paths', path: 'paths', pattern: 'patterns', exclude: 'excludes' },
  probes: (a) => [probeOf(a)],
  async plan(a, ctx) {
    const found = await ctx.fact(probeOf(a));
    const files = select(found, a).map((f) => ({ path: f.path, mode: f.mode, isdir: f.type === 'directory', isreg: f.type === 'file', islnk: f.type === 'link', uid: f.uid, gid: f.gid, pw_name: f.pw_name, gr_name: f.gr_name, size: f.size, mtime: f.mtime }));
    return { changes: [], result: { files, matched: files.length, examined: found.length } };
  },
});

// Ansible's read-only info modules: they change nothing, read one batched
// probe, and register what they found (stat) or set it under ansible_facts
// (package_facts, service_facts, getent) for the rest of the play.
import { z } from 'zod';
import { getentProbe, servicesProbe, statProbe } from '../facts/info.js';
import { packagesProbe } from '../facts/packages.js';
import { flagArg, pathArg } from './args.js';
import { defineModule, type PlanContext } from './types.js';

// New facts merged into the host's ansible_facts, and returned in the result as Ansible does.
function withFacts(ctx: PlanContext, facts: Record<string, unknown>) {
  const old = ctx.vars.ansible_facts;
  const base = old && typeof old === 'object' && !Array.isArray(old) ? (old as Record<string, unknown>) : {};
  return { changes: [], setFacts: { ansible_facts: { ...base, ...facts } }, result: { ansible_facts: facts } };
}

const statArgs = z.strictObject({
  path: pathArg.describe('Absolute path on the host (aliases: dest, name)'),
  follow: flagArg.default(false).describe('Follow a symlink to what it points at'),
  get_checksum: flagArg.default(true).describe('Give the checksum of a regular file'),
  checksum_algorithm: z.enum(['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'md5']).default('sha1').describe('Checksum algorithm (alias: checksum)'),
  get_mime: flagArg.optional().describe('Accepted for compatibility; no mime type is read'),
  get_attributes: flagArg.optional().describe('Accepted for compatibility; no attributes are read'),
});
const statOf = (a: z.output<typeof statArgs>) => statProbe(a.path, { follow: a.follow, checksum: a.get_checksum ? a.checksum_algorithm : false });

export const stat = defineModule({
  name: 'stat',
  description: 'Read a path: whether it exists, its type, mode, owner, size, times and checksum (registered as .stat)',
  args: statArgs,
  aliases: { dest: 'path', name: 'path', checksum: 'checksum_algorithm' },
  probes: (a) => [statOf(a)],
  async plan(a, ctx) {
    return { changes: [], result: { stat: await ctx.fact(statOf(a)) } };
  },
});

export const packageFacts = defineModule({
  name: 'package_facts',
  description: 'Set ansible_facts.packages: every installed package with its versions',
  args: z.strictObject({
    manager: z.union([z.string(), z.array(z.string())]).default('auto').refine((m) => [m].flat().every((x) => x === 'auto' || x === 'apt'), { message: 'only apt is supported: pirun manages Debian hosts' }).describe('auto or apt'),
    strategy: z.enum(['first', 'all']).optional().describe('Accepted for compatibility'),
  }),
  probes: () => [packagesProbe],
  async plan(_a, ctx) {
    const facts = await ctx.fact(packagesProbe);
    const packages: Record<string, { name: string; version: string; source: string }[]> = {};
    for (const [name, p] of facts.packages) if (p.installed) packages[name] = [{ name, version: p.version, source: 'apt' }];
    return withFacts(ctx, { packages });
  },
});

export const serviceFacts = defineModule({
  name: 'service_facts',
  description: 'Set ansible_facts.services: every systemd service with its state (running, stopped) and status (enabled, disabled, ...)',
  args: z.strictObject({}),
  probes: () => [servicesProbe],
  async plan(_a, ctx) {
    return withFacts(ctx, { services: await ctx.fact(servicesProbe) });
  },
});

const SPLIT: Record<string, string> = { passwd: ':', group: ':', shadow: ':', gshadow: ':' };

export const getent = defineModule({
  name: 'getent',
  description: 'Set ansible_facts.getent_<database> from getent (passwd, group, hosts, services, ...)',
  args: z.strictObject({
    database: z.string().regex(/^[a-z_]+$/, 'expected a getent database name (passwd, group, hosts, ...)').describe('The database'),
    key: z.union([z.string(), z.number()]).transform(String).optional().describe('One key to read; all entries without it'),
    split: z.string().optional().describe('Field separator (default ":" for passwd/group/shadow, else whitespace)'),
    fail_key: flagArg.default(true).describe('Fail when the key is not found'),
  }),
  probes: (a) => [getentProbe(a.database, a.key)],
  async plan(a, ctx) {
    const lines = await ctx.fact(getentProbe(a.database, a.key));
    if (lines === null && a.key !== undefined && a.fail_key) return { changes: [], failed: `getent: key "${a.key}" not found in database "${a.database}"` };
    const sep = a.split ?? SPLIT[a.database];
    const entries: Record<string, string[] | null> = {};
    for (const line of lines ?? []) {
      const fields = sep ? line.split(sep) : line.trim().split(/\s+/);
      const [name, ...rest] = fields;
      if (!(name in entries)) entries[name] = rest;
    }
    if (lines === null && a.key !== undefined) entries[a.key] = null;
    return withFacts(ctx, { [`getent_${a.database}`]: entries });
  },
});

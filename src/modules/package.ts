// package: Ansible's distribution-neutral package module. pirun manages
// Debian hosts, so it is apt; another package manager (`use: yum`) is refused
// when the task loads.
import { z } from 'zod';
import apt from './apt.js';
import { defineModule } from './types.js';

const STATES = { present: 'present', installed: 'present', latest: 'latest', absent: 'absent', removed: 'absent' } as const;

const args = z
  .strictObject({
    name: z.union([z.string(), z.array(z.string())]).describe('Package name or list of names (alias: pkg)'),
    state: z
      .enum(['present', 'installed', 'latest', 'absent', 'removed'])
      .default('present')
      .describe('present (installed), latest, or absent (removed)'),
    use: z
      .string()
      .default('auto')
      .refine((u) => u === 'auto' || u === 'apt', { message: 'only apt is supported: pirun manages Debian hosts' })
      .describe('The package manager: auto or apt (pirun manages Debian hosts)'),
  })
  .describe('Manage packages (apt on Debian)');
type Args = z.output<typeof args>;

const toApt = (a: Args) => apt.args.parse({ name: a.name, state: STATES[a.state] });

export default defineModule({
  name: 'package',
  description: 'Manage packages (apt on Debian)',
  args,
  aliases: { pkg: 'name' },
  probes: (a, ctx) => apt.probes?.(toApt(a), ctx) ?? [],
  plan: (a, ctx) => apt.plan(toApt(a), ctx),
});

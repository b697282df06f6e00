// apt: packages present, absent or latest, with one apt-get call for the
// whole list. Package state comes from one dpkg-query per run.
import { z } from 'zod';
import { flagArg } from './args.js';
import { packagesProbe, upgradableProbe } from '../facts/packages.js';
import { sh } from '../transport/quote.js';
import { defineModule, type Change } from './types.js';

const APT_ENV = 'export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a; ';
// Wait for another apt or dpkg to finish: two words, as apt reads `-o NAME=VALUE`.
const LOCK = ['-o', 'DPkg::Lock::Timeout=120'];

const args = z.strictObject({
  name: z.union([z.string(), z.array(z.string())]).optional().describe('Package name or list of names'),
  pkg: z.union([z.string(), z.array(z.string())]).optional().describe('Alias of name'),
  state: z.enum(['present', 'absent', 'latest']).default('present').describe('Desired state'),
  update_cache: flagArg.default(false).describe('Refresh the package lists first'),
  cache_valid_time: z.number().int().nonnegative().default(0).describe('Skip the refresh when the lists are younger than this many seconds'),
  install_recommends: flagArg.default(false).describe('Install recommended packages too'),
  purge: flagArg.default(false).describe('With state absent: also remove config files'),
  upgrade: z.enum(['no', 'yes', 'safe', 'full', 'dist']).default('no').describe('Upgrade installed packages (full/dist: full-upgrade)'),
});

export default defineModule({
  name: 'apt',
  description: 'Manage Debian packages',
  args,
  probes: () => [packagesProbe],
  async plan(a, ctx) {
    const names = [a.name ?? a.pkg ?? []].flat();
    const facts = await ctx.fact(packagesProbe);
    const changes: Change[] = [];
    const installed = (n: string) => facts.packages.get(n)?.installed === true || ctx.pendingPackages.has(n);
    const missing = a.state !== 'absent' ? names.filter((n) => !installed(n)) : [];
    const needsLists = facts.listsAgeSeconds === null;
    if (a.update_cache || (missing.length > 0 && needsLists)) {
      const fresh = facts.listsAgeSeconds !== null && a.cache_valid_time > 0 && facts.listsAgeSeconds < a.cache_valid_time;
      if (!fresh || (missing.length > 0 && needsLists)) {
        changes.push({ summary: 'update package lists', op: 'apt.update', risk: 'none', steps: [{ kind: 'exec', script: `${APT_ENV}apt-get ${LOCK.join(' ')} update -q`, label: 'apt-get update' }] });
      }
    }
    const recommends = a.install_recommends ? '' : '--no-install-recommends';
    if (missing.length) {
      changes.push({
        summary: `install ${missing.join(', ')}`,
        op: 'apt.install',
        risk: 'service',
        steps: [{ kind: 'exec', script: APT_ENV + sh`apt-get ${LOCK} install -y -q ${recommends ? [recommends] : []} -- ${missing}`, label: `apt-get install ${missing.join(' ')}` }],
        installs: missing,
      });
    }
    if (a.state === 'latest' && names.length) {
      const upgradable = new Set(await ctx.fact(upgradableProbe('full-upgrade')));
      const outdated = names.filter((n) => facts.packages.get(n)?.installed && upgradable.has(n));
      if (outdated.length) {
        changes.push({ summary: `upgrade ${outdated.join(', ')}`, op: 'apt.upgrade', risk: 'service', steps: [{ kind: 'exec', script: APT_ENV + sh`apt-get ${LOCK} install -y -q --only-upgrade -- ${outdated}` }] });
      }
    }
    if (a.upgrade !== 'no') {
      const mode = a.upgrade === 'full' || a.upgrade === 'dist' ? 'full-upgrade' : 'upgrade';
      const pending = await ctx.fact(upgradableProbe(mode));
      if (pending.length) {
        changes.push({
          summary: `${mode} ${pending.length} package(s): ${pending.slice(0, 8).join(', ')}${pending.length > 8 ? ', ...' : ''}`,
          op: 'apt.upgrade',
          risk: 'service',
          steps: [{ kind: 'exec', script: `${APT_ENV}apt-get ${LOCK.join(' ')} ${mode} -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold` }],
        });
      }
    }
    if (a.state === 'absent') {
      const present = names.filter((n) => facts.packages.get(n)?.installed);
      if (present.length) {
        changes.push({ summary: `remove ${present.join(', ')}`, op: 'apt.remove', risk: 'service', steps: [{ kind: 'exec', script: APT_ENV + sh`apt-get ${LOCK} ${a.purge ? 'purge' : 'remove'} -y -q -- ${present}` }] });
      }
    }
    return { changes };
  },
});

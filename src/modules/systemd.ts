// systemd (aliases service, systemd_service): a unit masked or not, enabled
// or not, started or stopped, as Ansible's module does it. restarted and
// reloaded always change (they are what handlers ask for). A unit that does
// not exist fails the task, unless missing_ok; in check mode a unit that a
// pending package brings is planned as Debian leaves it (see assumedUnit).
import { z } from 'zod';
import { flagArg } from './args.js';
import { daemonReloadProbe } from '../facts/daemon-reload.js';
import { fileProbe } from '../facts/files.js';
import { unitProbe, type UnitFact } from '../facts/units.js';
import { sh } from '../transport/quote.js';
import { defineModule, type Change, type PlanContext } from './types.js';

const args = z.strictObject({
  name: z.string().min(1).optional().describe('Unit name; ".service" is implied when no unit type is given'),
  unit: z.string().min(1).optional().describe('Alias of name'),
  enabled: flagArg.optional().describe('Start the unit at boot'),
  state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional().describe('started/stopped change only when needed; restarted/reloaded always run'),
  masked: flagArg.optional().describe('Mask the unit (it cannot be started at all) or unmask it'),
  daemon_reload: flagArg.default(false).describe('Run `systemctl daemon-reload` first (when unit files changed or other changes follow)'),
  missing_ok: flagArg.default(false).describe('Skip instead of failing when the unit does not exist'),
});
type Args = z.infer<typeof args>;

const UNIT_TYPES = /\.(service|socket|target|timer|mount|automount|swap|path|slice|scope|device)$/;

export function unitName(name: string): string {
  return UNIT_TYPES.test(name) ? name : `${name}.service`;
}

// `systemctl is-enabled` succeeds for these, as Ansible checks it.
const COUNTS_AS_ENABLED = new Set(['enabled', 'enabled-runtime', 'alias', 'static', 'indirect', 'generated', 'transient']);
const RUNNING = new Set(['active', 'activating', 'reloading']);
const STOPPABLE = new Set(['active', 'activating', 'reloading', 'deactivating']);
const UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

const isMasked = (u: UnitFact) => u.loadState === 'masked' || u.unitFileState.startsWith('masked');

// The package a unit most likely comes from: its name without type and instance.
const packageOf = (name: string): string => name.replace(UNIT_TYPES, '').replace(/@.*$/, '');

// What to plan against when the unit is not there now (undefined: really
// missing). In check mode a unit may come with a package an earlier task
// installs. With missing_ok the unit may well never come, so only a pending
// package of the same name counts; without it, any pending package may bring
// it (planning it as missing would fail a run that works). Debian enables and
// starts a service it installs; an instance of a template unit (wg-quick@wg0)
// arrives loadable but neither enabled nor running.
function assumedUnit(name: string, ctx: PlanContext, missingOk: boolean): { unit: UnitFact; why: string } | undefined {
  const pkg = packageOf(name);
  if (missingOk ? ctx.pendingPackages.has(pkg) : ctx.pendingPackages.size > 0) {
    if (name.includes('@')) return { unit: { name, loadState: 'loaded', activeState: 'inactive', unitFileState: 'disabled' }, why: 'a package installed earlier in this run brings its template' };
    return { unit: { name, loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' }, why: 'a package installed earlier in this run brings it enabled and active' };
  }
  // Only check mode records predictions, so a real run never gets here with a missing unit.
  if (UNIT_DIRS.some((d) => ctx.predicted(fileProbe(`${d}/${name}`)))) {
    return { unit: { name, loadState: 'loaded', activeState: 'inactive', unitFileState: 'disabled' }, why: 'an earlier task writes its unit file' };
  }
  return undefined;
}

export default defineModule({
  name: 'systemd',
  description: 'Manage a systemd unit: masked, enabled, started, stopped, restarted, reloaded',
  args,
  probes: (a) => {
    const name = a.name ?? a.unit;
    return [...(name ? [unitProbe(unitName(name))] : []), ...(a.daemon_reload ? [daemonReloadProbe(name && unitName(name))] : [])];
  },
  async plan(a, ctx) {
    const given = a.name ?? a.unit;
    if (!given) {
      if (!a.daemon_reload) return { changes: [], failed: 'systemd needs "name" (or only daemon_reload: true)' };
      return { changes: (await ctx.fact(daemonReloadProbe())) ? [daemonReload()] : [] };
    }
    const name = unitName(given);
    if (a.masked === true && (a.enabled === true || (a.state && a.state !== 'stopped'))) {
      return { changes: [], failed: `Cannot manage unit "${name}": a masked unit can be neither enabled nor started` };
    }
    let unit = await ctx.fact(unitProbe(name));
    let msg: string | undefined;
    if (!unit) {
      const assumed = assumedUnit(name, ctx, a.missing_ok);
      if (!assumed) {
        if (a.missing_ok) return { changes: [], skipped: `unit "${name}" does not exist` };
        return { changes: [], failed: `Cannot manage unit "${name}" on "${ctx.host.name}": the unit does not exist (set missing_ok: true to skip hosts without it)` };
      }
      unit = assumed.unit;
      msg = `unit "${name}" does not exist yet: planned as if it did, since ${assumed.why}`;
    }
    const changes = planUnit(a, { name, given, observed: unit });
    if (changes === null) return { changes: [], failed: `Cannot enable or start unit "${name}" on "${ctx.host.name}": it is masked (set masked: false)` };
    if (a.daemon_reload && (changes.length > 0 || (await ctx.fact(daemonReloadProbe(name))))) changes.unshift(daemonReload());
    if (a.enabled === false && unit.unitFileState === 'static') msg = `unit "${name}" is static (no [Install] section): enabled: false changes nothing`;
    return { changes, ...(msg ? { msg } : {}) };
  },
});

// systemd reads changed unit files only after a daemon-reload.
function daemonReload(): Change {
  return { summary: 'reload the systemd manager configuration', op: 'systemd.daemon_reload', risk: 'service', steps: [{ kind: 'exec', script: 'systemctl daemon-reload' }] };
}

// mask/unmask, then enable/disable, then the run state (Ansible's order);
// null when asked to enable or start a unit that stays masked.
function planUnit(a: Args, { name, given, observed }: { name: string; given: string; observed: UnitFact }): Change[] | null {
  const unit: UnitFact = { ...observed };
  const changes: Change[] = [];
  const keys = [...new Set([name, given])];
  const step = (summary: string, script: string, next: Partial<UnitFact>, op: string) => {
    Object.assign(unit, next);
    const value = { ...unit };
    changes.push({ summary, op, risk: 'service', target: { unit: name }, steps: [{ kind: 'exec', script }], predicts: keys.map((k) => ({ key: unitProbe(k).key, value: { ...value, name: k } })) });
  };
  if (a.masked === true && !isMasked(unit)) step(`mask ${name}`, sh`systemctl mask -- ${name}`, { loadState: 'masked', unitFileState: 'masked' }, 'systemd.mask');
  if (a.masked === false && isMasked(unit)) step(`unmask ${name}`, sh`systemctl unmask -- ${name}`, { loadState: 'loaded', unitFileState: 'disabled' }, 'systemd.unmask');
  const wantsRunning = a.state === 'started' || a.state === 'restarted' || a.state === 'reloaded';
  if ((a.enabled === true || wantsRunning) && isMasked(unit)) return null;
  if (a.enabled === true && !COUNTS_AS_ENABLED.has(unit.unitFileState)) step(`enable ${name}`, sh`systemctl enable -- ${name}`, { unitFileState: 'enabled' }, 'systemd.enable');
  if (a.enabled === false && unit.unitFileState === 'enabled') step(`disable ${name}`, sh`systemctl disable -- ${name}`, { unitFileState: 'disabled' }, 'systemd.disable');
  if (a.enabled === false && unit.unitFileState === 'enabled-runtime') step(`disable ${name} (runtime)`, sh`systemctl disable --runtime -- ${name}`, { unitFileState: 'disabled' }, 'systemd.disable');
  if (a.state === 'started' && !RUNNING.has(unit.activeState)) step(`start ${name}`, sh`systemctl start -- ${name}`, { activeState: 'active' }, 'systemd.start');
  if (a.state === 'stopped' && STOPPABLE.has(unit.activeState)) step(`stop ${name}`, sh`systemctl stop -- ${name}`, { activeState: 'inactive' }, 'systemd.stop');
  if (a.state === 'restarted') step(`restart ${name}`, sh`systemctl restart -- ${name}`, { activeState: 'active' }, 'systemd.restart');
  if (a.state === 'reloaded') {
    if (RUNNING.has(unit.activeState)) step(`reload ${name}`, sh`systemctl reload -- ${name}`, {}, 'systemd.reload');
    else step(`start ${name} (asked to reload, it was not running)`, sh`systemctl start -- ${name}`, { activeState: 'active' }, 'systemd.start');
  }
  return changes;
}

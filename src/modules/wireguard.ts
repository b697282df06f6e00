// wireguard: /etc/wireguard/IFACE.conf as given, the wg-quick@IFACE unit
// enabled, and the interface up with that config. The config is refused
// before anything changes when its routes would capture pirun's own
// connection (see wg-routes.ts, checked where the file is planned). Bringing
// the interface up, or syncing a changed config into a live one, runs under
// the lockout guard: a fresh login must work afterwards, or the old config
// and interface state are put back.
import { z } from 'zod';
import { fileProbe } from '../facts/files.js';
import { routesProbe } from '../facts/routes.js';
import { systemProbe } from '../facts/system.js';
import { unitProbe, type UnitFact } from '../facts/units.js';
import { sh } from '../transport/quote.js';
import { findSource } from './file-args.js';
import { planFile } from './file-plan.js';
import { defineModule, type AccessGuard, type Change } from './types.js';

const args = z.strictObject({
  interface: z.string().regex(/^[A-Za-z0-9_.=+-]{1,15}$/, 'a name of at most 15 letters, digits or "_.=+-"').default('wg0').describe('Interface name: config /etc/wireguard/NAME.conf, unit wg-quick@NAME'),
  src: z.string().optional().describe('Template of the config (looked up in the role templates/ folder), Jinja syntax'),
  content: z.string().optional().describe('The config itself'),
});

const RUNNING = new Set(['active', 'activating', 'reloading']);
const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias', 'static', 'indirect', 'generated']);

// `wg syncconf` with the stripped config; when the config has no PrivateKey
// (it is loaded by PostUp from a key file), the live key is put back into the
// stream on the host, through the environment (never a command line), or
// syncconf would remove it and stop the tunnel. Nothing to sync when down.
export function syncScript(iface: string): string {
  return [
    'set -e',
    sh`ip link show dev ${iface} >/dev/null 2>&1 || exit 0`,
    sh`conf=$(wg-quick strip ${iface})`,
    `case "$conf" in *PrivateKey*) printf '%s\\n' "$conf" | ${sh`wg syncconf ${iface} /dev/stdin`}; exit 0 ;; esac`,
    sh`PIRUN_WG_KEY=$(wg show ${iface} private-key)`,
    'export PIRUN_WG_KEY',
    `printf '%s\\n' "$conf" | awk '{ print } /^\\[Interface\\]/ { print "PrivateKey = " ENVIRON["PIRUN_WG_KEY"] }' | ${sh`wg syncconf ${iface} /dev/stdin`}`,
  ].join('\n');
}

export default defineModule({
  name: 'wireguard',
  description: 'A WireGuard interface from a wg-quick config: written, enabled and up, refused when it would route pirun into the tunnel',
  args,
  probes: (a) => [fileProbe(`/etc/wireguard/${a.interface}.conf`), unitProbe(`wg-quick@${a.interface}.service`), systemProbe, routesProbe],
  async plan(a, ctx) {
    if ((a.content === undefined) === (a.src === undefined)) return { changes: [], failed: 'wireguard needs exactly one of "src" or "content"' };
    const content = a.content ?? ctx.renderTemplate(findSource(a.src!, ctx.searchPaths.templates, 'template'));
    const path = `/etc/wireguard/${a.interface}.conf`;
    const unitName = `wg-quick@${a.interface}.service`;
    const changes = await planFile({ dest: path, content: Buffer.from(content), mode: '0600', owner: 'root', group: 'root' }, ctx);
    let unit = await ctx.fact(unitProbe(unitName));
    if (!unit) {
      if (!ctx.pendingPackages.has('wireguard-tools')) return { changes: [], failed: `Cannot bring up WireGuard "${a.interface}" on "${ctx.host.name}": unit "${unitName}" does not exist (install wireguard-tools first)` };
      // Check mode before the package is installed: Debian leaves a template's instance loadable, disabled, stopped.
      unit = { name: unitName, loadState: 'loaded', activeState: 'inactive', unitFileState: 'disabled' };
    }
    const rewritten = changes.some((c) => c.steps.some((s) => s.kind === 'write'));
    changes.push(...planUnit(a.interface, unit, rewritten));
    return { changes };
  },
});

// Enable, then start (guarded) or sync a rewritten config into the live interface (guarded).
function planUnit(iface: string, unit: UnitFact, rewritten: boolean): Change[] {
  const name = unit.name;
  const enabled = ENABLED.has(unit.unitFileState);
  const state: UnitFact = { ...unit, unitFileState: 'enabled', activeState: 'active' };
  const predicts = [{ key: unitProbe(name).key, value: state }];
  const changes: Change[] = [];
  const guard = (restore: string): AccessGuard => ({ files: [`/etc/wireguard/${iface}.conf`], restore, risk: `WireGuard "${iface}" could route pirun's connection into the tunnel` });
  if (!enabled) changes.push({ summary: `enable ${name}`, op: 'wireguard.enable', risk: 'service', target: { unit: name }, steps: [{ kind: 'exec', script: sh`systemctl enable -- ${name}` }], predicts });
  if (!RUNNING.has(unit.activeState)) {
    // Restore: the interface goes (its routes with it) whatever config is back, and the unit as it was.
    const restore = [sh`systemctl stop -- ${name} 2>/dev/null`, sh`ip link del dev ${iface} 2>/dev/null`, sh`systemctl reset-failed -- ${name} 2>/dev/null`, ...(enabled ? [] : [sh`systemctl disable -- ${name} 2>/dev/null`]), 'true'].join('; ');
    changes.push({ summary: `start ${name}`, op: 'wireguard.up', risk: 'access', target: { unit: name }, steps: [{ kind: 'exec', script: sh`systemctl start -- ${name}` }], guard: guard(restore), predicts });
  } else if (rewritten) {
    changes.push({ summary: `apply the new config to ${iface} with wg syncconf`, op: 'wireguard.sync', risk: 'access', target: { unit: name }, steps: [{ kind: 'exec', script: syncScript(iface), label: sh`wg syncconf ${iface}` }], guard: guard(`(\n${syncScript(iface)}\n) || true`), predicts });
  }
  return changes;
}

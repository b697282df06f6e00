// What a playbook manages, read from its tasks: the files it writes, the
// packages it installs and the units it touches. The floor probe reads exactly
// these, and the apt floor installs exactly these packages. Values that need
// host facts to render are left out; a fixed list of what the hardening stack
// always touches (see /docs/performance.md) is added so the floor never reads
// less than harden.yaml does.
import nunjucks from 'nunjucks';
import { loadPlaybook } from '../../dist/config/playbook.js';

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
const lenient = new nunjucks.Environment(null, { autoescape: false });

// False only when every name the condition uses is known and it is false
// (e.g. the wireguard role without wireguard_address); facts keep it in.
function whenFalse(conds, scope) {
  return conds.some((c) => {
    if (typeof c === 'boolean') return !c;
    if (typeof c !== 'string' || /\bfacts\b|\bansible_|\bresult\b|\.rc\b|\.stdout/.test(c)) return false;
    if ([...(scope[UNRESOLVED] ?? [])].some((k) => new RegExp(`\\b${k}\\b`).test(c))) return false;
    try {
      return lenient.renderString(`{% if ${c} %}1{% else %}0{% endif %}`, scope) === '0';
    } catch {
      return false;
    }
  });
}

const ALWAYS_FILES = [
  '/etc/ssh/sshd_config', '/etc/fail2ban/jail.local', '/etc/ufw/ufw.conf', '/etc/ufw/user.rules', '/etc/ufw/user6.rules',
  '/etc/default/ufw', '/etc/apt/apt.conf.d/21pirun-auto-upgrades',
];
const ALWAYS_UNITS = [
  'ssh.service', 'fail2ban.service', 'ufw.service', 'unattended-upgrades.service', 'avahi-daemon.service', 'avahi-daemon.socket',
  'triggerhappy.service', 'triggerhappy.socket', 'bluetooth.service', 'hciuart.service',
];
const FILE_MODULES = new Set(['copy', 'template', 'file', 'lineinfile', 'blockinfile', 'sshd_config', 'sshd_dropin']);
const UNIT_MODULES = new Set(['service', 'systemd', 'systemd_service', 'unit', 'prune_services']);

function render(value, scope) {
  if (typeof value === 'string') {
    if (!value.includes('{{') && !value.includes('{%')) return value;
    const whole = value.match(/^\s*\{\{\s*([\w.]+)\s*\}\}\s*$/);
    if (whole) {
      const v = whole[1].split('.').reduce((o, k) => (o == null ? undefined : o[k]), scope);
      if (v === undefined) throw new Error('undefined');
      return v;
    }
    return env.renderString(value, scope);
  }
  if (Array.isArray(value)) return value.map((v) => render(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, scope)]));
  return value;
}

const UNRESOLVED = Symbol('unresolved');

// Renders variables that refer to other variables; those that need host facts stay unresolved.
function resolveVars(vars) {
  const out = { ...vars };
  const unresolved = new Set();
  for (let pass = 0; pass < 3; pass++) {
    for (const [k, v] of Object.entries(vars)) {
      try {
        out[k] = render(v, out);
        unresolved.delete(k);
      } catch {
        unresolved.add(k);
      }
    }
  }
  out[UNRESOLVED] = unresolved;
  return out;
}

const list = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

export function manifest(playbookFile) {
  const files = new Set(ALWAYS_FILES);
  const packages = new Set();
  const units = new Set(ALWAYS_UNITS);
  const pb = loadPlaybook(playbookFile);
  for (const play of pb.plays) {
    for (const task of [...play.tasks, ...play.handlers]) {
      const base = resolveVars({ ...(task.role?.defaults ?? {}), ...(task.role?.params ?? {}), ...play.vars, ...task.vars });
      if (whenFalse(task.when, base)) continue;
      let items = [undefined];
      if (task.loop !== undefined) {
        try {
          items = list(typeof task.loop === 'string' ? render(task.loop, base) : render(task.loop, base));
        } catch {
          continue;
        }
      }
      for (const item of items) {
        const scope = item === undefined ? base : { ...base, [task.loopVar]: item };
        const args = {};
        for (const [k, v] of Object.entries(task.args ?? {})) {
          try {
            args[k] = render(v, scope);
          } catch {
            // needs host facts: left out
          }
        }
        if (FILE_MODULES.has(task.module)) for (const p of list(args.dest ?? args.path)) if (typeof p === 'string' && p.startsWith('/')) files.add(p);
        if (task.module === 'apt' && (args.state ?? 'present') !== 'absent') for (const n of list(args.name ?? args.pkg)) if (typeof n === 'string') n.split(',').forEach((x) => x.trim() && packages.add(x.trim()));
        if (UNIT_MODULES.has(task.module)) {
          for (const n of list(args.name ?? args.names ?? args.units)) if (typeof n === 'string') units.add(n.includes('.') ? n : `${n}.service`);
        }
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort(), units: [...units].sort() };
}

// Ansible spellings at load time: things playbooks use that pirun deliberately
// does not do (the task fails to load with one line naming the feature, before
// any host is touched), and modules' argument aliases.

// Task keywords pirun does not run.
const KEYWORDS: Record<string, string> = {
  async: 'pirun runs every task to its end while connected',
  poll: 'pirun runs every task to its end while connected',
};

// Package managers of other distributions: pirun manages Debian hosts.
const OTHER_PACKAGE_MANAGERS = ['yum', 'dnf', 'zypper', 'pacman', 'apk', 'pkgng', 'portage', 'homebrew', 'openbsd_pkg', 'slackpkg', 'swupd', 'urpmi', 'xbps', 'opkg', 'pkg5', 'rpm_key', 'yum_repository'];

export function unsupportedFeature(raw: Record<string, unknown>): string | undefined {
  for (const [k, why] of Object.entries(KEYWORDS)) if (raw[k] !== undefined) return `"${k}" is not supported: ${why}`;
  for (const key of Object.keys(raw)) {
    const name = key.replace(/^(ansible\.builtin|community\.general)\./, '');
    if (OTHER_PACKAGE_MANAGERS.includes(name)) return `module "${key}" is not supported: pirun manages Debian hosts (use apt or package)`;
  }
  return undefined;
}

// Ansible's other spellings of a module's arguments (`dest:` for `path:`)
// become the module's own name; giving both is a mistake.
export function renameAliases(module: string, aliases: Record<string, string> | undefined, args: unknown, fail: (m: string) => never): unknown {
  if (!aliases || !args || typeof args !== 'object' || Array.isArray(args)) return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const name = aliases[k] ?? k;
    if (name in out) fail(`module "${module}": "${k}" and "${Object.keys(args).find((o) => (aliases[o] ?? o) === name && o !== k)}" are the same argument; give one`);
    out[name] = v;
  }
  return out;
}

// Which changes can cut SSH access, decided from the change itself (the
// paths it writes, its operation, the account and the unit it touches), so a
// user's own playbook gets the same lockout guard as the shipped roles. For
// each such change: what the guard saves and restores, what puts the change
// into effect before the fresh login, and what to run after a restore.
import { posix } from 'node:path';
import type { AccessGuard, Change } from '../modules/types.js';

// The account pirun logs in with, as the host knows it.
export interface LoginAccount {
  user: string;
  // null when unknown (the home-based rules are then skipped).
  home: string | null;
}

// Put sshd files into effect: check the whole tree, reload, and wait until
// sshd listens again (a reload returns before the new sshd accepts logins).
export const SSHD_ACTIVATE = `install -d -m 0755 /run/sshd && sshd -t || exit 1
systemctl is-active --quiet ssh || exit 0
listening() { ss -Hltnpe | grep '"sshd"' | grep -o 'ino:[0-9]*' | sort; }
command -v ss >/dev/null || { systemctl reload ssh && sleep 2; exit; }
before=$(listening)
systemctl reload ssh || exit 1
for i in $(seq 100); do
  now=$(listening)
  [ -n "$now" ] && [ "$now" != "$before" ] && exit 0
  sleep 0.1
done
echo "sshd did not listen again within 10 s of the reload" >&2
exit 1`;
const SSHD_RESTORE = 'if systemctl is-active --quiet ssh; then systemctl reload ssh; fi';

// ufw reads its rule files on reload; restore: back to the old rules, or off if ufw was off.
const UFW_ACTIVATE = "if ufw status | grep -q '^Status: active'; then ufw reload; fi";
export const UFW_RESTORE = "if grep -q '^ENABLED=yes' /etc/ufw/ufw.conf; then ufw reload; else ufw --force disable; fi";
// What the ufw module's commands change (ufw writes these files itself).
export const UFW_FILES = ['/etc/ufw/ufw.conf', '/etc/default/ufw', '/etc/ufw/user.rules', '/etc/ufw/user6.rules'];
const NFT_RELOAD = 'if systemctl is-active --quiet nftables; then nft -c -f /etc/nftables.conf && systemctl reload nftables; fi';
const IPT_RELOAD = 'if systemctl is-active --quiet netfilter-persistent; then netfilter-persistent reload; fi';

interface PathRule {
  match(path: string): boolean;
  risk: string;
  activate?: string;
  restore?: string;
}

const under = (dir: string) => (p: string) => p.startsWith(`${dir}/`);

// System files that gate a login, and the firewall and tunnel configurations.
const PATH_RULES: PathRule[] = [
  { match: (p) => p === '/etc/ssh/sshd_config' || under('/etc/ssh/sshd_config.d')(p), risk: 'sshd settings can refuse every new login', activate: SSHD_ACTIVATE, restore: SSHD_RESTORE },
  { match: (p) => ['/etc/hosts.allow', '/etc/hosts.deny'].includes(p), risk: 'TCP wrappers (hosts.allow/hosts.deny) can refuse sshd connections' },
  { match: (p) => p === '/etc/security/access.conf', risk: 'pam_access rules can refuse the login' },
  { match: (p) => p === '/etc/pam.d/sshd' || /^\/etc\/pam\.d\/common-(auth|account|session)$/.test(p), risk: "sshd's PAM stack can refuse every login" },
  { match: (p) => p === '/etc/nologin', risk: '/etc/nologin refuses every login but root' },
  { match: (p) => ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow'].includes(p), risk: 'the account database decides who can log in' },
  { match: under('/etc/ufw'), risk: 'firewall rules can block new SSH connections', activate: UFW_ACTIVATE, restore: UFW_RESTORE },
  { match: (p) => p === '/etc/default/ufw', risk: 'firewall policy can block new SSH connections', activate: UFW_ACTIVATE, restore: UFW_RESTORE },
  { match: (p) => p === '/etc/nftables.conf' || under('/etc/nftables.d')(p), risk: 'firewall rules can block new SSH connections', activate: NFT_RELOAD, restore: NFT_RELOAD },
  { match: under('/etc/iptables'), risk: 'firewall rules can block new SSH connections', activate: IPT_RELOAD, restore: IPT_RELOAD },
  { match: under('/etc/wireguard'), risk: "WireGuard routes can capture the controller's traffic" },
];

// Operations that replace a path's content (or the path itself) and those that change its mode or owner only.
const ATTR_OPS = new Set(['file.mode', 'file.owner']);
const TREE_OPS = new Set(['file.remove', 'file.link']);
// Changes to the login account that can refuse its next login.
const USER_OPS = new Map([
  ['user.shell', 'the login shell'],
  ['user.lock', 'the password lock'],
  ['user.expiry', 'the expiry'],
  ['user.groups', 'the groups (sshd AllowGroups)'],
  ['user.group', 'the primary group'],
  ['user.home', 'the home (where sshd looks for the keys)'],
  ['user.uid', 'the uid (the owner sshd expects of the keys)'],
]);

// Every path the change modifies: its write steps, the paths its exec steps act on, and its target.
export function changedPaths(change: Change): string[] {
  const written = change.steps.flatMap((s) => (s.kind === 'write' ? [s.path] : s.kind === 'exec' && s.actsOn ? [s.actsOn] : []));
  return [...new Set([...written, ...(change.target?.paths ?? [])].map((p) => posix.normalize(p)))];
}

// True when the change names a path outside /etc, which only the login home can make risky.
export function needsHome(change: Change): boolean {
  return changedPaths(change).some((p) => !p.startsWith('/etc/'));
}

// The guard a change needs, or undefined when it cannot cut access.
export function accessGuard(change: Change, login: LoginAccount): AccessGuard | undefined {
  if (change.guard) return change.guard;
  const parts: AccessGuard[] = [];
  const attrsOnly = change.op !== undefined && ATTR_OPS.has(change.op);
  const tree = change.op !== undefined && TREE_OPS.has(change.op);
  for (const path of changedPaths(change)) {
    const rule = PATH_RULES.find((r) => r.match(path));
    if (rule && !attrsOnly) parts.push({ ...(tree ? { files: [], trees: [path] } : { files: [path] }), restore: rule.restore ?? '', activate: rule.activate, risk: rule.risk });
    if (inLoginHome(path, login)) {
      parts.push(
        attrsOnly
          ? { files: [], attrs: [path], restore: '', risk: `changing the mode or owner of ${path}, which sshd's StrictModes checks for "${login.user}", the account pirun logs in with` }
          : { files: tree ? [] : [path], trees: tree ? [path] : [], restore: '', risk: `changing the SSH keys of "${login.user}", the account pirun logs in with (${path})` },
      );
    }
  }
  const user = change.target?.user;
  if (user !== undefined && user === login.user && change.op && USER_OPS.has(change.op)) {
    parts.push({ files: [], users: [user], restore: '', risk: `changing ${USER_OPS.get(change.op)} of "${user}", the account pirun logs in with` });
  }
  if (change.risk === 'access' && change.op?.startsWith('ufw.')) {
    const port = change.target?.port;
    parts.push({ files: UFW_FILES, restore: UFW_RESTORE, risk: port ? `ufw would block SSH port ${port}` : "ufw's new rules or policy could block new SSH connections" });
  }
  return parts.length ? mergeGuards(parts) : undefined;
}

// The login home, ~/.ssh and everything in it (sshd's StrictModes checks their modes).
function inLoginHome(path: string, login: LoginAccount): boolean {
  if (!login.home || login.home === '/') return false;
  const home = posix.normalize(login.home);
  const ssh = `${home}/.ssh`;
  return path === home || path === ssh || path.startsWith(`${ssh}/`);
}

// One guard for a task's changes: every save, each command once.
export function mergeGuards(guards: AccessGuard[]): AccessGuard {
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => Boolean(x)))];
  // Each command in its own subshell: one that ends with `exit` does not cut the others short.
  const restores = uniq(guards.map((g) => g.restore));
  const merged: AccessGuard = {
    files: uniq(guards.flatMap((g) => g.files)),
    restore: restores.length > 1 ? ['rc=0', ...restores.map((r) => `(\n${r}\n) || rc=$?`), 'exit $rc'].join('\n') : restores[0] ?? '',
    risk: uniq(guards.map((g) => g.risk)).join('; '),
  };
  const attrs = uniq(guards.flatMap((g) => g.attrs ?? []));
  const trees = uniq(guards.flatMap((g) => g.trees ?? []));
  const users = uniq(guards.flatMap((g) => g.users ?? []));
  const activates = uniq(guards.map((g) => g.activate));
  const activate = activates.length > 1 ? activates.map((a) => `(\n${a}\n) || exit $?`).join('\n') : activates[0];
  if (attrs.length) merged.attrs = attrs;
  if (trees.length) merged.trees = trees;
  if (users.length) merged.users = users;
  if (activate) merged.activate = activate;
  return merged;
}

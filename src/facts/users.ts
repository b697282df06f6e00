// Local accounts from the name service: the passwd entry, the primary and
// supplementary groups, and whether the password is locked. The password
// hash itself never leaves the host: the probe only reports its shape.
import { sh } from '../transport/quote.js';
import type { Probe } from './probe.js';

export interface UserFact {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
  // Primary group name.
  group: string;
  // Supplementary groups (the groups that list the user as a member), sorted.
  groups: string[];
  // Password field starts with "!"; null when the shadow entry is unreadable.
  passwordLocked: boolean | null;
  // A password hash is there (behind the lock or not); null when unreadable.
  hasPassword: boolean | null;
}

// One account by name; null when getent does not know it.
export function userProbe(name: string): Probe<UserFact | null> {
  return {
    key: `user:${name}`,
    script: [
      sh`u=${name}`,
      `e=$(getent passwd -- "$u") || exit 3`,
      `printf 'PASSWD\\t%s\\n' "$e"`,
      `printf 'PRIMARY\\t%s\\n' "$(id -gn -- "$u" 2>/dev/null)"`,
      `getent group | awk -F: -v u="$u" '{ n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) print "MEMBER\\t" $1 }'`,
      `if s=$(getent shadow -- "$u" 2>/dev/null); then pw=$(printf '%s' "$s" | cut -d: -f2); r=$(printf '%s' "$pw" | sed 's/^!*//'); case "$pw" in '!'*) l=1;; *) l=0;; esac; case "$r" in ''|'*') h=0;; *) h=1;; esac; printf 'SHADOW\\t%s\\t%s\\n' "$l" "$h"; fi`,
    ].join('\n'),
    become: true,
    parse: (out, code) => (code === 3 ? null : parseUser(out)),
  };
}

// Tagged lines (PASSWD, PRIMARY, MEMBER, SHADOW) so the order of output does not matter.
export function parseUser(out: string): UserFact | null {
  let fact: UserFact | null = null;
  const groups: string[] = [];
  let shadow: [boolean, boolean] | null = null;
  let primary = '';
  for (const line of out.split('\n')) {
    const [tag, ...rest] = line.split('\t');
    if (tag === 'PASSWD') {
      const [name, , uid, gid, comment, home, shell] = rest.join('\t').split(':');
      fact = { name, uid: Number(uid), gid: Number(gid), comment: comment ?? '', home: home ?? '', shell: shell ?? '', group: '', groups: [], passwordLocked: null, hasPassword: null };
    } else if (tag === 'PRIMARY') primary = rest[0]?.trim() ?? '';
    else if (tag === 'MEMBER' && rest[0]) groups.push(rest[0].trim());
    else if (tag === 'SHADOW') shadow = [rest[0] === '1', rest[1]?.trim() === '1'];
  }
  if (!fact) return null;
  fact.group = primary || String(fact.gid);
  fact.groups = [...new Set(groups)].sort();
  if (shadow) [fact.passwordLocked, fact.hasPassword] = shadow;
  return fact;
}

// Every group name on the host, to refuse unknown groups before usermod does.
export const groupNamesProbe: Probe<string[]> = {
  key: 'group-names',
  script: `getent group | cut -d: -f1`,
  parse: (out) => out.split('\n').map((l) => l.trim()).filter(Boolean).sort(),
};

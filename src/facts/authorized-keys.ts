// A user's default authorized_keys in one probe: the account, then its
// ~/.ssh folder, the file and its content, found through the home folder on
// the host. The simpler probes (user:, file:, content:) are cached beside it,
// so the authorized_key module plans from one round trip instead of three.
import { randomBytes } from 'node:crypto';
import { sh } from '../transport/quote.js';
import { CONTENT_SCRIPT, fileContentProbe, fileProbe, parseContent, parseFileFact, STAT_SCRIPT, type FileFact } from './files.js';
import type { Probe } from './probe.js';
import { userProbe, type UserFact } from './users.js';

export interface AuthorizedKeysFact {
  user: UserFact | null;
  // Where the keys live (~user/.ssh/authorized_keys); null without a user.
  path: string | null;
  dir: FileFact | null;
  file: FileFact | null;
  content: Buffer | null;
}

export const defaultKeysPath = (user: UserFact): string => `${user.home.replace(/\/$/, '')}/.ssh/authorized_keys`;

export function authorizedKeysProbe(name: string): Probe<AuthorizedKeysFact> {
  const marker = `pirun-ak-${randomBytes(6).toString('hex')}`;
  const part = (label: string, script: string) => `( ${script}\n) 2>/dev/null; printf '\\n${marker} ${label} %s\\n' "$?"`;
  const user = userProbe(name);
  return {
    key: `authorized_keys:${name}`,
    become: true,
    script: [
      part('user', user.script),
      sh`h=$(getent passwd -- ${name} | cut -d: -f6)`,
      `[ -n "$h" ] || exit 0`,
      `d="\${h%/}/.ssh"`,
      part('dir', `p="$d"; ${STAT_SCRIPT}`),
      part('file', `p="$d/authorized_keys"; ${STAT_SCRIPT}`),
      part('content', `p="$d/authorized_keys"; ${CONTENT_SCRIPT}`),
    ].join('\n'),
    parse(out) {
      const parts = new Map<string, { out: string; code: number }>();
      const re = new RegExp(`\\n?${marker} (\\w+) (\\d+)\\n`, 'g');
      let start = 0;
      for (let m = re.exec(out); m !== null; m = re.exec(out)) {
        parts.set(m[1], { out: out.slice(start, m.index), code: Number(m[2]) });
        start = re.lastIndex;
      }
      const read = <T>(label: string, parse: (o: string, c: number) => T, absent: T): T => {
        const p = parts.get(label);
        return p ? parse(p.out, p.code) : absent;
      };
      const u = read('user', user.parse, null);
      return {
        user: u,
        path: u ? defaultKeysPath(u) : null,
        dir: read('dir', parseFileFact, null),
        file: read('file', parseFileFact, null),
        content: read('content', parseContent, null),
      };
    },
    also(v) {
      if (!v.user || !v.path) return [[user, v.user]];
      const dir = v.path.slice(0, v.path.lastIndexOf('/'));
      return [
        [user, v.user],
        [fileProbe(dir), v.dir],
        [fileProbe(v.path), v.file],
        [fileContentProbe(v.path), v.content],
      ];
    },
  };
}

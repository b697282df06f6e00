// A user's default authorized_keys in one probe: the account, then its
// ~/.ssh folder, the file and its content, found through the home folder on
// the host. The simpler probes (user:, file:, content:) are cached beside it,
// so the authorized_key module plans from one round trip instead of three.
import { sh } from '../transport/quote.js';
import { CONTENT_SCRIPT, fileContentProbe, fileProbe, parseContent, parseFileFact, STAT_SCRIPT, type FileFact } from './files.js';
import { sections, type Probe } from './probe.js';
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
  const user = userProbe(name);
  // Without a home folder, the file parts report "absent" (exit 3).
  const inHome = (path: string, script: string) => `[ -n "$h" ] || exit 3; p=${path}; ${script}`;
  const parts = sections([
    user.script,
    inHome('"${h%/}/.ssh"', STAT_SCRIPT),
    inHome('"${h%/}/.ssh/authorized_keys"', STAT_SCRIPT),
    inHome('"${h%/}/.ssh/authorized_keys"', CONTENT_SCRIPT),
  ]);
  return {
    key: `authorized_keys:${name}`,
    become: true,
    script: `${sh`h=$(getent passwd -- ${name} | cut -d: -f6)`}\n${parts.script}`,
    parse(out) {
      const [u, dir, file, content] = parts.split(out);
      const read = <T>(part: { out: string; code: number } | undefined, parse: (o: string, c: number) => T): T | null => (part ? parse(part.out, part.code) : null);
      const account = read(u, user.parse);
      return {
        user: account,
        path: account ? defaultKeysPath(account) : null,
        dir: read(dir, parseFileFact),
        file: read(file, parseFileFact),
        content: read(content, parseContent),
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

// Who acts on a path. A root process that works by name inside a folder that
// another user can change can be steered by that user: they swap a name for a
// symlink (to /etc/shadow, say) between two commands, and root's next write,
// chmod or chown lands on the link's target. Checking names first, O_NOFOLLOW
// or fd tricks in a shell each leave a gap (a parent folder swapped for a
// link still redirects the path). So pirun lets the kernel decide instead:
//   - every folder on the path (as given and as resolved) can be changed only
//     by root: root acts, as before (a sticky root folder such as /tmp counts:
//     others cannot rename or remove root's entries in it);
//   - otherwise, when those folders belong to one other user and none is
//     writable by their group or by others: the step runs as that user
//     (setpriv, else runuser), so whatever the user plants, the step can do
//     no more than the user could do alone;
//   - otherwise (a folder several users can change, or two users on the
//     path): the step fails with one line naming the folder.
// Without root (no become) the step runs as the login user, as it is.
import { dirname } from 'node:path';
import { quote, sh } from '../transport/quote.js';

// Shell functions, defined once per step script.
const FUNCTIONS = String.raw`pirun_check() {
  [ -d "$1" ] || { pirun_why="Cannot $pirun_verb \"$pirun_path\": folder \"$1\" does not exist"; return 2; }
  pirun_st=$(stat -L -c '%u %A' -- "$1") || { pirun_why="Cannot $pirun_verb \"$pirun_path\": cannot read folder \"$1\""; return 2; }
  set -- "$1" $pirun_st
  case $3 in ?????w????|????????w?)
    case $2:$3 in 0:*t|0:*T) return 0 ;; esac
    pirun_why="Cannot $pirun_verb \"$pirun_path\" safely: folder \"$1\" can be changed by other users than its owner (group- or world-writable)"; return 2 ;;
  esac
  [ "$2" = 0 ] && return 0
  if [ "$pirun_uid" != 0 ] && [ "$pirun_uid" != "$2" ]; then
    pirun_why="Cannot $pirun_verb \"$pirun_path\" safely: folders on its path belong to different users (uid $pirun_uid and $2)"; return 2
  fi
  pirun_uid=$2
}
pirun_chain() {
  pirun_p=$1
  while :; do
    pirun_check "$pirun_p" || return 2
    case $pirun_p in /) return 0 ;; */*/*) pirun_p=${'$'}{pirun_p%/*} ;; *) pirun_p=/ ;; esac
  done
}
pirun_as() {
  pirun_dir=$1 pirun_path=$2 pirun_verb=$3 pirun_script=$4 pirun_uid=0
  # A step that creates folders (mkdir -p) is judged by the nearest one that exists.
  if [ "$pirun_verb" != write ]; then
    while [ ! -d "$pirun_dir" ]; do case $pirun_dir in */*/*) pirun_dir=${'$'}{pirun_dir%/*} ;; *) pirun_dir=/ ;; esac; done
  fi
  if [ "$(id -u)" = 0 ]; then
    pirun_chain "$pirun_dir" || { echo "$pirun_why" >&2; return 1; }
    pirun_real=$(readlink -f -- "$pirun_dir") || { echo "Cannot $pirun_verb \"$pirun_path\": cannot resolve folder \"$pirun_dir\"" >&2; return 1; }
    [ "$pirun_real" = "$pirun_dir" ] || pirun_chain "$pirun_real" || { echo "$pirun_why" >&2; return 1; }
  fi
  [ "$pirun_uid" = 0 ] && { sh -c "$pirun_script"; return; }
  pirun_pw=$(getent passwd "$pirun_uid") || { echo "Cannot $pirun_verb \"$pirun_path\": its folder belongs to uid $pirun_uid, which has no account" >&2; return 1; }
  pirun_gid=$(echo "$pirun_pw" | cut -d: -f4)
  if command -v setpriv >/dev/null 2>&1; then
    (cd / && exec setpriv --reuid="$pirun_uid" --regid="$pirun_gid" --init-groups --no-new-privs -- sh -c "$pirun_script")
  else
    (cd / && exec runuser -u "$(echo "$pirun_pw" | cut -d: -f1)" -- sh -c "$pirun_script")
  fi
}`;

// The path's folder, the one whose writers decide who acts.
export function folderOf(path: string): string {
  return dirname(path);
}

// A script that runs `body` (a complete shell script) as whoever may act on
// `path` (see above); `stdin` lines, if any, are fed to it (a here-document).
export function actAs(path: string, body: string, opts: { verb?: string; stdin?: { eof: string; lines: string[] } } = {}): string {
  const { stdin } = opts;
  const call = sh`pirun_as ${folderOf(path)} ${path} ${opts.verb ?? 'write'}` + ` ${quote(body)}`;
  const feed = stdin ? ` <<'${stdin.eof}'\n${stdin.lines.join('\n')}${stdin.lines.length ? '\n' : ''}${stdin.eof}` : ' </dev/null';
  return `${FUNCTIONS}\n${call}${feed}`;
}

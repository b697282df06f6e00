// Turns a task's planned steps into one remote script: every file is written
// atomically (temp file in the same folder, owner and mode set, validated,
// renamed), as whoever may act in that folder (write-as.ts), and the steps
// stop at the first failure.
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { ExecStep, Step, WriteStep } from '../modules/types.js';
import { quote, raw, sh } from '../transport/quote.js';
import { actAs } from './write-as.js';

// Every line of a write fails the whole step (set -e does not hold inside `( ... ) || exit`).
const OR_FAIL = raw(' || exit 1');

// The content travels base64-encoded on stdin under a random end marker
// (base64 never produces its `_`), so no content can end it early.
export function writeScript(w: WriteStep): string {
  const eof = `PIRUN_EOF_${randomBytes(6).toString('hex')}`;
  return actAs(w.path, writeBody(w), { stdin: { eof, lines: w.content.toString('base64').match(/.{1,76}/g) ?? [] } });
}

// The write itself. The temp file is made 0600 (mktemp, umask 077) and gets
// its owner, then its final mode, once each, before it is renamed into place:
// it is never readable by anyone the final file would not let read it.
// Mode: as asked, else the old file's, else 0644 (0600 for a secret).
// Owner and group: as asked, else the old file's, else whoever writes.
export function writeBody(w: WriteStep): string {
  const dest = w.path;
  const lines = [
    'umask 077',
    sh`tmp=$(mktemp -- ${dirname(dest) + '/.pirun-XXXXXXXX'})${OR_FAIL}`,
    `trap 'rm -f -- "$tmp"' EXIT HUP INT TERM`,
    `base64 -d >"$tmp" || exit 1`,
    sh`if [ -e ${dest} ]; then old=$(stat -c '%a %u %g' -- ${dest})${OR_FAIL}; else old=${`${w.secret ? '0600' : '0644'} - -`}; fi`,
    'set -- $old',
    sh`o=${w.owner ?? ''} g=${w.group ?? ''} m=${w.mode ?? ''}`,
    '[ -n "$o" ] || [ "$2" = - ] || o=$2',
    '[ -n "$g" ] || [ "$3" = - ] || g=$3',
    '[ -n "$m" ] || m=$1',
    sh`if [ -n "$o$g" ]; then chown -- "$o\${g:+:$g}" "$tmp" || { echo ${`Cannot write "${dest}": cannot give it owner`} "$o\${g:+:$g}" as uid "$(id -u)" >&2; exit 1; }; fi`,
    `chmod -- "$m" "$tmp" || exit 1`,
  ];
  if (w.validate) {
    const cmd = w.validate.includes('%s') ? w.validate.split('%s').join('"$tmp"') : `${w.validate} "$tmp"`;
    lines.push(`if ! out=$(${cmd} 2>&1); then echo ${quote(`validation of ${w.path} failed (${w.validate}):`)} "$out" >&2; exit 1; fi`);
  }
  if (w.backup) {
    // A hard link keeps the old file as it was and never follows a planted name; cp where links are impossible (vfat).
    const bak = raw(`${quote(dest)}.$(date +%Y%m%d%H%M%S)~`);
    lines.push(sh`if [ -e ${dest} ]; then bak=${bak}; ln -- ${dest} "$bak" 2>/dev/null || { [ ! -e "$bak" ] && [ ! -L "$bak" ] && cp -p -- ${dest} "$bak"; }; fi${OR_FAIL}`);
  }
  lines.push(sh`mv -fT -- "$tmp" ${dest}${OR_FAIL}`, 'trap - EXIT HUP INT TERM');
  return lines.join('\n');
}

// The step kinds that run on the host; the others run on the controller (steps/).
export type RemoteStep = WriteStep | ExecStep;
export const isRemote = (s: Step): s is RemoteStep => s.kind === 'write' || s.kind === 'exec';

// Steps run in order; the first failing step ends the script with its code.
export function stepsScript(steps: RemoteStep[]): string {
  return steps
    .map((s) => {
      const body = s.kind === 'write' ? writeScript(s) : s.actsOn ? actAs(s.actsOn, s.script, { verb: 'change' }) : s.script;
      return `(\n${body}\n) || exit $?`;
    })
    .join('\n');
}

export function stepLabel(s: Step): string {
  if (s.kind === 'write') return `write ${s.path}${s.validate ? ` (validate: ${s.validate})` : ''}`;
  if (s.kind === 'exec') return s.label ?? s.script;
  if (s.kind === 'reboot') return 'reboot and wait for the host';
  return 'wait for a fresh SSH login';
}

export function stepsLabel(steps: Step[]): string {
  return steps.map(stepLabel).join('; ');
}

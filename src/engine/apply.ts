// Turns a task's planned steps into one remote script: every file is written
// atomically (temp file in the same folder, mode and owner set, validated,
// renamed), and the steps stop at the first failure.
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { Step, WriteStep } from '../modules/types.js';
import { quote, raw, sh } from '../transport/quote.js';

// Every line of a write fails the whole step (set -e does not hold inside `( ... ) || exit`).
const OR_FAIL = raw(' || exit 1');

export function writeScript(w: WriteStep): string {
  const eof = `PIRUN_EOF_${randomBytes(6).toString('hex')}`;
  const lines = [
    sh`tmp=$(mktemp -- ${dirname(w.path) + '/.pirun-XXXXXXXX'})${OR_FAIL}`,
    `trap 'rm -f -- "$tmp"' EXIT HUP INT TERM`,
    `base64 -d >"$tmp" <<'${eof}' || exit 1`,
    ...(w.content.toString('base64').match(/.{1,76}/g) ?? []),
    eof,
    // Keep the old file's mode and owner unless asked otherwise.
    sh`if [ -e ${w.path} ]; then chmod --reference=${w.path} "$tmp" && chown --reference=${w.path} "$tmp"; else chmod 0644 "$tmp"; fi${OR_FAIL}`,
  ];
  if (w.mode) lines.push(sh`chmod ${w.mode} "$tmp"${OR_FAIL}`);
  if (w.owner || w.group) lines.push(sh`chown ${`${w.owner ?? ''}${w.group ? `:${w.group}` : ''}`} "$tmp"${OR_FAIL}`);
  if (w.validate) {
    const cmd = w.validate.includes('%s') ? w.validate.split('%s').join('"$tmp"') : `${w.validate} "$tmp"`;
    lines.push(`if ! out=$(${cmd} 2>&1); then echo ${quote(`validation of ${w.path} failed (${w.validate}):`)} "$out" >&2; exit 1; fi`);
  }
  if (w.backup) lines.push(sh`if [ -e ${w.path} ]; then cp -p -- ${w.path} ${w.path}.$(date +%Y%m%d%H%M%S)~; fi${OR_FAIL}`);
  lines.push(sh`mv -f -- "$tmp" ${w.path}${OR_FAIL}`, 'trap - EXIT HUP INT TERM');
  return lines.join('\n');
}

// Steps run in order; the first failing step ends the script with its code.
export function stepsScript(steps: Step[]): string {
  return steps
    .map((s) => {
      if (s.kind === 'action') throw new Error('action steps run on the controller');
      const body = s.kind === 'write' ? writeScript(s) : s.script;
      return `(\n${body}\n) || exit $?`;
    })
    .join('\n');
}

export function stepsLabel(steps: Step[]): string {
  return steps
    .map((s) => (s.kind === 'write' ? `write ${s.path}${s.validate ? ` (validate: ${s.validate})` : ''}` : s.kind === 'exec' ? s.label ?? s.script : s.label))
    .join('; ');
}

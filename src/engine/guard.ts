// Lockout guard scripts: before a change that can cut SSH access, save what
// it touches and arm a rollback on the host, twice over: a timer that
// restores after the window (the controller died or lost the host), and a
// unit enabled for the next boot (the host rebooted inside the window).
// Arming fails closed: if either cannot be set up, nothing is changed. The
// restore script runs once, whoever starts it first (restore now, timer,
// boot, or the confirmation that removes it all), and its exit status says
// whether everything was put back.
import { randomBytes } from 'node:crypto';
import type { AccessGuard } from '../modules/types.js';
import { raw, sh } from '../transport/quote.js';

export const DEFAULT_ROLLBACK_SECONDS = 120;
const ROLLBACK_ROOT = '/var/lib/pirun/rollback';

// The rollback window: PIRUN_ROLLBACK_SECONDS (10 to 86400), else 120 s.
export function rollbackSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PIRUN_ROLLBACK_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_ROLLBACK_SECONDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 10 || n > 86400) throw new Error(`Cannot use PIRUN_ROLLBACK_SECONDS "${raw}": expected whole seconds from 10 to 86400`);
  return n;
}

export interface ArmedGuard {
  id: string;
  dir: string;
  seconds: number;
  // Saves, writes the restore script and the boot unit, starts the timer; on
  // any failure removes what it made and exits 1 with `armFailed` on stderr.
  armScript: string;
  armFailed: string;
  // Removes timer, boot unit and saved copies; exit 2 when the rollback already ran.
  disarmScript: string;
  // Restores now; exit 0 restored, 2 already restored (timer) or confirmed, else failed.
  restoreNowScript: string;
}

// Exit status of restore and disarm when another run of them got there first.
export const ALREADY_RAN = 2;

const delimiter = (): string => `PIRUN_${randomBytes(8).toString('hex')}`;

export function armGuard(guard: AccessGuard, opts: { seconds?: number } = {}): ArmedGuard {
  const id = randomBytes(5).toString('hex');
  const seconds = opts.seconds ?? rollbackSeconds();
  const dir = `${ROLLBACK_ROOT}/${id}`;
  const unit = `pirun-rollback-${id}`;
  const bootUnit = `/etc/systemd/system/${unit}-boot.service`;
  const bootLink = `/etc/systemd/system/multi-user.target.wants/${unit}-boot.service`;
  const { save, restore } = saveAndRestore(guard, dir);
  // The boot unit is loaded only at boot (or after someone's daemon-reload):
  // only then does its removal need a reload, or it would stay listed.
  const removeArmed = [
    sh`systemctl stop ${`${unit}.timer`} 2>/dev/null`,
    sh`loaded=$(systemctl list-units --all --no-legend --plain ${`${unit}-boot.service`} 2>/dev/null)`,
    sh`rm -f -- ${bootLink} ${bootUnit}`,
    'if [ -n "$loaded" ]; then systemctl daemon-reload; fi',
  ].join('\n');
  const restoreScript = [
    '#!/bin/sh',
    `# pirun: restore what an unconfirmed change replaced (${guard.risk.replace(/\n/g, ' ')})`,
    sh`mkdir -- ${`${dir}/claimed`} 2>/dev/null || { echo 'pirun: the rollback already ran or the change was confirmed' >&2; exit ${String(ALREADY_RAN)}; }`,
    'mode="$1"',
    'st=0',
    'fail() { echo "pirun: $*" >&2; st=1; }',
    ...restore,
    // At boot the services start after this unit, with the restored files: nothing to reload.
    ...(guard.restore.trim() ? [`if [ "$mode" != boot ]; then`, `out=$( (\n${guard.restore}\n) 2>&1) || fail "the restore command failed: $out"`, 'fi'] : []),
    removeArmed,
    sh`if [ $st = 0 ]; then rm -rf -- ${dir}; echo ${`pirun: rollback ${id} restored the previous state`} "($mode)"; else echo ${`pirun: the saved copies stay in ${dir}`} >&2; fi`,
    'exit $st',
  ].join('\n');
  const unitText = [
    '[Unit]',
    `Description=pirun: restore what an unconfirmed change replaced (${id})`,
    'DefaultDependencies=no',
    `ConditionPathExists=${dir}/restore.sh`,
    'After=local-fs.target',
    'Before=network-pre.target ssh.service ssh.socket ufw.service nftables.service netfilter-persistent.service shutdown.target',
    'Wants=network-pre.target',
    'Conflicts=shutdown.target',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh ${dir}/restore.sh boot`,
    '[Install]',
    'WantedBy=multi-user.target',
  ].join('\n');
  const armFailed = `pirun-guard-${id}: cannot arm the rollback`;
  const [d1, d2] = [delimiter(), delimiter()];
  const arm = [
    'set -e',
    'umask 077',
    sh`mkdir -p -m 0700 ${ROLLBACK_ROOT}`,
    sh`mkdir -m 0700 -- ${dir}`,
    ...save,
    sh`cat >${`${dir}/restore.sh`} <<'${raw(d1)}'`,
    restoreScript,
    d1,
    sh`cat >${bootUnit} <<'${raw(d2)}'`,
    unitText,
    d2,
    sh`chmod 0644 ${bootUnit}`,
    sh`mkdir -p /etc/systemd/system/multi-user.target.wants && ln -sf ${bootUnit} ${bootLink}`,
    sh`systemd-run --quiet --collect --unit=${unit} --timer-property=AccuracySec=1s --on-active=${String(seconds)} /bin/sh ${`${dir}/restore.sh`} timer`,
  ].join('\n');
  // Not `if ! ( ... )`: set -e is ignored inside a tested command.
  const armScript = [
    `(\n${arm}\n) >&2`,
    'if [ $? -ne 0 ]; then',
    sh`  rm -rf -- ${dir}; rm -f -- ${bootLink} ${bootUnit}; systemctl stop ${`${unit}.timer`} 2>/dev/null`,
    sh`  echo ${armFailed} >&2`,
    '  exit 1',
    'fi',
  ].join('\n');
  return {
    id,
    dir,
    seconds,
    armScript,
    armFailed,
    disarmScript: [
      sh`mkdir -- ${`${dir}/claimed`} 2>/dev/null || { echo 'pirun: the rollback already ran' >&2; exit ${String(ALREADY_RAN)}; }`,
      removeArmed,
      sh`rm -rf -- ${dir}`,
    ].join('\n'),
    restoreNowScript: sh`/bin/sh ${`${dir}/restore.sh`} now`,
  };
}

// Shell lines that save each path and account, and the lines that put them back.
function saveAndRestore(guard: AccessGuard, dir: string): { save: string[]; restore: string[] } {
  const save: string[] = [];
  const restore: string[] = [];
  let n = 0;
  const slot = () => `${dir}/${String(n++)}`;
  for (const f of guard.files) {
    const s = slot();
    save.push(sh`if [ -e ${f} ] || [ -L ${f} ]; then cp -a -- ${f} ${s}; else : >${`${s}.absent`}; fi`);
    restore.push(sh`if [ -e ${`${s}.absent`} ]; then rm -rf -- ${f}; else cp -a -- ${s} ${f}; fi || fail ${`cannot restore ${f}`}`);
  }
  for (const t of guard.trees ?? []) {
    const s = slot();
    save.push(sh`if [ -e ${t} ] || [ -L ${t} ]; then cp -a -- ${t} ${s}; else : >${`${s}.absent`}; fi`);
    restore.push(sh`{ rm -rf -- ${t} && { [ -e ${`${s}.absent`} ] || cp -a -- ${s} ${t}; }; } || fail ${`cannot restore ${t}`}`);
  }
  for (const a of guard.attrs ?? []) {
    const s = slot();
    save.push(sh`if [ -e ${a} ]; then stat -c '%a %u %g' -- ${a} >${s}; else : >${`${s}.absent`}; fi`);
    restore.push(sh`if [ -e ${s} ] && [ -e ${a} ]; then read -r m u g <${s} && chown -h -- "$u:$g" ${a} && chmod -- "$m" ${a}; fi || fail ${`cannot restore the mode and owner of ${a}`}`);
  }
  for (const u of guard.users ?? []) {
    const s = slot();
    save.push(sh`getent passwd -- ${u} >${`${s}.passwd`}`, sh`getent shadow -- ${u} >${`${s}.shadow`}`, sh`id -Gn -- ${u} >${`${s}.groups`}`);
    restore.push(userRestore(u, s));
  }
  return { save, restore };
}

// The account's fields one by one, so concurrent changes to other accounts
// (or to the files themselves) are left alone. The password hash goes
// through chpasswd's stdin, never a command line.
function userRestore(user: string, s: string): string {
  return [
    sh`if IFS=: read -r _n _x uid gid _c home shell <${`${s}.passwd`}; then`,
    sh`  cur=$(getent passwd -- ${user}); set -f; oldifs=$IFS; IFS=:; set -- $cur; IFS=$oldifs; set +f`,
    '  cuid=$3; cgid=$4; chome=$6; cshell=$7',
    // Only the fields that differ: usermod -u refuses while the account has processes.
    '  set --',
    '  [ "$uid" = "$cuid" ] || set -- "$@" -u "$uid"',
    '  [ "$gid" = "$cgid" ] || set -- "$@" -g "$gid"',
    '  [ "$home" = "$chome" ] || set -- "$@" -d "$home"',
    '  [ "$shell" = "$cshell" ] || set -- "$@" -s "$shell"',
    sh`  [ $# -eq 0 ] || usermod "$@" -- ${user} || fail ${`cannot restore the account ${user}`}`,
    sh`  prim=$(id -gn -- ${user}); sup=$(tr ' ' '\\n' <${`${s}.groups`} | grep -vx -- "$prim" | paste -sd, -)`,
    sh`  usermod -G "$sup" -- ${user} || fail ${`cannot restore the groups of ${user}`}`,
    'fi',
    sh`if IFS=: read -r _n pw _l _min _max _w inact exp _r <${`${s}.shadow`}; then`,
    sh`  if [ -n "$pw" ]; then printf '%s:%s\\n' ${user} "$pw" | chpasswd -e; else passwd -d -- ${user} >/dev/null; fi || fail ${`cannot restore the password field of ${user}`}`,
    sh`  chage -I "\${inact:--1}" -E "\${exp:--1}" -- ${user} || fail ${`cannot restore the expiry of ${user}`}`,
    'fi',
  ].join('\n');
}

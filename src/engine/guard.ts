// Lockout guard: before a change that can cut SSH access, arm a rollback
// timer on the host, apply, prove that a fresh login works, then disarm. If
// the login fails, restore at once through the old connection; the timer
// covers the case where that connection died too.
import { randomBytes } from 'node:crypto';
import type { AccessGuard } from '../modules/types.js';
import { sh } from '../transport/quote.js';

export const ROLLBACK_SECONDS = 120;

export interface ArmedGuard {
  id: string;
  dir: string;
  armScript: string;
  disarmScript: string;
  restoreNowScript: string;
}

export function mergeGuards(guards: AccessGuard[]): AccessGuard {
  return {
    files: [...new Set(guards.flatMap((g) => g.files))],
    restore: guards.map((g) => g.restore).filter(Boolean).join('\n'),
    risk: guards.map((g) => g.risk).join('; '),
  };
}

export function armGuard(guard: AccessGuard): ArmedGuard {
  const id = randomBytes(5).toString('hex');
  const dir = `/var/lib/pirun/rollback/${id}`;
  const unit = `pirun-rollback-${id}`;
  const save: string[] = [];
  const restore: string[] = ['#!/bin/sh'];
  guard.files.forEach((f, i) => {
    save.push(sh`if [ -e ${f} ]; then cp -a -- ${f} ${dir}/${String(i)}; else touch ${dir}/${String(i)}.absent; fi`);
    restore.push(sh`if [ -e ${dir}/${String(i)}.absent ]; then rm -f -- ${f}; else cp -a -- ${dir}/${String(i)} ${f}; fi`);
  });
  restore.push(guard.restore, sh`systemctl stop ${unit}.timer 2>/dev/null; rm -rf -- ${dir}`);
  const armScript = [
    sh`mkdir -p -m 0700 ${dir}`,
    ...save,
    sh`cat >${dir}/restore.sh <<'PIRUN_RESTORE_EOF'`,
    restore.join('\n'),
    'PIRUN_RESTORE_EOF',
    sh`systemd-run --quiet --unit=${unit} --on-active=${String(ROLLBACK_SECONDS)} /bin/sh ${dir}/restore.sh`,
  ].join('\n');
  return {
    id,
    dir,
    armScript,
    disarmScript: sh`systemctl stop ${unit}.timer ${unit}.service 2>/dev/null; rm -rf -- ${dir}; true`,
    restoreNowScript: sh`/bin/sh ${dir}/restore.sh`,
  };
}

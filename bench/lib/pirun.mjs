// Runs the built pirun CLI once and measures it from the outside: wall time,
// the child's CPU time (user+sys) and peak RSS from GNU time, and pirun's own
// counters (connections, remote executions, bytes sent, guard logins) from
// its --json report.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const TIME = '/usr/bin/time';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}

// Resolves with the exit code, output tail, rusage and report (null when pirun wrote none).
export function runPirun({ root, playbook, inventory, knownHostsFile, check = false, extraArgs = [], workDir, label, timeoutMs = 600_000 }) {
  const json = join(workDir, `${label}.json`);
  const usage = join(workDir, `${label}.time`);
  rmSync(json, { force: true });
  const args = [join(root, 'bin/pirun.js'), playbook, '-i', inventory, '--known-hosts', knownHostsFile, '--accept-new-host-keys',
    '--json', json, '--progress', 'plain', '--forks', '1000', ...(check ? ['--check'] : []), ...extraArgs];
  const useTime = existsSync(TIME);
  const cmd = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-f', '%e %U %S %M', '-o', usage, process.execPath, ...args] : args;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out = (out + d).slice(-200_000)));
    child.stderr.on('data', (d) => (out = (out + d).slice(-200_000)));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      let cpu = null;
      let maxRssMb = null;
      if (useTime && existsSync(usage)) {
        const [, user, sys, rssKb] = readFileSync(usage, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        cpu = user + sys;
        maxRssMb = rssKb / 1024;
      }
      const report = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : null;
      resolve({ code, seconds, cpuSeconds: cpu, maxRssMb, report, tail: out.split('\n').slice(-15).join('\n') });
    });
  });
}

// Where a phase's time goes: the tasks with the longest median duration across hosts.
function slowest(hosts, n = 6) {
  const byTask = new Map();
  for (const [, x] of hosts) {
    for (const t of x.tasks) {
      const k = `${t.role ? `${t.role} | ` : ''}${t.task}`;
      byTask.set(k, [...(byTask.get(k) ?? []), t.durationMs ?? 0]);
    }
  }
  return [...byTask].map(([task, ms]) => ({ task, medianMs: median(ms) })).sort((a, b) => b.medianMs - a.medianMs).slice(0, n);
}

// The row for one pirun phase: outcome per host and the per-host counters.
export function summarize(r, roles) {
  const rep = r.report;
  const hosts = rep ? Object.entries(rep.hosts) : [];
  const per = (k) => (rep ? Object.values(rep.stats[k]) : []);
  const failedTasks = hosts.flatMap(([h, x]) => x.tasks.filter((t) => t.status === 'failed' || t.status === 'unreachable').map((t) => `${h}: ${t.role ? `${t.role} | ` : ''}${t.task}: ${t.msg ?? t.status}`));
  const changed = hosts.map(([, x]) => x.changed);
  return {
    seconds: r.seconds,
    exitCode: r.code,
    hostsOk: hosts.filter(([, x]) => x.failed === 0 && !x.unreachable).length,
    hostsFailed: hosts.filter(([, x]) => x.failed > 0 || x.unreachable).length,
    changedPerHost: { min: Math.min(...changed), median: median(changed), max: Math.max(...changed) },
    connectionsPerHost: { min: Math.min(...per('connections')), max: Math.max(...per('connections')) },
    guardLoginsPerHost: { min: Math.min(...per('guardLogins')), max: Math.max(...per('guardLogins')) },
    execsPerHost: { min: Math.min(...per('execs')), median: median(per('execs')), max: Math.max(...per('execs')) },
    execsPerRolePerHost: roles > 0 && rep ? median(per('execs')) / roles : null,
    bytesSent: rep?.stats.bytesSent ?? null,
    controllerCpuSeconds: r.cpuSeconds,
    controllerCpuMsPerHost: r.cpuSeconds !== null && hosts.length ? (r.cpuSeconds * 1000) / hosts.length : null,
    controllerPeakMb: r.maxRssMb,
    slowestTasks: slowest(hosts),
    failures: failedTasks.slice(0, 8),
    ...(rep ? {} : { error: r.tail }),
  };
}

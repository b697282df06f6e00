// The bench table: one row per phase, as text on stdout and as Markdown for
// docs/performance.md (`node bench/lib/table.mjs RESULT.json` prints it).
import { readFileSync } from 'node:fs';

const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : typeof v === 'number' ? v.toFixed(d) : String(v));
const range = (r) => (!r || r.min === Infinity ? '–' : r.min === r.max ? String(r.min) : `${r.min}–${r.max}`);

export function rows(result) {
  return Object.entries(result.phases).map(([name, p]) => ({
    phase: name === 'aptFloor' ? 'apt floor' : name,
    seconds: f(p.seconds),
    xFloor: name === 'floor' ? '1.0' : name === 'aptFloor' ? '–' : f(p.ratioToFloor),
    xApt: name === 'cold' ? f(p.ratioToAptFloor) : '–',
    conns: typeof p.connectionsPerHost === 'number' ? String(p.connectionsPerHost) : range(p.connectionsPerHost),
    guard: range(p.guardLoginsPerHost),
    execs: typeof p.execsPerHost === 'number' ? String(p.execsPerHost) : p.execsPerHost ? `${p.execsPerHost.median} (${range(p.execsPerHost)})` : '–',
    perRole: f(p.execsPerRolePerHost),
    kb: f((p.bytesSent ?? 0) / 1024, 0),
    changed: p.changedPerHost ? String(p.changedPerHost.median) : '–',
    failed: String(p.hostsFailed ?? 0),
    mb: f(p.controllerPeakMb, 0),
    cpu: f(p.controllerCpuSeconds),
    cpuHost: f(p.controllerCpuMsPerHost, 0),
  }));
}

const HEAD = ['phase', 's', '×floor', '×apt', 'conn/host', 'guard/host', 'execs/host', 'execs/role', 'KB sent', 'changed/host', 'failed hosts', 'peak MB', 'CPU s', 'CPU ms/host'];

export function markdown(result) {
  const lines = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`];
  for (const r of rows(result)) lines.push(`| ${Object.values(r).join(' | ')} |`);
  return lines.join('\n');
}

export function printTable(result) {
  const body = rows(result).map((r) => Object.values(r));
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const m = result.machine;
  console.log(`\npirun bench: ${result.hosts} ${result.mode} hosts, ${result.playbook} (${result.roles} roles); ${m.cores} cores, ${m.memoryGb} GB, node ${m.node}`);
  console.log(line(HEAD));
  for (const r of body) console.log(line(r));
  for (const [name, p] of Object.entries(result.phases)) {
    for (const x of p.failures ?? []) console.log(`  ${name} failure: ${x}`);
    if (p.error) console.log(`  ${name} error: ${p.error.split('\n').slice(-3).join(' | ')}`);
  }
  if (result.configError) console.log(`  playbook error: ${result.configError}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()) && process.argv[2]) {
  console.log(markdown(JSON.parse(readFileSync(process.argv[2], 'utf8'))));
}

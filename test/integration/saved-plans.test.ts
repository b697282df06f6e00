// Saved plans on real containers: `--check --plan-out` writes the plan,
// `pirun apply` applies exactly it (a host changed since the plan is refused,
// the others applied), and no secret value ever reaches the plan file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
let dir: string;
let inv: string;

const CONF = '/etc/pirun-plan.conf';
const MOTD = '/etc/pirun-plan-motd';

const playbook = (name: string, tasks: unknown[]): string => {
  const p = join(dir, name);
  writeFileSync(p, yaml.dump([{ name: 'saved plan', hosts: 'all', become: true, tasks }]));
  return p;
};

const TASKS = [
  { name: 'motd', copy: { dest: MOTD, content: 'hello {{ inventory_hostname }}\n', mode: '0644' } },
  { name: 'config line', lineinfile: { path: CONF, regexp: '^level=', line: 'level=2', create: true } },
];

const base = () => ['-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--progress', 'plain'];

async function reset(): Promise<void> {
  for (const h of ['h1', 'h2']) {
    const r = await fleet.exec(h, `rm -f ${MOTD} && printf 'level=1\\n' >${CONF}`);
    expect(r.exitCode, r.stderr).toBe(0);
  }
}

const cat = async (host: string, path: string) => (await fleet.exec(host, `cat ${path} 2>/dev/null || echo ABSENT`)).stdout;

beforeAll(async () => {
  fleet = await startFleet({ count: 2 });
  await Promise.all(['h1', 'h2'].map((h) => fleet.authorizeKey(h)));
  dir = mkdtempSync(join(tmpdir(), 'pirun-plans-'));
  inv = fleet.writeInventory();
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('saved plans', () => {
  it('plans, shows, applies exactly the plan, then plans again to zero changes', async () => {
    await reset();
    const pb = playbook('converge.yaml', TASKS);
    const planFile = join(dir, 'plan.json');
    const planned = await runPirun([pb, ...base(), '--check', '--plan-out', planFile]);
    expect(planned.code, planned.stderr).toBe(0);
    // Check mode changed nothing.
    expect(await cat('h1', MOTD)).toBe('ABSENT\n');
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    expect(plan.pirunPlan).toBe(1);
    expect(Object.keys(plan.hosts)).toEqual(['h1', 'h2']);
    const motd = plan.hosts.h1.tasks.find((t: { task: string }) => t.task === 'motd');
    expect(motd.changes[0]).toMatchObject({ op: 'file.write', steps: [{ kind: 'write', path: MOTD }] });
    expect(motd.changes[0].steps[0].contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.hosts.h1.facts[`file:${CONF}`]).toMatch(/^[0-9a-f]{64}$/);

    const shown = await runPirun(['show', planFile]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('h1 | motd | changed');
    expect(shown.stdout).toContain(`~ create ${MOTD}`);
    expect(shown.stdout).toMatch(/h2 +: ok=2 changed=2 failed=0/);

    const applied = await runPirun(['apply', planFile, ...base()]);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(applied.stdout).toContain('h2 | config line | changed');
    expect(await cat('h1', MOTD)).toBe('hello h1\n');
    expect(await cat('h2', CONF)).toBe('level=2\n');

    const again = join(dir, 'again.json');
    const replanned = await runPirun([pb, ...base(), '--check', '--plan-out', again, '--expect-no-changes']);
    expect(replanned.code, replanned.stdout).toBe(0);
    const second = JSON.parse(readFileSync(again, 'utf8'));
    for (const h of ['h1', 'h2']) expect(second.hosts[h].tasks.map((t: { status: string }) => t.status)).toEqual(['ok', 'ok']);
  }, 120_000);

  it('refuses only the host that changed since the plan; --all-or-nothing refuses all', async () => {
    await reset();
    const pb = playbook('drift.yaml', TASKS);
    const planFile = join(dir, 'drift-plan.json');
    const planned = await runPirun([pb, ...base(), '--check', '--plan-out', planFile]);
    expect(planned.code, planned.stderr).toBe(0);
    // Someone edits h2 between review and apply.
    expect((await fleet.exec('h2', `printf 'level=9\\n' >${CONF}`)).exitCode).toBe(0);

    const all = await runPirun(['apply', planFile, ...base(), '--all-or-nothing']);
    expect(all.code).toBe(2);
    expect(all.stderr).toContain(`host h2 refused: ${CONF} changed since the plan`);
    expect(await cat('h1', MOTD)).toBe('ABSENT\n');

    const applied = await runPirun(['apply', planFile, ...base()]);
    expect(applied.code).toBe(2);
    expect(applied.stderr.trim().split('\n')).toEqual([`host h2 refused: ${CONF} changed since the plan`]);
    expect(await cat('h1', MOTD)).toBe('hello h1\n');
    expect(await cat('h1', CONF)).toBe('level=2\n');
    // h2 untouched: neither the motd nor its edited line changed.
    expect(await cat('h2', MOTD)).toBe('ABSENT\n');
    expect(await cat('h2', CONF)).toBe('level=9\n');

    // The playbook itself changed since the plan: nothing is applied anywhere.
    const changedPb = playbook('drift.yaml', [{ ...TASKS[0], copy: { ...TASKS[0].copy, content: 'bye\n' } }, TASKS[1]]);
    const moved = await runPirun(['apply', planFile, ...base()]);
    expect(moved.code).toBe(1);
    expect(moved.stderr.trim()).toBe(`pirun: Cannot apply plan "${planFile}": playbook "${changedPb}" changed since the plan (plan again)`);
  }, 120_000);

  it('refuses a host whose re-rendered content differs from the planned hash', async () => {
    const src = join(dir, 'motd.txt');
    writeFileSync(src, 'reviewed\n');
    const pb = playbook('content.yaml', [{ name: 'motd from a file', copy: { dest: MOTD, src } }]);
    const planFile = join(dir, 'content-plan.json');
    expect((await runPirun([pb, ...base(), '-l', 'h1', '--check', '--plan-out', planFile])).code).toBe(0);
    writeFileSync(src, 'not what was reviewed\n');
    const applied = await runPirun(['apply', planFile, ...base()]);
    expect(applied.code).toBe(2);
    expect(applied.stderr.trim().split('\n')).toEqual([`host h1 refused: task "motd from a file" would now write or run something other than planned (update ${MOTD})`, 'Applied nothing: every host differs from the plan']);
    expect(await cat('h1', MOTD)).toBe('hello h1\n');
  }, 60_000);

  it('never writes a secret value into the plan file', async () => {
    const C = { extra: 'cnry-plan-extra-01', noLog: 'cnry-plan-nolog-02', file: 'cnry-plan-file-03', stdin: 'cnry-plan-stdin-04', taskVar: 'cnry-plan-taskvar-05' };
    const pb = playbook('secrets.yaml', [
      { name: 'token on a command line', command: 'echo {{ api_token }}' },
      { name: 'token on stdin', command: { cmd: 'cat', stdin: '{{ api_token }} {{ db_password }}' } },
      { name: 'no_log command', shell: `echo ${C.noLog} >/dev/null`, no_log: true },
      { name: 'no_log copy', copy: { dest: '/etc/pirun-plan-nolog', content: `${C.noLog}\n` }, no_log: true },
      { name: 'secret copy', copy: { dest: '/etc/pirun-plan-secret', content: `key=${C.file}\n`, secret: true, mode: '0600' } },
      { name: 'task var', command: 'echo {{ db_password }}', vars: { db_password: C.taskVar } },
    ]);
    const planFile = join(dir, 'secret-plan.json');
    const r = await runPirun([pb, ...base(), '-l', 'h1', '--check', '--plan-out', planFile, '-e', JSON.stringify({ api_token: C.extra, db_password: C.stdin })]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(planFile, 'utf8');
    const shown = (await runPirun(['show', '-v', planFile])).stdout;
    for (const c of Object.values(C)) {
      for (const form of [c, Buffer.from(c).toString('base64').slice(0, 12)]) {
        expect(text.includes(form), `plan file holds ${form}`).toBe(false);
        expect(shown.includes(form), `pirun show prints ${form}`).toBe(false);
      }
    }
    const plan = JSON.parse(text);
    const tasks = plan.hosts.h1.tasks as { task: string; changes: { summary: string; steps: { kind: string; label?: string }[] }[] }[];
    // The planned operations are still there to review, with masked text and hashes.
    expect(tasks.find((t) => t.task === 'token on a command line')!.changes[0].steps[0]).toMatchObject({ kind: 'exec', label: 'echo ********' });
    expect(tasks.find((t) => t.task === 'no_log copy')!.changes[0]).toMatchObject({ summary: '(change hidden by no_log)', steps: [{ kind: 'hidden' }] });
    expect(tasks.find((t) => t.task === 'secret copy')!.changes[0].steps[0]).toMatchObject({ kind: 'write', secret: true });
  }, 120_000);
});

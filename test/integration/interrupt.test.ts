// Interrupts on real hosts: the first Ctrl-C lets running steps finish,
// starts nothing new, prints the recap and exits 130; a second one aborts at
// once. Neither leaves temp files or a locked dpkg behind, and a kill -9 in
// the middle of a file write leaves the old or the new file, never a mix.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet } from '../support/fleet.js';
import { startPirun, writePlaybook } from '../support/ops.js';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ count: 2, names: ['i1', 'i2'] });
  await Promise.all(['i1', 'i2'].map((n) => fleet.authorizeKey(n)));
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

const conn = () => ['--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function leftovers(host: string): Promise<string> {
  return (await fleet.exec(host, "find /etc /tmp /var/tmp -name '.pirun-*' 2>/dev/null")).stdout.trim();
}

// Polls the host until the command exits 0.
async function until(host: string, cmd: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await fleet.exec(host, cmd)).exitCode === 0) return;
    await sleep(100);
  }
  throw new Error(`"${cmd}" never succeeded on ${host}`);
}

describe('Ctrl-C', () => {
  it('first SIGINT: the running apt install finishes, nothing new starts, recap, exit 130, dpkg free', async () => {
    await fleet.exec('i1', 'apt-get remove -y -q curl >/dev/null 2>&1; rm -f /etc/pirun-after-interrupt');
    const pb = writePlaybook(fleet.dir, 'interrupt.yaml', [
      {
        name: 'Interrupt',
        hosts: 'i1',
        become: true,
        tasks: [
          { name: 'install curl', apt: { name: 'curl' } },
          { name: 'after', copy: { dest: '/etc/pirun-after-interrupt', content: 'should not exist\n' } },
        ],
      },
    ]);
    const run = startPirun([pb, '-i', fleet.writeInventory(), ...conn()]);
    await until('i1', 'pgrep -x apt-get');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toContain('Interrupted: finishing running steps, starting nothing new');
    expect(r.stdout).toMatch(/^i1 \| install curl \| changed$/m);
    expect(r.stdout).not.toMatch(/^i1 \| after \|/m);
    expect(r.stdout).toMatch(/^RECAP$/m);
    expect(r.stdout).toMatch(/host\(s\) in [\d.]+s \(interrupted\)$/m);
    expect((await fleet.exec('i1', "dpkg-query -W -f '${db:Status-Abbrev}' curl")).stdout.trim()).toBe('ii');
    expect((await fleet.exec('i1', 'test -e /etc/pirun-after-interrupt')).exitCode).toBe(1);
    // dpkg is consistent and its lock is free: --configure -a takes the lock and has nothing to do.
    expect((await fleet.exec('i1', 'dpkg --audit')).stdout.trim()).toBe('');
    const configure = await fleet.exec('i1', 'dpkg --configure -a');
    expect(configure.exitCode, configure.stderr).toBe(0);
    expect(await leftovers('i1')).toBe('');
  });

  it('SIGINT stops a rolling run before the next batch', async () => {
    const pb = writePlaybook(fleet.dir, 'interrupt-roll.yaml', [
      { name: 'Roll', hosts: 'all', serial: 1, tasks: [{ name: 'work', command: 'sleep 3' }] },
    ]);
    const run = startPirun([pb, '-i', fleet.writeInventory(), ...conn()]);
    await run.waitFor('BATCH 1: i1');
    await until('i1', 'pgrep -x sleep');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stdout).toMatch(/^i1 \| work \| changed$/m);
    expect(r.stdout).not.toContain('BATCH 2');
    expect(r.stdout).toContain('ROLLOUT STOPPED (interrupted): 1 host(s) were never touched');
    expect(r.stdout).toContain('  started:       i1');
    expect(r.stdout).toContain('  never touched: i2');
  });

  it('second SIGINT aborts at once', async () => {
    const pb = writePlaybook(fleet.dir, 'interrupt-twice.yaml', [{ name: 'Long', hosts: 'i2', tasks: [{ name: 'long', command: 'sleep 30' }] }]);
    const run = startPirun([pb, '-i', fleet.writeInventory(), ...conn()]);
    await until('i2', 'pgrep -x sleep');
    run.child.kill('SIGINT');
    await sleep(300);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.stderr).toContain('Aborted');
    expect(r.stdout).not.toMatch(/^i2 \| long \|/m);
    await fleet.exec('i2', 'pkill -x sleep || true');
  });
});

describe('kill -9 during a file write', () => {
  it('leaves the old or the new file, never a mix, and no temp file', async () => {
    const dest = '/etc/pirun-big.txt';
    const contents = [0, 1].map(() => randomBytes(6 * 1024 * 1024).toString('base64'));
    const sums = contents.map((c) => createHash('sha256').update(c).digest('hex'));
    const srcs = contents.map((c, i) => {
      const p = join(fleet.dir, `big-${i}.txt`);
      writeFileSync(p, c);
      return p;
    });
    const pbs = srcs.map((src, i) => writePlaybook(fleet.dir, `big-${i}.yaml`, [{ name: 'Big', hosts: 'i1', become: true, tasks: [{ name: 'big file', copy: { dest, src } }] }]));
    const inv = fleet.writeInventory({ hosts: ['i1'] });
    const sha = async () => (await fleet.exec('i1', `sha256sum ${dest} | cut -d' ' -f1`)).stdout.trim();

    // Two full runs first (create, then replace: the second also reads the
    // old file for its diff), to know how long a replacing run takes here.
    for (const i of [0, 1]) {
      const r = await runPirun([pbs[i], '-i', inv, ...conn()]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    const t0 = Date.now();
    const timing = await runPirun([pbs[0], '-i', inv, ...conn()]);
    expect(timing.code).toBe(0);
    const full = Date.now() - t0;
    expect(await sha()).toBe(sums[0]);

    let current = 0;
    const outcomes: string[] = [];
    const check = async (how: string, next: number) => {
      // A script already running on the host finishes (or dies) on its own: wait for it.
      await until('i1', "! pgrep -f '[b]ase64 -d' >/dev/null");
      const got = await sha();
      expect([sums[0], sums[1]]).toContain(got);
      outcomes.push(`${how}: ${got === sums[current] ? 'old' : 'new'}`);
      if (got === sums[next]) current = next;
      expect(await leftovers('i1')).toBe('');
    };
    for (const fraction of [0.5, 0.8, 0.95]) {
      const next = 1 - current;
      const run = startPirun([pbs[next], '-i', inv, ...conn()]);
      await sleep(Math.round(full * fraction));
      run.child.kill('SIGKILL');
      await run.done;
      await check(`at ${Math.round(fraction * 100)}%`, next);
    }
    // And once exactly while the temp file exists on the host.
    for (let attempt = 0; attempt < 3; attempt++) {
      const next = 1 - current;
      const watcher = fleet.exec('i1', "for i in $(seq 3000); do ls /etc/.pirun-* >/dev/null 2>&1 && { echo seen; exit 0; }; sleep 0.005; done; exit 1");
      const run = startPirun([pbs[next], '-i', inv, ...conn()]);
      const w = await watcher;
      run.child.kill('SIGKILL');
      await run.done;
      await check(w.stdout.includes('seen') ? 'temp file present' : 'temp file never seen', next);
      if (w.stdout.includes('seen')) break;
    }
    console.log(`kill -9 outcomes over a ${full} ms run: ${outcomes.join('; ')}`);
    expect(outcomes.some((o) => o.startsWith('temp file present'))).toBe(true);
  });
});

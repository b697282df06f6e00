// Fleet operations on six real hosts (one fleet for the whole file): the
// rollout follows the ramp, a failing health gate stops it with the later
// hosts really untouched, an unreachable host counts as failed, a frozen
// host is dropped while the others finish, and a drift report names exactly
// the host and setting broken by hand without changing anything.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runPirun, startFleet, type Fleet } from '../support/fleet.js';
import { addHost, closedPort, startPirun, writePlaybook } from '../support/ops.js';

let fleet: Fleet;
const names = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
const MARK = '/etc/pirun-fleet-ops';

beforeAll(async () => {
  // restart: `systemctl reboot` ends the container and docker brings it back, as a reboot would.
  fleet = await startFleet({ count: 6, restart: true });
  await Promise.all(names.map((n) => fleet.authorizeKey(n)));
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

const conn = () => ['--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys'];
const batchLines = (out: string) => out.split('\n').filter((l) => l.startsWith('BATCH '));

describe('rolling update', () => {
  it('follows the ramp, and a failing health gate stops the rollout with later hosts untouched', async () => {
    const before = Object.fromEntries(await Promise.all(['h4', 'h5', 'h6'].map(async (n) => [n, await fleet.snapshot(n)])));
    const pb = writePlaybook(fleet.dir, 'roll.yaml', [
      {
        name: 'Roll',
        hosts: 'all',
        become: true,
        serial: [1, 2, '50%'],
        max_fail_percentage: 0,
        tasks: [{ name: 'mark', copy: { dest: MARK, content: 'rolled {{ inventory_hostname }}\n' } }],
        health: [{ name: 'app answers', command: "{{ health_cmd | default('true') }}" }],
      },
    ]);
    const inv = fleet.writeInventory({ hostVars: { h2: { health_cmd: 'false' } } });
    const r = await runPirun([pb, '-i', inv, ...conn()]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(batchLines(r.stdout)).toEqual(['BATCH 1: h1', 'BATCH 2: h2, h3']);
    // h1's health gate passed on a fresh login before batch 2 started.
    const lines = r.stdout.split('\n');
    expect(lines.indexOf('h1 | health: app answers | ok')).toBeGreaterThan(-1);
    expect(lines.indexOf('h1 | health: app answers | ok')).toBeLessThan(lines.indexOf('BATCH 2: h2, h3'));
    expect(r.stdout).toMatch(/^h2 \| health: app answers \| failed/m);
    expect(r.stdout).toContain('ROLLOUT STOPPED: 3 host(s) were never touched');
    expect(r.stdout).toContain('  done:          h1, h3');
    expect(r.stdout).toContain('  failed:        h2');
    expect(r.stdout).toContain('  never touched: h4, h5, h6');
    for (const n of ['h1', 'h2', 'h3']) expect((await fleet.exec(n, `cat ${MARK}`)).stdout).toBe(`rolled ${n}\n`);
    for (const n of ['h4', 'h5', 'h6']) {
      expect((await fleet.exec(n, `test -e ${MARK}`)).exitCode).toBe(1);
      expect(await fleet.snapshot(n)).toBe(before[n]);
    }
  });

  it('counts an unreachable host as failed and starts no later batch', async () => {
    const pb = writePlaybook(fleet.dir, 'roll-unreachable.yaml', [
      { name: 'Roll', hosts: 'all', serial: [2], max_fail_percentage: 0, tasks: [{ name: 'touch', command: 'true' }] },
    ]);
    // Inventory order h4, ghost, h6: the second batch (h6) never starts when a host of the first fails.
    const inv2 = fleet.writeInventory({ hosts: ['h4'] });
    addHost(inv2, 'ghost', { host: '127.0.0.1', port: await closedPort(), user: 'pi', private_key: fleet.privateKeyPath });
    addHost(inv2, 'h6', { host: '127.0.0.1', port: fleet.host('h6').port, user: 'pi', private_key: fleet.privateKeyPath });
    const r2 = await runPirun([pb, '-i', inv2, ...conn()]);
    expect(r2.code, r2.stdout + r2.stderr).toBe(4);
    expect(batchLines(r2.stdout)).toEqual(['BATCH 1: h4, ghost']);
    expect(r2.stdout).toMatch(/^ghost \| connect \| unreachable \| Cannot connect to "ghost"/m);
    expect(r2.stdout).toContain('  failed:        none');
    expect(r2.stdout).toContain('  unreachable:   ghost');
    expect(r2.stdout).toContain('  never touched: h6');
  });

  it('drops a frozen host as unreachable (docker pause) while the others complete', async () => {
    const pb = writePlaybook(fleet.dir, 'slow.yaml', [
      { name: 'Slow', hosts: 'all', tasks: [{ name: 'ready', command: 'true' }, { name: 'work', command: 'sleep 6' }, { name: 'after', command: 'true' }] },
    ]);
    const inv = fleet.writeInventory({ hosts: ['h1', 'h2', 'h3'] });
    const run = startPirun([pb, '-i', inv, ...conn(), '--timeout', '3']);
    await run.waitFor(/^h2 \| ready \| changed$/m);
    const paused = await fleet.exec('h1', 'true'); // the fleet's own exec still works before the pause
    expect(paused.exitCode).toBe(0);
    const { execFileSync } = await import('node:child_process');
    const started = Date.now();
    execFileSync('docker', ['pause', fleet.host('h2').containerId]);
    try {
      const r = await run.done;
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.stdout).toMatch(/^h2 \| .* \| unreachable/m);
      for (const n of ['h1', 'h3']) expect(r.stdout).toMatch(new RegExp(`^${n} \\| after \\| changed$`, 'm'));
      // Keepalive derived from --timeout 3: detected in seconds, not minutes.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      execFileSync('docker', ['unpause', fleet.host('h2').containerId]);
    }
  });
});

describe('drift report', () => {
  const pbFor = () =>
    writePlaybook(fleet.dir, 'motd.yaml', [
      {
        name: 'Baseline',
        hosts: 'all',
        become: true,
        tasks: [
          { name: 'motd', copy: { dest: '/etc/motd', content: 'Authorised use only\n', mode: '0644' } },
          { name: 'banner', copy: { dest: '/etc/issue.net', content: 'pirun managed\n' } },
        ],
      },
    ]);

  it('names exactly the host and setting broken by hand, and changes nothing', async () => {
    const pb = pbFor();
    const inv = fleet.writeInventory({ hosts: ['h4', 'h5', 'h6'] });
    const applied = await runPirun([pb, '-i', inv, ...conn()]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const clean = await runPirun([pb, '-i', inv, ...conn(), '--check', '--expect-no-changes']);
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toContain('compliant: h4, h5, h6 (3/3)');

    await fleet.exec('h5', "printf 'Welcome, everybody\\n' > /etc/motd");
    const before = await Promise.all(['h4', 'h5', 'h6'].map((n) => fleet.snapshot(n)));
    const base = join(fleet.dir, 'drift');
    const results = [];
    for (const ext of ['json', 'md', 'xml']) {
      results.push(await runPirun([pb, '-i', inv, ...conn(), '--check', '--expect-no-changes', '--report', `${base}.${ext}`]));
    }
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(await Promise.all(['h4', 'h5', 'h6'].map((n) => fleet.snapshot(n)))).toEqual(before);
    expect((await fleet.exec('h5', 'cat /etc/motd')).stdout).toBe('Welcome, everybody\n');

    const j = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    expect(j.compliant).toEqual(['h4', 'h6']);
    expect(Object.fromEntries(Object.entries(j.hosts).map(([n, h]) => [n, (h as { status: string }).status]))).toEqual({ h4: 'compliant', h5: 'drifted', h6: 'compliant' });
    expect(j.hosts.h5.drift).toHaveLength(1);
    expect(j.hosts.h5.drift[0].task).toBe('motd');
    expect(j.hosts.h5.drift[0].changes[0].summary).toBe('update /etc/motd');
    expect(j.hosts.h5.drift[0].changes[0].diff).toContain('-Welcome, everybody');
    expect(j.hosts.h5.drift[0].changes[0].diff).toContain('+Authorised use only');

    const md = readFileSync(`${base}.md`, 'utf8');
    expect(md.split('\n').filter((l) => l.includes('| drifted |'))).toEqual(['| h5 | drifted | (play) | motd | update /etc/motd |']);
    const xml = readFileSync(`${base}.xml`, 'utf8');
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toMatch(/<testcase classname="h5" name="motd">\s*<failure message="would update \/etc\/motd" type="drift">/);

    // The terminal summary: counts per host and role, and the compliant hosts.
    expect(results[0].stdout).toContain('  h5 : drifted: 1 task(s) would change');
    expect(results[0].stdout).toContain('  per role: (play)=1');
    expect(results[0].stdout).toContain('  compliant: h4, h6 (2/3)');
  });

  it('refuses an unknown report format before connecting', async () => {
    const r = await runPirun([pbFor(), '-i', fleet.writeInventory({ hosts: ['h4'] }), ...conn(), '--check', '--report', join(fleet.dir, 'drift.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Invalid --report');
  });
});

describe('playbooks/update.yaml', () => {
  const bootIdentity = async (n: string) => (await fleet.exec(n, "cat /proc/sys/kernel/random/boot_id; sed 's/.*) //' /proc/1/stat | cut -d' ' -f20")).stdout.trim();

  it('reboots only the host that needs it, waits it out, and gates each batch on health', async () => {
    await fleet.exec('h1', 'touch /var/run/reboot-required');
    await fleet.exec('h2', 'rm -f /var/run/reboot-required');
    const before = { h1: await bootIdentity('h1'), h2: await bootIdentity('h2') };
    const inv = fleet.writeInventory({ hosts: ['h1', 'h2'] });
    // The package tasks need the Debian mirror: skipped here (the reboot and the gate are what is tested).
    const args = [join(REPO_ROOT, 'playbooks/update.yaml'), '-i', inv, ...conn(), '--skip-tags', 'packages', '-e', '{"update_health_units": ["ssh"]}'];
    const check = await runPirun([...args, '--check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^h1 \| Reboot \| changed$/m);
    expect(await bootIdentity('h1')).toBe(before.h1);

    const r = await runPirun(args);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(batchLines(r.stdout)).toEqual(['BATCH 1: h1', 'BATCH 2: h2']);
    expect(r.stdout).toMatch(/^h1 \| Reboot \| changed$/m);
    expect(r.stdout).toMatch(/^h2 \| Reboot \| skipped/m);
    for (const n of ['h1', 'h2']) {
      expect(r.stdout).toMatch(new RegExp(`^${n} \\| health: Boot finished \\(running or degraded\\) \\| ok$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^${n} \\| health: Hardening services active \\| ok$`, 'm'));
    }
    // h1 came back from a real restart before h2 was touched.
    const lines = r.stdout.split('\n');
    expect(lines.findIndex((l) => l.startsWith('h1 | health: Hardening services active'))).toBeLessThan(lines.indexOf('BATCH 2: h2'));
    expect(await bootIdentity('h1')).not.toBe(before.h1);
    expect(await bootIdentity('h2')).toBe(before.h2);
    expect((await fleet.exec('h1', 'test -e /var/run/reboot-required')).exitCode).toBe(1);
  });

  it('a host whose hardening is not active fails the gate and stops the update', async () => {
    const inv = fleet.writeInventory({ hosts: ['h3', 'h4', 'h5'] });
    const before = await fleet.snapshot('h4');
    const r = await runPirun([join(REPO_ROOT, 'playbooks/update.yaml'), '-i', inv, ...conn(), '--skip-tags', 'packages']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    // ufw and fail2ban are not installed on these hosts: the canary fails its gate.
    expect(r.stdout).toMatch(/^h3 \| health: Hardening services active \| failed \| exit 3: ufw is not active$/m);
    expect(batchLines(r.stdout)).toEqual(['BATCH 1: h3']);
    expect(r.stdout).toContain('  never touched: h4, h5');
    expect(await fleet.snapshot('h4')).toBe(before);
  });
});

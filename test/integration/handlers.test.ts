// A handler notified by a change must not be lost when the run stops before
// handlers run (a later task fails, or Ctrl-C): the next run runs it first
// and says why, --check reports it as drift, and --force-handlers runs it
// despite the failure, as in Ansible.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet } from '../support/fleet.js';
import { startPirun, writePlaybook } from '../support/ops.js';

let fleet: Fleet;
let inv: string;

beforeAll(async () => {
  fleet = await startFleet({ count: 1, names: ['hd1'] });
  await fleet.authorizeKey('hd1');
  inv = fleet.writeInventory();
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

const conn = () => ['--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys'];
const sh = async (cmd: string) => (await fleet.exec('hd1', ['bash', '-c', cmd])).stdout.trim();
const handlerRuns = () => sh('cat /var/tmp/handler-runs 2>/dev/null | wc -l');

// A config change that notifies "apply config", then a task that fails when
// asked to (or takes a while, to be interrupted).
function playbook(name: string, content: string, extra: unknown[]): string {
  return writePlaybook(fleet.dir, `${name}.yaml`, [
    {
      name: 'Handlers survive',
      hosts: 'all',
      become: true,
      tasks: [{ name: 'config', copy: { dest: '/etc/pirun-handler-test.conf', content }, notify: 'apply config' }, ...extra],
      handlers: [{ name: 'apply config', shell: 'echo ran >> /var/tmp/handler-runs' }],
    },
  ]);
}
const failing = { name: 'later task fails', command: 'false' };
const fine = { name: 'later task', command: 'true', changed_when: false };

describe('notified handlers', () => {
  it('survive a failing later task and run on the next run, once', async () => {
    await sh('rm -f /etc/pirun-handler-test.conf /var/tmp/handler-runs');
    const r1 = await runPirun([playbook('fail', 'v1\n', [failing]), '-i', inv, ...conn()]);
    expect(r1.code, r1.stdout + r1.stderr).toBe(2);
    expect(await handlerRuns()).toBe('0');
    expect(await sh('ls /var/lib/pirun/handlers | wc -l')).toBe('1');

    // The check run sees the handler that is owed: drift, and nothing runs.
    const check = await runPirun([playbook('ok', 'v1\n', [fine]), '-i', inv, '--check', '--expect-no-changes', ...conn()]);
    expect(check.code, check.stdout).toBe(3);
    expect(check.stdout).toMatch(/hd1 \| handler: apply config \| changed/);
    expect(check.stdout).toMatch(/notified by an earlier run that stopped before running them/);
    expect(await handlerRuns()).toBe('0');

    // The file is already right, so nothing notifies now; the handler runs because it was owed.
    const r2 = await runPirun([playbook('ok', 'v1\n', [fine]), '-i', inv, ...conn()]);
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/^hd1 \| config \| ok$/m);
    expect(r2.stdout).toMatch(/hd1 \| handler: apply config \| changed/);
    expect(r2.stdout).toMatch(/WARNING hd1 \| Handler\(s\) "apply config" were notified by an earlier run/);
    expect(await handlerRuns()).toBe('1');
    expect(await sh('ls /var/lib/pirun/handlers | wc -l')).toBe('0');

    const r3 = await runPirun([playbook('ok', 'v1\n', [fine]), '-i', inv, ...conn()]);
    expect(r3.code).toBe(0);
    expect(r3.stdout).not.toContain('handler: apply config');
    expect(await handlerRuns()).toBe('1');
  });

  it('survive Ctrl-C before the handlers and run on the next run', async () => {
    await sh('rm -f /var/tmp/handler-runs');
    const run = startPirun([playbook('slow', 'v2\n', [{ name: 'slow task', command: 'sleep 3' }]), '-i', inv, ...conn()]);
    await run.waitFor(/hd1 \| config \| changed/);
    run.child.kill('SIGINT');
    const r1 = await run.done;
    expect(r1.code, r1.stdout + r1.stderr).toBe(130);
    expect(await handlerRuns()).toBe('0');
    const r2 = await runPirun([playbook('ok2', 'v2\n', [fine]), '-i', inv, ...conn()]);
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/hd1 \| handler: apply config \| changed/);
    expect(await handlerRuns()).toBe('1');
  });

  it('--force-handlers runs them despite the failure, and nothing is owed afterwards', async () => {
    await sh('rm -f /var/tmp/handler-runs');
    const r1 = await runPirun([playbook('force', 'v3\n', [failing]), '-i', inv, '--force-handlers', ...conn()]);
    expect(r1.code, r1.stdout + r1.stderr).toBe(2);
    expect(await handlerRuns()).toBe('1');
    expect(await sh('ls /var/lib/pirun/handlers | wc -l')).toBe('0');
  });
});

// The terminal view on a real terminal (a pty through util-linux `script`),
// as a new user meets it: an unreachable host, a mix of good and unreachable
// hosts, a failing task, Ctrl-C once and twice. The terminal view and the
// plain view render the same events, so each case also runs with piped
// output and the two must agree: same exit code, same recap.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runPirun, startFleet, type Fleet } from '../support/fleet.js';
import { addHost, closedPort, writePlaybook } from '../support/ops.js';
import { recapOf, runInPty } from '../support/pty.js';

let fleet: Fleet;
let deadPort: number;

beforeAll(async () => {
  fleet = await startFleet({ count: 1, names: ['good'] });
  await fleet.authorizeKey('good');
  deadPort = await closedPort();
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

const PIRUN = join(REPO_ROOT, 'bin/pirun.js');
const conn = () => ['--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--timeout', '3'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inventory(hosts: string[]): string {
  const inv = fleet.writeInventory({ hosts: hosts.filter((h) => h === 'good') });
  if (hosts.includes('deadpi')) addHost(inv, 'deadpi', { host: '127.0.0.1', port: deadPort, user: 'pi' });
  return inv;
}

// The same run on a terminal and piped: both must end, with the same exit code and recap.
async function bothViews(playbook: string, inv: string): Promise<{ code: number; screen: string }> {
  const pty = runInPty([process.execPath, PIRUN, playbook, '-i', inv, ...conn()], { cwd: REPO_ROOT });
  const timer = setTimeout(() => pty.kill(), 45_000);
  const term = await pty.done;
  clearTimeout(timer);
  const plain = await runPirun([playbook, '-i', inv, ...conn()]);
  expect(term.code, term.screen).toBe(plain.code);
  expect(recapOf(term.screen).length, term.screen).toBeGreaterThan(2);
  expect(recapOf(term.screen)).toEqual(recapOf(plain.stdout));
  return term;
}

const onePlay = (name: string, hosts: string, tasks: unknown[]) => writePlaybook(fleet.dir, `${name}.yaml`, [{ name, hosts, tasks }]);

describe('terminal view on a real terminal', () => {
  it('an unreachable host ends the run with exit 4 and a recap', async () => {
    const term = await bothViews(onePlay('dead', 'all', [{ name: 'ping', debug: { msg: 'hello' } }]), inventory(['deadpi']));
    expect(term.code).toBe(4);
    expect(term.screen).toMatch(/deadpi.*(ECONNREFUSED|Cannot connect)/);
    expect(term.screen).toMatch(/deadpi\s+: ok=0 changed=0 failed=0 skipped=0 unreachable=1/);
  });

  it('a good host beside an unreachable one: both end, exit 4', async () => {
    const term = await bothViews(onePlay('mixed', 'all', [{ name: 'ping', debug: { msg: 'hello' } }]), inventory(['good', 'deadpi']));
    expect(term.code).toBe(4);
    expect(term.screen).toMatch(/good\s+: ok=1 changed=0 failed=0 skipped=0 unreachable=0/);
    expect(term.screen).toMatch(/deadpi\s+: ok=0 changed=0 failed=0 skipped=0 unreachable=1/);
  });

  it('a failing task: exit 2, the failure and the recap are shown', async () => {
    const term = await bothViews(onePlay('failing', 'all', [{ name: 'fails', command: 'false' }, { name: 'never', debug: { msg: 'hello' } }]), inventory(['good']));
    expect(term.code).toBe(2);
    expect(term.screen).toMatch(/FAILURES[\s\S]*good[\s\S]*fails/);
    expect(term.screen).toMatch(/good\s+: ok=0 changed=0 failed=1/);
  });

  it('shows what a host is doing before its first task: connecting', async () => {
    // A loopback port that accepts and never greets keeps the host "connecting" for the whole timeout.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const inv = fleet.writeInventory({ hosts: [] });
    addHost(inv, 'slowpi', { host: '127.0.0.1', port, user: 'pi' });
    const pty = runInPty([process.execPath, PIRUN, onePlay('slow', 'all', [{ name: 'ping', debug: { msg: 'hello' } }]), '-i', inv, ...conn()], { cwd: REPO_ROOT });
    try {
      await pty.waitFor(/slowpi\s+connecting/, 20_000);
      expect((await pty.done).code).toBe(4);
    } finally {
      silent.close();
    }
  });

  it('Ctrl-C once: the running step finishes, nothing new starts, recap, exit 130', async () => {
    await fleet.exec('good', 'rm -f /tmp/first-done /tmp/second-ran');
    const pb = onePlay('interrupt', 'all', [
      { name: 'slow step', shell: 'sleep 3; touch /tmp/first-done' },
      { name: 'next step', command: 'touch /tmp/second-ran' },
    ]);
    const pty = runInPty([process.execPath, PIRUN, pb, '-i', inventory(['good']), ...conn()], { cwd: REPO_ROOT });
    await pty.waitFor('slow step', 30_000);
    await sleep(500);
    pty.type('\x03');
    await pty.waitFor(/interrupted/i, 5_000);
    const r = await pty.done;
    expect(r.code, r.screen).toBe(130);
    expect(recapOf(r.screen).join('\n'), r.screen).toMatch(/good\s+: ok=1 changed=1[\s\S]*\(interrupted\)/);
    expect((await fleet.exec('good', 'test -e /tmp/first-done')).exitCode).toBe(0);
    expect((await fleet.exec('good', 'test -e /tmp/second-ran')).exitCode).toBe(1);
  });

  it('Ctrl-C twice: aborts at once with exit 130 and says what it knows', async () => {
    const pb = onePlay('abort', 'all', [{ name: 'quick', debug: { msg: 'hello' } }, { name: 'long step', command: 'sleep 30' }]);
    const pty = runInPty([process.execPath, PIRUN, pb, '-i', inventory(['good']), ...conn()], { cwd: REPO_ROOT });
    await pty.waitFor('long step', 30_000);
    await sleep(300);
    pty.type('\x03');
    await sleep(300);
    const t0 = Date.now();
    pty.type('\x03');
    const r = await pty.done;
    expect(r.code, r.screen).toBe(130);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.screen).toContain('Aborted');
    expect(recapOf(r.screen).join('\n'), r.screen).toMatch(/good\s+: ok=1 changed=0[\s\S]*\(aborted\)/);
    await fleet.exec('good', 'pkill -x sleep || true');
  });
});

describe('output closed early', () => {
  it('pirun | head ends quietly and keeps the run exit code', async () => {
    const pb = onePlay('piped', 'all', [{ name: 'ping', debug: { msg: 'hello' } }]);
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('bash', ['-c', `node ${PIRUN} ${pb} -i ${inventory(['deadpi'])} --timeout 3 | head -c 3; echo "exit=\${PIPESTATUS[0]}"`], { encoding: 'utf8', cwd: REPO_ROOT });
    expect(r.stdout).toContain('exit=4');
    expect(r.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
  });
});

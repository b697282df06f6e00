// Probe scripts run by a real local `sh` (the same wrapping as on a host, no
// SSH): the batch, the read-only command probe and the composite
// authorized_keys probe.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authorizedKeysProbe } from '../../src/facts/authorized-keys.js';
import { FactCache } from '../../src/facts/cache.js';
import { factSudo } from '../../src/engine/sudo.js';
import { commandProbe } from '../../src/facts/command.js';
import { fileContentProbe, fileProbe } from '../../src/facts/files.js';
import { unitProbe } from '../../src/facts/units.js';
import type { Probe } from '../../src/facts/probe.js';
import { userProbe } from '../../src/facts/users.js';
import { wrapScript } from '../../src/transport/become.js';
import type { ExecResult, Transport } from '../../src/transport/types.js';

// Runs each script in a local shell and records whether it asked for sudo.
function localTransport(env: Record<string, string> = {}): Transport & { runs: { become: boolean }[] } {
  const runs: { become: boolean }[] = [];
  return {
    host: 'local',
    counters: { connections: 1, execs: 0, bytesSent: 0 },
    runs,
    async exec(script, opts = {}): Promise<ExecResult> {
      runs.push({ become: !!opts.become });
      const r = spawnSync('sh', ['-s'], { input: wrapScript(script), encoding: 'utf8', env: { ...process.env, ...env } });
      return { command: script, exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, durationMs: 0, failed: r.status !== 0 };
    },
    async close() {},
  };
}

describe('read-only command probe', () => {
  const run = async (script: string) => new FactCache(localTransport(), factSudo({ become: false })).get(commandProbe(script, false, script));

  it('keeps stdout, stderr and the exit code apart', async () => {
    const r = await run(`echo out1; echo err1 >&2; printf 'out2'; echo err2 >&2; exit 3`);
    expect(r.stdout).toBe('out1\nout2');
    expect(r.stderr).toBe('err1\nerr2\n');
    expect(r.exitCode).toBe(3);
    expect(r.failed).toBe(true);
  });

  it('reports success, trailing newlines and empty output as a real run would', async () => {
    const r = await run('printf "a\\n\\n"');
    expect(r).toMatchObject({ stdout: 'a\n\n', stderr: '', exitCode: 0, failed: false });
    expect(await run('true')).toMatchObject({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('feeds a here-document and keeps quoting intact inside the batch', async () => {
    const r = await run(`cat <<'PIRUN_STDIN_EOF'\nline with 'quotes' and $HOME\nPIRUN_STDIN_EOF`);
    expect(r.stdout).toBe(`line with 'quotes' and $HOME\n`);
  });

  it('is keyed by the script and by who runs it, never by its text', () => {
    const a = commandProbe('cat /etc/secret-thing', true, 'x');
    expect(a.key).not.toContain('secret');
    expect(commandProbe('cat /etc/secret-thing', true, 'y').key).toBe(a.key);
    expect(commandProbe('cat /etc/secret-thing', false, 'x').key).not.toBe(a.key);
  });

  it('runs in an execution of its own when the batch runs as the other user', async () => {
    const t = localTransport();
    const cache = new FactCache(t, factSudo({ become: false }));
    const asUser = commandProbe('echo user', false, 'echo user');
    const rooted = fileProbe('/etc/hostname');
    await cache.prefetch([rooted, asUser]);
    expect(t.runs).toEqual([{ become: true }, { become: false }]);
    expect((await cache.get(asUser)).stdout).toBe('user\n');
    // Same kind as the batch: one execution.
    const t2 = localTransport();
    await new FactCache(t2, factSudo({ become: true })).prefetch([fileProbe('/etc/hostname'), commandProbe('echo root', true, 'echo root')]);
    expect(t2.runs).toHaveLength(1);
  });
});

describe('authorized_keys composite probe', () => {
  it('answers the user, folder, file and content probes exactly as they answer alone', async () => {
    const name = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
    const composite = new FactCache(localTransport(), factSudo({ become: false }));
    const v = await composite.get(authorizedKeysProbe(name));
    expect(v.user?.name).toBe(name);
    expect(v.path).toBe(`${v.user!.home.replace(/\/$/, '')}/.ssh/authorized_keys`);
    const alone = new FactCache(localTransport(), factSudo({ become: false }));
    const probes: Probe<unknown>[] = [userProbe(name), fileProbe(v.path!.replace(/\/authorized_keys$/, '')), fileProbe(v.path!), fileContentProbe(v.path!)];
    for (const probe of probes) {
      expect(composite.has(probe.key)).toBe(true);
      expect(await composite.get(probe)).toEqual(await alone.get(probe));
    }
  });

  it('caches only the user (as absent) for an unknown account', async () => {
    const t = localTransport();
    const cache = new FactCache(t, factSudo({ become: false }));
    const v = await cache.get(authorizedKeysProbe('pirun-no-such-user'));
    expect(v).toEqual({ user: null, path: null, dir: null, file: null, content: null });
    expect(await cache.get(userProbe('pirun-no-such-user'))).toBeNull();
    expect(t.runs).toHaveLength(1);
  });
});

// systemctl is not on the controller: a stand-in that answers like
// `systemctl show --property=...` (one block per unit, blank lines between;
// a name it cannot parse fails the whole call) and logs each call.
function fakeSystemctl(): { env: Record<string, string>; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-systemctl-'));
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'systemctl'),
    `#!/bin/sh
echo "$*" >> ${log}
shift 3
first=1
for u in "$@"; do case "$u" in *' '*) exit 1;; esac; done
for u in "$@"; do
  [ $first = 1 ] || echo; first=0
  case "$u" in
    ssh.service) printf 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n';;
    *) printf 'LoadState=not-found\nActiveState=inactive\nUnitFileState=\n';;
  esac
done
`,
  );
  chmodSync(join(dir, 'systemctl'), 0o755);
  return { env: { PATH: `${dir}:${process.env.PATH}` }, calls: () => spawnSync('cat', [log], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean) };
}

describe('systemd unit probes in one batch', () => {
  it('reads every unit with one systemctl call and answers each unit probe', async () => {
    const fake = fakeSystemctl();
    const cache = new FactCache(localTransport(fake.env), factSudo({ become: false }));
    await cache.prefetch([unitProbe('ssh.service'), unitProbe('bluetooth.service'), fileProbe('/etc/hostname')]);
    expect(fake.calls()).toHaveLength(1);
    expect(await cache.get(unitProbe('ssh.service'))).toEqual({ name: 'ssh.service', loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' });
    expect(await cache.get(unitProbe('bluetooth.service'))).toBeNull();
    expect(fake.calls()).toHaveLength(1);
  });

  it('falls back to one call per unit when systemctl refuses a name, and answers the others', async () => {
    const fake = fakeSystemctl();
    const cache = new FactCache(localTransport(fake.env), factSudo({ become: false }));
    await cache.prefetch([unitProbe('ssh.service'), unitProbe('bad name'), unitProbe('avahi-daemon.socket')]);
    expect(fake.calls()).toHaveLength(4);
    expect((await cache.get(unitProbe('ssh.service')))?.activeState).toBe('active');
    expect(await cache.get(unitProbe('bad name'))).toBeNull();
    expect(await cache.get(unitProbe('avahi-daemon.socket'))).toBeNull();
  });
});

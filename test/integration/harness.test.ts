// The test harness itself: the fleet boots real systemd hosts in a fresh
// Pi's state, reachable by password over SSH, and snapshot() sees changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { PI_PASSWORD, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';

const HOOK_TIMEOUT_MS = 300_000;

// Logs in with a password through ssh2 and runs one command.
function sshRun(host: FleetHost, command: string): Promise<{ code: number; stdout: string }> {
  return new Promise((done, fail) => {
    const conn = new ssh2.Client();
    conn
      .on('ready', () => {
        conn.exec(command, (err, stream) => {
          if (err) return fail(err);
          let stdout = '';
          stream.on('data', (d: Buffer) => (stdout += d.toString()));
          stream.stderr.on('data', () => undefined);
          stream.on('close', (code: number) => {
            conn.end();
            done({ code, stdout });
          });
        });
      })
      .on('error', fail)
      .connect({ host: '127.0.0.1', port: host.port, username: 'pi', password: PI_PASSWORD, tryKeyboard: false, readyTimeout: 20_000 });
  });
}

describe('test fleet', () => {
  let fleet: Fleet;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    fleet = await startFleet({ count: 2 });
    startMs = Date.now() - t0;
    console.log(`fleet of 2 started in ${startMs} ms`);
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('starts within the hook timeout with distinct ports and bridge addresses', () => {
    expect(startMs).toBeLessThan(HOOK_TIMEOUT_MS);
    expect(fleet.hosts.map((h) => h.name)).toEqual(['h1', 'h2']);
    expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(2);
    for (const h of fleet.hosts) expect(h.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(fleet.hosts[0].ip).not.toBe(fleet.hosts[1].ip);
  });

  it('runs systemd as PID 1 and finishes booting', async () => {
    for (const h of fleet.hosts) {
      const state = await fleet.exec(h, 'systemctl is-system-running');
      expect(['running', 'degraded']).toContain(state.stdout.trim());
      const pid1 = await fleet.exec(h, 'cat /proc/1/comm');
      expect(pid1.stdout.trim()).toBe('systemd');
    }
  });

  it('lets pi log in by password over SSH', async () => {
    for (const h of fleet.hosts) {
      const r = await sshRun(h, 'id -un && hostname && sudo -n true && echo sudo-ok');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['pi', h.name, 'sudo-ok', '']);
    }
  });

  it('starts in the fresh Pi state', async () => {
    for (const h of fleet.hosts) {
      for (const unit of ['avahi-daemon', 'triggerhappy', 'ssh']) {
        expect((await fleet.exec(h, `systemctl is-enabled ${unit}`)).stdout.trim()).toBe('enabled');
      }
      expect((await fleet.exec(h, 'test -e /var/log/auth.log')).exitCode).not.toBe(0);
      expect((await fleet.exec(h, 'test -e /home/pi/.ssh/authorized_keys')).exitCode).not.toBe(0);
    }
  });

  it('reaches one host from the other over the bridge', async () => {
    const [a, b] = fleet.hosts;
    const r = await fleet.exec(a, ['nc', '-z', '-w', '3', b.ip, '22']);
    expect(r.exitCode).toBe(0);
  });

  it('installs the test key only on request', async () => {
    const h = fleet.hosts[0];
    await fleet.authorizeKey(h);
    const keys = await fleet.exec(h, 'stat -c "%U %a" /home/pi/.ssh /home/pi/.ssh/authorized_keys && cat /home/pi/.ssh/authorized_keys');
    expect(keys.stdout).toBe(`pi 700\npi 600\n${fleet.publicKey}\n`);
  });

  it('writes an Ansible-shaped inventory', async () => {
    const { readFileSync } = await import('node:fs');
    const path = fleet.writeInventory({ vars: { ssh_port: 22 }, hostVars: { h2: { user: 'admin' } } });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`port: ${fleet.hosts[0].port}`);
    expect(text).toContain(`private_key: ${fleet.privateKeyPath}`);
    expect(text).toMatch(/h2:\n\s+host: 127\.0\.0\.1\n\s+port: \d+\n\s+user: admin/);
  });

  it('keeps snapshot() stable and sees a change in /etc', async () => {
    const h = fleet.hosts[1];
    const first = await fleet.snapshot(h);
    // An SSH login (sessions, user@1000) must not count as a change.
    await sshRun(h, 'true');
    expect(await fleet.snapshot(h)).toBe(first);
    await fleet.exec(h, 'touch /etc/foo');
    const touched = await fleet.snapshot(h);
    expect(touched).not.toBe(first);
    await fleet.exec(h, 'chmod 600 /etc/foo');
    expect(await fleet.snapshot(h)).not.toBe(touched);
    await fleet.exec(h, 'rm /etc/foo');
    expect(await fleet.snapshot(h)).toBe(first);
  });

  it('sees a unit stopped without any file changing', async () => {
    const h = fleet.hosts[1];
    const before = await fleet.snapshot(h);
    await fleet.exec(h, 'systemctl stop triggerhappy.socket triggerhappy.service');
    expect(await fleet.snapshot(h)).not.toBe(before);
    await fleet.exec(h, 'systemctl start triggerhappy.socket triggerhappy.service');
    expect(await fleet.snapshot(h)).toBe(before);
  });
});

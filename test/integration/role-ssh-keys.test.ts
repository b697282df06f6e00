// The ssh-keys role on real bookworm hosts. h1: the first run on a fresh Pi
// with --ask-pass: check mode predicts exactly what the real run changes and
// touches nothing, the real run installs the key and turns passwords off,
// a re-run changes nothing, drift made by hand is reported, and afterwards
// password login is refused, key login works, sshd -T shows the settings and
// ssh-audit finds no failure. h2: the default key (~/.ssh/id_ed25519.pub of
// the controller), and a main sshd_config that overrides the drop-in: the
// role must fail loudly rather than report success while passwords work.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PI_PASSWORD, runPirun, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import type { TaskRow } from '../support/role-runs.js';
import { sshLogin } from '../support/ssh-login.js';
import { writePlaybook } from '../support/ops.js';

const ROLE = 'ssh-keys';
const DROPIN = '/etc/ssh/sshd_config.d/00-pirun.conf';

let fleet: Fleet;
let dir: string;
let h1: FleetHost;
let h2: FleetHost;
// A controller home with no SSH keys, so only what a test names is offered.
let emptyHome: string;


function rows(stdout: string, host: string): TaskRow[] {
  return JSON.parse(stdout).hosts[host].tasks as TaskRow[];
}

const changed = (stdout: string, host: string) => rows(stdout, host).filter((t) => t.status === 'changed').map((t) => t.task);

function play(host: string, vars: Record<string, unknown>): string {
  return writePlaybook(dir, `play-${host}-${Math.random().toString(36).slice(2, 8)}.yaml`, [{ name: 'ssh-keys role', hosts: host, become: true, vars, roles: [ROLE] }]);
}

function pirun(args: string[], opts: { password?: boolean; home?: string } = {}) {
  return runPirun(['--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', ...args, ...(opts.password ? ['--ask-pass'] : [])], {
    input: opts.password ? `${PI_PASSWORD}\n` : '',
    env: { HOME: opts.home ?? emptyHome, SSH_AUTH_SOCK: '' },
  });
}

async function sh(host: FleetHost, cmd: string): Promise<string> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  if (r.exitCode !== 0) throw new Error(`"${cmd}" failed on ${host.name}: ${r.stderr}`);
  return r.stdout;
}

const effective = (host: FleetHost) => sh(host, 'sshd -T -C user=pi,host=172.17.0.1,addr=172.17.0.1');

beforeAll(async () => {
  fleet = await startFleet({ count: 2 });
  [h1, h2] = fleet.hosts;
  dir = mkdtempSync(join(tmpdir(), 'pirun-role-ssh-keys-'));
  emptyHome = join(dir, 'home-empty');
  mkdirSync(emptyHome);
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('role ssh-keys: first run with --ask-pass', () => {
  let pb: string;
  let inv: string;
  let predicted: string[] = [];

  beforeAll(() => {
    pb = play('h1', { ssh_public_keys: [fleet.publicKey] });
    // The inventory names the key pirun offers; on a fresh host it is not authorized yet.
    inv = fleet.writeInventory({ hosts: ['h1'] });
  });

  it('predicts in check mode what a fresh host needs and changes nothing', async () => {
    const before = await fleet.snapshot(h1);
    const check = await pirun([pb, '-i', inv, '--check', '--json', '-'], { password: true });
    expect(check.code, check.stderr + check.stdout).toBe(0);
    predicted = changed(check.stdout, 'h1');
    expect(predicted).toEqual(["Install the admin's public keys", 'Write the sshd settings to /etc/ssh/sshd_config.d/00-pirun.conf']);
    expect(await fleet.snapshot(h1)).toBe(before);
    expect((await fleet.exec(h1, 'test -e /home/pi/.ssh')).exitCode).not.toBe(0);
  });

  it('changes exactly the predicted tasks: key installed, passwords off', async () => {
    const real = await pirun([pb, '-i', inv, '--json', '-'], { password: true });
    expect(real.code, real.stderr + real.stdout).toBe(0);
    expect(changed(real.stdout, 'h1')).toEqual(predicted);
    // Each change to the way in was kept only after a fresh login: the keys
    // (engine guard on the login user's ~/.ssh), then the drop-in (by key: passwords were already off).
    expect(JSON.parse(real.stdout).stats.guardLogins.h1).toBe(2);
    expect(await sh(h1, 'stat -c "%U:%G %a" /home/pi/.ssh /home/pi/.ssh/authorized_keys')).toBe('pi:pi 700\npi:pi 600\n');
    expect(await sh(h1, 'cat /home/pi/.ssh/authorized_keys')).toBe(`${fleet.publicKey}\n`);
    expect(await sh(h1, `stat -c "%U:%G %a" ${DROPIN}`)).toBe('root:root 644\n');
    // The rollback timer was disarmed after the fresh login succeeded.
    expect(await sh(h1, 'systemctl list-units --all --no-legend "pirun-rollback-*" | wc -l')).toBe('0\n');
  });

  it('changes nothing on a second run, now logging in by key only', async () => {
    const again = await pirun([pb, '-i', inv, '--json', '-']);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(JSON.parse(again.stdout).hosts.h1.changed).toBe(0);
  });

  it('refuses password login and accepts the key (ssh2, fresh connections)', async () => {
    expect(await sshLogin(h1.port, { user: 'pi', password: PI_PASSWORD })).toMatch(/authentication methods failed/i);
    expect(await sshLogin(h1.port, { user: 'pi', password: PI_PASSWORD, keyboard: true })).toMatch(/authentication methods failed/i);
    expect(await sshLogin(h1.port, { user: 'pi', privateKey: readFileSync(fleet.privateKeyPath) })).toBe('ok');
    expect(await sshLogin(h1.port, { user: 'root', privateKey: readFileSync(fleet.privateKeyPath) })).toMatch(/authentication methods failed/i);
  });

  it('shows every setting in the effective configuration (sshd -T)', async () => {
    const lines = (await effective(h1)).split('\n');
    for (const want of [
      'passwordauthentication no',
      'kbdinteractiveauthentication no',
      'permitrootlogin no',
      'pubkeyauthentication yes',
      'permitemptypasswords no',
      'maxauthtries 3',
      'logingracetime 30',
      'clientaliveinterval 300',
      'clientalivecountmax 2',
      'loglevel VERBOSE',
      'x11forwarding no',
      'allowagentforwarding no',
      'allowtcpforwarding no',
      'usepam yes',
    ]) {
      expect(lines).toContain(want);
    }
    expect(lines.find((l) => l.startsWith('kexalgorithms '))).toContain('curve25519-sha256');
    expect(lines.filter((l) => l.startsWith('hostkey '))).toEqual(['hostkey /etc/ssh/ssh_host_ed25519_key', 'hostkey /etc/ssh/ssh_host_rsa_key']);
  });

  it('passes ssh-audit without a single failure', async () => {
    await sh(h1, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q ssh-audit >/dev/null 2>&1');
    const r = await fleet.exec(h1, ['ssh-audit', '-n', '127.0.0.1']);
    expect(r.stdout).toContain('(kex) curve25519-sha256');
    expect(r.stdout.split('\n').filter((l) => l.includes('[fail]'))).toEqual([]);
    const offered = r.stdout.split('\n').filter((l) => /^\((kex|key|enc|mac)\) /.test(l));
    expect(offered.filter((l) => /ecdh-sha2-nistp|ecdsa-sha2-nistp|hmac-sha1|umac-64|group-exchange|group14|-cbc/.test(l))).toEqual([]);
    await sh(h1, 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ssh-audit >/dev/null 2>&1 && apt-get autoremove -y -q >/dev/null 2>&1');
  });

  it('reports a hand edit of the drop-in as drift in check mode without touching the host, then repairs it', async () => {
    await sh(h1, `sed -i 's/^MaxAuthTries 3$/MaxAuthTries 6/' ${DROPIN} && systemctl reload ssh`);
    const before = await fleet.snapshot(h1);
    const check = await pirun([pb, '-i', inv, '--check', '--json', '-']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(changed(check.stdout, 'h1')).toEqual(['Write the sshd settings to /etc/ssh/sshd_config.d/00-pirun.conf']);
    expect(await fleet.snapshot(h1)).toBe(before);
    const fix = await pirun([pb, '-i', inv, '--json', '-']);
    expect(fix.code, fix.stderr + fix.stdout).toBe(0);
    expect(changed(fix.stdout, 'h1')).toEqual(['Write the sshd settings to /etc/ssh/sshd_config.d/00-pirun.conf']);
    expect((await effective(h1)).split('\n')).toContain('maxauthtries 3');
  });

  it('reports a stranger key as drift with ssh_keys_exclusive and removes it under the guard', async () => {
    await sh(h1, 'echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0V7ILeJ4cNtuw6PTmFaY9uf1cBkSAuRMvUOb4iDGxX stranger" >> /home/pi/.ssh/authorized_keys');
    const pbx = play('h1', { ssh_public_keys: [fleet.publicKey], ssh_keys_exclusive: true });
    const check = await pirun([pbx, '-i', inv, '--check', '--json', '-']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(changed(check.stdout, 'h1')).toEqual(["Install the admin's public keys"]);
    expect(await sh(h1, 'grep -c stranger /home/pi/.ssh/authorized_keys')).toBe('1\n');
    const fix = await pirun([pbx, '-i', inv, '--json', '-']);
    expect(fix.code, fix.stderr + fix.stdout).toBe(0);
    expect(await sh(h1, 'cat /home/pi/.ssh/authorized_keys')).toBe(`${fleet.publicKey}\n`);
  });
});

describe("role ssh-keys: the controller's default key and overrides elsewhere", () => {
  let home: string;
  let inv: string;

  beforeAll(() => {
    // A controller user whose ~/.ssh/id_ed25519(.pub) is the fleet key.
    home = join(dir, 'home-admin');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(fleet.privateKeyPath, join(home, '.ssh/id_ed25519'));
    copyFileSync(`${fleet.privateKeyPath}.pub`, join(home, '.ssh/id_ed25519.pub'));
    // Just the host and user, as on a fresh Pi: no key named in the inventory.
    inv = fleet.writeInventory({ hosts: ['h2'], key: false });
  });

  it("fails loudly when a line before the Include turns passwords back on, and says which", async () => {
    await sh(h2, "sed -i '1i PasswordAuthentication yes' /etc/ssh/sshd_config");
    const pb = play('h2', {});
    const r = await pirun([pb, '-i', inv, '--json', '-'], { password: true, home });
    expect(r.code, r.stderr + r.stdout).toBe(2);
    // The default ssh_public_keys is the controller's ~/.ssh/id_ed25519.pub.
    expect(changed(r.stdout, 'h2')).toEqual(["Install the admin's public keys", 'Write the sshd settings to /etc/ssh/sshd_config.d/00-pirun.conf']);
    expect(await sh(h2, 'cat /home/pi/.ssh/authorized_keys')).toBe(`${fleet.publicKey}\n`);
    const failed = rows(r.stdout, 'h2').filter((t) => t.status === 'failed');
    expect(failed.map((t) => t.task)).toEqual(['Check that sshd really applies the settings (no other file or Match block overrides them)']);
    expect(failed[0].msg).toContain('lacks "passwordauthentication no"');
    await sh(h2, "sed -i '1d' /etc/ssh/sshd_config && systemctl reload ssh");
  });

  it('fails loudly on a Match block that allows passwords for the admin', async () => {
    await sh(h2, 'printf "Match User pi\\n  PasswordAuthentication yes\\n" >> /etc/ssh/sshd_config && systemctl reload ssh');
    const r = await pirun([play('h2', {}), '-i', inv, '--json', '-'], { home });
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(rows(r.stdout, 'h2').find((t) => t.status === 'failed')?.msg).toContain('lacks "passwordauthentication no"');
    await sh(h2, "sed -i '/^Match User pi$/,$d' /etc/ssh/sshd_config && systemctl reload ssh");
  });

  it('passes once the overrides are gone, changing nothing, with the default key and no password', async () => {
    const r = await pirun([play('h2', {}), '-i', inv, '--json', '-'], { home });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).hosts.h2.changed).toBe(0);
    expect(await sshLogin(h2.port, { user: 'pi', password: PI_PASSWORD })).toMatch(/authentication methods failed/i);
    expect(await sshLogin(h2.port, { user: 'pi', privateKey: readFileSync(fleet.privateKeyPath) })).toBe('ok');
  });
});

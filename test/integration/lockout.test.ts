// The ssh-keys role must never lock the admin out. Each case below would cut
// SSH access if applied; pirun must refuse it (validation) or put the old
// sshd configuration back (lockout guard: fresh login after the reload), and
// afterwards a fresh SSH login still works and sshd runs the old settings.
// h1 is reached by password only (a fresh Pi, first run with --ask-pass);
// h2 by key, with root given the same key for the PermitRootLogin case.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PI_PASSWORD, runPirun, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import type { TaskRow } from '../support/role-runs.js';
import { writePlaybook } from '../support/ops.js';
import { sshLogin } from '../support/ssh-login.js';

const DROPIN = '/etc/ssh/sshd_config.d/00-pirun.conf';
const REFUSED = /Refused a change that would lock "h\d" out \(new sshd settings/;

let fleet: Fleet;
let dir: string;
let home: string;
let h1: FleetHost;
let h2: FleetHost;
let key: Buffer;


const failedTasks = (stdout: string, host: string) => (JSON.parse(stdout).hosts[host].tasks as TaskRow[]).filter((t) => t.status === 'failed');

async function sh(host: FleetHost, cmd: string): Promise<string> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  if (r.exitCode !== 0) throw new Error(`"${cmd}" failed on ${host.name}: ${r.stderr}`);
  return r.stdout;
}

function play(host: string, vars: Record<string, unknown>): string {
  return writePlaybook(dir, `play-${Math.random().toString(36).slice(2, 8)}.yaml`, [{ name: 'lockout', hosts: host, become: true, vars, roles: ['ssh-keys'] }]);
}

function pirun(args: string[], opts: { password?: boolean } = {}) {
  return runPirun(['--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', ...args, ...(opts.password ? ['--ask-pass'] : [])], {
    input: opts.password ? `${PI_PASSWORD}\n` : '',
    // No ~/.ssh keys and no agent on the controller: only what the inventory names is offered.
    env: { HOME: home, SSH_AUTH_SOCK: '' },
  });
}

// What sshd is running with and what is on disk, to prove nothing stuck.
async function sshdState(host: FleetHost): Promise<string> {
  return sh(host, `sshd -T -C user=pi,host=172.17.0.1,addr=172.17.0.1 | sort; ls -l --time-style=+ /etc/ssh/sshd_config.d; systemctl list-units --all --no-legend 'pirun-rollback-*'`);
}

beforeAll(async () => {
  fleet = await startFleet({ count: 2 });
  [h1, h2] = fleet.hosts;
  key = readFileSync(fleet.privateKeyPath);
  await fleet.authorizeKey(h2, 'pi');
  await fleet.authorizeKey(h2, 'root');
  dir = mkdtempSync(join(tmpdir(), 'pirun-lockout-'));
  home = join(dir, 'home');
  mkdirSync(home);
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lockout: passwords off without a usable key (--ask-pass, h1)', () => {
  let inv: string;
  beforeAll(() => {
    inv = fleet.writeInventory({ hosts: ['h1'], key: false });
  });

  it('refuses before touching anything when the default key file does not exist on the controller', async () => {
    const before = await fleet.snapshot(h1);
    const r = await pirun([play('h1', {}), '-i', inv, '--json', '-'], { password: true });
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const [failed] = failedTasks(r.stdout, 'h1');
    expect(failed.task).toBe("Install the admin's public keys");
    expect(failed.msg).toContain(`lookup('file') cannot read "~/.ssh/id_ed25519.pub": ENOENT`);
    expect(await fleet.snapshot(h1)).toBe(before);
    expect(await sshLogin(h1.port, { user: 'pi', password: PI_PASSWORD })).toBe('ok');
  });

  it('refuses an empty key list', async () => {
    const before = await fleet.snapshot(h1);
    const r = await pirun([play('h1', { ssh_public_keys: [] }), '-i', inv, '--json', '-'], { password: true });
    expect(r.code).toBe(2);
    expect(failedTasks(r.stdout, 'h1')[0].msg).toContain('ssh_public_keys is empty while ssh_password_authentication is false');
    expect(await fleet.snapshot(h1)).toBe(before);
  });

  it('restores sshd when the installed key is not one the controller holds', async () => {
    // A real key, but pirun has only the password: after passwords go off, the fresh login must fail.
    const other = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'not-on-this-controller' }).public.trim();
    const before = await sshdState(h1);
    const r = await pirun([play('h1', { ssh_public_keys: [other] }), '-i', inv, '--json', '-'], { password: true });
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const [failed] = failedTasks(r.stdout, 'h1');
    expect(failed.task).toBe('Write the sshd settings to /etc/ssh/sshd_config.d/00-pirun.conf');
    expect(failed.msg).toMatch(REFUSED);
    expect(failed.msg).toContain('the previous state was restored');
    expect(await sshdState(h1)).toBe(before);
    expect((await fleet.exec(h1, `test -e ${DROPIN}`)).exitCode).not.toBe(0);
    expect(await sshLogin(h1.port, { user: 'pi', password: PI_PASSWORD })).toBe('ok');
  });
});

describe('lockout: settings that would cut access (h2, key login)', () => {
  let inv: string;
  let before: string;

  beforeAll(async () => {
    inv = fleet.writeInventory({ hosts: ['h2'] });
    before = await sshdState(h2);
  });

  async function expectUntouched(): Promise<void> {
    expect(await sshdState(h2)).toBe(before);
    expect(await sshLogin(h2.port, { user: 'pi', privateKey: key })).toBe('ok');
    expect(await sshLogin(h2.port, { user: 'pi', password: PI_PASSWORD })).toBe('ok');
  }

  it('stops a drop-in sshd rejects (bad value in a variable) before it is written', async () => {
    const r = await pirun([play('h2', { ssh_public_keys: [fleet.publicKey], ssh_ciphers: ['aes512-gcm@openssh.com'] }), '-i', inv, '--json', '-']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const [failed] = failedTasks(r.stdout, 'h2');
    expect(failed.task).toBe('Write the sshd settings to /etc/ssh/sshd_config.d/00-pirun.conf');
    expect(failed.msg).toMatch(/validation of \/etc\/ssh\/sshd_config\.d\/00-pirun\.conf failed/);
    expect(failed.msg).toContain('Bad SSH2 cipher spec');
    await expectUntouched();
  });

  it('restores the old drop-in when the whole configuration fails with the new one in place', async () => {
    // Valid alone, but another drop-in breaks the tree: sshd -t over the whole configuration catches it.
    await sh(h2, 'echo "MaxStartups ten" > /etc/ssh/sshd_config.d/10-broken.conf');
    const r = await pirun([play('h2', { ssh_public_keys: [fleet.publicKey] }), '-i', inv, '--json', '-']);
    await sh(h2, 'rm /etc/ssh/sshd_config.d/10-broken.conf');
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const [failed] = failedTasks(r.stdout, 'h2');
    expect(failed.task).toBe('Write the sshd settings to /etc/ssh/sshd_config.d/00-pirun.conf');
    expect(failed.msg).toMatch(/10-broken\.conf/);
    await expectUntouched();
  });

  it('restores sshd when AllowUsers leaves out the admin', async () => {
    const r = await pirun([play('h2', { ssh_public_keys: [fleet.publicKey], ssh_allow_users: ['admin'] }), '-i', inv, '--json', '-']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(failedTasks(r.stdout, 'h2')[0].msg).toMatch(REFUSED);
    await expectUntouched();
  });

  it("restores sshd when the key exchange list has nothing pirun's client speaks", async () => {
    const r = await pirun([play('h2', { ssh_public_keys: [fleet.publicKey], ssh_kex_algorithms: ['sntrup761x25519-sha512@openssh.com'] }), '-i', inv, '--json', '-']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(failedTasks(r.stdout, 'h2')[0].msg).toMatch(REFUSED);
    await expectUntouched();
  });

  it('restores sshd when PermitRootLogin no is applied while connected as root', async () => {
    const asRoot = fleet.writeInventory({ hosts: ['h2'], user: 'root' });
    const r = await pirun([play('h2', { ssh_public_keys: [fleet.publicKey] }), '-i', asRoot, '--json', '-']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(failedTasks(r.stdout, 'h2')[0].msg).toMatch(REFUSED);
    await expectUntouched();
    expect(await sshLogin(h2.port, { user: 'root', privateKey: key })).toBe('ok');
  });
});

// The ufw role on real bookworm hosts: check mode predicts exactly what the
// real run changes and touches nothing, a re-run changes nothing, drift made
// by hand is reported; the firewall really filters (a listening port that is
// not allowed is unreachable from another container while SSH and an allowed
// port are reachable); SSH can be limited to one source without locking pirun
// out; purge removes unlisted rules; the role refuses to enable ufw over
// another tool's firewall unless told to; and it never opens SSH wider than
// asked: rules that would not admit pirun are refused before anything changes,
// and the opt-in allows pirun's own address alone, with a warning.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import type { TaskRow } from '../support/role-runs.js';
import { sshClientAddress, sshLogin } from '../support/ssh-login.js';

let fleet: Fleet;
let dir: string;
let pb: string;
let inv: string;
let target: FleetHost;
// A second container on the docker bridge: the client for reachability checks,
// later the host with a foreign firewall.
let client: FleetHost;
// A host only the lockout cases touch (ufw not installed before them).
let fresh: FleetHost;

const PLAYBOOK = `
- name: ufw role
  hosts: all
  become: true
  vars:
    ufw_rules:
      - { port: 5000, proto: tcp, comment: Flask API }
      - { port: 51820, proto: udp, comment: WireGuard }
  roles:
    - ufw
`;


// The role's one task that applies the rules, the incoming policy and enables ufw.
const MAIN = 'Allow SSH and the listed rules, set the incoming policy, enable ufw';

const run = (args: string[], invFile = inv) => runPirun([pb, '-i', invFile, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-', ...args]);
const rows = (json: string, host = 'h1') => JSON.parse(json).hosts[host].tasks as TaskRow[];
const changed = (json: string, host = 'h1') => rows(json, host).filter((t) => t.status === 'changed').map((t) => t.task);

async function sh(host: FleetHost, cmd: string): Promise<{ code: number; out: string }> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

// A TCP connection from one container to another (a DROP shows up as a timeout).
async function reachable(from: FleetHost, to: FleetHost, port: number): Promise<boolean> {
  return (await fleet.exec(from, ['nc', '-z', '-w', '3', to.ip, String(port)])).exitCode === 0;
}

beforeAll(async () => {
  fleet = await startFleet({ count: 3 });
  [target, client, fresh] = fleet.hosts;
  for (const h of fleet.hosts) await fleet.authorizeKey(h);
  dir = mkdtempSync(join(tmpdir(), 'pirun-role-ufw-'));
  pb = join(dir, 'play.yaml');
  writeFileSync(pb, PLAYBOOK);
  inv = fleet.writeInventory({ hosts: ['h1'] });
  // Listeners on an allowed and on a not-allowed port.
  for (const port of [5000, 8080]) {
    const r = await sh(target, `systemd-run --unit=pirun-listen-${port} nc -lk ${port}`);
    if (r.code !== 0) throw new Error(`Cannot start a listener on ${port}: ${r.out}`);
  }
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('role ufw', () => {
  let predicted: string[] = [];

  it('predicts in check mode what a fresh host needs and changes nothing', async () => {
    expect(await reachable(client, target, 8080)).toBe(true);
    const before = await fleet.snapshot(target);
    const check = await run(['--check']);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(await fleet.snapshot(target)).toBe(before);
    predicted = changed(check.stdout);
    expect(predicted).toEqual(['Install ufw', MAIN]);
    const rules = rows(check.stdout).find((t) => t.task === MAIN)!;
    expect(rules.changes).toEqual(['add rule allow 22/tcp (SSH)', 'add rule allow 5000/tcp (Flask API)', 'add rule allow 51820/udp (WireGuard)', 'enable ufw']);
  });

  it('changes exactly the predicted tasks and leaves ufw active with the rules, SSH first', async () => {
    const real = await run([]);
    expect(real.code, real.stderr + real.stdout).toBe(0);
    expect(changed(real.stdout)).toEqual(predicted);
    const status = (await sh(target, 'ufw status verbose')).out;
    expect(status).toContain('Status: active');
    expect(status).toContain('Default: deny (incoming), allow (outgoing)');
    expect(status).toContain('Logging: on (low)');
    const added = (await sh(target, 'ufw show added')).out.split('\n').filter((l) => l.startsWith('ufw '));
    expect(added).toEqual(["ufw allow 22/tcp comment 'SSH'", "ufw allow 5000/tcp comment 'Flask API'", "ufw allow 51820/udp comment 'WireGuard'"]);
    expect((await sh(target, 'systemctl is-enabled ufw')).out.trim()).toBe('enabled');
  });

  it('filters: SSH and the allowed port are reachable from another host, a listening port that is not allowed is not', async () => {
    expect(await reachable(client, target, 22)).toBe(true);
    expect(await reachable(client, target, 5000)).toBe(true);
    expect(await reachable(client, target, 8080)).toBe(false);
    // The listener itself is still up: only the firewall is in the way.
    expect((await sh(target, 'nc -z -w 3 127.0.0.1 8080')).code).toBe(0);
  });

  it('changes nothing on a second run', async () => {
    const again = await run([]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).hosts.h1.changed).toBe(0);
  });

  it('reports rules, policies and state changed by hand as drift without touching the host, then repairs them', async () => {
    await sh(target, 'ufw delete allow 5000/tcp && ufw default allow incoming');
    const before = await fleet.snapshot(target);
    const check = await run(['--check']);
    expect(check.code, check.stderr).toBe(0);
    expect(changed(check.stdout)).toEqual([MAIN]);
    expect(rows(check.stdout).find((t) => t.task === MAIN)!.changes).toEqual(['add rule allow 5000/tcp (Flask API)', 'set default deny incoming']);
    expect(await fleet.snapshot(target)).toBe(before);
    const fix = await run([]);
    expect(changed(fix.stdout)).toEqual([MAIN]);
    expect(await reachable(client, target, 8080)).toBe(false);

    await sh(target, 'ufw disable');
    const off = await fleet.snapshot(target);
    const check2 = await run(['--check']);
    expect(changed(check2.stdout)).toEqual([MAIN]);
    expect(await fleet.snapshot(target)).toBe(off);
    const fix2 = await run([]);
    expect(changed(fix2.stdout)).toEqual([MAIN]);
    expect((await sh(target, 'ufw status')).out).toContain('Status: active');
  });

  it('keeps rules it does not list unless ufw_purge is set', async () => {
    await sh(target, 'ufw allow 9999/tcp');
    const kept = await run([]);
    expect(JSON.parse(kept.stdout).hosts.h1.changed).toBe(0);
    const purged = await run(['-e', 'ufw_purge=true']);
    expect(purged.code, purged.stderr).toBe(0);
    expect(changed(purged.stdout)).toEqual([MAIN]);
    expect(rows(purged.stdout).find((t) => t.task === MAIN)!.changes).toEqual(['delete rule allow 9999/tcp']);
    expect((await sh(target, 'ufw show added')).out).not.toContain('9999');
    expect(JSON.parse((await run(['-e', 'ufw_purge=true'])).stdout).hosts.h1.changed).toBe(0);
  });

  it('limits SSH to one source: pirun (from the bridge gateway) still gets in, the other host does not', async () => {
    const gateway = (await sh(target, "ip route | awk '/default/ {print $3}'")).out.trim();
    const limited = await run(['-e', `ufw_ssh_from=${gateway}`, '-e', 'ufw_purge=true']);
    expect(limited.code, limited.stderr + limited.stdout).toBe(0);
    expect(rows(limited.stdout).find((t) => t.task === MAIN)!.changes).toEqual([
      `add rule allow 22/tcp from ${gateway} (SSH)`,
      'delete rule allow 22/tcp (SSH)',
    ]);
    expect(await reachable(client, target, 22)).toBe(false);
    expect(await reachable(client, target, 5000)).toBe(true);
    const again = await run(['-e', `ufw_ssh_from=${gateway}`, '-e', 'ufw_purge=true']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).hosts.h1.changed).toBe(0);

    const open = await run(['-e', 'ufw_purge=true']);
    expect(open.code, open.stderr).toBe(0);
    expect(await reachable(client, target, 22)).toBe(true);
  });

  it("refuses to enable ufw over another tool's firewall unless ufw_override_existing_firewall is set", async () => {
    const inv2 = fleet.writeInventory({ hosts: ['h2'] });
    const nft = await sh(client, [
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nftables >/dev/null',
      'nft add table inet site',
      "nft add chain inet site input '{ type filter hook input priority 0; policy accept; }'",
      'nft add rule inet site input tcp dport 8080 drop',
    ].join(' && '));
    expect(nft.code, nft.out).toBe(0);

    const before = await fleet.snapshot(client);
    const check = await run(['--check'], inv2);
    expect(check.code).toBe(2);
    expect(await fleet.snapshot(client)).toBe(before);
    const refused = await run([], inv2);
    expect(refused.code).toBe(2);
    const assertRow = rows(refused.stdout, 'h2').find((t) => t.task === 'Refuse to shadow a firewall another tool manages')!;
    expect(assertRow.status).toBe('failed');
    expect(assertRow.msg).toMatch(/firewall rule\(s\) from another tool are loaded \("nft inet site: tcp dport 8080 drop"\)/);
    expect(assertRow.msg).toContain('ufw_override_existing_firewall: true');
    expect((await sh(client, 'grep ^ENABLED /etc/ufw/ufw.conf')).out.trim()).toBe('ENABLED=no');

    const forced = await run(['-e', 'ufw_override_existing_firewall=true'], inv2);
    expect(forced.code, forced.stderr + forced.stdout).toBe(0);
    expect(changed(forced.stdout, 'h2')).toEqual([MAIN]);
    expect((await sh(client, 'ufw status')).out).toContain('Status: active');
    // Once ufw is active the role stops warning, so re-runs are quiet without the override.
    const again = await run([], inv2);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).hosts.h2.changed).toBe(0);
  });
});

describe('lockout: ufw never opens SSH wider than asked (h3)', () => {
  let inv3: string;
  let key: Buffer;
  let controller: string;
  const run3 = (args: string[]) => run(args, inv3);
  // ufw's own files and its live state: equal before and after a refused run.
  const firewall = async () => (await sh(fresh, 'ufw status verbose; md5sum /etc/ufw/ufw.conf /etc/default/ufw /etc/ufw/user.rules /etc/ufw/user6.rules; iptables -S INPUT | head -1')).out;
  const failedRow = (json: string) => rows(json, 'h3').find((t) => t.status === 'failed');

  beforeAll(async () => {
    inv3 = fleet.writeInventory({ hosts: ['h3'] });
    key = readFileSync(fleet.privateKeyPath);
    controller = await sshClientAddress(fresh.port, { user: 'pi', privateKey: key });
  });

  it('lockout: ufw_ssh_from that excludes pirun is refused before the firewall changes, naming the address, port and variables', async () => {
    const r = await run3(['-e', 'ufw_ssh_from=10.250.0.0/16']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const failed = failedRow(r.stdout)!;
    expect(failed.task).toBe(MAIN);
    expect(failed.msg).toContain(`from ${controller} to port 22/tcp`);
    expect(failed.msg).toMatch(/nothing was changed/);
    expect(failed.msg).toContain('ufw_ssh_from');
    expect(failed.msg).toContain('ufw_allow_controller: true');
    expect((await sh(fresh, 'ufw status')).out.trim()).toBe('Status: inactive');
    expect((await sh(fresh, 'cat /etc/ufw/user.rules /etc/ufw/user6.rules | grep -c "^### tuple" || true')).out.trim()).toBe('0');
    expect(await sshLogin(fresh.port, { user: 'pi', privateKey: key })).toBe('ok');
  });

  it('lockout: ufw_ssh_port 2222 while pirun is connected on 22 is refused (check mode agrees) and nothing changes', async () => {
    const before = await firewall();
    const check = await run3(['--check', '-e', 'ufw_ssh_port=2222']);
    expect(check.code, check.stderr + check.stdout).toBe(2);
    expect(failedRow(check.stdout)!.msg).toContain(`from ${controller} to port 22/tcp`);
    const r = await run3(['-e', 'ufw_ssh_port=2222']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(failedRow(r.stdout)!.task).toBe(MAIN);
    expect(failedRow(r.stdout)!.msg).toContain('ufw_ssh_port to 22');
    expect(await firewall()).toBe(before);
    expect(await sshLogin(fresh.port, { user: 'pi', privateKey: key })).toBe('ok');
  });

  it('lockout: ufw_allow_controller allows only pirun\'s address (never Anywhere), with a warning in the recap and the JSON report', async () => {
    const r = await run3(['-e', 'ufw_ssh_from=10.250.0.0/16', '-e', 'ufw_allow_controller=true']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(r.stdout).hosts.h3;
    expect(report.warnings).toEqual([expect.stringContaining(`ufw allows SSH port 22/tcp from ${controller} only`)]);
    expect(rows(r.stdout, 'h3').find((t) => t.task === MAIN)!.changes[0]).toBe(`allow SSH port 22/tcp from ${controller} only (pirun's own address, allow_controller)`);
    const added = (await sh(fresh, 'ufw show added')).out.split('\n').filter((l) => l.startsWith('ufw '));
    expect(added.filter((l) => / 22(\/tcp)?\b| port 22 /.test(l))).toEqual([
      `ufw allow from ${controller} to any port 22 proto tcp comment 'pirun controller'`,
      "ufw allow from 10.250.0.0/16 to any port 22 proto tcp comment 'SSH'",
    ]);
    expect((await sh(fresh, 'ufw status')).out).not.toMatch(/^22(\/tcp)?\s+ALLOW\s+Anywhere/m);
    expect(await reachable(client, fresh, 22)).toBe(false);
    expect(await sshLogin(fresh.port, { user: 'pi', privateKey: key })).toBe('ok');

    // The plain recap says so too, on every run that relies on it; the re-run changes nothing.
    const plain = await runPirun([pb, '-i', inv3, '--known-hosts', fleet.knownHostsFile, '-e', 'ufw_ssh_from=10.250.0.0/16', '-e', 'ufw_allow_controller=true']);
    expect(plain.code, plain.stderr + plain.stdout).toBe(0);
    expect(plain.stdout).toMatch(/h3\s+: ok=\d+ changed=0 failed=0/);
    const recap = plain.stdout.slice(plain.stdout.lastIndexOf('RECAP'));
    expect(recap).toContain(`WARNING h3 | ufw : ${MAIN} | ufw allows SSH port 22/tcp from ${controller} only`);
  });

  it('lockout: a purge that would delete the only rule admitting pirun is refused, and nothing changes', async () => {
    // An admin's own rule admits pirun: without purge the run is fine and no longer warns.
    expect((await sh(fresh, `ufw insert 1 allow from ${controller} comment 'admin desk'`)).code).toBe(0);
    const kept = await run3(['-e', 'ufw_ssh_from=10.250.0.0/16']);
    expect(kept.code, kept.stderr + kept.stdout).toBe(0);
    expect(JSON.parse(kept.stdout).hosts.h3.warnings).toEqual([]);
    const before = await firewall();
    const r = await run3(['-e', 'ufw_ssh_from=10.250.0.0/16', '-e', 'ufw_purge=true']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(failedRow(r.stdout)!.task).toBe(MAIN);
    expect(failedRow(r.stdout)!.msg).toContain(`from ${controller} to port 22/tcp`);
    expect(await firewall()).toBe(before);
    expect(await sshLogin(fresh.port, { user: 'pi', privateKey: key })).toBe('ok');
  });
});

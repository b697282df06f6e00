// Proof on the hardware pirun's users own: Raspberry Pi OS is Debian bookworm
// on arm64 (64-bit) and armhf (32-bit). Each runs here as an emulated host
// (qemu-user-static through binfmt_misc, set up by scripts/ensure-binfmt.sh;
// images from scripts/build-test-image.sh --arch). The test makes the hosts
// look like a Pi 4 and a Pi Zero 2 W by giving them the device-tree model
// file a Pi's kernel provides, then runs the roles that change SSH access and
// services (ssh-keys under the lockout guard, prune-services). Left out:
// ufw, because qemu-user does not emulate netfilter's netlink, so
// iptables/nft cannot run in an emulated host (the firewall is tested
// natively); fail2ban and unattended, because installing their packages
// (python3 among them) under emulation takes minutes per host, too long for
// the suite; their configuration is architecture-independent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type PirunResult } from '../support/fleet.js';
import { writePlaybook } from '../support/ops.js';
import { changedCount, report, tasksOf } from '../support/role-runs.js';

const BOARDS = [
  { arch: 'arm64', name: 'pi4', model: 'Raspberry Pi 4 Model B Rev 1.4', uname: 'aarch64', dpkg: 'arm64' },
  { arch: 'armhf', name: 'zero2', model: 'Raspberry Pi Zero 2 W Rev 1.0', uname: /^armv[78]l$/, dpkg: 'armhf' },
] as const;

const fleets = new Map<string, Fleet>();
let dir: string;
let pb: string;

// ssh-keys and prune-services from playbooks/harden.yaml, plus a task that shows what pirun detected.
function stack(): unknown[] {
  return [
    {
      name: 'Harden a Pi (emulated)',
      hosts: 'all',
      become: true,
      pre_tasks: [{ name: 'Board', debug: { msg: '{{ facts.pi_model }} | {{ facts.arch }} | {{ facts.dpkg_arch }} | {{ facts.is_raspberry_pi }}' } }],
      roles: ['ssh-keys', 'prune-services'],
    },
  ];
}

function pirun(fleet: Fleet, inv: string, args: string[] = []): Promise<PirunResult> {
  return runPirun([pb, '-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-', ...args]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pirun-arm-'));
  pb = writePlaybook(dir, 'pi.yaml', stack());
  await Promise.all(
    BOARDS.map(async (b) => {
      const fleet = await startFleet({ count: 1, names: [b.name], arch: b.arch });
      fleets.set(b.arch, fleet);
      await fleet.authorizeKey(b.name);
      // A Pi's kernel shows its model in the device tree; the container's /sys/firmware is an empty mask.
      const dt = await fleet.exec(b.name, [
        'sh',
        '-c',
        'mount -t tmpfs -o size=64k,mode=755 tmpfs /sys/firmware && mkdir -p /sys/firmware/devicetree/base && printf "%s\\0" "$1" >/sys/firmware/devicetree/base/model',
        'sh',
        b.model,
      ]);
      if (dt.exitCode !== 0) throw new Error(`Cannot give ${b.name} a device-tree model: ${dt.stderr}`);
    }),
  );
}, 900_000);

afterAll(async () => {
  await Promise.all([...fleets.values()].map((f) => f.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(BOARDS)('emulated $arch host ($model)', (b) => {
  let inv: string;
  beforeAll(() => {
    const fleet = fleets.get(b.arch)!;
    inv = fleet.writeInventory({ vars: { ssh_public_keys: [fleet.publicKey] } });
  });

  it('hardens the host: check predicts the run, the run changes, a re-run and a check change nothing', async () => {
    const fleet = fleets.get(b.arch)!;
    const uname = await fleet.exec(b.name, ['uname', '-m']);
    expect(uname.stdout.trim()).toMatch(b.uname);

    const check = await pirun(fleet, inv, ['--check']);
    expect(check.code, check.stderr).toBe(0);
    const board = tasksOf(check, b.name).find((t) => t.task === 'Board');
    const [model, arch, dpkg, isPi] = (board?.msg ?? '').split(' | ');
    expect(model).toBe(b.model);
    expect(arch).toMatch(b.uname);
    expect(dpkg).toBe(b.dpkg);
    expect(isPi).toBe('true');
    const predicted = tasksOf(check, b.name).filter((t) => t.status === 'changed').map((t) => t.task);
    expect(predicted.length).toBeGreaterThan(0);

    const first = await pirun(fleet, inv);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const changed = tasksOf(first, b.name).filter((t) => t.status === 'changed').map((t) => t.task);
    expect(changed).toEqual(predicted);

    const again = await pirun(fleet, inv);
    expect(again.code, again.stderr).toBe(0);
    expect(changedCount(again, b.name)).toBe(0);
    const recheck = await pirun(fleet, inv, ['--check']);
    expect(report(recheck).hosts[b.name].changed).toBe(0);

    // On the emulated host: password login is off and the services nobody uses are stopped.
    const avahi = await fleet.exec(b.name, ['systemctl', 'is-active', 'avahi-daemon']);
    expect(avahi.stdout.trim()).not.toBe('active');
    const sshd = await fleet.exec(b.name, ['sshd', '-T']);
    expect(sshd.stdout).toMatch(/^passwordauthentication no$/m);
  }, 900_000);
});

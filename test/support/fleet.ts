// Throwaway "fresh Pi" hosts for integration tests: Debian containers with
// systemd as PID 1 and sshd on a loopback port, plus the files a pirun run
// needs (SSH key, known_hosts, inventory). The image comes from
// scripts/build-test-image.sh; scripts/test.mjs exports its tag as PIRUN_TEST_IMAGE.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import ssh2 from 'ssh2';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
}

export interface FleetHost {
  // Inventory name, also the container's hostname.
  readonly name: string;
  // Published sshd port on 127.0.0.1.
  readonly port: number;
  // Container address on the docker bridge (container-to-container traffic).
  readonly ip: string;
  readonly containerId: string;
  readonly container: StartedTestContainer;
}

export interface FleetOptions {
  count: number;
  // Inventory names; defaults to h1..hN.
  names?: string[];
  // Pass /dev/net/tun into the containers (WireGuard).
  tun?: boolean;
  // Restart policy "always" on a fixed loopback port, so `systemctl reboot`
  // (systemd as PID 1 exits) brings the host back on the same port.
  restart?: boolean;
  // Raspberry Pi OS's architectures run emulated (qemu-user-static); default amd64.
  arch?: 'amd64' | 'arm64' | 'armhf';
}

export interface InventoryOptions {
  // Group vars under all.vars.
  vars?: Record<string, unknown>;
  // Groups under all.children, written as given.
  children?: Record<string, unknown>;
  // Extra vars per host name, merged over the defaults.
  hostVars?: Record<string, Record<string, unknown>>;
  // Only these hosts (names); default all.
  hosts?: string[];
  // Include private_key (default true); false for password-only tests.
  key?: boolean;
  user?: string;
}

export interface Fleet {
  readonly hosts: FleetHost[];
  // Temp dir holding the key pair, known_hosts and inventories.
  readonly dir: string;
  readonly privateKeyPath: string;
  readonly publicKey: string;
  // Empty at first; pass with --known-hosts and --accept-new-host-keys.
  readonly knownHostsFile: string;
  host(name: string): FleetHost;
  exec(host: FleetHost | string, cmd: string | string[], opts?: ExecOptions): Promise<ExecResult>;
  // Installs the fleet's public key for pi (not done by default).
  authorizeKey(host: FleetHost | string, user?: string): Promise<void>;
  writeInventory(extra?: InventoryOptions): string;
  snapshot(host: FleetHost | string): Promise<string>;
  stop(): Promise<void>;
}

const PASSWORDS: Record<string, string> = { pi: 'raspberry', admin: 'admin-pass' };
export const PI_PASSWORD = PASSWORDS.pi;
export const ADMIN_PASSWORD = PASSWORDS.admin;

// testcontainers 11 has no API for devices or a host IP on published ports;
// its HostConfig is protected, so a subclass sets them.
class PiContainer extends GenericContainer {
  withDevice(path: string): this {
    this.hostConfig.Devices = [
      ...(this.hostConfig.Devices ?? []),
      { PathOnHost: path, PathInContainer: path, CgroupPermissions: 'rwm' },
    ];
    return this;
  }

  withLoopbackPort(port: number): this {
    this.withExposedPorts(port);
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }] };
    return this;
  }

  // A random host port would change when docker restarts the container.
  withRestartAlways(port: number, hostPort: number): this {
    this.hostConfig.RestartPolicy = { Name: 'always' };
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] };
    return this;
  }
}

// Fail early with a hint instead of a testcontainers pull error.
function testImage(arch: FleetOptions['arch'] = 'amd64'): string {
  const variable = arch === 'amd64' ? 'PIRUN_TEST_IMAGE' : `PIRUN_TEST_IMAGE_${arch.toUpperCase()}`;
  const image = process.env[variable];
  if (!image) {
    const flag = arch === 'amd64' ? '' : ` --arch ${arch}`;
    throw new Error(`Cannot start the test fleet: ${variable} is not set (run tests through "npm test" or set it to the tag from "bash scripts/build-test-image.sh${flag} --tag")`);
  }
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // Ports are published on loopback only. Where the tests themselves run in a
  // container (/.dockerenv), testcontainers would otherwise probe them on the
  // bridge gateway, where nothing listens.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  return image;
}

const emulated = (opts: FleetOptions) => opts.arch !== undefined && opts.arch !== 'amd64';

// The flags that run systemd as PID 1 here (--privileged is not available).
function containerFor(image: string, name: string, opts: FleetOptions): PiContainer {
  const c = new PiContainer(image)
    .withHostname(name)
    .withCommand(['/lib/systemd/systemd'])
    .withAddedCapabilities('SYS_ADMIN', 'NET_ADMIN')
    .withTmpFs({ '/run': 'rw,exec,mode=755', '/run/lock': 'rw,mode=1777' })
    .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup', mode: 'ro' }])
    .withEnvironment({ container: 'docker' })
    .withLabels({ 'pirun.test': '1', 'pirun.test-run': process.env.PIRUN_TEST_RUN_ID ?? 'manual' })
    .withLoopbackPort(22)
    // Emulated hosts boot far slower (ssh-keygen -A alone takes tens of seconds under qemu).
    .withStartupTimeout(emulated(opts) ? 480_000 : 120_000);
  return opts.tun ? c.withDevice('/dev/net/tun') : c;
}

// Resolves once something on the port sends an SSH banner (docker's port
// proxy accepts connections before sshd listens, so a connect is not enough).
function sshBanner(port: number): Promise<boolean> {
  return new Promise((done) => {
    const sock = connect({ host: '127.0.0.1', port });
    const finish = (ok: boolean) => {
      sock.destroy();
      done(ok);
    };
    sock.setTimeout(2000, () => finish(false));
    sock.once('data', (d) => finish(d.toString('latin1').startsWith('SSH-')));
    sock.once('error', () => finish(false));
    sock.once('close', () => finish(false));
  });
}

async function waitForSsh(name: string, port: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await sshBanner(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Cannot reach sshd on test host "${name}": no SSH banner on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

async function execIn(container: StartedTestContainer, cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const argv = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
  const r = await container.exec(argv, { user: opts.user, env: opts.env });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

// A loopback port that is free right now (for a fixed port binding).
function freeLoopbackPort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

async function startHost(image: string, name: string, opts: FleetOptions): Promise<FleetHost> {
  const spec = containerFor(image, name, opts);
  if (opts.restart) spec.withRestartAlways(22, await freeLoopbackPort());
  const container = await spec.start();
  const host: FleetHost = {
    name,
    port: container.getMappedPort(22),
    ip: container.getIpAddress(container.getNetworkNames()[0]),
    containerId: container.getId(),
    container,
  };
  try {
    await waitForSsh(name, host.port, emulated(opts) ? 300_000 : 90_000);
    // Boot finished (running or degraded), so unit states are settled for assertions.
    await execIn(container, 'timeout 60 systemctl is-system-running --wait >/dev/null 2>&1 || true');
  } catch (err) {
    await container.stop().catch(() => undefined);
    throw err;
  }
  return host;
}

// Containers are removed even when a test file dies before stop() (no Ryuk).
const live = new Set<string>();
process.once('exit', () => {
  if (live.size > 0) {
    try {
      execFileSync('docker', ['rm', '-f', '-v', ...live], { stdio: 'ignore' });
    } catch {
      // Best effort: scripts/test.mjs also removes leftovers by label.
    }
  }
});

function keyPair(dir: string): { privateKeyPath: string; publicKey: string } {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'pirun-test' });
  const privateKeyPath = join(dir, 'id_ed25519');
  writeFileSync(privateKeyPath, pair.private, { mode: 0o600 });
  chmodSync(privateKeyPath, 0o600);
  writeFileSync(`${privateKeyPath}.pub`, `${pair.public}\n`);
  return { privateKeyPath, publicKey: pair.public.trim() };
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const image = testImage(opts.arch);
  const names = opts.names ?? Array.from({ length: opts.count }, (_, i) => `h${i + 1}`);
  if (names.length !== opts.count) throw new Error(`Cannot start the test fleet: ${opts.count} hosts but ${names.length} names`);
  const dir = mkdtempSync(join(tmpdir(), 'pirun-fleet-'));
  const { privateKeyPath, publicKey } = keyPair(dir);
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, '', { mode: 0o600 });

  const settled = await Promise.allSettled(names.map((n) => startHost(image, n, opts)));
  const hosts = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  hosts.forEach((h) => live.add(h.containerId));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(hosts.map((h) => h.container.stop().catch(() => undefined)));
    hosts.forEach((h) => live.delete(h.containerId));
    rmSync(dir, { recursive: true, force: true });
    throw failed.reason;
  }
  return makeFleet({ hosts, dir, privateKeyPath, publicKey, knownHostsFile });
}

function makeFleet(base: Pick<Fleet, 'hosts' | 'dir' | 'privateKeyPath' | 'publicKey' | 'knownHostsFile'>): Fleet {
  let inventories = 0;
  let stopped = false;
  const fleet: Fleet = {
    ...base,
    host(name) {
      const h = base.hosts.find((x) => x.name === name);
      if (!h) throw new Error(`Cannot find test host "${name}": the fleet has ${base.hosts.map((x) => x.name).join(', ')}`);
      return h;
    },
    exec: (host, cmd, opts) => execIn(resolveHost(fleet, host).container, cmd, opts),
    async authorizeKey(host, user = 'pi') {
      // The key travels as "$1", so no quoting is involved.
      const script = 'set -e; h=$(getent passwd "$2" | cut -d: -f6); install -d -m 700 -o "$2" -g "$2" "$h/.ssh";'
        + ' printf "%s\\n" "$1" >>"$h/.ssh/authorized_keys"; chown "$2:$2" "$h/.ssh/authorized_keys"; chmod 600 "$h/.ssh/authorized_keys"';
      const r = await fleet.exec(host, ['sh', '-c', script, 'sh', base.publicKey, user]);
      if (r.exitCode !== 0) throw new Error(`Cannot authorize the test key for "${user}" on "${resolveHost(fleet, host).name}": ${r.stderr.trim()}`);
    },
    writeInventory(extra = {}) {
      const path = join(base.dir, `inventory-${++inventories}.yaml`);
      writeFileSync(path, yaml.dump(inventoryDoc(base, extra)));
      return path;
    },
    snapshot: (host) => snapshot(resolveHost(fleet, host)),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(base.hosts.map((h) => h.container.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => undefined)));
      base.hosts.forEach((h) => live.delete(h.containerId));
      rmSync(base.dir, { recursive: true, force: true });
    },
  };
  return fleet;
}

function resolveHost(fleet: Fleet, host: FleetHost | string): FleetHost {
  return typeof host === 'string' ? fleet.host(host) : host;
}

// pirun's inventory, Ansible-shaped: all.hosts / all.vars / all.children.
function inventoryDoc(base: Pick<Fleet, 'hosts' | 'privateKeyPath'>, extra: InventoryOptions): unknown {
  const chosen = extra.hosts ? base.hosts.filter((h) => extra.hosts!.includes(h.name)) : base.hosts;
  const hosts = Object.fromEntries(chosen.map((h) => [h.name, {
    host: '127.0.0.1',
    port: h.port,
    user: extra.user ?? 'pi',
    ...(extra.key === false ? {} : { private_key: base.privateKeyPath }),
    ...extra.hostVars?.[h.name],
  }]));
  return {
    all: {
      hosts,
      ...(extra.vars ? { vars: extra.vars } : {}),
      ...(extra.children ? { children: extra.children } : {}),
    },
  };
}

// Lists /etc (path, type, mode, owner, link target, content hash), installed
// packages, and enabled/active states of installable units. Units that come
// and go by themselves (static, generated, transient: sessions, user@,
// timer-triggered jobs) are left out, so an SSH login changes nothing.
const SNAPSHOT_SCRIPT = `
export LC_ALL=C
echo '== etc'
find /etc -printf '%p\\t%y\\t%m\\t%u:%g\\t%l\\n' | sort
find /etc -type f -print0 | sort -z | xargs -0 sha256sum | sed -E 's/^([0-9a-f]+)  (.*)$/\\2\\tsha256\\t\\1/'
echo '== packages'
dpkg-query -W -f '\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n' | sort
echo '== units'
units=$(systemctl list-unit-files --no-legend --plain --type=service,socket,timer,path \\
  | awk '$1 !~ /@\\./ && $2 != "static" && $2 != "generated" && $2 != "transient" && $2 != "alias" { print $1 }')
systemctl show --property=Id,UnitFileState,ActiveState $units \\
  | awk -F= '/^$/ { if (id) print id "\\t" ufs "\\t" act; id=""; next }
      $1=="Id" { id=$2 } $1=="UnitFileState" { ufs=$2 } $1=="ActiveState" { act=$2 }
      END { if (id) print id "\\t" ufs "\\t" act }' | sort
`;

// Files that change without anyone changing the system (none needed so far).
const SNAPSHOT_EXCLUDES: string[] = [];

// The full listing behind snapshot(); compare these for a readable diff.
export async function snapshotText(host: FleetHost, opts: { exclude?: string[] } = {}): Promise<string> {
  const r = await execIn(host.container, ['bash', '-c', SNAPSHOT_SCRIPT]);
  if (r.exitCode !== 0) throw new Error(`Cannot snapshot test host "${host.name}": ${r.stderr.trim()}`);
  const exclude = [...SNAPSHOT_EXCLUDES, ...(opts.exclude ?? [])];
  return r.stdout
    .split('\n')
    .filter((line) => !exclude.some((p) => line === p || line.startsWith(`${p}\t`) || line.startsWith(`${p}/`)))
    .join('\n');
}

// One hash of the host's configuration state, to prove check mode changed nothing.
export async function snapshot(host: FleetHost, opts: { exclude?: string[] } = {}): Promise<string> {
  return createHash('sha256').update(await snapshotText(host, opts)).digest('hex');
}

export interface PirunResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Runs the built CLI (bin/pirun.js → dist/) from the repo root.
export function runPirun(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<PirunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/pirun.js'), ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

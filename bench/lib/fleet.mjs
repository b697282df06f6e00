// Throwaway hosts for the benchmark, started with plain `docker run` and the
// same flags as test/support/fleet.ts (systemd as PID 1 without --privileged),
// or as light hosts (sshd only, see scripts/image/light-*.sh). Every container
// carries the label pirun.bench=<run id> so leftovers can be removed by label.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import pLimit from 'p-limit';
import ssh2 from 'ssh2';

const run = promisify(execFile);

// docker CLI call; rejects with its stderr.
export async function docker(args, opts = {}) {
  const r = await run('docker', args, { maxBuffer: 64 << 20, ...opts });
  return r.stdout.trim();
}

const FULL_FLAGS = [
  '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN',
  '--tmpfs', '/run:rw,exec,mode=755', '--tmpfs', '/run/lock:rw,mode=1777',
  '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro', '-e', 'container=docker',
];

// Resolves once something on the port sends an SSH banner (docker's proxy accepts before sshd listens).
function sshBanner(port) {
  return new Promise((done) => {
    const sock = connect({ host: '127.0.0.1', port });
    const finish = (ok) => {
      sock.destroy();
      done(ok);
    };
    sock.setTimeout(2000, () => finish(false));
    sock.once('data', (d) => finish(d.toString('latin1').startsWith('SSH-')));
    sock.once('error', () => finish(false));
    sock.once('close', () => finish(false));
  });
}

async function waitForSsh(name, port, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await sshBanner(port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Cannot reach sshd on bench host "${name}": no SSH banner on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

// Authorizes the key for pi; the key travels as "$1", never inside the script text.
const AUTHORIZE = 'set -e; h=$(getent passwd pi | cut -d: -f6); install -d -m 700 -o pi -g pi "$h/.ssh";'
  + ' printf "%s\\n" "$1" >>"$h/.ssh/authorized_keys"; chown pi:pi "$h/.ssh/authorized_keys"; chmod 600 "$h/.ssh/authorized_keys"';

async function startHost({ image, name, light, runId, publicKey }) {
  // Light hosts keep the full hosts' capabilities (facts read /proc of the login session, ufw needs NET_ADMIN).
  const flags = light ? FULL_FLAGS.slice(0, 4) : FULL_FLAGS;
  const cmd = light ? [] : ['/lib/systemd/systemd'];
  const id = await docker(['run', '-d', '--hostname', name, '--name', `pirun-bench-${runId}-${name}`, ...flags,
    '--label', `pirun.bench=${runId}`, '-p', '127.0.0.1::22', image, ...cmd]);
  const host = { name, id, port: 0 };
  try {
    const mapped = await docker(['port', id, '22/tcp']);
    host.port = Number(mapped.split('\n')[0].split(':').pop());
    await waitForSsh(name, host.port);
    if (!light) await docker(['exec', id, 'sh', '-c', 'timeout 90 systemctl is-system-running --wait >/dev/null 2>&1 || true']);
    await docker(['exec', id, 'sh', '-c', AUTHORIZE, 'sh', publicKey]);
  } catch (err) {
    await docker(['rm', '-f', '-v', id]).catch(() => undefined);
    throw err;
  }
  return host;
}

// Removes every container of this bench run, also when the process dies.
const live = new Set();
process.once('exit', () => {
  if (live.size) {
    try {
      execFileSync('docker', ['rm', '-f', '-v', ...live], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  }
});

export function makeKeyDir() {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-bench-'));
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'pirun-bench' });
  const privateKeyPath = join(dir, 'id_ed25519');
  writeFileSync(privateKeyPath, pair.private, { mode: 0o600 });
  chmodSync(privateKeyPath, 0o600);
  return { dir, privateKeyPath, privateKey: pair.private, publicKey: pair.public.trim() };
}

// Starts `count` hosts at a few at a time (dockerd and systemd boots share two cores).
export async function startFleet({ image, count, light = false, runId, keys, prefix = 'h', parallel = 6 }) {
  const limit = pLimit(parallel);
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
  const settled = await Promise.allSettled(names.map((name) => limit(async () => {
    const h = await startHost({ image, name, light, runId, publicKey: keys.publicKey });
    live.add(h.id);
    return h;
  })));
  const hosts = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.find((s) => s.status === 'rejected');
  const knownHostsFile = join(keys.dir, `known_hosts-${prefix}`);
  writeFileSync(knownHostsFile, '', { mode: 0o600 });
  const fleet = {
    hosts,
    knownHostsFile,
    keys,
    inventory() {
      const path = join(keys.dir, `inventory-${prefix}.yaml`);
      const all = Object.fromEntries(hosts.map((h) => [h.name, { host: '127.0.0.1', port: h.port, user: 'pi', private_key: keys.privateKeyPath }]));
      writeFileSync(path, yaml.dump({ all: { hosts: all } }));
      return path;
    },
    async stop() {
      const ids = hosts.map((h) => h.id);
      for (let i = 0; i < ids.length; i += 50) await docker(['rm', '-f', '-v', ...ids.slice(i, i + 50)]).catch(() => undefined);
      ids.forEach((id) => live.delete(id));
    },
  };
  if (failed) {
    await fleet.stop();
    throw failed.reason;
  }
  return fleet;
}

export function removeKeyDir(keys) {
  rmSync(keys.dir, { recursive: true, force: true });
}

// Containers a killed bench left behind.
export async function removeLeftovers() {
  const ids = (await docker(['ps', '-aq', '--filter', 'label=pirun.bench'])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]).catch(() => undefined);
  return ids.length;
}

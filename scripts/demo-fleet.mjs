// A minimal fleet for the demo (plain docker CLI, same flags as the tests):
// systemd as PID 1 with the capabilities that work without --privileged.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import ssh2 from 'ssh2';

const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

function greeting(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(1000);
    s.once('data', (d) => { s.destroy(); resolve(String(d).startsWith('SSH-')); });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

export async function startFleet(image, count) {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-demo-keys-'));
  const keys = ssh2.utils.generateKeyPairSync('ed25519');
  const privateKeyPath = join(dir, 'id_ed25519');
  const publicKeyPath = join(dir, 'id_ed25519.pub');
  writeFileSync(privateKeyPath, keys.private, { mode: 0o600 });
  writeFileSync(publicKeyPath, keys.public + '\n');
  const ids = [];
  for (let i = 0; i < count; i++) {
    ids.push(docker('run', '-d', '--label', 'pirun.demo=1', '--hostname', `demo${i + 1}`, '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN',
      '--tmpfs', '/run', '--tmpfs', '/run/lock', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro', '-p', '127.0.0.1::22', image, '/lib/systemd/systemd'));
  }
  const hosts = ids.map((id) => ({ id, port: Number(docker('port', id, '22/tcp').split(':').pop()) }));
  for (const h of hosts) {
    for (let t = 0; t < 60 && !(await greeting(h.port)); t++) await new Promise((r) => setTimeout(r, 500));
  }
  return {
    hosts,
    privateKeyPath,
    publicKeyPath,
    stop: async () => { try { docker('rm', '-f', ...ids); } catch { /* already gone */ } },
  };
}

// A minimal fleet for the demo (plain docker CLI, same flags as the tests):
// systemd as PID 1 with the capabilities that work without --privileged.
// Every container it starts is known to `remove()` from the moment it
// exists, so an interrupted start leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import ssh2 from 'ssh2';

const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

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

// `dir` holds the key pair (the demo removes it with everything else);
// `label` marks the containers, e.g. for `docker ps --filter label=pirun.demo`.
export function createFleet(image, { dir, label }) {
  const ids = [];
  const keys = ssh2.utils.generateKeyPairSync('ed25519');
  const privateKeyPath = join(dir, 'id_ed25519');
  const publicKeyPath = join(dir, 'id_ed25519.pub');
  writeFileSync(privateKeyPath, keys.private, { mode: 0o600 });
  writeFileSync(publicKeyPath, keys.public + '\n');
  return {
    privateKeyPath,
    publicKeyPath,
    hosts: [],
    async start(count, stopping) {
      for (let i = 0; i < count && !stopping(); i++) {
        // A Ctrl-C can end `docker run` after it created the container: remove() also finds it by label.
        try {
          ids.push(docker('run', '-d', '--label', `pirun.demo=${label}`, '--hostname', `demo${i + 1}`, '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN',
            '--tmpfs', '/run', '--tmpfs', '/run/lock', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro', '-p', '127.0.0.1::22', image, '/lib/systemd/systemd'));
        } catch (err) {
          if (stopping()) break;
          throw err;
        }
      }
      for (const id of ids) this.hosts.push({ id, port: Number(docker('port', id, '22/tcp').split(':').pop()) });
      for (const h of this.hosts) {
        for (let t = 0; t < 60 && !stopping() && !(await greeting(h.port)); t++) await new Promise((r) => setTimeout(r, 500));
      }
    },
    // Synchronous, so it also runs from an exit handler.
    remove() {
      try {
        docker('rm', '-f', '-v', ...new Set([...ids, ...docker('ps', '-aq', '--filter', `label=pirun.demo=${label}`).split('\n').filter(Boolean)]));
      } catch {
        // none left
      }
    },
  };
}

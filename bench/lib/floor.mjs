// The floors pirun is measured against: per host, one ssh2 connection running
// one script as root, all hosts at once. The read floor is one read-only probe
// of everything the playbook manages; the apt floor is one apt-get install of
// the playbook's packages. Nothing else (no planning, no templates, no guard).
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

// One probe of everything harden.yaml manages: file hashes, packages, unit
// states, the ufw state and sshd's effective configuration.
export function probeScript(m) {
  return [
    'export LC_ALL=C',
    `for f in ${m.files.map(q).join(' ')}; do if [ -f "$f" ]; then sha256sum "$f"; else echo "absent $f"; fi; done`,
    `dpkg-query -W -f='\${db:Status-Abbrev}\\t\${Package}\\t\${Version}\\n'`,
    `systemctl show --property=Id,LoadState,ActiveState,UnitFileState -- ${m.units.map(q).join(' ')}`,
    'ufw status verbose 2>&1 || true',
    'mkdir -p /run/sshd; sshd -T -C user=pi,host=localhost,addr=127.0.0.1',
  ].join('\n');
}

export function aptScript(m) {
  return `export DEBIAN_FRONTEND=noninteractive; apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends -- ${m.packages.map(q).join(' ')}`;
}

// Connects, runs `script` through `sudo -n sh -s` (script on stdin), and closes.
function runOne(host, privateKey, script) {
  return new Promise((resolve) => {
    const started = Date.now();
    const client = new ssh2.Client();
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      client.end();
      resolve({ host: host.name, ms: Date.now() - started, bytesSent: Buffer.byteLength(script), ...r });
    };
    client.on('ready', () => {
      client.exec('sudo -n sh -s', (err, ch) => {
        if (err) return finish({ exitCode: -1, error: err.message });
        let out = 0;
        let errText = '';
        let code = -1;
        ch.on('data', (d) => (out += d.length));
        ch.stderr.on('data', (d) => (errText += d.toString()));
        ch.on('exit', (c) => (code = c ?? -1));
        ch.on('close', () => finish({ exitCode: code, bytesReceived: out, stderr: code === 0 ? '' : errText.trim().split('\n').slice(-2).join(' | ') }));
        ch.end(script);
      });
    });
    client.on('error', (e) => finish({ exitCode: -1, error: e.message }));
    client.connect({ host: '127.0.0.1', port: host.port, username: 'pi', privateKey, readyTimeout: 30_000,
      algorithms: { kex: { prepend: ['curve25519-sha256', 'curve25519-sha256@libssh.org'] } } });
  });
}

// All hosts at once; the phase takes as long as the slowest host.
export async function floorRun(fleet, script) {
  const privateKey = readFileSync(fleet.keys.privateKeyPath);
  const started = Date.now();
  const results = await Promise.all(fleet.hosts.map((h) => runOne(h, privateKey, script)));
  const failed = results.filter((r) => r.exitCode !== 0);
  return {
    seconds: (Date.now() - started) / 1000,
    hostsFailed: failed.length,
    failures: failed.slice(0, 5).map((r) => `${r.host}: ${r.error ?? `exit ${r.exitCode}: ${r.stderr}`}`),
    connectionsPerHost: 1,
    execsPerHost: 1,
    bytesSent: results.reduce((a, r) => a + r.bytesSent, 0),
  };
}

#!/usr/bin/env node
// `npm run demo`: three throwaway Debian hosts in containers, hardened by
// playbooks/harden.yaml: first --check (what would change), then for real,
// then again (changed=0). Prints how to log in, and removes them on exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (s) => console.log(`\n\x1b[1m== ${s}\x1b[0m`);
const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });

for (const script of ['scripts/ensure-docker.sh', 'scripts/build-test-image.sh']) {
  if (sh('bash', [script]).status !== 0) process.exit(1);
}
const image = spawnSync('bash', ['scripts/build-test-image.sh', '--tag'], { cwd: root, encoding: 'utf8' }).stdout.trim();
process.env.PIRUN_TEST_IMAGE = image;
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

const { startFleet } = await import('./demo-fleet.mjs');
say('Starting three throwaway Debian 12 hosts (containers)');
const fleet = await startFleet(image, 3);
let stopped = false;
const stop = async () => {
  if (stopped) return;
  stopped = true;
  say('Removing the demo hosts');
  await fleet.stop();
};
process.on('SIGINT', () => stop().then(() => process.exit(130)));

try {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-demo-'));
  const inventory = join(dir, 'inventory.yaml');
  const hosts = fleet.hosts.map((h, i) => `    demo${i + 1}: { host: 127.0.0.1, port: ${h.port}, user: pi }`).join('\n');
  writeFileSync(
    inventory,
    `# Three fresh "Pis": user pi, password raspberry, no key installed yet.\nall:\n  hosts:\n${hosts}\n  vars:\n    ssh_public_keys: ["${fleet.publicKeyPath}"]\n`,
  );
  const common = [join(root, 'bin/pirun.js'), 'playbooks/harden.yaml', '-i', inventory, '--private-key', fleet.privateKeyPath, '--known-hosts', join(dir, 'known_hosts')];
  say('1/3  pirun playbooks/harden.yaml --check --ask-pass   (what would change; nothing is touched)');
  sh(process.execPath, [...common, '--check', '--ask-pass', '--accept-new-host-keys', '--progress', 'plain'], { input: 'raspberry\n', stdio: ['pipe', 'inherit', 'inherit'] });
  say('2/3  pirun playbooks/harden.yaml --ask-pass   (first real run, still on the password)');
  sh(process.execPath, [...common, '--ask-pass', '--progress', 'plain'], { input: 'raspberry\n', stdio: ['pipe', 'inherit', 'inherit'] });
  say('3/3  pirun playbooks/harden.yaml   (key only now; expect changed=0 everywhere)');
  sh(process.execPath, [...common, '--progress', 'plain']);
  const h = fleet.hosts[0];
  say('Log in to a hardened host (password login is now refused):');
  console.log(`  ssh -i ${fleet.privateKeyPath} -p ${h.port} -o UserKnownHostsFile=${join(dir, 'known_hosts')} pi@127.0.0.1`);
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    await new Promise((r) => rl.question('\nPress Enter to remove the demo hosts... ', r));
    rl.close();
  }
} finally {
  await stop();
}

#!/usr/bin/env node
// `npm run demo`: throwaway Debian hosts in containers, hardened by
// playbooks/harden.yaml: first --check (what would change), then for real,
// then again (changed=0), each in the view a user gets on their terminal.
// Prints how to log in and removes the hosts and every temporary file
// (the demo's key included) on every way out: Enter, Ctrl-C at any point,
// an error, or stdin that is not a terminal.
//
//   npm run demo [-- --hosts N] [-- --playbook FILE]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (s) => console.log(`\n\x1b[1m== ${s}\x1b[0m`);

let args;
try {
  args = parseArgs({ options: { hosts: { type: 'string', default: '3' }, playbook: { type: 'string', default: 'playbooks/harden.yaml' } } }).values;
} catch (err) {
  console.error(`demo: ${err.message}`);
  process.exit(1);
}
const count = Number(args.hosts);
if (!Number.isInteger(count) || count < 1 || count > 10) {
  console.error(`demo: --hosts takes a whole number from 1 to 10, got "${args.hosts}"`);
  process.exit(1);
}
const playbook = resolve(process.cwd(), args.playbook);

// Ctrl-C reaches the running pirun too (same terminal): it finishes its
// running steps and exits 130; the demo then stops instead of going on.
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
});

// Setup steps keep the terminal (their own progress); a Ctrl-C there stops the demo.
for (const script of ['scripts/ensure-docker.sh', 'scripts/build-test-image.sh']) {
  const r = spawnSync('bash', [script], { stdio: 'inherit', cwd: root });
  if (interrupted || r.signal === 'SIGINT') process.exit(130);
  if (r.status !== 0) process.exit(1);
}
const image = spawnSync('bash', ['scripts/build-test-image.sh', '--tag'], { cwd: root, encoding: 'utf8' }).stdout.trim();

const dir = mkdtempSync(join(tmpdir(), 'pirun-demo-'));
const { createFleet } = await import('./demo-fleet.mjs');
const fleet = createFleet(image, { dir, label: `${process.pid}-${Date.now()}` });
let cleaned = false;
const cleanUp = () => {
  if (cleaned) return;
  cleaned = true;
  fleet.remove();
  rmSync(dir, { recursive: true, force: true });
};
// Last line of defence (an exception, process.exit anywhere): nothing stays behind.
process.on('exit', cleanUp);

// One pirun run in the user's own terminal: the live view when stdout is a terminal.
function pirun(extra, input) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'bin/pirun.js'), ...extra], { cwd: root, stdio: [input ? 'pipe' : 'inherit', 'inherit', 'inherit'] });
    if (input) child.stdin.end(input);
    child.on('close', (code) => done(code ?? 130));
  });
}

async function demo() {
  say(`Starting ${count} throwaway Debian 12 host${count === 1 ? '' : 's'} (containers)`);
  await fleet.start(count, () => interrupted);
  if (interrupted) return;
  const inventory = join(dir, 'inventory.yaml');
  const hosts = fleet.hosts.map((h, i) => `    demo${i + 1}: { host: 127.0.0.1, port: ${h.port}, user: pi }`).join('\n');
  writeFileSync(inventory, `# Fresh "Pis": user pi, password raspberry, no key installed yet.\nall:\n  hosts:\n${hosts}\n  vars:\n    ssh_public_keys: ["${fleet.publicKeyPath}"]\n`);
  const knownHosts = join(dir, 'known_hosts');
  const common = [playbook, '-i', inventory, '--private-key', fleet.privateKeyPath, '--known-hosts', knownHosts];
  const name = args.playbook;
  const phases = [
    [`1/3  pirun ${name} --check --ask-pass   (what would change; nothing is touched)`, [...common, '--check', '--ask-pass', '--accept-new-host-keys'], 'raspberry\n'],
    [`2/3  pirun ${name} --ask-pass   (first real run, still on the password)`, [...common, '--ask-pass'], 'raspberry\n'],
    [`3/3  pirun ${name}   (key only now; expect changed=0 everywhere)`, common, undefined],
  ];
  for (const [title, argv, input] of phases) {
    if (interrupted) return;
    say(title);
    const code = await pirun(argv, input);
    if (interrupted || code === 130) {
      interrupted = true;
      return;
    }
  }
  const h = fleet.hosts[0];
  say('Log in to a hardened host (password login is now refused):');
  console.log(`  ssh -i ${fleet.privateKeyPath} -p ${h.port} -o UserKnownHostsFile=${knownHosts} pi@127.0.0.1`);
  if (!process.stdin.isTTY) {
    console.log('\n(stdin is not a terminal, so the demo cannot wait for you: the hosts and the key above are removed now.\n Run `npm run demo` in a terminal to keep them until you press Enter.)');
    return;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  await new Promise((done) => {
    rl.question('\nPress Enter to remove the demo hosts (Ctrl-C works too)... ', done);
    // In a terminal readline takes Ctrl-C and Ctrl-D itself.
    rl.on('SIGINT', () => {
      interrupted = true;
      done();
    });
    rl.on('close', done);
  });
  rl.close();
}

try {
  await demo();
} finally {
  say(interrupted ? 'Interrupted: removing the demo hosts' : 'Removing the demo hosts');
  cleanUp();
}
process.exit(interrupted ? 130 : 0);

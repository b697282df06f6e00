#!/usr/bin/env node
// `npm run bench`: how fast pirun hardens a fleet compared with the floor of
// what any tool must do over SSH. On one fleet of N fresh Debian containers:
// cold (harden fresh hosts), warm (again, nothing to change), check (--check
// on the hardened fleet), floor (one read-only probe per host over one ssh2
// connection); and on a second fresh fleet, started after the first is gone:
// apt floor (one apt-get install of the same packages per host). --light runs
// warm, check and floor on N sshd-only hosts (default 200) to measure the
// controller's cost per host. Results: a table on stdout and JSON in bench/results/.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { docker, makeKeyDir, removeKeyDir, startFleet } from '../bench/lib/fleet.mjs';
import { aptScript, floorRun, probeScript } from '../bench/lib/floor.mjs';
import { ensureLightImage } from '../bench/lib/light.mjs';
import { manifest } from '../bench/lib/manifest.mjs';
import { runPirun, summarize } from '../bench/lib/pirun.mjs';
import { printTable } from '../bench/lib/table.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    hosts: { type: 'string' },
    light: { type: 'boolean', default: false },
    playbook: { type: 'string', default: 'playbooks/harden.yaml' },
    'extra-vars': { type: 'string', short: 'e', multiple: true, default: [] },
    'skip-apt-floor': { type: 'boolean', default: false },
    'phase-timeout': { type: 'string', default: '600' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`usage: npm run bench -- [--hosts N] [--light] [--playbook FILE] [-e k=v ...] [--skip-apt-floor] [--phase-timeout S] [--out FILE]
  --hosts N         fleet size (default 20; 200 with --light)
  --light           sshd-only hosts that answer as a hardened host would: warm, check and floor only
  --playbook FILE   default playbooks/harden.yaml (bench/standin/playbook.yaml is a stand-in)
  -e k=v            extra vars passed to every pirun run`);
  process.exit(0);
}
const N = Number(opt.hosts ?? (opt.light ? 200 : 20));
const playbook = resolve(root, opt.playbook);
const timeoutMs = Number(opt['phase-timeout']) * 1000;
const runId = randomBytes(4).toString('hex');
const say = (m) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

function testImage() {
  execFileSync('bash', [join(root, 'scripts/ensure-docker.sh')], { stdio: 'inherit' });
  execFileSync('flock', ['/tmp/pirun-build-test-image.lock', 'bash', join(root, 'scripts/build-test-image.sh')], { stdio: 'inherit' });
  return execFileSync('bash', [join(root, 'scripts/build-test-image.sh'), '--tag'], { encoding: 'utf8' }).trim();
}

function machine() {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    hostHash: createHash('sha256').update(hostname()).digest('hex').slice(0, 8),
  };
}

const userExtra = opt['extra-vars'].flatMap((e) => ['-e', e]);
let extra = userExtra;
const pirunPhase = (fleet, inv, work, label, roles, check = false) =>
  runPirun({ root, playbook, inventory: inv, knownHostsFile: fleet.knownHostsFile, check, extraArgs: extra, workDir: work, label, timeoutMs })
    .then((r) => summarize(r, roles));

// The bench's own key is the admin key the ssh-keys role installs (before any -e of the user's).
function benchVars(keys) {
  const file = join(keys.dir, 'bench-vars.yaml');
  writeFileSync(file, `ssh_public_keys: [${JSON.stringify(keys.publicKey)}]\n`);
  return ['-e', `@${file}`];
}

async function fullRun(image, m, roles, keys) {
  const phases = {};
  if (!opt['skip-apt-floor']) {
    say(`apt floor: starting ${N} fresh hosts`);
    const aptFleet = await startFleet({ image, count: N, runId, keys, prefix: 'a' });
    try {
      say(`apt floor: apt-get install ${m.packages.join(' ')} on every host at once`);
      phases.aptFloor = await floorRun(aptFleet, aptScript(m));
    } finally {
      await aptFleet.stop();
    }
  }
  say(`starting ${N} fresh hosts`);
  const fleet = await startFleet({ image, count: N, runId, keys, prefix: 'h' });
  try {
    const inv = fleet.inventory();
    for (const [name, check] of [['cold', false], ['warm', false], ['check', true]]) {
      say(`${name}: pirun ${relative(root, playbook)}${check ? ' --check' : ''} on ${N} hosts`);
      phases[name] = await pirunPhase(fleet, inv, keys.dir, name, roles, check);
    }
    say('floor: one read-only probe per host');
    phases.floor = await floorRun(fleet, probeScript(m));
  } finally {
    await fleet.stop();
  }
  return phases;
}

async function lightRun(image, m, roles, keys) {
  const light = await ensureLightImage({ root, image, playbook, extraArgs: userExtra, manifest: m, say });
  say(`starting ${N} light hosts from ${light}`);
  const fleet = await startFleet({ image: light, count: N, light: true, runId, keys, prefix: 'l', parallel: 8 });
  const phases = {};
  try {
    const inv = fleet.inventory();
    // The first run records the host keys; it is a warm run like the second.
    for (const [name, check] of [['warm', false], ['warm2', false], ['check', true]]) {
      say(`${name}: pirun on ${N} light hosts`);
      phases[name] = await pirunPhase(fleet, inv, keys.dir, name, roles, check);
    }
    say('floor: one read-only probe per host');
    phases.floor = await floorRun(fleet, probeScript(m));
  } finally {
    await fleet.stop();
  }
  return { phases, lightImage: light };
}

async function main() {
  const started = Date.now();
  say(`playbook ${relative(root, playbook)}, ${N} ${opt.light ? 'light' : 'full'} hosts`);
  const image = testImage();
  let m;
  let roles = 0;
  let configError = null;
  try {
    m = manifest(playbook);
    const { loadPlaybook } = await import('../dist/config/playbook.js');
    roles = loadPlaybook(playbook).plays.reduce((a, p) => a + p.roles.length, 0);
  } catch (err) {
    // A playbook that does not load is a result too: recorded, not hidden.
    configError = err.message;
    m = manifest(join(root, 'bench/standin/playbook.yaml'));
    say(`playbook does not load (${configError}); pirun phases will fail, floors use the stand-in's manifest`);
  }
  const keys = makeKeyDir();
  extra = [...benchVars(keys), ...userExtra];
  let phases;
  let lightImage;
  try {
    if (opt.light) ({ phases, lightImage } = await lightRun(image, m, roles, keys));
    else phases = await fullRun(image, m, roles, keys);
  } finally {
    removeKeyDir(keys);
  }
  const floor = phases.floor?.seconds;
  for (const [name, p] of Object.entries(phases)) {
    if (name === 'floor' || name === 'aptFloor') continue;
    p.ratioToFloor = floor ? p.seconds / floor : null;
    if (name === 'cold' && phases.aptFloor) p.ratioToAptFloor = p.seconds / phases.aptFloor.seconds;
  }
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    hosts: N,
    mode: opt.light ? 'light' : 'full',
    playbook: relative(root, playbook),
    roles,
    configError,
    manifest: m,
    image,
    lightImage,
    totalSeconds: (Date.now() - started) / 1000,
    phases,
  };
  const mc = result.machine;
  const out = opt.out ?? join(root, 'bench/results', `${result.date.slice(0, 10)}-${mc.cores}c-${Math.round(mc.memoryGb)}g-${mc.hostHash}-${opt.light ? 'light-' : ''}${N}hosts.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  printTable(result);
  say(`wrote ${relative(root, out)} (${result.totalSeconds.toFixed(0)} s in all)`);
}

main().catch((err) => {
  console.error(`[bench] Cannot finish the benchmark: ${err.stack ?? err}`);
  process.exit(1);
});

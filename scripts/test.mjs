#!/usr/bin/env node
// What `npm test` runs after the build: makes sure Docker works and the test
// image exists, and that ansible-inventory is installed for the unit tests
// (all by the project's own scripts, so a fresh CI machine needs nothing
// else), then runs vitest with any extra arguments passed through, e.g.
// `npm test -- --project integration`. Integration tests are never
// skipped silently: if Docker cannot be made to work, this fails.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

// Print a one-line reason and stop.
function fail(message) {
  console.error(`[pirun test] ${message}`);
  process.exit(1);
}

// Run a setup command with its output shown; return its exit code.
function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.error) return { code: 1, error: r.error.message };
  return { code: r.status ?? 1 };
}

// Only the integration project needs Docker; `--project unit` alone does not.
function needsDocker(argv) {
  const projects = [];
  argv.forEach((a, i) => {
    if (a === '--project' && argv[i + 1]) projects.push(argv[i + 1]);
    else if (a.startsWith('--project=')) projects.push(a.slice('--project='.length));
  });
  return projects.length === 0 || projects.some((p) => p.includes('integration') || p.includes('*'));
}

// The unit project compares inventories with ansible-inventory (Debian's ansible-core).
function needsAnsible(argv) {
  const projects = [];
  argv.forEach((a, i) => {
    if (a === '--project' && argv[i + 1]) projects.push(argv[i + 1]);
    else if (a.startsWith('--project=')) projects.push(a.slice('--project='.length));
  });
  return projects.length === 0 || projects.some((p) => p.includes('unit') || p.includes('*'));
}

function prepareAnsible() {
  const ensured = run('bash', ['scripts/ensure-ansible.sh']);
  if (ensured.code !== 0) {
    fail(`Cannot install ansible-inventory for the inventory tests: scripts/ensure-ansible.sh failed${ensured.error ? `: ${ensured.error}` : ` (exit ${ensured.code})`}`);
  }
}

function prepareDocker() {
  const ensured = run('bash', ['scripts/ensure-docker.sh']);
  if (ensured.code !== 0) {
    fail(`Cannot prepare Docker for the integration tests: scripts/ensure-docker.sh failed${ensured.error ? `: ${ensured.error}` : ` (exit ${ensured.code})`}`);
  }
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) {
    fail('Cannot reach the Docker engine after scripts/ensure-docker.sh: "docker info" fails');
  }
  // arm64/armhf programs run through qemu-user-static; the registration is lost on reboot.
  const binfmt = run('bash', ['scripts/ensure-binfmt.sh']);
  if (binfmt.code !== 0) fail(`Cannot set up ARM emulation: scripts/ensure-binfmt.sh failed (exit ${binfmt.code})`);
  return {
    PIRUN_TEST_IMAGE: buildImage('amd64'),
    // Emulated Raspberry Pi OS hosts (arm64 and armhf) for test/integration/arm.test.ts.
    PIRUN_TEST_IMAGE_ARM64: buildImage('arm64'),
    PIRUN_TEST_IMAGE_ARMHF: buildImage('armhf'),
  };
}

// Builds (once, cached by tag) the test image of one architecture; returns its tag.
function buildImage(arch) {
  const script = ['scripts/build-test-image.sh', '--arch', arch];
  // A lock keeps two test runs from debootstrapping the same image at once.
  const build = existsSync('/usr/bin/flock')
    ? run('flock', [`/tmp/pirun-build-test-image-${arch}.lock`, 'bash', ...script])
    : run('bash', script);
  if (build.code !== 0) fail(`Cannot build the ${arch} test image: scripts/build-test-image.sh --arch ${arch} failed (exit ${build.code})`);
  const tag = spawnSync('bash', [...script, '--tag'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  if (!tag) fail(`Cannot read the ${arch} test image tag: "scripts/build-test-image.sh --arch ${arch} --tag" printed nothing`);
  if (spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status !== 0) {
    fail(`Cannot find the test image "${tag}" after building it`);
  }
  console.error(`[pirun test] using ${arch} test image ${tag}`);
  return tag;
}

// Containers a crashed or killed test file left behind (no Ryuk here).
function removeLeftovers(runId) {
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=pirun.test-run=${runId}`], { encoding: 'utf8' })
    .stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length === 0) return;
  console.error(`[pirun test] removing ${ids.length} leftover test container(s)`);
  spawnSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' });
}

// Test containers publish their ports on loopback only (see test/support/fleet.ts).
const env = { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true', TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE || '127.0.0.1' };
if (needsAnsible(args)) prepareAnsible();
const docker = needsDocker(args);
if (docker) {
  Object.assign(env, prepareDocker());
  env.PIRUN_TEST_RUN_ID = process.env.PIRUN_TEST_RUN_ID || randomBytes(6).toString('hex');
}

const child = spawn('npx', ['vitest', 'run', ...args], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (err) => fail(`Cannot start vitest: ${err.message}`));
child.on('exit', (code, signal) => {
  if (docker) removeLeftovers(env.PIRUN_TEST_RUN_ID);
  process.exit(code ?? (signal ? 1 : 0));
});

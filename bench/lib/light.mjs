// The light host image: a full bench host hardened by the playbook, whose
// system tools then answer from recordings (scripts/image/light-stubs.sh),
// committed with sshd as the only process. Built locally from the test image
// (no registry) and cached under a tag derived from everything it depends on.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlaybook } from '../../dist/config/playbook.js';
import { docker, makeKeyDir, removeKeyDir, startFleet } from './fleet.mjs';
import { floorRun, probeScript } from './floor.mjs';
import { runPirun, summarize } from './pirun.mjs';

function hashTree(h, path) {
  const st = statSync(path);
  if (st.isDirectory()) for (const e of readdirSync(path).sort()) hashTree(h, join(path, e));
  else h.update(path).update(readFileSync(path));
}

function lightTag({ root, image, playbook, extraArgs }) {
  const h = createHash('sha256').update(image).update(JSON.stringify(extraArgs));
  hashTree(h, playbook);
  for (const p of loadPlaybook(playbook).plays) for (const r of p.roles) hashTree(h, r.dir);
  hashTree(h, join(root, 'scripts/image/light-stubs.sh'));
  hashTree(h, join(root, 'bench/lib/floor.mjs'));
  return `pirun-bench-light:${h.digest('hex').slice(0, 12)}`;
}

async function exists(tag) {
  return docker(['image', 'inspect', tag]).then(() => true, () => false);
}

// Hardens one full host, records its answers during a warm run, a check run
// and the floor probe, and commits it. Throws when the hardening fails.
export async function ensureLightImage({ root, image, playbook, extraArgs, manifest, say }) {
  const tag = lightTag({ root, image, playbook, extraArgs });
  if (await exists(tag)) return tag;
  say(`building light image ${tag} from one hardened full host`);
  const keys = makeKeyDir();
  const vars = join(keys.dir, 'light-vars.yaml');
  writeFileSync(vars, `ssh_public_keys: [${JSON.stringify(keys.publicKey)}]\n`);
  extraArgs = ['-e', `@${vars}`, ...extraArgs];
  const fleet = await startFleet({ image, count: 1, runId: 'light-build', keys, prefix: 'src' });
  try {
    const inv = fleet.inventory();
    const pirun = (label, check) =>
      runPirun({ root, playbook, inventory: inv, knownHostsFile: fleet.knownHostsFile, check, extraArgs, workDir: keys.dir, label }).then((r) => summarize(r, 0));
    const cold = await pirun('light-cold', false);
    if (cold.hostsFailed > 0 || cold.exitCode !== 0) throw new Error(`Cannot build the light image: hardening the source host failed: ${cold.failures.join('; ') || cold.error}`);
    const [{ id }] = fleet.hosts;
    await docker(['cp', join(root, 'scripts/image/light-stubs.sh'), `${id}:/tmp/light-stubs.sh`]);
    await docker(['exec', id, 'bash', '/tmp/light-stubs.sh', 'record']);
    const warm = await pirun('light-warm', false);
    const check = await pirun('light-check', true);
    const floor = await floorRun(fleet, probeScript(manifest));
    say(`light source host: warm changed ${warm.changedPerHost.max}, check changed ${check.changedPerHost.max}, floor failed ${floor.hostsFailed}`);
    say(`light source host: ${await docker(['exec', id, 'bash', '/tmp/light-stubs.sh', 'replay'])}`);
    await docker(['exec', id, 'rm', '-f', '/tmp/light-stubs.sh', '/home/pi/.ssh/authorized_keys']);
    await docker(['stop', '-t', '5', id]);
    await docker(['commit', '--change', 'CMD ["/usr/local/sbin/pirun-light-init"]', '--change', 'LABEL pirun.bench=', id, tag]);
  } finally {
    await fleet.stop();
    removeKeyDir(keys);
  }
  return tag;
}

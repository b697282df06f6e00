#!/usr/bin/env node
// Writes expected.json beside each inventory fixture (test/fixtures/inventories/*)
// from `ansible-inventory --list`, the reference the unit tests compare with.
// Run after adding or changing a fixture, and commit the result.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'test/fixtures/inventories');
for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  const args = [...spec.sources.flatMap((s) => ['-i', s]), ...(spec.playbookDir ? ['--playbook-dir', spec.playbookDir] : []), '--list'];
  const out = execFileSync('ansible-inventory', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True' } });
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(JSON.parse(out), null, 4) + '\n');
  console.log(`wrote ${name}/expected.json`);
}

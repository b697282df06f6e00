// pirun reads every inventory fixture as Ansible does: the same hosts, groups
// (children) and variables as `ansible-inventory --list`, checked against the
// live tool and against the output committed beside each fixture
// (expected.json, written by scripts/refresh-inventory-fixtures.mjs).
// ansible-inventory comes from Debian's ansible-core, which scripts/test.mjs
// installs through scripts/ensure-ansible.sh: a missing tool fails, never skips.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/config/inventory.js';
import { ansibleList } from '../../src/config/inventory-view.js';
import { runPirun } from '../support/fleet.js';

const root = join(import.meta.dirname, '../fixtures/inventories');
const fixtures = readdirSync(root).sort();

interface Case {
  sources: string[];
  playbookDir?: string;
}

const spec = (name: string): Case => JSON.parse(readFileSync(join(root, name, 'case.json'), 'utf8'));
const committed = (name: string): unknown => JSON.parse(readFileSync(join(root, name, 'expected.json'), 'utf8'));

function pirunList(name: string): unknown {
  const { sources, playbookDir } = spec(name);
  const dir = join(root, name);
  const inv = loadInventory(sources.map((s) => (s.includes(',') ? s : join(dir, s))), { playbookDir: playbookDir && join(dir, playbookDir) });
  return JSON.parse(JSON.stringify(ansibleList(inv)));
}

function ansibleInventory(name: string): unknown {
  const { sources, playbookDir } = spec(name);
  const args = [...sources.flatMap((s) => ['-i', s]), ...(playbookDir ? ['--playbook-dir', playbookDir] : []), '--list'];
  const out = execFileSync('ansible-inventory', args, {
    cwd: join(root, name),
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True' },
  });
  return JSON.parse(out);
}

describe('inventories read as ansible-inventory --list reads them', () => {
  it('has fixtures of every kind, and ansible-inventory to compare with', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['ini-sections', 'ini-ranges', 'yaml-ranges', 'folder', 'multi', 'playbook-vars']));
    const probe = spawnSync('ansible-inventory', ['--version'], { encoding: 'utf8' });
    expect(probe.error?.message, 'ansible-inventory is missing: run scripts/ensure-ansible.sh (scripts/test.mjs does)').toBeUndefined();
    expect(probe.status).toBe(0);
  });

  it.each(fixtures)('%s: the same as the committed expected.json', (name) => {
    expect(pirunList(name)).toEqual(committed(name));
  });

  it.each(fixtures)('%s: the same as ansible-inventory run now', { timeout: 60_000 }, (name) => {
    expect(pirunList(name)).toEqual(ansibleInventory(name));
  });

  it('pirun inventory --list prints that JSON', async () => {
    const dir = join(root, 'playbook-vars');
    const r = await runPirun(['inventory', '-i', join(dir, 'inventory/hosts'), '--playbook-dir', join(dir, 'playbooks'), '--list']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(committed('playbook-vars'));
  });
});

describe('INI values typed as Python literals', () => {
  // Checked against CPython's ast.literal_eval (ansible-core brings python3).
  const values = ["[1, 'a', True]", "{'k': 1, 2: [None]}", '0x10', '1_000', '1__0', '0640', '00', '-3', '1e400', '1.5', '(1,2)', "b'x'", 'None',
    'two words', '1+2j', 'abc', "f'x'", "'a' + 'b'", ' 1', '1 # c', '10.0.0.5', '{k:1}', '--1', '-True', 'not True', "'it\\'s'", "r'\\n'", '0o17',
    '1_', '1e5', '.5', '5.', 'yes', 'False', '[1,]', "'x' 'y'", '{}', "'é'", '2222', '-0', 'Europe/London', '"quoted"'];

  it('reads each value as CPython does, or keeps it as text', async () => {
    const { pythonLiteral } = await import('../../src/config/python-literal.js');
    const script = [
      'import ast, json, sys',
      'out = []',
      'for s in json.loads(sys.argv[1]):',
      '    try:',
      '        v = ast.literal_eval(s)',
      '        if isinstance(v, (tuple, set)): v = list(v)',
      '        if isinstance(v, bytes): v = v.decode()',
      "        if isinstance(v, complex) or v in (float('inf'), float('-inf')): out.append({'ok': False}); continue",
      '        if isinstance(v, dict): v = {str(k): x for k, x in v.items()}',
      "        out.append({'ok': True, 'value': v})",
      '    except Exception:',
      "        out.append({'ok': False})",
      'print(json.dumps(out))',
    ].join('\n');
    const python = JSON.parse(execFileSync('python3', ['-c', script, JSON.stringify(values)], { encoding: 'utf8' }));
    expect(values.map((v) => pythonLiteral(v))).toEqual(python);
  });
});

// `pirun --help` and README's flag table tell the same story: every flag in
// the help is in README, and the help names the limit syntax and every exit code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApplyProgram, buildProgram } from '../../src/cli/options.js';

const root = join(import.meta.dirname, '../..');
const help = buildProgram().helpInformation();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('help and README', () => {
  it('README documents every long flag of pirun --help', () => {
    const flags = [...new Set(help.match(/--[a-z][a-z-]+/g) ?? [])];
    expect(flags.length).toBeGreaterThan(15);
    const missing = flags.filter((f) => !readme.includes('`' + f) && !readme.includes(', ' + f));
    expect(missing).toEqual([]);
  });

  it('README documents every long flag of pirun apply --help, and names the plan commands', () => {
    const flags = [...new Set(buildApplyProgram().helpInformation().match(/--[a-z][a-z-]+/g) ?? [])];
    expect(flags).toContain('--all-or-nothing');
    expect(flags.filter((f) => !readme.includes('`' + f) && !readme.includes(', ' + f))).toEqual([]);
    expect(readme).toContain('pirun apply PLAN -i INVENTORY');
    expect(readme).toContain('pirun show PLAN');
  });

  it('--help names &group for --limit and every exit code', () => {
    const program = buildProgram();
    let text = '';
    program.configureOutput({ writeOut: (s) => (text += s) });
    program.exitOverride();
    try {
      program.parse(['--help'], { from: 'user' });
    } catch {
      // commander ends --help by "exiting"
    }
    expect(text).toContain('&group');
    for (const code of ['0 ', '1 ', '2 ', '3 ', '4 ', '70 ', '130 ']) expect(text).toContain(code);
  });
});

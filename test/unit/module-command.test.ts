// command and shell: the script each plans, run by a real local `sh`.
// `command` never interprets shell syntax (its words are split as Ansible
// does, with Python's shlex rules, and each is quoted); `shell` does. Data
// fed on stdin can never end early and run as shell.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command, shell } from '../../src/modules/command.js';
import type { Module } from '../../src/modules/types.js';
import { wrapScript } from '../../src/transport/become.js';
import { planWith } from './support/fake-context.js';

async function scriptOf(mod: Module<unknown>, args: unknown): Promise<string> {
  const plan = await planWith(mod, args, {});
  expect(plan.failed).toBeUndefined();
  const step = plan.changes[0]?.steps[0];
  if (step?.kind !== 'exec') throw new Error('expected one exec step');
  return step.script;
}

function runLocal(script: string): { stdout: string; stderr: string; code: number } {
  const r = spawnSync('sh', ['-s'], { input: wrapScript(script), encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

describe('command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-cmd-'));
  const canary = join(dir, 'ran');
  // Every way a shell would run a second command, as a variable's value lands
  // unquoted in `command: "printf [%s] {{ value }}"`; none may run anything.
  const hostile: [string, string[]][] = [
    [`x; touch ${canary}`, ['x;', 'touch', canary]],
    [`$(touch ${canary})`, ['$(touch', `${canary})`]],
    [`\`touch ${canary}\``, ['`touch', `${canary}\``]],
    [`x | touch ${canary}`, ['x', '|', 'touch', canary]],
    [`x\ntouch ${canary}`, ['x', 'touch', canary]],
    [`x && touch ${canary} > ${canary}`, ['x', '&&', 'touch', canary, '>', canary]],
  ];

  it.each(hostile)('passes %j to the program as words, running nothing else', async (value, words) => {
    const script = await scriptOf(command as Module<unknown>, { cmd: `printf [%s] ${value}` });
    const r = runLocal(script);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(words.map((w) => `[${w}]`).join(''));
    expect(existsSync(canary)).toBe(false);
  });

  it('splits words as Ansible does (quotes, backslashes), keeping $VAR, globs and # literal', async () => {
    const script = await scriptOf(command as Module<unknown>, { cmd: `printf '<%s>' "a b" c\\ d 'e"f' $HOME * #x` });
    expect(runLocal(script).stdout).toBe('<a b><c d><e"f><$HOME><*><#x>');
  });

  it('takes argv as a list, each item one word', async () => {
    const script = await scriptOf(command as Module<unknown>, { argv: ['printf', '<%s>', 'a b', `; touch ${canary}`, 42] });
    expect(runLocal(script).stdout).toBe(`<a b><; touch ${canary}><42>`);
    expect(existsSync(canary)).toBe(false);
  });

  it('fails the task with one line for an unclosed quote, or for both cmd and argv', async () => {
    expect((await planWith(command as Module<unknown>, { cmd: 'echo "oops' }, {})).failed).toMatch(/^Cannot split command "echo \\"oops": .*quot/i);
    expect((await planWith(command as Module<unknown>, { cmd: 'echo', argv: ['echo'] }, {})).failed).toMatch(/exactly one of "cmd" or "argv"/);
  });

  it('runs in chdir and reports the program exit code', async () => {
    const script = await scriptOf(command as Module<unknown>, { cmd: 'sh -c "pwd; exit 3"', chdir: dir });
    const r = runLocal(script);
    expect(r.stdout.trim()).toBe(dir);
    expect(r.code).toBe(3);
  });
});

describe('shell', () => {
  it('keeps shell semantics', async () => {
    const script = await scriptOf(shell as Module<unknown>, { cmd: 'echo a | tr a b; echo $((1+2))' });
    expect(runLocal(script).stdout).toBe('b\n3\n');
  });

  it('does not take argv', () => {
    expect(() => shell.args.parse({ argv: ['true'] })).toThrow();
  });
});

describe('stdin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-stdin-'));
  const canary = join(dir, 'ran');
  const data = `line one\nPIRUN_STDIN_EOF\ntouch ${canary}\n$(touch ${canary})\n'quoted' "and" \`x\``;

  it.each([
    ['command', command],
    ['shell', shell],
  ])('%s feeds the data as it is, a line like a heredoc end included, and runs none of it', async (_name, mod) => {
    const script = await scriptOf(mod as Module<unknown>, { cmd: 'cat', stdin: data });
    const r = runLocal(script);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${data}\n`);
    expect(existsSync(canary)).toBe(false);
  });
});

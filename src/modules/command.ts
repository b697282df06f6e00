// command and shell: run something on the host. Changed unless `creates` /
// `removes` say there is nothing to do, or the task's `changed_when` says so.
// `shell` runs its text as a shell script. `command` never interprets shell
// syntax, as in Ansible: its text is split into words with Python's shlex
// rules (the `shlex` package, Ansible's own splitter) or given as `argv`, and
// every word is quoted, so a `;`, `|`, `$( )` or newline in a variable is
// only ever text passed to the program.
import { randomBytes } from 'node:crypto';
import { split } from 'shlex';
import { z } from 'zod';
import { commandProbe } from '../facts/command.js';
import { fileProbe } from '../facts/files.js';
import { quote, sh } from '../transport/quote.js';
import type { ExecResult } from '../transport/types.js';
import { textArg } from './args.js';
import { defineModule, type Module } from './types.js';

const common = {
  creates: z.string().optional().describe('Skip when this path exists'),
  removes: z.string().optional().describe('Skip when this path does not exist'),
  chdir: z.string().optional().describe('Run in this folder'),
  stdin: z.string().optional().describe('Text fed to the command on its standard input (a newline is added)'),
};

const commandArgs = z.strictObject({
  cmd: z.string().min(1).optional().describe('The command line: split into words like a shell would (quotes, backslashes), but no shell syntax is interpreted'),
  argv: z.array(textArg).min(1).optional().describe('The command as a list of words, each passed as it is (instead of cmd)'),
  ...common,
});

const shellArgs = z.strictObject({
  cmd: z.string().min(1).describe('The shell script line'),
  ...common,
});

type Args = z.infer<typeof commandArgs>;

function result(_a: Args, results: ExecResult[]): Record<string, unknown> {
  const r = results[results.length - 1];
  if (!r) return {};
  return { rc: r.exitCode, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr.replace(/\n$/, ''), stdout_lines: r.stdout.split('\n').filter(Boolean) };
}

// The words of a `command` task, or the reason they cannot be had.
function words(a: Args): string[] | { failed: string } {
  if ((a.cmd === undefined) === (a.argv === undefined)) return { failed: 'command needs exactly one of "cmd" or "argv"' };
  if (a.argv) return a.argv;
  try {
    const w = split(a.cmd!);
    return w.length > 0 ? w : { failed: `Cannot split command ${JSON.stringify(a.cmd)}: no words` };
  } catch (err) {
    return { failed: `Cannot split command ${JSON.stringify(a.cmd)}: ${(err as Error).message}` };
  }
}

// The body that runs: the shell text, or the quoted words. stdin travels
// base64-encoded in a here-document whose random end marker has a character
// base64 never produces, so no data can end it early and run as shell.
function script(a: Args, body: string): string {
  const run = a.stdin !== undefined ? `${stdinFeed(a.stdin, body)}` : body;
  return a.chdir ? `cd ${quote(a.chdir)} || exit 1\n${run}` : run;
}

// The here-document's lines follow the line that opens it, before the body.
function stdinFeed(data: string, body: string): string {
  const eof = `PIRUN_STDIN_${randomBytes(8).toString('hex')}`;
  const b64 = Buffer.from(`${data}\n`).toString('base64').match(/.{1,76}/g) ?? [];
  return [`base64 -d <<'${eof}' | {`, ...b64, eof, body, '}'].join('\n');
}

function make(name: 'command' | 'shell'): Module<Args> {
  const body = (a: Args): string | { failed: string } => {
    if (name === 'shell') return a.cmd!;
    const w = words(a);
    return Array.isArray(w) ? sh`${w}` : w;
  };
  const label = (a: Args): string => a.cmd ?? (a.argv ?? []).map((w) => quote(w)).join(' ');
  return defineModule({
    name,
    description: name === 'command' ? 'Run a program with arguments; no shell syntax is interpreted' : 'Run a shell script line',
    args: (name === 'command' ? commandArgs : shellArgs) as z.ZodType<Args>,
    probes: (a, ctx) => {
      const b = body(a);
      return [
        ...[a.creates, a.removes].filter((p): p is string => !!p).map((p) => fileProbe(p)),
        ...(ctx.readOnly && !a.creates && !a.removes && typeof b === 'string' ? [commandProbe(script(a, b), ctx.become, label(a))] : []),
      ];
    },
    async plan(a, ctx) {
      const b = body(a);
      if (typeof b !== 'string') return { changes: [], failed: b.failed };
      if (a.creates && (await ctx.fact(fileProbe(a.creates)))) return { changes: [], skipped: `"${a.creates}" exists` };
      if (a.removes && !(await ctx.fact(fileProbe(a.removes)))) return { changes: [], skipped: `"${a.removes}" does not exist` };
      const s = script(a, b);
      if (ctx.readOnly) {
        const probe = commandProbe(s, ctx.become, label(a));
        return { changes: [], ran: { result: await ctx.fact(probe), key: probe.key } };
      }
      return { changes: [{ summary: `run ${label(a).split('\n')[0]}`, op: 'command.run', steps: [{ kind: 'exec', script: s, label: label(a) }] }] };
    },
    result,
  });
}

export const command = make('command');
export const shell = make('shell');

// command and shell: run something on the host. Changed unless `creates` /
// `removes` say there is nothing to do, or the task's `changed_when` says so.
import { z } from 'zod';
import { commandProbe } from '../facts/command.js';
import { fileProbe } from '../facts/files.js';
import { quote } from '../transport/quote.js';
import type { ExecResult } from '../transport/types.js';
import { defineModule, type Module } from './types.js';

const args = z.strictObject({
  cmd: z.string().min(1).describe('The command line'),
  creates: z.string().optional().describe('Skip when this path exists'),
  removes: z.string().optional().describe('Skip when this path does not exist'),
  chdir: z.string().optional().describe('Run in this folder'),
  stdin: z.string().optional().describe('Text fed to the command'),
});
type Args = z.infer<typeof args>;

function result(_a: Args, results: ExecResult[]): Record<string, unknown> {
  const r = results[results.length - 1];
  if (!r) return {};
  return { rc: r.exitCode, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr.replace(/\n$/, ''), stdout_lines: r.stdout.split('\n').filter(Boolean) };
}

function script(a: Args): string {
  const body = a.stdin !== undefined ? `${a.cmd} <<'PIRUN_STDIN_EOF'\n${a.stdin}\nPIRUN_STDIN_EOF` : a.cmd;
  return a.chdir ? `cd ${quote(a.chdir)} || exit 1\n${body}` : body;
}

function make(name: 'command' | 'shell'): Module<Args> {
  return defineModule({
    name,
    description: name === 'command' ? 'Run a command (no shell features are interpreted by pirun)' : 'Run a shell script line',
    args,
    probes: (a, ctx) => [
      ...[a.creates, a.removes].filter((p): p is string => !!p).map((p) => fileProbe(p)),
      ...(ctx.readOnly && !a.creates && !a.removes ? [commandProbe(script(a), ctx.become, a.cmd)] : []),
    ],
    async plan(a, ctx) {
      if (a.creates && (await ctx.fact(fileProbe(a.creates)))) return { changes: [], skipped: `"${a.creates}" exists` };
      if (a.removes && !(await ctx.fact(fileProbe(a.removes)))) return { changes: [], skipped: `"${a.removes}" does not exist` };
      if (ctx.readOnly) {
        const probe = commandProbe(script(a), ctx.become, a.cmd);
        return { changes: [], ran: { result: await ctx.fact(probe), key: probe.key } };
      }
      return { changes: [{ summary: `run ${a.cmd.split('\n')[0]}`, steps: [{ kind: 'exec', script: script(a), label: a.cmd }] }] };
    },
    result,
  });
}

export const command = make('command');
export const shell = make('shell');

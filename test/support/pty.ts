// Runs a command in a real pseudo-terminal, as a user at a terminal would:
// util-linux `script` allocates the pty, so the program sees a TTY on stdin
// and stdout, and a Ctrl-C typed into it (\x03) reaches the foreground
// process group as SIGINT through the terminal's line discipline.
import { spawn } from 'node:child_process';
import { quoteArgs } from './quote-args.js';

export interface PtyRun {
  // Everything the terminal showed so far, colours and cursor moves removed.
  screen(): string;
  // Types into the terminal (e.g. "\x03" for Ctrl-C, "\r" for Enter).
  type(keys: string): void;
  // Resolves once the screen shows the text; rejects after timeoutMs.
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  // The program's exit code (script -e passes it through).
  done: Promise<{ code: number; screen: string }>;
  kill(): void;
}

// Removes ANSI escapes (colours, cursor moves, erase-line) and carriage returns.
export function plainText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\x1b[()][A-Z0-9]/g, '').replace(/\r/g, '');
}

// A user's terminal: no CI marker and no colour overrides from the test runner.
function terminalEnv(): Record<string, string> {
  const env: Record<string, string> = { TERM: 'xterm-256color' };
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['CI', 'FORCE_COLOR', 'NO_COLOR', 'GITHUB_ACTIONS'].includes(k)) env[k] = v;
  }
  return env;
}

export function runInPty(argv: string[], opts: { env?: Record<string, string>; cwd?: string; cols?: number } = {}): PtyRun {
  // stty inside the pty gives the view a realistic width.
  const cmd = `stty cols ${opts.cols ?? 120} rows 40 2>/dev/null; exec ${quoteArgs(argv)}`;
  const child = spawn('script', ['-q', '-f', '-e', '-c', cmd, '/dev/null'], {
    cwd: opts.cwd,
    env: { ...terminalEnv(), ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  const waiters: { re: RegExp; resolve(): void }[] = [];
  const onData = (d: Buffer) => {
    raw += d.toString('utf8');
    const text = plainText(raw);
    for (const w of [...waiters]) {
      if (w.re.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.stdin.on('error', () => undefined);
  const done = new Promise<{ code: number; screen: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), screen: plainText(raw) }));
  });
  return {
    screen: () => plainText(raw),
    type: (keys) => void child.stdin.write(keys),
    waitFor: (text, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const re = typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text;
        if (re.test(plainText(raw))) return resolve();
        const timer = setTimeout(() => reject(new Error(`the terminal never showed ${re} within ${timeoutMs}ms; it shows:\n${plainText(raw).slice(-3000)}`)), timeoutMs);
        waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    done,
    kill: () => child.kill('SIGKILL'),
  };
}

// The RECAP block of a run's output with durations removed, to compare the
// terminal view with the plain view of the same run.
export function recapOf(output: string): string[] {
  const lines = plainText(output).split('\n').map((l) => l.trimEnd());
  const start = lines.findIndex((l) => l.startsWith('RECAP'));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /host\(s\) in /.test(l));
  return lines.slice(start, end + 1).map((l) => l.replace(/in \d+\.\d+s/, 'in Ns'));
}

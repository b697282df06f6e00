// Helpers for the fleet-operations tests: playbooks in a temp folder, a
// closed port, and pirun as a child process that a test can signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { REPO_ROOT, type PirunResult } from './fleet.js';

export function writePlaybook(dir: string, name: string, plays: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, yaml.dump(plays));
  return path;
}

// A loopback port nothing listens on (bound, then released).
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// Adds a host entry to an inventory file written by fleet.writeInventory().
export function addHost(inventory: string, name: string, entry: Record<string, unknown>): void {
  const doc = yaml.load(readFileSync(inventory, 'utf8')) as { all: { hosts: Record<string, unknown> } };
  doc.all.hosts[name] = entry;
  writeFileSync(inventory, yaml.dump(doc));
}

export interface PirunProcess {
  child: ChildProcess;
  // Resolves once stdout contains the text.
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<PirunResult>;
  output(): string;
}

// Starts the built CLI and lets the test watch its output and send signals.
export function startPirun(args: string[]): PirunProcess {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/pirun.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    watchers.forEach((w) => w());
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<PirunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr }));
  });
  return {
    child,
    done,
    output: () => stdout + stderr,
    waitFor(text, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const matches = () => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout));
        if (matches()) return resolve();
        const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${String(text)} in pirun output:\n${stdout}\n${stderr}`)), timeoutMs);
        const check = () => {
          if (matches()) {
            clearTimeout(timer);
            resolve();
          }
        };
        watchers.push(check);
        void done.then(() => {
          if (!matches()) {
            clearTimeout(timer);
            reject(new Error(`pirun exited before printing ${String(text)}:\n${stdout}\n${stderr}`));
          }
        });
      });
    },
  };
}

// Several -i flags and inventory folders, merged as Ansible merges them: the
// CLI keeps every -i, a folder contributes every file Ansible would read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPirun } from '../support/fleet.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-invsrc-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('several -i flags', () => {
  it('pirun inventory reads every -i, the later one winning for the same variable', async () => {
    const dir = fixture({
      'a.yaml': 'pis:\n  hosts:\n    pi1: { colour: red, size: 1 }\n',
      'b.yaml': 'web:\n  hosts:\n    web1:\n    pi1: { colour: blue }\n',
    });
    const r = await runPirun(['inventory', '-i', join(dir, 'a.yaml'), '-i', join(dir, 'b.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('web1:');
    expect(r.stdout).toMatch(/ {2}pi1:\n(?: {4}.*\n)* {4}groups: all, pis, web\n(?: {4}.*\n)* {6}colour: blue\n {6}size: 1\n/);
  });

  it('a run sees the hosts of every -i (a play naming a host of each connects to both)', async () => {
    const dir = fixture({
      'a.yaml': 'all:\n  hosts:\n    a1: { host: 127.0.0.1, port: 1, user: pi }\n',
      'b.yaml': 'all:\n  hosts:\n    b1: { host: 127.0.0.1, port: 1, user: pi }\n',
      'pb.yaml': '- hosts: a1:b1\n  tasks:\n    - debug: { msg: hi }\n',
    });
    const r = await runPirun([join(dir, 'pb.yaml'), '-i', join(dir, 'a.yaml'), '-i', join(dir, 'b.yaml'), '--known-hosts', join(dir, 'kh'), '--progress', 'plain']);
    expect(r.stderr).not.toMatch(/matches no host/);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/a1/);
    expect(r.stdout).toMatch(/b1/);
  });
});

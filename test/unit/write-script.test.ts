// The write step's script, run by a real local `sh` with chmod and chown
// logged: the temp file is created 0600 and gets its final mode in one
// chmod, so its content is never readable by anyone the final file would not
// let read it; `secret: true` makes a new file 0600.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeScript } from '../../src/engine/script.js';
import type { WriteStep } from '../../src/modules/types.js';
import { wrapScript } from '../../src/transport/become.js';

// chmod and chown that log each call and the target's mode just before it.
function shims(): { bin: string; log: string } {
  const bin = mkdtempSync(join(tmpdir(), 'pirun-shim-'));
  const log = join(bin, 'log');
  for (const tool of ['chmod', 'chown']) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(bin, tool), `#!/bin/sh\nfor last; do :; done\necho "${tool} $(for a; do [ "$a" = "$last" ] || printf '%s ' "$a"; done)before=$(stat -c %a -- "$last")" >>${log}\nexec ${real} "$@"\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return { bin, log };
}

function write(step: Omit<WriteStep, 'kind' | 'content'> & { content?: string }): { code: number; stderr: string; calls: string[] } {
  const { bin, log } = shims();
  writeFileSync(log, '');
  const r = spawnSync('sh', ['-s'], { input: wrapScript(writeScript({ kind: 'write', ...step, content: Buffer.from(step.content ?? 'secret value\n') })), encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return { code: r.status ?? -1, stderr: r.stderr, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');

describe('write step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-write-'));

  it('creates a new file 0644 by default, in one chmod from 0600', () => {
    const r = write({ path: join(dir, 'plain') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual(['chmod -- 0644 before=600']);
    expect(mode(join(dir, 'plain'))).toBe('0644');
  });

  it('creates a new secret file 0600 without a mode', () => {
    const r = write({ path: join(dir, 'secret'), secret: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual(['chmod -- 0600 before=600']);
    expect(mode(join(dir, 'secret'))).toBe('0600');
    expect(readFileSync(join(dir, 'secret'), 'utf8')).toBe('secret value\n');
  });

  it('tightens an existing 0644 file to 0600 without passing through 0644', () => {
    const p = join(dir, 'existing');
    writeFileSync(p, 'old\n', { mode: 0o644 });
    const r = write({ path: p, mode: '0600' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('chmod'))).toEqual(['chmod -- 0600 before=600']);
    expect(mode(p)).toBe('0600');
  });

  it('keeps an existing file\'s mode and owner when none is asked', () => {
    const p = join(dir, 'kept');
    writeFileSync(p, 'old\n');
    chmodSync(p, 0o640);
    const r = write({ path: p });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('chmod'))).toEqual(['chmod -- 640 before=600']);
    expect(r.calls.filter((c) => c.startsWith('chown'))).toHaveLength(1);
    expect(mode(p)).toBe('0640');
  });

  it('sets the owner before the mode (a chown would clear setuid bits set earlier)', () => {
    const r = write({ path: join(dir, 'owned'), owner: 'root', mode: '0640' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls.map((c) => c.split(' ')[0])).toEqual(['chown', 'chmod']);
  });
});

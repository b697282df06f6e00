// File modes the ways Ansible users write them, and symbolic modes resolved
// exactly as GNU chmod resolves them (checked against the real chmod).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExtraVars } from '../../src/cli/extra-vars.js';
import { parseYaml } from '../../src/config/yaml.js';
import { modeArg } from '../../src/modules/args.js';
import { parseMode, resolveMode } from '../../src/modules/mode.js';

describe('mode as written', () => {
  const fromYaml = (text: string) => modeArg.parse((parseYaml(`mode: ${text}`, { file: 't.yaml', what: 'playbook' }) as { mode: unknown }).mode);

  it.each([
    ['0640', '0640'],
    ['"0640"', '0640'],
    ['0o640', '0640'],
    ['"0o640"', '0640'],
    ['640', '0640'],
    ['"640"', '0640'],
    ['0755', '0755'],
    ['04755', '4755'],
    ['"u=rw,g=r"', 'u=rw,g=r'],
    ['u+x,go-w', 'u+x,go-w'],
  ])('mode: %s reads as %s', (text, want) => {
    expect(fromYaml(text)).toBe(want);
  });

  it.each(['0648', '"rw-r--r--"', '"u=rw;g=r"', '"+x"', '99999', '"0o9"', 'true'])('mode: %s is refused with a hint', (text) => {
    const r = modeArg.safeParse((parseYaml(`mode: ${text}`, { file: 't.yaml', what: 'playbook' }) as { mode: unknown }).mode);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].message).toMatch(/expected an octal mode such as "0644" or a symbolic mode/);
  });

  it('reads -e key=value and -e {mapping} the same way', () => {
    const v = parseExtraVars(['a=0o640', 'b=0640', '{c: 0o640, d: "u=rw"}', 'n=10', 'day=2024-01-01']);
    expect([v.a, v.b, v.c, v.d].map((m) => modeArg.parse(m))).toEqual(['0640', '0640', '0640', 'u=rw']);
    expect(v).toMatchObject({ n: 10, day: '2024-01-01' });
  });

  it('keeps other YAML numbers as they were', () => {
    expect(parseYaml('a: 10\nb: 0\nc: 0x10\nd: 1.5\ne: 007', { file: 't.yaml', what: 'vars' })).toEqual({ a: 10, b: 0, c: 16, d: 1.5, e: '007' });
  });
});

describe('symbolic modes resolve as chmod does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-mode-'));
  let n = 0;
  // The real chmod's answer for a file or folder that has mode `base`.
  function chmod(base: string, mode: string, isDir: boolean): string {
    const p = join(dir, `p${++n}`);
    if (isDir) mkdirSync(p);
    else writeFileSync(p, '');
    chmodSync(p, parseInt(base, 8));
    execFileSync('chmod', [mode, p]);
    return (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');
  }

  const modes = ['u=rw,g=r', 'u=rw,g=r,o=', 'a=r', 'u+x', 'go-w', 'a=rX', 'a+X', 'u=rwx,g=rx,o=rx', 'g=u', 'o=g-w', 'u+s', 'g+s', 'u-s,g-s', 'o+t', 'a=', 'ug=rw,o=r', 'u=rws,g=x', 'a-rwx,u+r', 'g+w,o-rwx', 'u=g,g=o', 'a=rwx,g-x', 'go=u-w'];
  const bases = ['0644', '0600', '0755', '0000', '2775', '4755', '1777', '0711'];

  it.each(modes)('%s', (mode) => {
    expect(parseMode(mode)).toBe(mode);
    for (const base of bases) {
      for (const isDir of [false, true]) {
        expect(resolveMode(mode, base, { dir: isDir }), `${mode} on ${isDir ? 'folder' : 'file'} ${base}`).toBe(chmod(base, mode, isDir));
      }
    }
  });

  it('leaves octal modes as they are', () => {
    expect(resolveMode('0640', '0755')).toBe('0640');
  });
});

// lookup('file') and the quote filter: controller files read into templates
// (the ssh-keys role reads public keys this way) and shell-safe values.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderString } from '../../src/engine/template.js';

describe("lookup('file')", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-lookup-'));
  const key = join(dir, 'id_ed25519.pub');
  writeFileSync(key, 'ssh-ed25519 AAAAC3Nza admin@laptop\n\n');

  it('reads a controller file without trailing whitespace', () => {
    expect(renderString(`{{ lookup('file', p) }}`, { p: key })).toBe('ssh-ed25519 AAAAC3Nza admin@laptop');
  });

  it('expands ~ to the home folder', () => {
    const old = process.env.HOME;
    process.env.HOME = dir;
    try {
      expect(renderString(`{{ lookup('file', '~/id_ed25519.pub') }}`, {})).toBe('ssh-ed25519 AAAAC3Nza admin@laptop');
    } finally {
      process.env.HOME = old;
    }
  });

  it('names the file when it cannot be read', () => {
    expect(() => renderString(`{{ lookup('file', '/nonexistent/key.pub') }}`, {})).toThrow(/lookup\('file'\) cannot read "\/nonexistent\/key.pub": ENOENT/);
  });

  it('refuses unknown lookups', () => {
    expect(() => renderString(`{{ lookup('nope', 'id') }}`, {})).toThrow(/unknown lookup "nope"/);
  });
});

describe('quote filter', () => {
  it('quotes a value for the shell', () => {
    expect(renderString(`sshd -T -C user={{ u | quote }}`, { u: "pi'; rm -rf /" })).toBe("sshd -T -C user='pi'\\''; rm -rf /'");
  });
});

describe('macros', () => {
  it('treats a macro and its parameters as defined names', () => {
    const src = `{% macro yn(v) %}{{ 'yes' if v else 'no' }}{% endmacro %}{{ yn(flag) }}`;
    expect(renderString(src, { flag: true })).toBe('yes');
    expect(() => renderString(src, {})).toThrow(/undefined variable "flag"/);
  });
});

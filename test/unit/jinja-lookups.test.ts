// Lookups on the controller (env, template, pipe, varnames) and the preflight
// that names an unknown filter, test or lookup before any host is touched.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderString, syntaxError } from '../../src/engine/template.js';

describe('lookups', () => {
  it('env: a controller environment variable, empty when unset', () => {
    process.env.PIRUN_TEST_LOOKUP = 'hello';
    expect(renderString("{{ lookup('env', 'PIRUN_TEST_LOOKUP') }}", {})).toBe('hello');
    expect(renderString("{{ lookup('env', 'PIRUN_TEST_UNSET_VAR') }}", {})).toBe('');
  });
  it('pipe: a command on the controller, without the trailing newline; a failure names it', () => {
    expect(renderString("{{ lookup('pipe', 'printf \"a\\nb\\n\"') }}", {})).toBe('a\nb');
    expect(() => renderString("{{ lookup('pipe', 'exit 3') }}", {})).toThrow(/lookup\('pipe'\) command "exit 3" failed \(exit 3\)/);
  });
  it('template: renders a template file with the task variables, found under the role', () => {
    const role = mkdtempSync(join(tmpdir(), 'pirun-role-'));
    mkdirSync(join(role, 'templates'));
    writeFileSync(join(role, 'templates', 'motd.j2'), 'Welcome to {{ host }}\n');
    expect(renderString("{{ lookup('template', 'motd.j2') }}", { host: 'pi1', role_path: role })).toBe('Welcome to pi1\n');
  });
  it('varnames: the names of the variables matching a regular expression', () => {
    expect(renderString("{{ query('varnames', '^ssh_') }}", { ssh_port: 22, ssh_users: [], other: 1 })).toEqual(['ssh_port', 'ssh_users']);
    expect(renderString("{{ lookup('varnames', '^ssh_') }}", { ssh_port: 22, ssh_users: [] })).toBe('ssh_port,ssh_users');
  });
});

describe('unknown names are load-time errors', () => {
  it('names the unknown filter, test or lookup', () => {
    expect(syntaxError('{{ x | to_toml }}')).toBe('unknown filter "to_toml"');
    expect(syntaxError('x is frobbed', { condition: true })).toBe('unknown test "frobbed"');
    expect(syntaxError("{{ lookup('hashi_vault', 'x') }}")).toBe('unknown lookup "hashi_vault"');
    expect(syntaxError("{{ users | map('nofilter') | list }}")).toBe('unknown filter "nofilter"');
    expect(syntaxError("{{ users | selectattr('uid', 'bigger', 3) | list }}")).toBe('unknown test "bigger"');
  });
  it('accepts the known ones', () => {
    expect(syntaxError("{{ users | selectattr('uid', 'equalto', 3) | map(attribute='name') | combine({}) }}")).toBeUndefined();
    expect(syntaxError("v is version('2', '>=')", { condition: true })).toBeUndefined();
    expect(syntaxError("{{ lookup('env', 'HOME') }}")).toBeUndefined();
  });
});

// Ansible's Jinja tests, Python methods and slices through pirun's template
// engine, with the answers Ansible gives.
import { describe, expect, it } from 'vitest';
import { evaluate, renderString } from '../../src/engine/template.js';

const e = (src: string, vars: Record<string, unknown> = {}) => evaluate(src, vars);

describe('version', () => {
  it('compares loosely by default, with every operator spelling', () => {
    expect(e("v is version('1.2.9', '>')", { v: '1.2.10' })).toBe(true);
    expect(e("v is version('2.0', '>=')", { v: '2.0' })).toBe(true);
    expect(e("v is version('2.0', 'lt')", { v: '1.9.9' })).toBe(true);
    expect(e("v is version('2.0')", { v: '2.0' })).toBe(true);
    expect(e("v is version('12', '<')", { v: '9' })).toBe(true);
    expect(e("v is version('1.0', '!=')", { v: '1.0' })).toBe(false);
    expect(e("ansible_distribution_version is version('12', '>=')", { ansible_distribution_version: '12.4' })).toBe(true);
  });
  it('strict versions and semver', () => {
    expect(e("v is version('1.0', '<', strict=true)", { v: '1.0a1' })).toBe(true);
    expect(() => e("v is version('1.0', '<', strict=true)", { v: '1.0-rc' })).toThrow(/invalid version number "1.0-rc"/);
    expect(e("v is version('1.0.0', '<', version_type='semver')", { v: '1.0.0-rc.1' })).toBe(true);
  });
  it('names a bad operator', () => {
    expect(() => e("v is version('1', 'bigger')", { v: '2' })).toThrow(/invalid operator "bigger"/);
  });
});

describe('task result tests', () => {
  it('changed, failed, succeeded, skipped', () => {
    const r = { changed: true, failed: false, rc: 0 };
    expect(e('r is changed', { r })).toBe(true);
    expect(e('r is failed', { r })).toBe(false);
    expect(e('r is succeeded', { r })).toBe(true);
    expect(e('r is skipped', { r })).toBe(false);
    expect(e('r is skipped', { r: { skipped: true, changed: false } })).toBe(true);
    expect(e('r is not changed', { r: { changed: false } })).toBe(true);
  });
  it('refuses what is not a task result', () => {
    expect(() => e('r is changed', { r: 'yes' })).toThrow(/"changed" test expects a task result/);
  });
});

describe('match and search', () => {
  it('match anchors at the start, search anywhere (Python regular expressions)', () => {
    expect(e("s is match('b')", { s: 'abc' })).toBe(false);
    expect(e("s is match('a')", { s: 'abc' })).toBe(true);
    expect(e("s is search('b')", { s: 'abc' })).toBe(true);
    expect(e("s is search('(?P<x>B)', ignorecase=true)", { s: 'abc' })).toBe(true);
    expect(e("s is regex('^a.c$')", { s: 'abc' })).toBe(true);
  });
});

describe('Python methods and slices', () => {
  const r = (src: string, vars: Record<string, unknown>) => renderString(src, vars);
  it('dictionary methods', () => {
    expect(r('{{ d.items() | list }}', { d: { a: 1 } })).toEqual([['a', 1]]);
    expect(r('{{ d.keys() | list }}', { d: { a: 1, b: 2 } })).toEqual(['a', 'b']);
    expect(r('{{ d.values() | list }}', { d: { a: 1 } })).toEqual([1]);
    expect(r("{{ d.get('a') }}", { d: { a: 1 } })).toBe(1);
    expect(r("{{ d.get('z', 'none') }}", { d: { a: 1 } })).toBe('none');
  });
  it('a key of the data wins over a method of the same name', () => {
    expect(r('{{ d.items }}', { d: { items: [1, 2] } })).toEqual([1, 2]);
  });
  it('string methods', () => {
    expect(r("{{ s.startswith('Deb') }}", { s: 'Debian' })).toBe(true);
    expect(r("{{ s.endswith(('x', 'an')) }}", { s: 'Debian' })).toBe(true);
    expect(r("{{ s.split('.') }}", { s: '12.4' })).toEqual(['12', '4']);
    expect(r('{{ s.split() }}', { s: ' a  b ' })).toEqual(['a', 'b']);
    expect(r('{{ s.strip() }}', { s: '  x \n' })).toBe('x');
    expect(r("{{ s.strip('/') }}", { s: '/srv/' })).toBe('srv');
    expect(r('{{ s.lower() }}{{ s.upper() }}', { s: 'Ab' })).toBe('abAB');
    expect(r("{{ s.replace('a', 'o') }}", { s: 'banana' })).toBe('bonono');
  });
  it('slices of lists and strings', () => {
    expect(r('{{ l[0:2] }}', { l: [1, 2, 3] })).toEqual([1, 2]);
    expect(r('{{ l[1:] }}', { l: [1, 2, 3] })).toEqual([2, 3]);
    expect(r('{{ l[-1:] }}', { l: [1, 2, 3] })).toEqual([3]);
    expect(r('{{ s[0:3] }}', { s: 'bookworm' })).toBe('boo');
  });
});

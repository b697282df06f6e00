// Ansible's filters through pirun's template engine, each with the result
// Ansible (ansible-core 2.16, Jinja 2.11+) gives for the same expression.
import { describe, expect, it } from 'vitest';
import { renderString } from '../../src/engine/template.js';

const r = (src: string, vars: Record<string, unknown> = {}) => renderString(src, vars);
const users = [
  { name: 'bob', uid: 1001, admin: true, shell: '/bin/bash' },
  { name: 'alice', uid: 1000, admin: false, shell: '/bin/zsh' },
];

describe('ternary', () => {
  it('picks by Python truthiness (an empty list is false)', () => {
    expect(r("{{ x | ternary('yes', 'no') }}", { x: [] })).toBe('no');
    expect(r("{{ x | ternary('yes', 'no') }}", { x: [0] })).toBe('yes');
    expect(r("{{ x | ternary('yes', 'no', 'unset') }}", { x: null })).toBe('unset');
  });
});

describe('map', () => {
  it('map(attribute=) and map(filter, args)', () => {
    expect(r("{{ users | map(attribute='name') | list }}", { users })).toEqual(['bob', 'alice']);
    expect(r("{{ ['a', 'b'] | map('upper') | list }}")).toEqual(['A', 'B']);
    expect(r("{{ ['a.conf', 'b.conf'] | map('regex_findall', '^\\w+') | list }}")).toEqual([['a'], ['b']]);
    expect(r("{{ users | map(attribute='home', default='/nonexistent') | list }}", { users })).toEqual(['/nonexistent', '/nonexistent']);
  });
});

describe('selectattr and rejectattr honour the test', () => {
  it("selectattr('k', 'equalto', v) keeps only the matching items", () => {
    expect(r("{{ users | selectattr('uid', 'equalto', 1000) | map(attribute='name') | list }}", { users })).toEqual(['alice']);
    expect(r("{{ users | rejectattr('shell', 'search', 'zsh') | map(attribute='name') | list }}", { users })).toEqual(['bob']);
    expect(r("{{ users | selectattr('admin') | map(attribute='name') | list }}", { users })).toEqual(['bob']);
    expect(r("{{ users | selectattr('uid', '>=', 1001) | map(attribute='name') | list }}", { users })).toEqual(['bob']);
  });
  it('select with a test by name', () => {
    expect(r("{{ ['a1', 'b', 'c2'] | select('match', '.\\d') | list }}")).toEqual(['a1', 'c2']);
    expect(r("{{ [1, none, 2] | reject('none') | list }}")).toEqual([1, 2]);
  });
});

describe('keyword arguments', () => {
  it('sort(attribute=) and sort(reverse=)', () => {
    expect(r("{{ users | sort(attribute='name') | map(attribute='uid') | list }}", { users })).toEqual([1000, 1001]);
    expect(r('{{ [1, 3, 2] | sort(reverse=true) }}')).toEqual([3, 2, 1]);
    expect(r("{{ users | sum(attribute='uid') }}", { users })).toBe(2001);
  });
});

describe('dictionaries', () => {
  it('combine, also recursive and with list_merge', () => {
    expect(r("{{ a | combine({'y': 3, 'z': 4}) }}", { a: { x: 1, y: 2 } })).toEqual({ x: 1, y: 3, z: 4 });
    const a = { s: { x: 1, l: [1] } };
    const b = { s: { y: 2, l: [2] } };
    expect(r('{{ a | combine(b) }}', { a, b })).toEqual({ s: { y: 2, l: [2] } });
    expect(r('{{ a | combine(b, recursive=true) }}', { a, b })).toEqual({ s: { x: 1, y: 2, l: [2] } });
    expect(r("{{ a | combine(b, recursive=true, list_merge='append') }}", { a, b })).toEqual({ s: { x: 1, y: 2, l: [1, 2] } });
    expect(r('{{ {} | combine([a, b]) }}', { a: { x: 1 }, b: { x: 2 } })).toEqual({ x: 2 });
  });
  it('dict2items and items2dict, with key_name and value_name', () => {
    expect(r('{{ d | dict2items }}', { d: { a: 1, b: 2 } })).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    expect(r("{{ d | dict2items(key_name='k', value_name='v') }}", { d: { a: 1 } })).toEqual([{ k: 'a', v: 1 }]);
    expect(r('{{ l | items2dict }}', { l: [{ key: 'a', value: 1 }] })).toEqual({ a: 1 });
    expect(r("{{ users | items2dict(key_name='name', value_name='uid') }}", { users })).toEqual({ bob: 1001, alice: 1000 });
  });
});

describe('sets and combinations', () => {
  it('difference, intersect, union, symmetric_difference (unique results)', () => {
    expect(r('{{ [1, 2, 2, 3] | difference([2]) }}')).toEqual([1, 3]);
    expect(r('{{ [1, 2, 2, 3] | intersect([2, 3, 4]) }}')).toEqual([2, 3]);
    expect(r('{{ [1, 2] | union([2, 3]) }}')).toEqual([1, 2, 3]);
    expect(r('{{ [1, 2] | symmetric_difference([2, 3]) }}')).toEqual([1, 3]);
  });
  it('product and zip', () => {
    expect(r("{{ ['a', 'b'] | product([1, 2]) | list }}")).toEqual([['a', 1], ['a', 2], ['b', 1], ['b', 2]]);
    expect(r("{{ ['a', 'b', 'c'] | zip([1, 2]) | list }}")).toEqual([['a', 1], ['b', 2]]);
  });
  it('min and max, also by attribute', () => {
    expect(r('{{ [3, 1, 2] | min }}')).toBe(1);
    expect(r('{{ [3, 1, 2] | max }}')).toBe(3);
    expect(r("{{ (users | max(attribute='uid')).name }}", { users })).toBe('bob');
    expect(r("{{ ['b', 'a', 'c'] | min }}")).toBe('a');
  });
});

describe('strings', () => {
  it('split as Python splits', () => {
    expect(r("{{ '  a b\tc ' | split }}")).toEqual(['a', 'b', 'c']);
    expect(r("{{ 'a,b,,c' | split(',') }}")).toEqual(['a', 'b', '', 'c']);
  });
  it('regex_findall with Python regular expressions', () => {
    expect(r("{{ 'port 22, port 2222' | regex_findall('\\d+') }}")).toEqual(['22', '2222']);
    expect(r("{{ 'a=1 b=2' | regex_findall('(\\w)=(\\d)') }}")).toEqual([['a', '1'], ['b', '2']]);
    expect(r("{{ 'X=1 x=2' | regex_findall('(?P<k>x)=', ignorecase=true) }}")).toEqual(['X', 'x']);
  });
  it('type_debug names the Python type', () => {
    expect(r('{{ x | type_debug }}', { x: 'a' })).toBe('str');
    expect(r('{{ x | type_debug }}', { x: 1 })).toBe('int');
    expect(r('{{ x | type_debug }}', { x: [1] })).toBe('list');
    expect(r('{{ x | type_debug }}', { x: { a: 1 } })).toBe('dict');
    expect(r('{{ x | type_debug }}', { x: true })).toBe('bool');
  });
});

describe('serialisation', () => {
  it('to_nice_json: keys sorted, indent 4', () => {
    expect(r("{{ {'b': 1, 'a': [1, 2]} | to_nice_json }}")).toBe('{\n    "a": [\n        1,\n        2\n    ],\n    "b": 1\n}');
  });
  it('to_nice_yaml: keys sorted, indent 4, lists not indented (as PyYAML prints)', () => {
    expect(r("{{ {'b': {'c': 1}, 'a': [1, 2]} | to_nice_yaml }}")).toBe('a:\n- 1\n- 2\nb:\n    c: 1\n');
  });
  it('from_json and from_yaml', () => {
    expect(r('{{ s | from_json }}', { s: '{"a": [1, true]}' })).toEqual({ a: [1, true] });
    expect(r('{{ s | from_yaml }}', { s: 'a:\n  - 1\n  - x\n' })).toEqual({ a: [1, 'x'] });
  });
});

describe('password_hash', () => {
  it('sha512 crypt with a salt, as crypt(3) and Ansible give it', () => {
    // python3 -c "import crypt; print(crypt.crypt('secret', '\$6\$saltsalt'))"
    expect(r("{{ 'secret' | password_hash('sha512', 'saltsalt') }}")).toBe('$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1');
    expect(r("{{ 'secret' | password_hash('sha512', salt='saltsalt', rounds=5000) }}")).toMatch(/^\$6\$rounds=5000\$saltsalt\$TVLlQcbp/);
  });
  it('a random salt without one; unsupported hash types are named', () => {
    expect(r("{{ 'secret' | password_hash('sha512') }}")).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(() => r("{{ 'secret' | password_hash('blowfish') }}")).toThrow(/hash type "blowfish" is not supported/);
  });
});

describe('omit', () => {
  it('default(omit) leaves the key out of a rendered mapping and a list', async () => {
    const { renderDeep } = await import('../../src/engine/template.js');
    expect(renderDeep({ path: '/x', mode: '{{ m | default(omit) }}' }, {})).toEqual({ path: '/x' });
    expect(renderDeep({ path: '/x', mode: '{{ m | default(omit) }}' }, { m: '0644' })).toEqual({ path: '/x', mode: '0644' });
    expect(renderDeep(['a', '{{ omit }}'], {})).toEqual(['a']);
  });
});

describe('fully qualified names', () => {
  it('ansible.builtin.<filter> is the same filter', () => {
    expect(r("{{ a | ansible.builtin.combine({'y': 2}) }}", { a: { x: 1 } })).toEqual({ x: 1, y: 2 });
  });
});

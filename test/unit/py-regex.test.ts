// One regular expression dialect, Python's (what Ansible runs), for lineinfile
// and for the regex_replace / regex_search filters.
import { describe, expect, it } from 'vitest';
import { renderString } from '../../src/engine/template.js';
import { pyRegExp, pySearch, pySub } from '../../src/modules/py-regexp.js';

const r = (src: string, scope: Record<string, unknown> = {}): unknown => renderString(src, scope);

describe('regex_replace is Python re.sub', () => {
  it('named groups and \\g<name> / \\g<1> / \\1 in the replacement', () => {
    expect(r(`{{ 'Port 22' | regex_replace('(?P<key>\\\\w+) (?P<val>\\\\d+)', '\\\\g<val>=\\\\g<key>') }}`)).toBe('22=Port');
    expect(r(`{{ 'a-b' | regex_replace('(\\\\w)-(\\\\w)', '\\\\g<2>-\\\\1') }}`)).toBe('b-a');
  });
  it('a dollar sign in the replacement is text, not a JavaScript group reference', () => {
    expect(r(`{{ 'price' | regex_replace('price', '$& $1 $$') }}`)).toBe('$& $1 $$');
  });
  it('(?i) inline flag and the ignorecase keyword', () => {
    expect(r(`{{ 'YES yes' | regex_replace('(?i)yes', 'no') }}`)).toBe('no no');
    expect(r(`{{ 'YES yes' | regex_replace('yes', 'no', ignorecase=true) }}`)).toBe('no no');
    expect(r(`{{ 'YES yes' | regex_replace('yes', 'no') }}`)).toBe('YES no');
  });
  it('\\A and \\Z anchor the whole text; multiline=true makes ^ match each line', () => {
    expect(r(`{{ 'a\\na' | regex_replace('\\\\Aa', 'b') }}`)).toBe('b\na');
    expect(r(`{{ 'a\\na' | regex_replace('a\\\\Z', 'b') }}`)).toBe('a\nb');
    expect(r(`{{ 'a\\na' | regex_replace('^a', 'b', multiline=true) }}`)).toBe('b\nb');
    expect(r(`{{ 'a\\na' | regex_replace('^a', 'b') }}`)).toBe('b\na');
  });
  it('count limits the replacements', () => {
    expect(r(`{{ 'aaa' | regex_replace('a', 'b', count=2) }}`)).toBe('bba');
  });
});

describe('regex_search is Python re.search', () => {
  it('returns the match, or none', () => {
    expect(r(`{{ 'eth0 up' | regex_search('(?P<if>eth\\\\d+)') }}`)).toBe('eth0');
    expect(r(`{{ 'lo' | regex_search('eth\\\\d') }}`)).toBeNull();
  });
  it('with group arguments returns the listed groups', () => {
    expect(r(`{{ 'Port 2222' | regex_search('(?P<k>\\\\w+) (\\\\d+)', '\\\\g<k>', '\\\\2') }}`)).toEqual(['Port', '2222']);
  });
  it('(?i) and ignorecase', () => {
    expect(r(`{{ 'ETH0' | regex_search('(?i)eth0') }}`)).toBe('ETH0');
    expect(r(`{{ 'ETH0' | regex_search('eth0', ignorecase=true) }}`)).toBe('ETH0');
  });
});

describe('the translator', () => {
  it('keeps $ and anchors literal inside a character class', () => {
    expect(pyRegExp('[$^]').test('$')).toBe(true);
  });
  it('Python $ also matches before a final newline', () => {
    expect(pySub('a$', 'b', 'a\n')).toBe('b\n');
  });
  it('{,n} means {0,n}', () => {
    expect(pySearch('^x{,2}$', 'xx')?.[0]).toBe('xx');
  });
  it('(?#comment) is dropped', () => {
    expect(pySearch('a(?#note)b', 'ab')?.[0]).toBe('ab');
  });
  it('a bad pattern is an error naming it', () => {
    expect(() => pyRegExp('(')).toThrow(/Cannot use the regular expression "\(":/);
  });
});

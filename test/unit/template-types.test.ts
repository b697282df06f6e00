// Only a bare `{{ expr }}` keeps the expression's type (list, number, bool);
// with any text around it, even a space or a newline, the result is a string
// and that text is kept. Syntax errors are found by compiling, without a scope.
import { describe, expect, it } from 'vitest';
import { renderString, syntaxError } from '../../src/engine/template.js';

describe('single-expression templates', () => {
  it('a bare expression keeps its type', () => {
    expect(renderString('{{ port }}', { port: 22 })).toBe(22);
    expect(renderString('{{ ports }}', { ports: [22, 80] })).toEqual([22, 80]);
    expect(renderString('{{port}}', { port: 22 })).toBe(22);
    expect(renderString('{{ on }}', { on: false })).toBe(false);
  });

  it('text around the expression makes a string and is kept', () => {
    expect(renderString('{{ port }}\n', { port: 22 })).toBe('22\n');
    expect(renderString('  {{ x }}', { x: 1 })).toBe('  1');
    expect(renderString(' {{ x }} ', { x: 'a' })).toBe(' a ');
    expect(renderString('\n{{ ports }}', { ports: [1] })).toBe('\n1');
  });
});

describe('syntaxError', () => {
  it('names the problem in a broken template and passes a good one', () => {
    expect(syntaxError('hello {{ foo }')).toMatch(/expected variable end/);
    expect(syntaxError('{% if x %}open')).toMatch(/unexpected end of file|expected elif, else, or endif/i);
    expect(syntaxError('{{ foo }}')).toBeUndefined();
    expect(syntaxError('{{ foo | default([]) }}\n')).toBeUndefined();
    expect(syntaxError('no template here {')).toBeUndefined();
  });

  it('checks conditions the way they are evaluated', () => {
    expect(syntaxError('foo(', { condition: true })).toBeTruthy();
    expect(syntaxError('{{ foo(', { condition: true })).toBeTruthy();
    expect(syntaxError('a is defined and a > 1', { condition: true })).toBeUndefined();
    expect(syntaxError('{{ a }}', { condition: true })).toBeUndefined();
    expect(syntaxError(true, { condition: true })).toBeUndefined();
  });
});

// quote() and the sh`` template: exact output for simple cases, and a
// round trip through a real POSIX shell for the nasty ones.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quote, raw, sh } from '../../src/transport/quote.js';

// What the shell makes of a command line: each word printed, NUL-terminated.
function shellWords(commandLine: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const nasty = [
  'hello world',
  "it's",
  "'",
  "''",
  '"double" quotes',
  '$(touch /tmp/pirun-quote-pwned)',
  '`id`',
  '$HOME ${PATH}',
  'line one\nline two\n',
  'tab\there',
  'semi; rm -rf /',
  'a && b || c | d > e < f',
  '*',
  '~root',
  '-n',
  '#comment',
  'back\\slash\\',
  '!bang',
  'unicode é ✓',
  ' leading and trailing ',
];

describe('quote', () => {
  it.each([
    ['plain', 'plain'],
    ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config'],
    ['user@host:22', 'user@host:22'],
    ['a=b,c+d%e', 'a=b,c+d%e'],
    ['', "''"],
    ['hello world', "'hello world'"],
    ["it's", "'it'\\''s'"],
    ['$(id)', "'$(id)'"],
  ])('quotes %j as %s', (input, expected) => {
    expect(quote(input)).toBe(expected);
  });

  it('accepts numbers', () => {
    expect(quote(22)).toBe('22');
    expect(quote(-1.5)).toBe('-1.5');
  });

  it.each(nasty)('round-trips %j through sh', (value) => {
    expect(shellWords(quote(value))).toEqual([value]);
  });

  it('round-trips the empty string as one word', () => {
    expect(shellWords(`${quote('')} ${quote('x')}`)).toEqual(['', 'x']);
  });

  it('never runs a command substitution', () => {
    const out = execFileSync('sh', ['-c', `echo ${quote('$(echo pwned)`echo pwned`')}`], { encoding: 'utf8' });
    expect(out).toBe('$(echo pwned)`echo pwned`\n');
  });
});

describe('sh template', () => {
  it('quotes every interpolated value', () => {
    expect(sh`cat ${'/etc/my file'}`).toBe("cat '/etc/my file'");
    expect(sh`echo ${"it's"} ${42}`).toBe("echo 'it'\\''s' 42");
  });

  it('turns arrays into separate quoted words', () => {
    const pkgs = ['ufw', 'fail2ban', 'evil; reboot'];
    expect(sh`apt-get install -y ${pkgs}`).toBe("apt-get install -y ufw fail2ban 'evil; reboot'");
    expect(shellWords(sh`${pkgs}`)).toEqual(pkgs);
  });

  it('passes raw() fragments through unquoted', () => {
    expect(sh`ls ${raw('| wc -l')} ${'a b'}`).toBe("ls | wc -l 'a b'");
  });

  it('leaves the literal parts alone', () => {
    expect(sh`test -f /etc/x && echo yes`).toBe('test -f /etc/x && echo yes');
  });

  it('round-trips all the nasty values at once through sh', () => {
    expect(shellWords(sh`${nasty}`)).toEqual(nasty);
    expect(shellWords(sh`${nasty[0]} ${nasty[5]} ${nasty[8]}`)).toEqual([nasty[0], nasty[5], nasty[8]]);
  });

  it('stringifies non-string scalars', () => {
    expect(sh`${null} ${undefined} ${true}`).toBe('null undefined true');
  });
});

// The replace module's text edit: Python's regular expressions in MULTILINE
// mode, as Ansible's replace module compiles them (^ and $ at every line).
import { describe, expect, it } from 'vitest';
import { replaceText } from '../../src/modules/replace.js';

describe('replace: every match, line by line', () => {
  it('anchors ^ and $ at each line, with Python backreferences', () => {
    const r = replaceText('# app\nPort=22\n#Port=23\nName=x\n', { regexp: '^#?(Port)=\\d+$', replace: '\\1=8080' });
    expect(r).toEqual({ text: '# app\nPort=8080\nPort=8080\nName=x\n', count: 2 });
  });

  it('matches $ at the end of a file without a final line break', () => {
    expect(replaceText('Port=22', { regexp: '^Port=\\d+$', replace: 'Port=1' })).toEqual({ text: 'Port=1', count: 1 });
  });
});

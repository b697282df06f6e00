// YAML 1.1 booleans where a play or task keyword expects true or false:
// Ansible's playbooks write `become: yes`, `gather_facts: no`, `ignore_errors: True`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../src/config/playbook.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function playbook(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pirun-bool-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'pb.yaml'), text);
  return join(dir, 'pb.yaml');
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('YAML 1.1 booleans in play and task keywords', () => {
  it.each([
    ['yes', true], ['no', false], ['Yes', true], ['NO', false], ['on', true], ['off', false],
    ['True', true], ['false', false], ['y', true], ['n', false], ['"yes"', true], ["'off'", false],
  ])('play and task keywords read %s as %s', (word, want) => {
    const pb = loadPlaybook(playbook(`
- hosts: all
  become: ${word}
  gather_facts: ${word}
  any_errors_fatal: ${word}
  force_handlers: ${word}
  tasks:
    - name: t
      command: "true"
      become: ${word}
      ignore_errors: ${word}
      no_log: ${word}
      check_mode: ${word}
      run_once: ${word}
      barrier: ${word}
`));
    const play = pb.plays[0];
    expect(play).toMatchObject({ become: want, anyErrorsFatal: want, forceHandlers: want });
    expect(play.tasks[0]).toMatchObject({ become: want, ignoreErrors: want, noLog: want, checkMode: want, runOnce: want, barrier: want });
  });

  it('still rejects a word that is not a boolean, naming the play key and the value', () => {
    const err = errorOf(() => loadPlaybook(playbook('- hosts: all\n  become: sometimes\n')));
    expect(err.message).toMatch(/\[0\]\.become: expected true or false, got "sometimes"$/);
    const task = errorOf(() => loadPlaybook(playbook('- hosts: all\n  tasks:\n    - name: t\n      command: "true"\n      no_log: maybe\n')));
    expect(task.message).toMatch(/Invalid task "t" .*no_log: expected true or false \(or yes\/no\), got "maybe"$/);
  });

  it('conditions read a bare YAML 1.1 boolean word as that boolean, and keep expressions', () => {
    const pb = loadPlaybook(playbook(`
- hosts: all
  tasks:
    - name: t
      command: "true"
      when: [yes, "ansible_os_family == 'Debian'", On]
      changed_when: no
      failed_when: OFF
`));
    expect(pb.plays[0].tasks[0]).toMatchObject({ when: [true, "ansible_os_family == 'Debian'", true], changedWhen: false, failedWhen: false });
  });
});

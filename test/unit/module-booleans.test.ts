// Ansible's booleans (yes/no, true/false, on/off, 1/0, any case) work for
// every boolean argument of every module, as YAML 1.2 reads `yes` as text.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { playSchema } from '../../src/config/playbook-schema.js';
import { parseTask } from '../../src/config/task.js';
import { getModule, moduleNames } from '../../src/modules/index.js';

// Each boolean argument with the smallest valid arguments around it.
const cases: [module: string, base: Record<string, unknown>, key: string][] = [
  ['systemd', { name: 'ssh' }, 'enabled'],
  ['systemd', { name: 'ssh' }, 'masked'],
  ['systemd', { name: 'ssh' }, 'daemon_reload'],
  ['systemd', { name: 'ssh' }, 'missing_ok'],
  ['apt', { name: 'curl' }, 'update_cache'],
  ['apt', { name: 'curl' }, 'install_recommends'],
  ['apt', { name: 'curl' }, 'purge'],
  ['ufw', { rule: 'allow', port: 22 }, 'delete'],
  ['ufw', { rules: [] }, 'purge'],
  ['ufw', { state: 'enabled' }, 'check_controller'],
  ['ufw', { state: 'enabled' }, 'allow_controller'],
  ['copy', { dest: '/etc/x', content: 'x' }, 'backup'],
  ['copy', { dest: '/etc/x', content: 'x' }, 'secret'],
  ['template', { dest: '/etc/x', src: 'x.j2' }, 'backup'],
  ['template', { dest: '/etc/x', src: 'x.j2' }, 'secret'],
  ['lineinfile', { path: '/etc/x', line: 'x' }, 'create'],
  ['lineinfile', { path: '/etc/x', line: 'x' }, 'firstmatch'],
  ['lineinfile', { path: '/etc/x', line: 'x', regexp: 'x' }, 'backrefs'],
  ['lineinfile', { path: '/etc/x', line: 'x' }, 'backup'],
  ['file', { path: '/etc/x', state: 'link', src: '/y' }, 'force'],
  ['user', { name: 'deploy' }, 'system'],
  ['user', { name: 'deploy' }, 'append'],
  ['user', { name: 'deploy' }, 'create_home'],
  ['user', { name: 'deploy' }, 'password_lock'],
  ['user', { name: 'deploy' }, 'remove'],
  ['user', { name: 'deploy' }, 'force'],
  ['authorized_key', { user: 'deploy', key: 'ssh-ed25519 AAAA' }, 'exclusive'],
  ['authorized_key', { user: 'deploy', key: 'ssh-ed25519 AAAA' }, 'manage_dir'],
  ['blockinfile', { path: '/etc/x', block: 'x' }, 'create'],
  ['blockinfile', { path: '/etc/x', block: 'x' }, 'backup'],
  ['replace', { path: '/etc/x', regexp: 'x' }, 'backup'],
  ['getent', { database: 'passwd' }, 'fail_key'],
  ['stat', { path: '/etc/x' }, 'follow'],
  ['cron', { name: 'backup', job: 'true' }, 'disabled'],
  ['cron', { name: 'backup', job: 'true' }, 'backup'],
  ['find', { paths: '/etc' }, 'use_regex'],
  ['find', { paths: '/etc' }, 'recurse'],
  ['find', { paths: '/etc' }, 'hidden'],
  ['find', { paths: '/etc' }, 'follow'],
  ['stat', { path: '/etc/x' }, 'get_checksum'],
  ['stat', { path: '/etc/x' }, 'get_mime'],
  ['stat', { path: '/etc/x' }, 'get_attributes'],
];

const spellings: [unknown, boolean][] = [
  ['yes', true], ['Yes', true], ['true', true], ['True', true], ['on', true], ['ON', true], ['1', true], [1, true], [true, true],
  ['no', false], ['NO', false], ['false', false], ['off', false], ['0', false], [0, false], [false, false],
];

describe('boolean arguments accept Ansible spellings', () => {
  for (const [name, base, key] of cases) {
    it(`${name} ${key}`, () => {
      const mod = getModule(name)!;
      for (const [spelled, value] of spellings) {
        const parsed = mod.args.safeParse({ ...base, [key]: spelled });
        expect(parsed.success, `${name} ${key}: ${JSON.stringify(spelled)}`).toBe(true);
        expect((parsed.data as Record<string, unknown>)[key]).toBe(value);
      }
      expect(mod.args.safeParse({ ...base, [key]: 'maybe' }).success).toBe(false);
    });
  }

  it('every boolean argument of every module is listed above', () => {
    // A boolean argument turns `true` into true and refuses other text.
    const listed = new Set(cases.map(([m, , k]) => `${m}.${k}`));
    const found: string[] = [];
    for (const name of moduleNames()) {
      const shape = (getModule(name)!.args as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
      for (const [key, schema] of Object.entries(shape)) {
        const t = schema.safeParse(true);
        if (t.success && t.data === true && !schema.safeParse('maybe').success) found.push(`${name}.${key}`);
      }
    }
    expect(found.filter((k) => !listed.has(k))).toEqual([]);
    expect(found.length).toBeGreaterThanOrEqual(listed.size);
  });
});

describe('boolean task and play keywords accept Ansible spellings', () => {
  it('become, ignore_errors, no_log, check_mode, barrier, run_once', () => {
    const t = parseTask({ name: 't', debug: { msg: 'x' }, become: 'yes', ignore_errors: 'on', no_log: 'True', check_mode: 'no', barrier: 1, run_once: 'yes' }, 'play.yaml');
    expect([t.become, t.ignoreErrors, t.noLog, t.checkMode, t.barrier, t.runOnce]).toEqual([true, true, true, false, true, true]);
    expect(parseTask({ debug: { msg: 'x' }, become: 'off' }, 'play.yaml').become).toBe(false);
    expect(() => parseTask({ debug: { msg: 'x' }, become: 'maybe' }, 'play.yaml')).toThrow(/become: expected true or false.*"maybe"/);
  });

  it('play become, any_errors_fatal, force_handlers, gather_facts', () => {
    const p = playSchema.parse({ hosts: 'all', become: 'yes', any_errors_fatal: 'no', force_handlers: 'on', gather_facts: 'false' });
    expect([p.become, p.any_errors_fatal, p.force_handlers, p.gather_facts]).toEqual([true, false, true, false]);
  });
});

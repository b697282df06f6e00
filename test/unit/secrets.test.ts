// What counts as secret (names, nested values, rendered templates), and the
// masking boundary between the engine's events and the sinks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HIDDEN_CHANGE, HIDDEN_COMMAND, HIDDEN_OUTPUT, maskedBus, maskResult } from '../../src/cli/mask.js';
import { parseExtraVars } from '../../src/cli/extra-vars.js';
import { EngineBus, type EngineEvents, type TaskResult } from '../../src/engine/events.js';
import { makeScope } from '../../src/engine/scope.js';
import { renderString } from '../../src/engine/template.js';
import { isSecretName, maskText, registerSecretTree, registerSecretValue, registerSecretVars, registerVariable } from '../../src/secrets.js';
import { FactCache } from '../../src/facts/cache.js';
import { factSudo } from '../../src/engine/sudo.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/transport/types.js';
import { runPirun } from '../support/fleet.js';

describe('secret names', () => {
  it.each([
    ['wifi_psk', true],
    ['psk_hex', true],
    ['wireguard_preshared_key', true],
    ['private_key_pem', true],
    ['wg_private_key', true],
    ['ssh_private_key', true],
    ['ansible_become_password', true],
    ['ansible_become_pass', true],
    ['db_passphrase', true],
    ['API_TOKEN', true],
    ['client_secret', true],
    ['api_key', true],
    ['apikey', true],
    ['ssh_password_authentication', false],
    ['ansible_ssh_private_key_file', false],
    ['api_token_path', false],
    ['locale', false],
    ['wireguard_address', false],
  ])('isSecretName(%s) is %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });
});

describe('registering secret values', () => {
  it('registers secret-named keys at any depth, and nothing else', () => {
    registerSecretVars({ db: { host: 'db-host-visible', password: 'nested-pw-0001', replicas: [{ name: 'replica-visible', api_token: 'list-token-0002' }] } });
    expect(maskText('db-host-visible nested-pw-0001 replica-visible list-token-0002')).toBe('db-host-visible ******** replica-visible ********');
  });

  it('registers the whole value of a secret-named variable', () => {
    registerVariable('wifi_psk', { home: 'tree-psk-0003', lab: ['tree-psk-0004', 12345678] });
    expect(maskText('tree-psk-0003 tree-psk-0004 12345678')).toBe('******** ******** ********');
  });

  it('does not register a template: it is registered once rendered', () => {
    registerSecretValue("{{ lookup('file', 'unrendered-0005') }}");
    expect(maskText("{{ lookup('file', 'unrendered-0005') }}")).toContain('unrendered-0005');
  });

  it('registers each line of a multi-line secret and its JSON-escaped form', () => {
    registerSecretValue('line-one-0006\nline-two-0007 "quoted"');
    expect(maskText('+line-one-0006\n+line-two-0007 "quoted"')).toBe('+********\n+********');
    expect(maskText(JSON.stringify({ k: 'line-one-0006\nline-two-0007 "quoted"' }))).toBe('{"k":"********"}');
  });

  it('masks a longer secret whole when a shorter one is inside it', () => {
    registerSecretValue('inner-0008');
    registerSecretValue('outer-inner-0008-tail');
    expect(maskText('x outer-inner-0008-tail y')).toBe('x ******** y');
  });

  it('a no_log result is registered as a whole tree', () => {
    registerSecretTree({ rc: 0, stdout: 'nolog-out-0009', stdout_lines: ['nolog-out-0009'], changed: true });
    expect(maskText('got nolog-out-0009')).toBe('got ********');
  });

  it('values short enough to garble output are not registered', () => {
    registerSecretValue('abc');
    expect(maskText('abc')).toBe('abc');
  });
});

describe('the task scope registers what it renders', () => {
  it('a templated secret is registered by its rendered value', () => {
    const scope = makeScope({ api_token: "{{ 'rendered-' ~ 'token-0010' }}" });
    expect(renderString('t={{ api_token }}', scope)).toBe('t=rendered-token-0010');
    expect(maskText('t=rendered-token-0010')).toBe('t=********');
  });

  it('a nested secret is registered when its parent is read', () => {
    const scope = makeScope({ conn: { user: 'visible-user', password: "{{ 'nested-' ~ 'rendered-0011' }}" } });
    expect(renderString('{{ conn.user }}', scope)).toBe('visible-user');
    expect(maskText('nested-rendered-0011 visible-user')).toBe('******** visible-user');
  });

  it('a template error inside a secret names the variable, never its text', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'pirun-secret-')), 'absent');
    const scope = makeScope({ vault_secret: `tpl-err-0012{{ lookup('file', '${missing}') }}`, conn: { password: `tpl-err-0013{{ lookup('file', '${missing}') }}` } });
    expect(() => renderString('{{ vault_secret }}', scope)).toThrow(/cannot render variable "vault_secret" \(it holds a secret, its template is not shown\): .*cannot read/);
    expect(() => renderString('{{ vault_secret }}', scope)).not.toThrow(/tpl-err-0012/);
    expect(() => renderString('{{ conn.password }}', scope)).toThrow(/variable "conn"/);
    expect(() => renderString('{{ conn.password }}', scope)).not.toThrow(/tpl-err-0013/);
  });
});

const result = (over: Partial<TaskResult>): TaskResult => ({ host: 'h1', play: 'p', task: 't', status: 'changed', changes: [], durationMs: 1, ...over });

describe('the masking boundary', () => {
  registerSecretValue('boundary-0014');

  it('masks task lines, messages, change summaries and diffs', () => {
    const r = maskResult(result({ msg: 'm boundary-0014', changes: [{ summary: 'run echo boundary-0014', diff: { path: '/etc/x', before: 'a=boundary-0014\n', after: 'a=b\n' } }] }));
    expect(r.msg).toBe('m ********');
    expect(r.changes).toEqual([{ summary: 'run echo ********', diff: { path: '/etc/x', before: 'a=********\n', after: 'a=b\n' } }]);
  });

  it('masks task warnings', () => {
    expect(maskResult(result({ warnings: ['allowed boundary-0014 only'] })).warnings).toEqual(['allowed ******** only']);
    expect(maskResult(result({ noLog: true, warnings: ['allowed boundary-0014 only'] })).warnings).toEqual(['allowed ******** only']);
  });

  it('drops the content of a secret file diff', () => {
    const r = maskResult(result({ changes: [{ summary: 'update /etc/x', diff: { path: '/etc/x', before: 'old-unregistered', after: 'new-unregistered', secret: true } }] }));
    expect(r.changes[0].diff).toEqual({ path: '/etc/x', before: null, after: null, secret: true });
  });

  it('a no_log task shows its status and that its output was hidden', () => {
    const r = maskResult(result({ noLog: true, status: 'failed', msg: 'exit 3: unregistered-out', changes: [{ summary: 'run unregistered-cmd', diff: { path: '/x', before: null, after: 'y' } }] }));
    expect(r).toMatchObject({ status: 'failed', msg: HIDDEN_OUTPUT, changes: [{ summary: HIDDEN_CHANGE }] });
    expect(JSON.stringify(r)).not.toMatch(/unregistered/);
  });

  it('a skipped no_log task still says why the engine skipped it, but not a module reason', () => {
    expect(maskResult(result({ noLog: true, status: 'skipped', msg: 'condition false; condition false' })).msg).toBe('condition false; condition false');
    expect(maskResult(result({ noLog: true, status: 'skipped', msg: '"/etc/unregistered" exists' })).msg).toBe(HIDDEN_OUTPUT);
  });

  it('hides every remote execution of a host during its no_log task', () => {
    const engine = new EngineBus();
    const seen: EngineEvents['exec'][] = [];
    maskedBus(engine).on('exec', (e) => seen.push(e));
    const exec = (host: string, command: string) => engine.emit('exec', { host, command, exitCode: 0, stdout: `out of ${command}`, stderr: '', durationMs: 1 });
    engine.emit('task:start', { host: 'h1', play: 'p', task: 'quiet', noLog: true });
    exec('h1', 'secret-cmd');
    exec('h2', 'other-host boundary-0014');
    engine.emit('task:end', result({ noLog: true }));
    exec('h1', 'after');
    expect(seen.map((e) => [e.host, e.command, e.stdout, e.hidden ?? false])).toEqual([
      ['h1', HIDDEN_COMMAND, '', true],
      ['h2', 'other-host ********', 'out of other-host ********', false],
      ['h1', 'after', 'out of after', false],
    ]);
  });

  it('shows no output of an execution marked secret (a secret file write)', () => {
    const engine = new EngineBus();
    const seen: EngineEvents['exec'][] = [];
    maskedBus(engine).on('exec', (e) => seen.push(e));
    engine.emit('exec', { host: 'h1', command: 'write /etc/x', exitCode: 1, stdout: 'content', stderr: 'content', durationMs: 1, hidden: true });
    expect(seen[0]).toMatchObject({ command: 'write /etc/x', stdout: '', stderr: '', hidden: true });
  });
});

describe('facts read for a no_log task', () => {
  // A transport that answers every probe section with "x" and records the options of each execution.
  function recording(): { transport: Transport; seen: ExecOptions[] } {
    const seen: ExecOptions[] = [];
    const transport = {
      host: 'h1',
      counters: { connections: 1, execs: 0, bytesSent: 0 },
      async exec(script: string, o: ExecOptions = {}): Promise<ExecResult> {
        seen.push(o);
        const n = script.split('\n').filter((l) => l.startsWith('( ')).length;
        const nonce = /\\n([0-9a-f]{16}):0:/.exec(script)?.[1] ?? '';
        const stdout = Array.from({ length: n }, (_, i) => `x\n${nonce}:${i}:0\n`).join('');
        return { command: script, exitCode: 0, stdout, stderr: '', durationMs: 1, failed: false };
      },
      close: async () => undefined,
    };
    return { transport, seen };
  }
  const probe = (key: string, secret?: boolean) => ({ key, script: 'cat /x', parse: (out: string) => out, secret });

  it('marks the batched execution that reads them secret, and only that one', async () => {
    const { transport, seen } = recording();
    const cache = new FactCache(transport, factSudo({ become: false }));
    await cache.prefetch([probe('content:/etc/a'), probe('content:/etc/b', true)]);
    await cache.prefetch([probe('content:/etc/c')]);
    expect(seen.map((o) => o.secret)).toEqual([true, false]);
    expect(await cache.get(probe('content:/etc/b'))).toBe('x');
  });

  it('keeps the mark when probes of one kind are combined', async () => {
    const { transport, seen } = recording();
    const cache = new FactCache(transport, factSudo({ become: false }));
    const batched = (key: string, secret?: boolean) => ({ ...probe(key, secret), batch: { kind: 'k', combine: (m: unknown[]) => ({ key: `all:${m.length}`, script: 'cat /all', parse: (o: string) => o }) } });
    await cache.prefetch([batched('k:1'), batched('k:2', true)]);
    expect(seen.map((o) => o.secret)).toEqual([true]);
  });
});

describe('a malformed -e value', () => {
  it('is an error that does not quote the value', () => {
    expect(() => parseExtraVars(['a=1', '{db_password: bad-e-0015, x: [}'])).toThrow(/^Invalid -e value #2: not valid YAML/);
    expect(() => parseExtraVars(['{db_password: bad-e-0015, x: [}'])).not.toThrow(/bad-e-0015/);
    expect(() => parseExtraVars(['bad-e-0016'])).toThrow('Invalid -e value #1: expected key=value, {key: value} or @file.yaml');
    expect(() => parseExtraVars(['[bad-e-0017]'])).not.toThrow(/bad-e-0017/);
  });

  it('ends the CLI with one line and exit 1, before any host', async () => {
    const r = await runPirun(['playbook.yaml', '-i', 'inventory.yaml', '-e', '{db_password: bad-e-0018, x: [}']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^pirun: Invalid -e value #1: not valid YAML/);
    expect(r.stdout + r.stderr).not.toContain('bad-e-0018');
  });
});

describe('a Jinja syntax error in a secret', () => {
  it('names where it is written, never its text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirun-secret-syntax-'));
    const inv = join(dir, 'inv.yaml');
    writeFileSync(inv, 'all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: 1, user: pi }\n');
    const pb = join(dir, 'pb.yaml');
    writeFileSync(pb, '- hosts: all\n  vars:\n    db: { password: "syntax-0019{{ x }" }\n  tasks:\n    - debug: { msg: hi }\n');
    const r = await runPirun([pb, '-i', inv, '--known-hosts', join(dir, 'kh')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^pirun: Invalid template in play .*: vars\.db\.password \(a secret: its text is not shown\): /);
    expect(r.stdout + r.stderr).not.toContain('syntax-0019');
    const hostInv = join(dir, 'inv-secret.yaml');
    writeFileSync(hostInv, 'all:\n  hosts:\n    pi1: { host: 127.0.0.1, port: 1, user: pi, wifi_psk: "syntax-0020{% if %}" }\n');
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n');
    const h = await runPirun([plain, '-i', hostInv, '--known-hosts', join(dir, 'kh')]);
    expect(h.code, h.stderr).toBe(1);
    expect(h.stderr).toMatch(/inventory variables of host "pi1": wifi_psk \(a secret: its text is not shown\)/);
    expect(h.stdout + h.stderr).not.toContain('syntax-0020');
  });
});

// The canary sweep: one playbook puts a distinct canary value into every place
// a secret can come from (extra vars, inventory host and group vars, nested
// values, play vars, vars_files, a templated secret, task vars, a role
// parameter, set_fact, no_log tasks and their registered results, a secret
// file's old content), runs with -vv --diff and every report, in check mode
// and for real, plus failing variants; no canary may appear in stdout,
// stderr or any report.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type PirunResult } from '../support/fleet.js';

let fleet: Fleet;
let dir: string;
let inv: string;

// Each canary is a value that only reaches output through a leak.
const C = {
  extra: 'cnry-extra-01',
  invHost: 'cnry-invhost-02',
  nested: 'cnry-nested-03',
  play: 'cnry-play-04',
  varsFile: 'cnry-varsfile-05',
  lookup: 'cnry-lookup-06',
  taskVars: 'cnry-taskvars-07',
  roleParam: 'cnry-roleparam-08',
  setFact: 'cnry-setfact-09',
  noLogCmd: 'cnry-nologcmd-10',
  noLogOut: 'cnry-nologout-11',
  noLogCopy: 'cnry-nologcopy-12',
  oldSecretFile: 'cnry-oldsecretfile-13',
  newSecretFile: 'cnry-newsecretfile-14',
  pskHex: 'cnry-pskhex-15',
  noLogFailCmd: 'cnry-nologfailcmd-16',
  noLogFailOut: 'cnry-nologfailout-17',
  tplErr: 'cnry-tplerr-18',
  tplErrNested: 'cnry-tplerrnested-19',
  badExtra: 'cnry-badextra-20',
  noLogLine: 'cnry-nologline-21',
  noLogLineOld: 'cnry-nologlineold-22',
};
const OLD_SECRET_CONTENT = `old=${C.oldSecretFile}\n`;
const OLD_NOLOG_LINE_CONTENT = `key=${C.noLogLineOld}\n`;

// Every form in which a canary could leak: as is, and the base64 of a file's
// old content (how -vv shows the read behind a diff or a line edit).
const forbidden = (): string[] => [...Object.values(C), ...[OLD_SECRET_CONTENT, OLD_NOLOG_LINE_CONTENT].map((t) => Buffer.from(t).toString('base64'))];

function expectNoCanary(where: string, text: string): void {
  const found = forbidden().filter((c) => text.includes(c));
  expect(found, `${where} leaks ${found.join(', ')}:\n${text}`).toEqual([]);
}

const PLAY = () => [
  {
    name: 'canaries',
    hosts: 'all',
    become: true,
    vars_files: [join(dir, 'vars.yaml')],
    vars: {
      private_key_pem: C.play,
      api_token: `{{ lookup('file', '${join(dir, 'token.txt')}') }}`,
    },
    roles: [{ role: 'canary', wireguard_preshared_key: C.roleParam }],
    tasks: [
      { name: 'extra var on a command line', command: 'echo {{ deploy_token }}' },
      { name: 'inventory host var', command: 'echo {{ wifi_psk }}' },
      { name: 'nested group var', command: 'echo {{ db.password }}' },
      { name: 'nested structure printed', debug: { var: 'db' } },
      { name: 'play var', debug: { msg: 'pem {{ private_key_pem }}' } },
      { name: 'vars_files var', command: 'echo {{ psk_hex }}' },
      { name: 'templated secret', debug: { msg: 'token {{ api_token }}' } },
      { name: 'task vars', command: 'echo {{ app_secret }}', vars: { app_secret: C.taskVars } },
      { name: 'set a fact', set_fact: { session_token: "cnry-{{ 'setfact' }}-09" } },
      { name: 'the fact', command: 'echo {{ session_token }}' },
      { name: 'no_log command', shell: `echo ${C.noLogCmd} >/dev/null; echo ${C.noLogOut}`, no_log: true, register: 'hidden' },
      { name: 'registered no_log result', debug: { msg: 'got {{ hidden.stdout | default("nothing") }}' } },
      { name: 'no_log file', copy: { dest: '/etc/pirun-nolog', content: `${C.noLogCopy}\n` }, no_log: true },
      { name: 'no_log line', lineinfile: { path: '/etc/pirun-nolog-line', regexp: '^key=', line: `key=${C.noLogLine}` }, no_log: true },
      { name: 'skipped no_log', command: `echo ${C.noLogCmd}`, no_log: true, when: false },
      { name: 'secret file', copy: { dest: '/etc/pirun-secret', content: `new=${C.newSecretFile}\n`, secret: true, mode: '0600' } },
    ],
  },
];

const ROLE_TASKS = [{ name: 'role parameter', command: 'echo psk {{ wireguard_preshared_key }}' }];

function setUpFiles(): string {
  writeFileSync(join(dir, 'token.txt'), `${C.lookup}\n`);
  writeFileSync(join(dir, 'vars.yaml'), yaml.dump({ psk_hex: C.varsFile }));
  mkdirSync(join(dir, 'roles/canary/tasks'), { recursive: true });
  writeFileSync(join(dir, 'roles/canary/tasks/main.yaml'), yaml.dump(ROLE_TASKS));
  const pb = join(dir, 'canary.yaml');
  writeFileSync(pb, yaml.dump(PLAY()));
  return pb;
}

function playbook(name: string, plays: unknown[]): string {
  const p = join(dir, name);
  writeFileSync(p, yaml.dump(plays));
  return p;
}

const base = () => ['-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '-e', JSON.stringify({ deploy_token: C.extra })];

// The host as before a first run: the secret file and the no_log task's line
// file hold their old content, the rest is absent.
async function reset(): Promise<void> {
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  const r = await fleet.exec('h1', `rm -f /etc/pirun-nolog && echo ${b64(OLD_SECRET_CONTENT)} | base64 -d >/etc/pirun-secret && chmod 0600 /etc/pirun-secret && echo ${b64(OLD_NOLOG_LINE_CONTENT)} | base64 -d >/etc/pirun-nolog-line`);
  expect(r.exitCode, r.stderr).toBe(0);
}

// One run with every sink: -vv, --diff, --json and one --report format.
async function sweep(pb: string, label: string, extra: string[], report: string): Promise<PirunResult> {
  const json = join(dir, `${label}.json`);
  const rep = join(dir, `${label}${report}`);
  rmSync(json, { force: true });
  rmSync(rep, { force: true });
  const r = await runPirun([pb, ...base(), '-vv', '--diff', '--progress', 'plain', '--json', json, '--report', rep, ...extra]);
  expectNoCanary(`${label}: stdout`, r.stdout);
  expectNoCanary(`${label}: stderr`, r.stderr);
  expectNoCanary(`${label}: --json`, readFileSync(json, 'utf8'));
  expectNoCanary(`${label}: --report ${report}`, readFileSync(rep, 'utf8'));
  return r;
}

beforeAll(async () => {
  fleet = await startFleet({ count: 1 });
  await fleet.authorizeKey('h1');
  dir = mkdtempSync(join(tmpdir(), 'pirun-secrets-'));
  inv = fleet.writeInventory({ vars: { db: { host: 'db.local', password: C.nested } }, hostVars: { h1: { wifi_psk: C.invHost } } });
});

afterAll(async () => {
  await fleet?.stop();
});

describe('no secret reaches any output', () => {
  it.each(['.md', '.xml', '.json'])('check mode and a real run with --report %s', async (report) => {
    const pb = setUpFiles();
    await reset();
    const check = await sweep(pb, `check${report}`, ['--check'], report);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    await reset();
    const real = await sweep(pb, `real${report}`, [], report);
    expect(real.code, real.stdout + real.stderr).toBe(0);
    // The secrets did their job on the host, and the sinks say what they hid.
    expect((await fleet.exec('h1', 'cat /etc/pirun-nolog /etc/pirun-secret /etc/pirun-nolog-line')).stdout).toBe(`${C.noLogCopy}\nnew=${C.newSecretFile}\nkey=${C.noLogLine}\n`);
    for (const r of [check, real]) {
      expect(r.stdout).toContain('db = {"host":"db.local","password":"********"}');
      expect(r.stdout).toContain('~ run echo psk ********');
      expect(r.stdout).toMatch(/no_log file \| changed\n {4}~ \(change hidden by no_log\)\n/);
      expect(r.stdout).toMatch(/skipped no_log \| skipped \| condition false/);
    }
    expect(real.stdout).toContain('got ********');
    expect(real.stdout).toContain('$ (command hidden by no_log)');
  });

  it('a failing no_log command shows only that it failed', async () => {
    const pb = playbook('fail-nolog.yaml', [
      { hosts: 'all', tasks: [{ name: 'fails quietly', shell: `echo ${C.noLogFailCmd} >/dev/null; echo ${C.noLogFailOut}; echo ${C.noLogFailOut} >&2; exit 3`, no_log: true }] },
    ]);
    for (const report of ['.xml', '.md']) {
      const r = await sweep(pb, `fail-nolog${report}`, [], report);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toMatch(/fails quietly \| failed \| \(output hidden by no_log\)/);
    }
  });

  it('a template error inside a secret does not quote the secret', async () => {
    const missing = join(dir, 'no-such-file');
    const pb = playbook('fail-template.yaml', [
      {
        hosts: 'all',
        vars: { vault_secret: `${C.tplErr}{{ lookup('file', '${missing}') }}`, conn: { password: `${C.tplErrNested}{{ lookup('file', '${missing}') }}` } },
        tasks: [
          { name: 'uses the secret', debug: { msg: '{{ vault_secret }}' }, ignore_errors: true },
          { name: 'uses the nested secret', command: 'echo {{ conn.password }}' },
        ],
      },
    ]);
    const r = await sweep(pb, 'fail-template', [], '.xml');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/uses the secret \| failed \(ignored\) \| .*vault_secret/);
    expect(r.stdout).toMatch(/uses the nested secret \| failed \| .*conn/);
  });
});

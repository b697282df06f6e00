// Ansible's modules and Jinja as playbooks write them, on a real bookworm
// host: replace, blockinfile, lineinfile with `dest:`, package, modprobe
// (persistent), and the read-only stat, package_facts, service_facts and
// getent whose results later tasks assert on. Apply (changed), apply again
// (changed=0), change the host by hand, --check reports exactly that drift
// and changes nothing, and a last run repairs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet, type FleetHost } from '../support/fleet.js';
import type { TaskRow } from '../support/role-runs.js';

let fleet: Fleet;
let host: FleetHost;
let dir: string;
let inv: string;
let plays = 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  tasks: TaskRow[];
  changed: number;
}

async function play(tasks: string, extra: string[] = [], handlers = ''): Promise<Run> {
  const pb = join(dir, `play-${++plays}.yaml`);
  const hs = handlers ? `  handlers:\n${handlers.replace(/^/gm, '    ')}\n` : '';
  writeFileSync(pb, `- name: ansible modules\n  hosts: all\n  become: true\n  vars:\n    app_dir: /etc/pirun-ans\n    limits: { nofile: 1024 }\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n${hs}`);
  const r = await runPirun([pb, '-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-', ...extra]);
  let report: { hosts: Record<string, { changed: number; tasks: TaskRow[] }> };
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`pirun printed no JSON report (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
  const h = report.hosts[host.name];
  return { ...r, tasks: h.tasks, changed: h.changed };
}

async function sh(cmd: string): Promise<string> {
  const r = await fleet.exec(host, ['bash', '-c', cmd]);
  if (r.exitCode !== 0) throw new Error(`"${cmd}" failed on the test host (exit ${r.exitCode}): ${r.stderr}`);
  return r.stdout.trim();
}

const statuses = (r: Run) => r.tasks.map((t) => `${t.task}: ${t.status}`);
const changed = (r: Run) => r.tasks.filter((t) => t.status === 'changed').map((t) => `${t.task}: ${t.changes.join(', ')}`);
const explain = (r: Run) => `exit ${r.code}\n${statuses(r).join('\n')}\n${r.tasks.map((t) => t.msg).filter(Boolean).join('\n')}\n${r.stderr}`;

beforeAll(async () => {
  fleet = await startFleet({ count: 1 });
  host = fleet.hosts[0];
  await fleet.authorizeKey(host);
  inv = fleet.writeInventory();
  dir = mkdtempSync(join(tmpdir(), 'pirun-modules-ansible-'));
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TASKS = `
- name: app folder
  file: { dest: "{{ app_dir }}", state: directory, mode: "{{ folder_mode | default(omit) }}" }
- name: ports
  replace: { dest: "{{ app_dir }}/app.conf", regexp: '^#?(Port)=\\d+$', replace: '\\1=8080' }
- name: limits block
  blockinfile:
    path: "{{ app_dir }}/app.conf"
    block: |
      {% for k, v in limits.items() %}
      {{ k }}={{ v }}
      {% endfor %}
- name: debug off
  lineinfile: { name: "{{ app_dir }}/app.conf", regexp: '^Debug=', line: 'Debug={{ false | ternary("yes", "no") }}' }
- name: overlay at boot
  community.general.modprobe: { name: overlay, state: present, persistent: present }
- name: openssh installed
  package: { name: openssh-server, state: present }
- name: read config
  stat: { path: "{{ app_dir }}/app.conf", checksum_algorithm: sha256 }
  register: conf
- name: read packages
  package_facts:
- name: read services
  service_facts:
- name: read pi
  getent: { database: passwd, key: pi }
- name: facts as Ansible shapes them
  assert:
    that:
      - conf.stat.exists and conf.stat.isreg and conf.stat.mode == '0644'
      - conf.stat.checksum | length == 64
      - "'openssh-server' in ansible_facts.packages"
      - ansible_facts.packages['openssh-server'][0].version is version('1:8.0', '>=')
      - ansible_facts.services['ssh.service'].state == 'running'
      - ansible_facts.getent_passwd.pi[4] == '/home/pi'
      - (ansible_facts.services | dict2items | selectattr('value.state', 'equalto', 'running') | list | length) > 0
    msg: the facts are not what Ansible gives
`;

const CONF = '# app\nPort=8080\nDebug=no\n# BEGIN ANSIBLE MANAGED BLOCK\nnofile=1024\n# END ANSIBLE MANAGED BLOCK\n';

describe('Ansible modules on a real host', () => {
  it('apply, again with changed=0, --check exact on drift, repair', { timeout: 240_000 }, async () => {
    await sh("mkdir -p /etc/pirun-ans && printf '# app\\n#Port=80\\nDebug=yes\\n' > /etc/pirun-ans/app.conf");
    const first = await play(TASKS);
    expect(first.code, explain(first)).toBe(0);
    expect(changed(first).map((c) => c.split(':')[0]), explain(first)).toEqual(['ports', 'limits block', 'debug off', 'overlay at boot']);
    expect(await sh('cat /etc/pirun-ans/app.conf')).toBe(CONF.trimEnd());
    expect(await sh('cat /etc/modules-load.d/overlay.conf')).toBe('overlay');

    const again = await play(TASKS);
    expect(again.code, explain(again)).toBe(0);
    expect(again.changed, explain(again)).toBe(0);

    await sh("sed -i 's/^Port=8080/#Port=80/; s/^nofile=1024/nofile=1/' /etc/pirun-ans/app.conf && rm /etc/modules-load.d/overlay.conf");
    const before = await fleet.snapshot(host);
    const drifted = await sh('cat /etc/pirun-ans/app.conf');
    const check = await play(TASKS, ['--check']);
    expect(check.code, explain(check)).toBe(0);
    expect(changed(check)).toEqual([
      'ports: 1 replacement made in /etc/pirun-ans/app.conf',
      'limits block: Block updated in /etc/pirun-ans/app.conf',
      'overlay at boot: create /etc/modules-load.d/overlay.conf',
    ]);
    expect(await fleet.snapshot(host)).toBe(before);
    expect(await sh('cat /etc/pirun-ans/app.conf')).toBe(drifted);

    const repair = await play(TASKS);
    expect(repair.code, explain(repair)).toBe(0);
    expect(changed(repair)).toEqual(changed(check));
    expect(await sh('cat /etc/pirun-ans/app.conf')).toBe(CONF.trimEnd());
  });

  it('meta: flush_handlers runs the notified handlers at that point of the play', { timeout: 120_000 }, async () => {
    const tasks = `
- name: marker
  copy: { dest: /etc/pirun-ans/flush.conf, content: "{{ 'v2' }}\\n" }
  notify: stamp
- meta: flush_handlers
- name: handler ran before this task
  command: cat /etc/pirun-ans/stamp
  register: stamp
  changed_when: false
- assert: { that: "stamp.stdout == 'stamped'", msg: the handler did not run at flush_handlers }
`;
    const handlers = '- name: stamp\n  copy: { dest: /etc/pirun-ans/stamp, content: "stamped\\n" }\n';
    await sh('mkdir -p /etc/pirun-ans && rm -f /etc/pirun-ans/stamp /etc/pirun-ans/flush.conf');
    const r = await play(tasks, [], handlers);
    expect(r.code, explain(r)).toBe(0);
    expect(statuses(r), explain(r)).toEqual(['marker: changed', 'stamp: changed', 'handler ran before this task: ok', 'assert: ok']);
  });
});

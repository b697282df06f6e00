// The engine end to end against real Debian hosts over SSH: apply, idempotence,
// check-mode exactness, handlers, registered results, become with a password,
// host keys, unreachable hosts, --limit and secret masking.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, startFleet, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
let dir: string;
let inv: string;

const PLAYBOOK = `
- name: engine
  hosts: all
  become: true
  vars:
    motd_text: "managed by pirun"
  tasks:
    - name: Motd file
      copy: { dest: /etc/pirun-motd, content: "{{ motd_text }} on {{ inventory_hostname }} ({{ facts.os.codename }})\\n", mode: "0640" }
      notify: note motd
    - name: Config from template
      template: { src: TEMPLATE, dest: /etc/pirun-app.conf, mode: "0600" }
    - name: Tool package
      apt: { name: [netcat-openbsd, curl] }
    - name: Read the OS name
      command: grep -c bookworm /etc/os-release
      register: osrel
      check_mode: false
      changed_when: false
    - name: Only on bookworm
      copy: { dest: /etc/pirun-bookworm, content: "{{ osrel.stdout }}\n" }
      when: osrel.rc == 0
    - name: Marker only once
      command: { cmd: touch /var/tmp/pirun-marker, creates: /var/tmp/pirun-marker }
    - name: Loop files
      copy: { dest: "/etc/pirun-{{ item }}.txt", content: "{{ item }}\\n" }
      loop: [one, two]
    - name: Tagged only
      copy: { dest: /etc/pirun-tagged, content: "{{ motd_text }}\\n" }
      tags: [extra]
  handlers:
    - name: note motd
      copy: { dest: /var/tmp/pirun-handler-ran, content: "{{ motd_text }}\\n" }
`;

function playbook(): string {
  const tpl = join(dir, 'app.conf.j2');
  writeFileSync(tpl, 'name = {{ inventory_hostname }}\nport = {{ app_port | default(8080) }}\n{% for u in users %}user = {{ u }}\n{% endfor %}');
  const text = PLAYBOOK.replace('TEMPLATE', tpl);
  const p = join(dir, 'engine.yaml');
  writeFileSync(p, text);
  return p;
}

const base = () => ['-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys'];
const changedTasks = (json: string, host: string) =>
  (JSON.parse(json).hosts[host].tasks as { task: string; status: string }[]).filter((t) => t.status === 'changed').map((t) => t.task);

beforeAll(async () => {
  fleet = await startFleet({ count: 2 });
  for (const h of fleet.hosts) await fleet.authorizeKey(h);
  dir = mkdtempSync(join(tmpdir(), 'pirun-engine-'));
  inv = fleet.writeInventory({ vars: { users: ['alice', 'bob'] } });
});

afterAll(async () => {
  await fleet?.stop();
});

describe('engine on real hosts', () => {
  it('check predicts exactly what the real run changes, touches nothing, and a re-run changes nothing', async () => {
    const pb = playbook();
    const h1 = fleet.hosts[0];
    const before = await fleet.snapshot(h1);
    const check = await runPirun([pb, ...base(), '--check', '--json', '-']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(await fleet.snapshot(h1)).toBe(before);
    const predicted = changedTasks(check.stdout, 'h1');
    expect(predicted).toEqual(['Motd file', 'Config from template', 'Tool package', 'Only on bookworm', 'Marker only once', 'Loop files', 'Tagged only', 'note motd']);

    const real = await runPirun([pb, ...base(), '--json', '-']);
    expect(real.code, real.stderr).toBe(0);
    expect(changedTasks(real.stdout, 'h1')).toEqual(predicted);
    expect((await fleet.exec(h1, 'cat /etc/pirun-motd')).stdout).toBe('managed by pirun on h1 (bookworm)\n');
    expect((await fleet.exec(h1, 'stat -c %a /etc/pirun-app.conf')).stdout.trim()).toBe('600');
    expect((await fleet.exec(h1, 'cat /etc/pirun-app.conf')).stdout).toContain('user = bob');
    expect((await fleet.exec(h1, 'dpkg -s curl')).stdout).toContain('install ok installed');
    expect((await fleet.exec(h1, 'cat /var/tmp/pirun-handler-ran')).exitCode).toBe(0);

    const again = await runPirun([pb, ...base(), '--json', '-']);
    expect(again.code).toBe(0);
    const rep = JSON.parse(again.stdout);
    for (const h of ['h1', 'h2']) expect(rep.hosts[h].changed).toBe(0);
    expect(rep.stats.connections.h1).toBe(1);
  });

  it('batches read-only commands with the facts, yet each reads the host as it is at its turn; until retries', async () => {
    const pb = join(dir, 'readonly.yaml');
    const ro = (name: string, cmd: string, extra = '') =>
      `    - name: ${name}\n      command: ${cmd}\n      register: ${name}\n      check_mode: false\n      changed_when: false\n${extra}`;
    writeFileSync(
      pb,
      `- name: read-only
  hosts: h1
  become: true
  tasks:
${ro('before', 'cat /etc/pirun-ro', '      failed_when: false\n')}${ro('who', 'id -un')}    - name: Write
      copy: { dest: /etc/pirun-ro, content: "{{ ro_value }}\\n" }
${ro('after', 'cat /etc/pirun-ro')}    - name: Raise a flag a second from now
      shell: "rm -f /run/pirun-flag; (sleep 1; touch /run/pirun-flag) >/dev/null 2>&1 &"
      when: flag_test | default(false)
${ro('flag', 'test -e /run/pirun-flag', '      until: flag.rc == 0\n      retries: 40\n      delay: 0.1\n      when: flag_test | default(false)\n')}    - name: Record what the reads saw
      copy: { dest: /etc/pirun-ro-seen, content: "{{ before.stdout }}|{{ after.stdout }}|{{ who.stdout }}|{{ flag.attempts | default(0) }}\\n" }
`,
    );
    const h1 = fleet.hosts[0];
    const run = async (value: string, more: string[] = []) => {
      const r = await runPirun([pb, ...base(), '-e', `ro_value=${value}`, ...more, '--json', '-']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    await run('first');
    expect((await fleet.exec(h1, 'cat /etc/pirun-ro-seen')).stdout).toBe('|first|root|0\n');
    // "before" ran in the batch ahead of the write; "after" ran again once the write changed the host.
    await run('second');
    expect((await fleet.exec(h1, 'cat /etc/pirun-ro-seen')).stdout).toBe('first|second|root|0\n');
    await run('second');
    // Nothing to change (and no host facts used): one batch with the file's facts and every read-only command.
    const quiet = await run('second');
    expect(quiet.hosts.h1.changed).toBe(0);
    expect(quiet.stats.execs.h1).toBe(1);
    // The flag appears a second after the shell starts it: the first read fails, a retry sees it.
    await run('second', ['-e', 'flag_test=true']);
    const seen = (await fleet.exec(h1, 'cat /etc/pirun-ro-seen')).stdout.trim().split('|');
    expect(seen.slice(0, 3)).toEqual(['second', 'second', 'root']);
    expect(Number(seen[3])).toBeGreaterThan(1);
  });

  it('reports drift made by hand in check mode without touching the host', async () => {
    const pb = playbook();
    const h2 = fleet.hosts[1];
    await runPirun([pb, ...base()]);
    await fleet.exec(h2, 'echo tampered > /etc/pirun-motd; chmod 0644 /etc/pirun-app.conf');
    const before = await fleet.snapshot(h2);
    const check = await runPirun([pb, ...base(), '--check', '--diff', '--limit', 'h2']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/h2 \| Motd file \| changed/);
    expect(check.stdout).toContain('-tampered');
    expect(check.stdout).toMatch(/mode of \/etc\/pirun-app.conf 0644 -> 0600/);
    expect(check.stdout).not.toMatch(/^h1 \|/m);
    expect(await fleet.snapshot(h2)).toBe(before);
    const fix = await runPirun([pb, ...base(), '--limit', 'h2']);
    // motd content and app.conf mode; the notified handler runs, but its file is already right
    expect(fix.stdout, fix.stdout).toMatch(/h2 +: ok=\d+ changed=2 /);
    expect(fix.stdout).toMatch(/h2 \| handler: note motd \| ok/);
  });

  it('runs tagged tasks only with --tags and takes -e over play vars', async () => {
    const pb = playbook();
    const r = await runPirun([pb, ...base(), '--tags', 'extra', '-e', 'motd_text=from-cli', '--limit', 'h1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/h1 \| Tagged only \| changed/);
    expect(r.stdout).not.toMatch(/Motd file/);
    expect((await fleet.exec('h1', 'cat /etc/pirun-tagged')).stdout).toBe('from-cli\n');
  });

  it('uses the become password from --ask-become-pass and fails clearly without it', async () => {
    const admin = fleet.writeInventory({ user: 'admin', hosts: ['h1'] });
    await fleet.authorizeKey('h1', 'admin');
    const pb = join(dir, 'become.yaml');
    writeFileSync(pb, '- hosts: all\n  become: true\n  tasks:\n    - name: As root\n      copy: { dest: /etc/pirun-admin, content: "x\\n" }\n');
    const without = await runPirun([pb, '-i', admin, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys']);
    expect(without.code).toBe(2);
    expect(without.stdout).toMatch(/h1 \| As root \| failed \| .*(password|sudo)/i);
    const withPass = await runPirun([pb, '-i', admin, '--known-hosts', fleet.knownHostsFile, '-K', '--json', '-'], { input: 'admin-pass\n' });
    expect(withPass.code, withPass.stderr).toBe(0);
    expect(withPass.stdout).not.toContain('admin-pass');
    expect((await fleet.exec('h1', 'stat -c %U /etc/pirun-admin')).stdout.trim()).toBe('root');
  });

  it('refuses unknown and changed host keys with the fingerprint and the flag to use', async () => {
    const pb = playbook();
    const kh = join(dir, 'kh-empty');
    writeFileSync(kh, '');
    const unknown = await runPirun([pb, '-i', inv, '--known-hosts', kh, '--limit', 'h1']);
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(4);
    expect(unknown.stdout).toMatch(/h1 \| connect \| unreachable \| Host key of "h1" .* is unknown: ssh-ed25519 SHA256:\S+; verify it and pass --accept-new-host-keys/);
    const good = readFileSync(fleet.knownHostsFile, 'utf8');
    const port = fleet.host('h1').port;
    writeFileSync(kh, `[127.0.0.1]:${port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`);
    const changed = await runPirun([pb, '-i', inv, '--known-hosts', kh, '--accept-new-host-keys', '--limit', 'h1']);
    expect(changed.code, changed.stdout).toBe(4);
    expect(changed.stdout).toMatch(/has CHANGED/);
    expect(good.length).toBeGreaterThan(0);
  });

  it('reports an unreachable host and finishes the others', async () => {
    const pb = playbook();
    const bad = fleet.writeInventory({ vars: { users: ['carol'] }, hostVars: { h2: { port: 1 } } });
    const r = await runPirun([pb, '-i', bad, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-']);
    expect(r.code, r.stderr).toBe(4);
    const rep = JSON.parse(r.stdout);
    expect(rep.hosts.h2.unreachable).toBe(true);
    expect(rep.hosts.h1.failed).toBe(0);
    expect(rep.hosts.h1.ok).toBeGreaterThan(3);
  });

  it('never shows secret variables in output or reports', async () => {
    const pb = join(dir, 'secret.yaml');
    writeFileSync(pb, '- hosts: h1\n  become: true\n  tasks:\n    - name: Token file\n      copy: { dest: /etc/pirun-token, content: "{{ api_token }}\\n", mode: "0600" }\n    - debug: { msg: "token is {{ api_token }}" }\n');
    const r = await runPirun([pb, ...base(), '--diff', '-vv', '-e', 'api_token=s3cr3t-value-42', '--json', join(dir, 'secret.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('s3cr3t-value-42');
    expect(readFileSync(join(dir, 'secret.json'), 'utf8')).not.toContain('s3cr3t-value-42');
    expect(r.stdout).toContain('token is ********');
    expect((await fleet.exec('h1', 'cat /etc/pirun-token')).stdout.trim()).toBe('s3cr3t-value-42');
  });
});

// Check mode never disagrees with the real run: each case runs `--check`,
// then the real run, on the same host state, and compares them task by task
// (a task check mode cannot know is `unknown`, which the real run may resolve
// either way; every other status must be the same) and by exit code. Also:
// a check of harden.yaml (WireGuard included) changes nothing on the host, not
// even in /run, the network links, routes or kernel modules; and `run_once`.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPirun, snapshotText, startFleet, type Fleet, type FleetHost, type PirunResult } from '../support/fleet.js';
import { writePlaybook } from '../support/ops.js';
import { report, tasksOf } from '../support/role-runs.js';

let fleet: Fleet;
let inv: string;

beforeAll(async () => {
  fleet = await startFleet({ count: 2, tun: true });
  for (const h of fleet.hosts) await fleet.authorizeKey(h);
  inv = fleet.writeInventory({ vars: { ssh_public_keys: [fleet.publicKey], wireguard_ufw_allow: false }, hostVars: { h1: { wireguard_address: '10.67.0.1/24' } } });
});

afterAll(async () => {
  await fleet?.stop();
});

function pirun(pb: string, args: string[] = []): Promise<PirunResult> {
  return runPirun([pb, '-i', inv, '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--json', '-', ...args]);
}

const statuses = (r: PirunResult, host: string) => tasksOf(r, host).map((t) => `${t.task}=${t.status}`);

// Check then real, same host state: same tasks in the same order, each with
// the same status unless check mode said `unknown`; the same exit code.
async function checkThenReal(name: string, plays: unknown[], args: string[] = []): Promise<{ check: PirunResult; real: PirunResult }> {
  const pb = writePlaybook(fleet.dir, `${name}.yaml`, plays);
  const check = await pirun(pb, ['--check', ...args]);
  const real = await pirun(pb, args);
  expect(check.code, `check: ${check.stderr}\n${check.stdout}`).toBe(real.code);
  for (const host of Object.keys(report(real).hosts)) {
    const c = tasksOf(check, host);
    const r = tasksOf(real, host);
    expect(c.map((t) => t.task)).toEqual(r.map((t) => t.task));
    c.forEach((t, i) => {
      if (t.status !== 'unknown') expect(`${host}: ${t.task}=${t.status}`).toBe(`${host}: ${r[i].task}=${r[i].status}`);
    });
  }
  return { check, real };
}

// Everything a check could change besides /etc, packages and units: network
// links, addresses, routes, loaded kernel modules, and the /run listing.
// Left out of /run, because every SSH login (the check's own) and sudo write
// them: the login session's records (/run/user, /run/systemd/{sessions,users,
// transient,units}, /run/sudo timestamps), the message of the day pam_motd
// writes at each login (/run/motd.dynamic), and /run/utmp's content (only
// its name and mode are listed, like every entry: no sizes or times).
const SYSTEM_SCRIPT = `
export LC_ALL=C
echo '== links'; ip -o link show | sed -E 's/^[0-9]+: //' | sort
echo '== addresses'; ip -o addr show | sed -E 's/^[0-9]+: //; s/valid_lft.*//' | sort
echo '== routes'; ip route show table all | sort
echo '== modules'; if [ -r /proc/modules ]; then cut -d' ' -f1 /proc/modules | sort; else echo '(no /proc/modules: a kernel without loadable modules)'; fi
echo '== run'; find /run -xdev -printf '%p\\t%y\\t%m\\t%u:%g\\n' \\
  | grep -Ev '^/run/(user|sudo|motd\\.dynamic|systemd/(sessions|users|transient|units))(/|\\s)' | sort
`;

async function hostState(host: FleetHost): Promise<string> {
  const sys = await fleet.exec(host, ['bash', '-c', SYSTEM_SCRIPT]);
  expect(sys.exitCode, sys.stderr).toBe(0);
  return `${await snapshotText(host)}\n${sys.stdout}`;
}
const digest = (s: string) => createHash('sha256').update(s).digest('hex');

describe('check mode agrees with the real run', () => {
  it('changes nothing on the host in a check of harden.yaml with WireGuard: /etc, packages, units, links, routes, modules, /run', async () => {
    const h1 = fleet.host('h1');
    // /run/sshd with a mode sshd accepts but `install -d -m 0755` would reset.
    await fleet.exec(h1, 'chmod 0711 /run/sshd');
    const before = await hostState(h1);
    // Links and routes that come and go during the check (a test interface) leave no trace in a snapshot: watch them.
    await fleet.exec(h1, ['bash', '-c', 'nohup ip monitor link route >/var/tmp/pirun-monitor 2>&1 & echo $! >/var/tmp/pirun-monitor.pid']);
    const check = await runPirun(['playbooks/harden.yaml', '-i', inv, '--limit', 'h1', '--known-hosts', fleet.knownHostsFile, '--accept-new-host-keys', '--check', '--json', '-']);
    await fleet.exec(h1, 'kill $(cat /var/tmp/pirun-monitor.pid)');
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(statuses(check, 'h1')).toContain('Install WireGuard=changed');
    const after = await hostState(h1);
    if (digest(after) !== digest(before)) expect(after).toBe(before);
    expect((await fleet.exec(h1, 'cat /var/tmp/pirun-monitor')).stdout).toBe('');
  });

  it('until on a command that is not read-only: the real run retries it, check mode cannot know (unknown, exit 0)', async () => {
    const { check, real } = await checkThenReal('until', [
      {
        name: 'until',
        hosts: 'h1',
        become: true,
        tasks: [{ name: 'Raise the flag', shell: 'touch /var/tmp/pirun-until-flag', register: 'raised', until: 'raised.rc == 0', retries: 2, delay: 0 }],
      },
    ]);
    expect(check.code).toBe(0);
    expect(statuses(check, 'h1')).toEqual(['Raise the flag=unknown']);
    expect(statuses(real, 'h1')).toEqual(['Raise the flag=changed']);
  });

  it('a registered result of a command check mode does not run: later tasks that read it are unknown, the rest still plan', async () => {
    const { check, real } = await checkThenReal('registered', [
      {
        name: 'registered',
        hosts: 'h1',
        become: true,
        tasks: [
          { name: 'Ask the host', command: 'echo 42', register: 'answer' },
          { name: 'Write the answer', copy: { dest: '/etc/pirun-answer', content: 'answer={{ answer.stdout }}\n' } },
          { name: 'Only when it worked', copy: { dest: '/etc/pirun-answer-ok', content: 'ok\n' }, when: 'answer.rc == 0' },
          { name: 'Keep it', set_fact: { kept: '{{ answer.stdout }}' } },
          { name: 'Use what was kept', copy: { dest: '/etc/pirun-kept', content: 'kept={{ kept }}\n' } },
          { name: 'Unrelated', copy: { dest: '/etc/pirun-unrelated', content: 'x\n' } },
        ],
      },
    ]);
    expect(check.code).toBe(0);
    expect(statuses(check, 'h1')).toEqual(['Ask the host=changed', 'Write the answer=unknown', 'Only when it worked=unknown', 'Keep it=unknown', 'Use what was kept=unknown', 'Unrelated=changed']);
    expect(statuses(real, 'h1')).toEqual(['Ask the host=changed', 'Write the answer=changed', 'Only when it worked=changed', 'Keep it=ok', 'Use what was kept=changed', 'Unrelated=changed']);
    expect((await fleet.exec('h1', 'cat /etc/pirun-answer /etc/pirun-kept')).stdout).toBe('answer=42\nkept=42\n');
  });

  it('changed_when on a command: check mode says unknown and --expect-no-changes fails (exit 3) as the real run does', async () => {
    const { check, real } = await checkThenReal(
      'changed-when',
      [{ name: 'changed-when', hosts: 'h1', become: true, tasks: [{ name: 'Maybe change', shell: 'echo changed', register: 'out', changed_when: "'changed' in out.stdout" }] }],
      ['--expect-no-changes'],
    );
    expect(check.code).toBe(3);
    expect(statuses(check, 'h1')).toEqual(['Maybe change=unknown']);
    expect(report(check).hosts.h1).toMatchObject({ changed: 0, unknown: 1 });
    expect(statuses(real, 'h1')).toEqual(['Maybe change=changed']);
  });

  it('a read-only command whose when turns false at its turn (after a set_fact) never runs, not even in the batch ahead of it', async () => {
    await fleet.exec('h1', 'rm -f /var/tmp/pirun-read-ran');
    const { check, real } = await checkThenReal('when-late', [
      {
        name: 'when-late',
        hosts: 'h1',
        become: true,
        vars: { do_read: true },
        tasks: [
          { name: 'Decide not to read', set_fact: { do_read: false } },
          { name: 'Read', shell: 'touch /var/tmp/pirun-read-ran; echo read', check_mode: false, changed_when: false, when: 'do_read' },
        ],
      },
    ]);
    expect(statuses(check, 'h1')).toEqual(['Decide not to read=ok', 'Read=skipped']);
    expect(statuses(real, 'h1')).toEqual(statuses(check, 'h1'));
    expect((await fleet.exec('h1', 'test -e /var/tmp/pirun-read-ran')).exitCode).toBe(1);
  });

  it('run_once: runs on the first host of the batch only; its registered result and set_fact reach every host', async () => {
    await fleet.exec('h1', 'rm -f /var/tmp/pirun-once');
    await fleet.exec('h2', 'rm -f /var/tmp/pirun-once');
    const { check, real } = await checkThenReal('once', [
      {
        name: 'once',
        hosts: 'all',
        become: true,
        tasks: [
          { name: 'Pick a leader', shell: 'echo {{ inventory_hostname }} >/var/tmp/pirun-once; echo {{ inventory_hostname }}', register: 'leader', run_once: true },
          { name: 'Share it', set_fact: { picked: '{{ leader.stdout }}' }, run_once: true },
          { name: 'Everyone sees the leader', copy: { dest: '/etc/pirun-leader', content: '{{ leader.stdout }} {{ picked }}\n' } },
        ],
      },
    ]);
    expect(check.code).toBe(0);
    expect(statuses(check, 'h2')).toEqual(['Pick a leader=skipped', 'Share it=skipped', 'Everyone sees the leader=unknown']);
    expect(statuses(real, 'h1')).toEqual(['Pick a leader=changed', 'Share it=ok', 'Everyone sees the leader=changed']);
    expect(statuses(real, 'h2')).toEqual(['Pick a leader=skipped', 'Share it=skipped', 'Everyone sees the leader=changed']);
    expect((await fleet.exec('h1', 'cat /var/tmp/pirun-once')).stdout).toBe('h1\n');
    expect((await fleet.exec('h2', 'test -e /var/tmp/pirun-once')).exitCode).toBe(1);
    for (const h of ['h1', 'h2']) expect((await fleet.exec(h, 'cat /etc/pirun-leader')).stdout).toBe('h1 h1\n');
  });
});

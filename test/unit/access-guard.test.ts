// The engine's access rules (engine/access.ts): which changes risk SSH access,
// decided from the change's paths, op, account and risk, never its summary;
// and the guard scripts (engine/guard.ts): valid shell, random delimiters,
// fail closed, the window from PIRUN_ROLLBACK_SECONDS.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { accessGuard, mergeGuards, SSHD_ACTIVATE, UFW_FILES } from '../../src/engine/access.js';
import { armGuard, rollbackSeconds } from '../../src/engine/guard.js';
import type { Change } from '../../src/modules/types.js';

const LOGIN = { user: 'pi', home: '/home/pi' };
const write = (path: string, more: Partial<Change> = {}): Change => ({ summary: 'x', op: 'file.write', steps: [{ kind: 'write', path, content: Buffer.from('x') }], ...more });
const exec = (more: Partial<Change>): Change => ({ summary: 'x', op: 'command.run', steps: [{ kind: 'exec', script: 'true' }], ...more });

describe('access rules', () => {
  const guarded: [string, Change, RegExp][] = [
    ['a write to sshd_config', write('/etc/ssh/sshd_config'), /sshd settings/],
    ['a write to an sshd drop-in', write('/etc/ssh/sshd_config.d/50-x.conf'), /sshd settings/],
    ['hosts.allow', write('/etc/hosts.allow'), /TCP wrappers/],
    ['hosts.deny', write('/etc/hosts.deny'), /TCP wrappers/],
    ['access.conf', write('/etc/security/access.conf'), /pam_access/],
    ['pam.d/sshd', write('/etc/pam.d/sshd'), /PAM/],
    ['a ufw rule file', write('/etc/ufw/before.rules'), /firewall rules/],
    ['nftables.conf', write('/etc/nftables.conf'), /firewall rules/],
    ['iptables rules', write('/etc/iptables/rules.v4'), /firewall rules/],
    ['a WireGuard config', write('/etc/wireguard/wg0.conf'), /WireGuard/],
    ["the login user's authorized_keys", write('/home/pi/.ssh/authorized_keys'), /SSH keys of "pi"/],
    ['a path with dot segments into ~/.ssh', write('/home/pi/x/../.ssh/authorized_keys'), /SSH keys of "pi"/],
    ['the mode of ~/.ssh', exec({ op: 'file.mode', target: { paths: ['/home/pi/.ssh'] } }), /StrictModes/],
    ['the owner of the home', exec({ op: 'file.owner', target: { paths: ['/home/pi'] } }), /StrictModes/],
    ['removing ~/.ssh', exec({ op: 'file.remove', target: { paths: ['/home/pi/.ssh'] } }), /SSH keys of "pi"/],
    ['the shell of the login user', exec({ op: 'user.shell', target: { user: 'pi' } }), /login shell of "pi"/],
    ['the groups of the login user', exec({ op: 'user.groups', target: { user: 'pi' } }), /AllowGroups/],
    ['ufw marked as risking access', exec({ op: 'ufw.enable', risk: 'access' }), /ufw/],
  ];
  for (const [name, change, risk] of guarded) {
    it(`guards ${name}`, () => {
      expect(accessGuard(change, LOGIN)?.risk).toMatch(risk);
    });
  }

  const free: [string, Change][] = [
    ['a write elsewhere in /etc', write('/etc/motd')],
    ['a file named like sshd_config elsewhere', write('/srv/etc/ssh/sshd_config')],
    ["another user's keys", write('/home/deploy/.ssh/authorized_keys')],
    ['a file in the login home outside ~/.ssh', write('/home/pi/notes.txt')],
    ['the comment of the login user', exec({ op: 'user.comment', target: { user: 'pi' } })],
    ['the shell of another user', exec({ op: 'user.shell', target: { user: 'deploy' } })],
    ['a ufw change that keeps SSH open', exec({ op: 'ufw.rule.add', risk: 'none' })],
    ['the mode of sshd_config (sshd reads the same settings)', exec({ op: 'file.mode', target: { paths: ['/etc/ssh/sshd_config'] } })],
  ];
  for (const [name, change] of free) {
    it(`does not guard ${name}`, () => {
      expect(accessGuard(change, LOGIN)).toBeUndefined();
    });
  }

  it('decides from data, never from the summary', () => {
    expect(accessGuard({ summary: 'enable ufw', op: 'command.run', steps: [] }, LOGIN)).toBeUndefined();
    expect(accessGuard({ summary: 'harmless', op: 'ufw.enable', risk: 'access', steps: [] }, LOGIN)?.files).toEqual(UFW_FILES);
  });

  it('saves what each change needs: content, mode and owner only, whole trees, account fields', () => {
    expect(accessGuard(write('/home/pi/.ssh/authorized_keys'), LOGIN)).toMatchObject({ files: ['/home/pi/.ssh/authorized_keys'] });
    expect(accessGuard(exec({ op: 'file.mode', target: { paths: ['/home/pi/.ssh'] } }), LOGIN)).toMatchObject({ files: [], attrs: ['/home/pi/.ssh'] });
    expect(accessGuard(exec({ op: 'file.remove', target: { paths: ['/home/pi/.ssh'] } }), LOGIN)).toMatchObject({ files: [], trees: ['/home/pi/.ssh'] });
    expect(accessGuard(exec({ op: 'user.lock', target: { user: 'pi' } }), LOGIN)).toMatchObject({ files: [], users: ['pi'] });
  });

  it('puts sshd files into effect (sshd -t, reload) and reloads sshd after a restore', () => {
    const g = accessGuard(write('/etc/ssh/sshd_config'), LOGIN)!;
    expect(g.activate).toBe(SSHD_ACTIVATE);
    expect(g.activate).toContain('sshd -t');
    expect(g.restore).toContain('systemctl reload ssh');
  });

  it('keeps an explicit guard as given', () => {
    const explicit = { files: ['/etc/x'], restore: 'true', risk: 'mine' };
    expect(accessGuard(write('/etc/hosts.deny', { guard: explicit }), LOGIN)).toBe(explicit);
  });

  it('skips the home rules when the home is unknown', () => {
    expect(accessGuard(write('/home/pi/.ssh/authorized_keys'), { user: 'pi', home: null })).toBeUndefined();
  });

  it('merges a task: each save and command once, activations that cannot cut each other short', () => {
    const m = mergeGuards([accessGuard(write('/etc/ssh/sshd_config'), LOGIN)!, accessGuard(write('/etc/ssh/sshd_config.d/a.conf'), LOGIN)!, accessGuard(write('/etc/ufw/user.rules'), LOGIN)!]);
    expect(m.files).toEqual(['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/a.conf', '/etc/ufw/user.rules']);
    expect(m.activate?.split('sshd -t').length).toBe(2);
    expect(m.activate).toMatch(/^\(\n/);
    expect(m.restore).toContain('rc=$?');
    expect(m.risk.split('; ')).toHaveLength(2);
  });
});

describe('guard scripts', () => {
  const guard = mergeGuards([
    { files: ['/etc/hosts.deny'], restore: 'true', risk: "it's risky" },
    { files: [], attrs: ['/home/pi/.ssh'], trees: ['/home/pi/.ssh/x'], users: ['pi'], restore: '', risk: 'r' },
  ]);

  it('are valid shell, with random heredoc delimiters', () => {
    const a = armGuard(guard, { seconds: 30 });
    const b = armGuard(guard, { seconds: 30 });
    for (const s of [a.armScript, a.disarmScript, a.restoreNowScript]) execFileSync('sh', ['-n'], { input: s });
    expect(a.armScript).not.toContain('PIRUN_RESTORE_EOF');
    const delimiters = (s: string) => [...s.matchAll(/<<'(PIRUN_[0-9a-f]{16})'/g)].map((m) => m[1]);
    expect(delimiters(a.armScript)).toHaveLength(2);
    expect(delimiters(a.armScript)).not.toEqual(delimiters(b.armScript));
    expect(a.id).not.toBe(b.id);
  });

  it('arm every safety net or fail closed: timer with the window, boot unit, cleanup and a marked failure', () => {
    const a = armGuard(guard, { seconds: 30 });
    expect(a.armScript).toContain(`--on-active=30`);
    expect(a.armScript).toContain('--collect');
    expect(a.armScript).toContain(`/etc/systemd/system/pirun-rollback-${a.id}-boot.service`);
    expect(a.armScript).toMatch(/^\(\nset -e\n/);
    expect(a.armScript).toContain(`echo '${a.armFailed}' >&2\n  exit 1`);
  });

  it('never put the password hash on a command line', () => {
    expect(armGuard(guard).armScript).toMatch(/printf '%s:%s\\n' pi "\$pw" \| chpasswd -e/);
  });

  it('take the window from PIRUN_ROLLBACK_SECONDS', () => {
    expect(rollbackSeconds({})).toBe(120);
    expect(rollbackSeconds({ PIRUN_ROLLBACK_SECONDS: '45' })).toBe(45);
    expect(() => rollbackSeconds({ PIRUN_ROLLBACK_SECONDS: '5' })).toThrow('Cannot use PIRUN_ROLLBACK_SECONDS "5": expected whole seconds from 10 to 86400');
    expect(() => rollbackSeconds({ PIRUN_ROLLBACK_SECONDS: 'soon' })).toThrow(/"soon"/);
  });
});

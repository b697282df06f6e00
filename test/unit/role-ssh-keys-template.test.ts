// The ssh-keys role's sshd drop-in, rendered with its defaults and with
// overrides: every setting appears once, booleans become yes/no, optional
// lines appear only when set. (The integration tests prove sshd accepts it.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { renderFile } from '../../src/engine/template.js';

const ROLE = join(import.meta.dirname, '../../roles/ssh-keys');
const defaults = yaml.load(readFileSync(join(ROLE, 'defaults/main.yaml'), 'utf8')) as Record<string, unknown>;
const template = readFileSync(join(ROLE, 'templates/00-pirun.conf.j2'), 'utf8');

function render(vars: Record<string, unknown> = {}): string[] {
  return renderFile(template, { ...defaults, ansible_user: 'pi', ...vars })
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
}

describe('ssh-keys sshd drop-in', () => {
  it('renders the hardened defaults', () => {
    expect(render()).toEqual([
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitEmptyPasswords no',
      'PermitRootLogin no',
      'MaxAuthTries 3',
      'LoginGraceTime 30',
      'ClientAliveInterval 300',
      'ClientAliveCountMax 2',
      'LogLevel VERBOSE',
      'X11Forwarding no',
      'AllowAgentForwarding no',
      'AllowTcpForwarding no',
      'HostKey /etc/ssh/ssh_host_ed25519_key',
      'HostKey /etc/ssh/ssh_host_rsa_key',
      'HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256',
      'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512',
      'Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
      'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com',
    ]);
  });

  it('keeps curve25519-sha256, the key exchange pirun itself speaks', () => {
    expect(render().find((l) => l.startsWith('KexAlgorithms'))).toContain('curve25519-sha256,');
  });

  it('leaves out every NIST curve, SHA-1 and encrypt-and-MAC algorithm', () => {
    const crypto = render().filter((l) => /^(KexAlgorithms|HostKeyAlgorithms|MACs|Ciphers|HostKey) /.test(l)).join('\n');
    expect(crypto).not.toMatch(/nistp|ecdsa|sha1|umac-64|group-exchange|group14|hmac-sha2-(256|512)(,|$)/);
  });

  it('writes AllowUsers / AllowGroups only when set', () => {
    expect(render().some((l) => /^Allow(Users|Groups) /.test(l))).toBe(false);
    const lines = render({ ssh_allow_users: ['pi', 'admin@192.168.1.*'], ssh_allow_groups: ['ssh-users'] });
    expect(lines).toContain('AllowUsers pi admin@192.168.1.*');
    expect(lines).toContain('AllowGroups ssh-users');
  });

  it('passes string values through and maps booleans to yes/no', () => {
    const lines = render({ ssh_permit_root_login: 'prohibit-password', ssh_allow_tcp_forwarding: 'local', ssh_password_authentication: true, ssh_x11_forwarding: true });
    expect(lines).toContain('PermitRootLogin prohibit-password');
    expect(lines).toContain('AllowTcpForwarding local');
    expect(lines).toContain('PasswordAuthentication yes');
    expect(lines).toContain('X11Forwarding yes');
  });
});

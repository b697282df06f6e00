// Ansible content pirun cannot run fails in the preflight: an unknown Jinja
// filter, test or lookup, and features pirun deliberately does not support;
// one line naming the task and file, exit 1, no host touched
// (test/support/preflight.ts counts any connection attempt).
import { describe, it } from 'vitest';
import { play, preflightHarness } from '../support/preflight.js';

const h = preflightHarness('pirun-bad-ansible-');
const { file, expectOneLineError } = h;

describe('Ansible content pirun cannot run fails before any host is touched', { timeout: 60_000 }, () => {
  it('an unknown filter, named with its task and file', async () => {
    const pb = file('filter.yaml', play("- name: Motd\n  debug: { msg: '{{ motd | to_toml }}' }"));
    await expectOneLineError([pb, '-i', h.inv], /task "Motd".*filter\.yaml.*unknown filter "to_toml"/);
  });
  it('an unknown test in a condition', async () => {
    const pb = file('test.yaml', play("- name: Maybe\n  debug: { msg: hi }\n  when: x is frobbed"));
    await expectOneLineError([pb, '-i', h.inv], /task "Maybe".*when.*unknown test "frobbed"/);
  });
  it('an unknown lookup', async () => {
    const pb = file('lookup.yaml', play("- name: Vault\n  debug: { msg: \"{{ lookup('hashi_vault', 'secret/x') }}\" }"));
    await expectOneLineError([pb, '-i', h.inv], /task "Vault".*unknown lookup "hashi_vault"/);
  });
  it('async and poll are not supported', async () => {
    const pb = file('async.yaml', play('- name: Long\n  command: sleep 100\n  async: 200\n  poll: 0'));
    await expectOneLineError([pb, '-i', h.inv], /task "Long".*"async" is not supported/);
  });
  it('a package manager of another distribution is not supported', async () => {
    const pb = file('yum.yaml', play('- name: Pkg\n  ansible.builtin.yum: { name: htop }'));
    await expectOneLineError([pb, '-i', h.inv], /task "Pkg".*module "ansible.builtin.yum" is not supported: pirun manages Debian hosts/);
  });
  it('a meta action other than flush_handlers and noop is not supported', async () => {
    const pb = file('meta.yaml', play('- name: Stop\n  meta: end_play'));
    await expectOneLineError([pb, '-i', h.inv], /task "Stop".*meta.free_form: only flush_handlers and noop are supported, got "end_play"/);
  });
  it('package with another package manager is refused', async () => {
    const pb = file('use.yaml', play('- name: Pkg\n  package: { name: htop, use: dnf }'));
    await expectOneLineError([pb, '-i', h.inv], /task "Pkg".*package.use: only apt is supported: pirun manages Debian hosts/);
  });
  it('an argument given under two of its names', async () => {
    const pb = file('alias.yaml', play('- name: Twice\n  lineinfile: { path: /etc/x, dest: /etc/y, line: a }'));
    await expectOneLineError([pb, '-i', h.inv], /task "Twice".*"dest" and "path" are the same argument/);
  });
});

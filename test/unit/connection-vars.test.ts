// ansible_password and ansible_become_password from the inventory are
// rendered as templates like every other variable. A local ssh2 server on
// loopback records the password the connector really offers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSecrets, connector } from '../../src/cli/connect.js';
import type { CliOptions } from '../../src/cli/options.js';
import type { InventoryHost } from '../../src/config/inventory.js';
import { EngineBus } from '../../src/engine/events.js';

const dir = mkdtempSync(join(tmpdir(), 'pirun-conn-vars-'));
let server: InstanceType<typeof ssh2.Server>;
let port: number;
const offered: string[] = [];

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [ssh2.utils.generateKeyPairSync('ed25519').private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'password') return ctx.reject(['password']);
      offered.push(ctx.password);
      return ctx.password === 'raspberry' ? ctx.accept() : ctx.reject(['password']);
    });
    client.on('error', () => undefined);
  });
  port = await new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
});

afterAll(() => {
  server?.close();
});

function host(vars: Record<string, unknown>): InventoryHost {
  return { name: 'pi1', address: '127.0.0.1', port, user: 'pi', groups: ['all'], vars };
}

function options(): CliOptions {
  const knownHosts = join(dir, `kh-${Math.random().toString(16).slice(2)}`);
  writeFileSync(knownHosts, '');
  return { knownHosts, acceptNewHostKeys: true, timeout: 5 } as CliOptions;
}

describe('connection variables', () => {
  it('an inventory ansible_password that is a template is rendered before it is offered', async () => {
    offered.length = 0;
    const h = host({ ansible_password: '{{ pi_pw }}', pi_pw: 'rasp{{ "berry" }}' });
    const t = await connector(options(), {}, new EngineBus(), {})(h);
    await t.close();
    expect(offered).toEqual(['raspberry']);
  });

  it('ansible_become_password is rendered too, with extra vars in scope', () => {
    const h = host({ ansible_become_password: '{{ sudo_pw }}', ansible_password: 'plain' });
    expect(connectionSecrets(h, { sudo_pw: 's3cret' })).toEqual({ password: 'plain', becomePassword: 's3cret' });
    expect(connectionSecrets(host({ become_password: '{{ inventory_hostname }}-pw' }), {})).toEqual({ password: undefined, becomePassword: 'pi1-pw' });
  });

  it('a template reading an undefined variable is a configuration error naming the host', () => {
    expect(() => connectionSecrets(host({ ansible_password: '{{ nope }}' }), {})).toThrow(/^Cannot render "ansible_password" for host "pi1": undefined variable "nope"$/);
  });
});

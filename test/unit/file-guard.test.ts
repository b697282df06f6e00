// copy/template `guard:` — a file that can cut SSH access is planned as a
// guarded change (rollback timer, fresh login) with its activation step in
// the same change, and only when the content changes.
import { describe, expect, it } from 'vitest';
import type { FileFact } from '../../src/facts/files.js';
import type { Probe } from '../../src/facts/probe.js';
import copy from '../../src/modules/copy.js';
import { sha256 } from '../../src/modules/file-plan.js';
import type { PlanContext } from '../../src/modules/types.js';

const DEST = '/etc/ssh/sshd_config.d/00-pirun.conf';
const guard = { risk: 'sshd settings can refuse logins', restore: 'systemctl reload ssh', activate: 'sshd -t && systemctl reload ssh' };

function ctx(file: FileFact | null, content?: string): PlanContext {
  return {
    host: { name: 'h1', address: '127.0.0.1', port: 22, user: 'pi' },
    become: true,
    async fact<T>(p: Probe<T>): Promise<T> {
      if (p.key === `file:${DEST}`) return file as T;
      if (p.key === `content:${DEST}`) return (content === undefined ? null : Buffer.from(content)) as T;
      throw new Error(`unexpected probe ${p.key}`);
    },
    predicted: () => false,
    vars: {},
    readOnly: false,
    pendingPackages: new Set(),
    searchPaths: { files: [], templates: [] },
    renderTemplate: () => '',
  };
}

const fact = (content: string, mode = '0644'): FileFact => ({ type: 'file', mode, owner: 'root', group: 'root', size: content.length, sha256: sha256(Buffer.from(content)) });

describe('copy with guard', () => {
  it('plans a new file as one guarded change: write, then activate', async () => {
    const plan = await copy.plan({ dest: DEST, content: 'PasswordAuthentication no\n', guard }, ctx(null));
    expect(plan.changes).toHaveLength(1);
    const [c] = plan.changes;
    expect(c.guard).toEqual({ files: [DEST], restore: 'systemctl reload ssh', risk: 'sshd settings can refuse logins' });
    expect(c.steps.map((s) => s.kind)).toEqual(['write', 'exec']);
    expect(c.steps[1]).toMatchObject({ kind: 'exec', script: 'sshd -t && systemctl reload ssh' });
  });

  it('guards without an activate step when none is given', async () => {
    const plan = await copy.plan({ dest: DEST, content: 'x\n', guard: { risk: 'r', restore: '' } }, ctx(fact('y\n'), 'y\n'));
    expect(plan.changes[0].guard?.files).toEqual([DEST]);
    expect(plan.changes[0].steps.map((s) => s.kind)).toEqual(['write']);
  });

  it('plans nothing when the content is already there', async () => {
    const plan = await copy.plan({ dest: DEST, content: 'x\n', mode: '0644', guard }, ctx(fact('x\n'), 'x\n'));
    expect(plan.changes).toEqual([]);
  });

  it('does not guard a mode-only change (the content sshd reads is the same)', async () => {
    const plan = await copy.plan({ dest: DEST, content: 'x\n', mode: '0600', guard }, ctx(fact('x\n'), 'x\n'));
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0].guard).toBeUndefined();
  });

  it('rejects a guard without a risk', () => {
    expect(copy.args.safeParse({ dest: DEST, content: 'x', guard: { restore: 'true' } }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { FactCache } from '../../src/facts/cache.js';
import { factSudo } from '../../src/engine/sudo.js';
import type { Transport } from '../../src/transport/types.js';

// Facts survive a task that ran steps but reported no change (read-only commands).
describe('FactCache after a task that applied steps', () => {
  const fresh = () => new FactCache({} as Transport, factSudo({ become: true }));

  it('keeps the facts read before a task that reported no change', async () => {
    const c = fresh();
    c.predict('file:/a', 'old');
    const epoch = c.epoch;
    c.invalidate();
    expect(c.has('file:/a')).toBe(false);
    expect(c.epoch).not.toBe(epoch);
    c.keepStale();
    expect(c.has('file:/a')).toBe(true);
    expect(c.isPredicted('file:/a')).toBe(true);
  });

  it('prefers facts read after the invalidation, across several invalidations', async () => {
    const c = fresh();
    c.predict('file:/a', 'old');
    c.predict('file:/b', 'b');
    c.invalidate();
    c.predict('file:/a', 'new');
    c.invalidate();
    c.keepStale();
    expect(await c.get({ key: 'file:/a', script: '', parse: () => 'x' })).toBe('new');
    expect(await c.get({ key: 'file:/b', script: '', parse: () => 'x' })).toBe('b');
  });

  it('drops them for good after a task that changed the host', () => {
    const c = fresh();
    c.predict('file:/a', 'old');
    c.invalidate();
    c.dropStale();
    c.keepStale();
    expect(c.has('file:/a')).toBe(false);
  });
});

// `serial` → batch sizes: a number, a percentage, or a ramp whose last size
// repeats until every host is done.
import { describe, expect, it } from 'vitest';
import { batchSizes, splitBatches } from '../../src/engine/batches.js';

describe('batchSizes', () => {
  it.each([
    { serial: undefined, total: 7, sizes: [7], why: 'no serial: one batch of all hosts' },
    { serial: [], total: 7, sizes: [7], why: 'empty ramp: one batch' },
    { serial: [1], total: 4, sizes: [1, 1, 1, 1], why: 'one at a time' },
    { serial: [3], total: 7, sizes: [3, 3, 1], why: 'fixed size, short last batch' },
    { serial: [10], total: 4, sizes: [4], why: 'size larger than the fleet' },
    { serial: ['25%'], total: 8, sizes: [2, 2, 2, 2], why: 'percentage of the fleet' },
    { serial: ['25%'], total: 6, sizes: [1, 1, 1, 1, 1, 1], why: 'percentage rounds down' },
    { serial: ['10%'], total: 3, sizes: [1, 1, 1], why: 'a percentage never gives an empty batch' },
    { serial: ['0%'], total: 2, sizes: [1, 1], why: '0% still makes progress' },
    { serial: ['100%'], total: 5, sizes: [5], why: '100% is everything at once' },
    { serial: [1, 5, '25%'], total: 20, sizes: [1, 5, 5, 5, 4], why: 'ramp: the last size repeats' },
    { serial: [1, '25%'], total: 6, sizes: [1, 1, 1, 1, 1, 1], why: 'the update playbook ramp on six hosts' },
    { serial: [1, '25%'], total: 12, sizes: [1, 3, 3, 3, 2], why: 'the update playbook ramp on twelve hosts' },
    { serial: [2, 4], total: 3, sizes: [2, 1], why: 'ramp longer than needed stops at the fleet size' },
    { serial: ['3'], total: 5, sizes: [3, 2], why: 'a number given as text (from --serial)' },
    { serial: [1, 2], total: 0, sizes: [0], why: 'no hosts: one empty batch' },
  ])('$why: $serial over $total', ({ serial, total, sizes }) => {
    expect(batchSizes(serial, total)).toEqual(sizes);
  });

  it('always covers every host exactly once', () => {
    for (const total of [1, 2, 5, 13, 50]) {
      for (const serial of [[1], ['33%'], [1, 5, '25%'], [2, '50%'], [7]]) {
        const sizes = batchSizes(serial, total);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
        expect(sizes.every((n) => n >= 1)).toBe(true);
      }
    }
  });
});

describe('splitBatches', () => {
  it('keeps inventory order across batches', () => {
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(splitBatches(hosts, [1, 2, '50%'])).toEqual([['a'], ['b', 'c'], ['d', 'e', 'f']]);
  });

  it('gives one batch without serial', () => {
    expect(splitBatches(['a', 'b'], undefined)).toEqual([['a', 'b']]);
  });
});

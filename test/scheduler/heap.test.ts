import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../collector/domain/regions.ts';
import { IndexedMinHeap } from '../../collector/scheduler/heap.ts';

describe('IndexedMinHeap', () => {
  it('pops in time order, FIFO among equal times', () => {
    const h = new IndexedMinHeap<string>();
    h.set('c', 30, 'C');
    h.set('a', 10, 'A');
    h.set('b', 10, 'B');
    h.set('d', 5, 'D');
    expect([h.pop(), h.pop(), h.pop(), h.pop(), h.pop()].map((e) => e?.key)).toEqual([
      'd',
      'a',
      'b',
      'c',
      undefined,
    ]);
  });

  it('moves and deletes entries by key without stale copies', () => {
    const h = new IndexedMinHeap<number>();
    for (let i = 0; i < 10; i++) h.set(`k${i}`, i * 10, i);
    h.set('k9', 1, 9);
    h.set('k0', 95, 0);
    expect(h.delete('k5')).toBe(true);
    expect(h.delete('k5')).toBe(false);
    expect(h.size).toBe(9);
    expect(h.get('k9')).toEqual({ at: 1, value: 9 });
    const order: string[] = [];
    while (h.size > 0) order.push(h.pop()!.key);
    expect(order).toEqual(['k9', 'k1', 'k2', 'k3', 'k4', 'k6', 'k7', 'k8', 'k0']);
  });

  it('matches a sorted reference under random set/delete/pop', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('set' as const), key: fc.nat(30), at: fc.nat(1000) }),
            fc.record({ op: fc.constant('delete' as const), key: fc.nat(30) }),
            fc.record({ op: fc.constant('pop' as const) }),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          const h = new IndexedMinHeap<number>();
          // Reference: key -> [at, seq]; the minimum by (at, seq).
          const ref = new Map<string, [number, number]>();
          let seq = 0;
          for (const o of ops) {
            if (o.op === 'set') {
              h.set(`k${o.key}`, o.at, o.at);
              ref.set(`k${o.key}`, [o.at, seq++]);
            } else if (o.op === 'delete') {
              expect(h.delete(`k${o.key}`)).toBe(ref.delete(`k${o.key}`));
            } else {
              const got = h.pop();
              const want = [...ref].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1])[0];
              if (!want) expect(got).toBeUndefined();
              else {
                expect(got?.key).toBe(want[0]);
                ref.delete(want[0]);
              }
            }
            expect(h.size).toBe(ref.size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('orders 10,000 entries with random moves', () => {
    const rng = mulberry32(42);
    const h = new IndexedMinHeap<null>();
    for (let i = 0; i < 10_000; i++) h.set(`m${i}`, Math.floor(rng() * 60_000), null);
    for (let i = 0; i < 5_000; i++) h.set(`m${Math.floor(rng() * 10_000)}`, Math.floor(rng() * 60_000), null);
    let last = -1;
    let n = 0;
    while (h.size > 0) {
      const e = h.pop()!;
      expect(e.at).toBeGreaterThanOrEqual(last);
      last = e.at;
      n++;
    }
    expect(n).toBe(10_000);
  });
});

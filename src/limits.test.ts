// Token buckets: the rate and the burst hold per key; a key in use keeps its bucket, a key idle
// for a minute is forgotten (and starts full again, as it would have been).
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './limits.ts';

describe('TokenBuckets', () => {
  it('allows the burst at once, then the rate, per key', () => {
    let now = 1_000_000;
    const tb = new TokenBuckets(2, 3, () => now);
    expect([tb.take('a'), tb.take('a'), tb.take('a')]).toEqual([0, 0, 0]);
    expect(tb.take('a')).toBe(1); // next token in 0.5 s: whole seconds, at least 1
    expect(tb.take('b')).toBe(0); // another key is not affected
    now += 500;
    expect(tb.take('a')).toBe(0);
    expect(tb.take('a')).toBe(1);
    expect(tb.reserve('a')).toBe(500); // in debt: the reservation waits its turn
    expect(tb.reserve('a')).toBe(1000);
  });

  it('keeps the buckets of keys in use through sweeps, and forgets keys idle for a minute', () => {
    let now = 1_000_000;
    const tb = new TokenBuckets(1000, 2000, () => now);
    // 5,000 keys each taking a token every 2.5 s (full again long before their next take)
    for (let round = 0; round < 8; round++) {
      for (let k = 0; k < 5000; k++) {
        now += 0.5;
        expect(tb.take(`device-${k}`)).toBe(0);
      }
      expect(tb.size).toBe(5000); // a sweep ran (every 10,000 takes) and kept them all
    }
    now += 61_000;
    for (let k = 0; k < 10_000; k++) tb.take('busy'); // the next sweep
    expect(tb.size).toBe(1);
    expect([tb.take('device-1'), tb.take('device-1')]).toEqual([0, 0]); // forgotten: full again
  });
});

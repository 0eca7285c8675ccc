// When a device counts as silent: more than three expected intervals since its last message.
import { describe, expect, it } from 'vitest';
import { silentFor } from './offline-by-silence.ts';

describe('silentFor', () => {
  const last = '2026-03-01T10:00:00.000Z';
  const at = (iso: string) => Date.parse(iso);

  it('is undefined up to three intervals of silence, inclusive', () => {
    // interval 60 s: 3 × 60 s = 180 s, so 10:03:00 is exactly at the limit
    expect(silentFor(last, 60_000, at('2026-03-01T10:03:00.000Z'))).toBeUndefined();
    expect(silentFor(last, 60_000, at('2026-03-01T10:01:00.000Z'))).toBeUndefined();
  });

  it('is the silence in ms beyond three intervals', () => {
    // 10:00:00 → 10:03:00.001 is 180,001 ms > 180,000 ms
    expect(silentFor(last, 60_000, at('2026-03-01T10:03:00.001Z'))).toBe(180_001);
    // interval 600 s (the default): 31 min = 1,860,000 ms > 1,800,000 ms
    expect(silentFor(last, 600_000, at('2026-03-01T10:31:00.000Z'))).toBe(1_860_000);
  });

  it('is undefined for a device that never spoke', () => {
    expect(silentFor(undefined, 60_000, at('2026-03-02T00:00:00.000Z'))).toBeUndefined();
  });
});

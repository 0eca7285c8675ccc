import { describe, expect, it } from 'vitest';
import { SequenceTracker } from './sequence.ts';

const T = Date.parse('2026-12-05T08:00:00Z');

describe('seq gap detection (CONTRACT §2)', () => {
  it('counts the seqs a jump skipped, and seqs that go backwards, per device and topic', () => {
    const s = new SequenceTracker();
    // readings 1, 2, 3, then 7 (4, 5 and 6 never came), 8, then 5 again (a replay): 1 gap of 3, 1 backwards
    for (const [i, seq] of [1, 2, 3, 7, 8, 5].entries()) s.note('fd-1', 'readings', seq, T + i * 1000);
    // checks are numbered apart: 1, 2 is no gap whatever the readings did
    s.note('fd-1', 'checks', 1, T);
    s.note('fd-1', 'checks', 2, T + 60_000);
    expect(s.of('fd-1')).toEqual({
      readings: { last: 8, received: 6, gaps: 1, missing: 3, backwards: 1, restarts: 0, since: '2026-12-05T08:00:00.000Z', lastAt: '2026-12-05T08:00:05.000Z' },
      checks: { last: 2, received: 2, gaps: 0, missing: 0, backwards: 0, restarts: 0, since: '2026-12-05T08:00:00.000Z', lastAt: '2026-12-05T08:01:00.000Z' },
    });
  });

  it('starts from the first seq it sees (a device already numbering at 1000 has no gap of 999)', () => {
    const s = new SequenceTracker();
    s.note('b-1', 'readings', 1000, T);
    s.note('b-1', 'readings', 1001, T + 1);
    expect(s.of('b-1')?.readings).toMatchObject({ last: 1001, gaps: 0, missing: 0 });
    expect(s.of('other')).toBeUndefined();
  });

  it('a numbering that restarts after a device reset is followed from there; a replay is one seq back', () => {
    const s = new SequenceTracker();
    // 41, 42, 43, then 1, 2, 3 (the counter restarted): one step back, then counted on; 5 skips 4
    for (const seq of [41, 42, 43, 1, 2, 3, 5]) s.note('g-1', 'readings', seq, T);
    expect(s.of('g-1')?.readings).toMatchObject({ last: 5, backwards: 1, restarts: 1, gaps: 1, missing: 1 });
    // a replay of 3 between 5 and 6 is one step back, and 6 follows 5
    s.note('g-1', 'readings', 3, T);
    s.note('g-1', 'readings', 6, T);
    expect(s.of('g-1')?.readings).toMatchObject({ last: 6, backwards: 2, restarts: 1, gaps: 1, missing: 1 });
  });
});

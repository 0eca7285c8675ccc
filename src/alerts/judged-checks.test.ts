import { describe, expect, it } from 'vitest';
import { JudgedChecks } from './judged-checks.ts';

describe("a node remembers the identities of each device's newest checks", () => {
  it('knows a replay among them, and forgets the oldest past its capacity', () => {
    const judged = new JudgedChecks(['3@300', '2@200', '1@100'], 3);
    expect(['1@100', '2@200', '3@300'].every((id) => judged.has(id))).toBe(true);
    expect(judged.has('1@999')).toBe(false); // the same seq at another time: a restarted count, not a replay
    judged.add('4@400');
    expect(judged.size).toBe(3);
    expect(judged.has('1@100')).toBe(false); // the oldest forgotten
    expect(judged.has('4@400') && judged.has('2@200')).toBe(true);
  });

  it('keeps the newest of a long history loaded at a takeover', () => {
    const newestFirst = Array.from({ length: 10 }, (_, i) => `${10 - i}@${(10 - i) * 100}`);
    const judged = new JudgedChecks(newestFirst, 4);
    expect(judged.size).toBe(4);
    expect(['10@1000', '9@900', '8@800', '7@700'].every((id) => judged.has(id))).toBe(true);
    expect(judged.has('6@600')).toBe(false);
    // the next judged forgets the oldest of those loaded
    judged.add('11@1100');
    expect(judged.has('7@700')).toBe(false);
    expect(judged.has('8@800')).toBe(true);
  });
});

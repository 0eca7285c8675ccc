import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DECISION_SLACK, expandedUncertainty, guardedDecision, legalDecision, normalisedError } from './decision.ts';

// ILAC-G8:09/2019 guarded, non-binary acceptance with w = U (docs/metrology.md §4):
// pass |e| < TL − w; conditional pass TL − w ≤ |e| ≤ TL; conditional fail TL < |e| ≤ TL + w; fail |e| > TL + w.
describe('ILAC-G8 guarded decision at the exact boundaries (binary-exact TL = 0.5, w = 0.125)', () => {
  // 0.5, 0.125, 0.375 = 0.5 − 0.125 and 0.625 = 0.5 + 0.125 are exact in binary floating point.
  const TL = 0.5;
  const w = 0.125;
  const ulp = 2 ** -20; // far outside the 1e-9 × TL slack, far inside the bands
  it('|e| = TL − w = 0.375 → conditional pass: pass is strictly below the acceptance limit', () =>
    expect(guardedDecision(0.375, TL, w)).toBe('conditional-pass'));
  it('|e| just below TL − w (0.375 − 2⁻²⁰) → pass', () => expect(guardedDecision(0.375 - ulp, TL, w)).toBe('pass'));
  it('|e| = TL = 0.5 → conditional pass (inclusive)', () => expect(guardedDecision(0.5, TL, w)).toBe('conditional-pass'));
  it('|e| just above TL → conditional fail', () => expect(guardedDecision(0.5 + ulp, TL, w)).toBe('conditional-fail'));
  it('|e| = TL + w = 0.625 → conditional fail (inclusive)', () => expect(guardedDecision(0.625, TL, w)).toBe('conditional-fail'));
  it('|e| just above TL + w → fail', () => expect(guardedDecision(0.625 + ulp, TL, w)).toBe('fail'));
  it('negative errors decide like positive ones', () => {
    expect(guardedDecision(-0.375, TL, w)).toBe('conditional-pass');
    expect(guardedDecision(-(0.375 - ulp), TL, w)).toBe('pass');
    expect(guardedDecision(-0.625, TL, w)).toBe('conditional-fail');
  });
  it('w = 0: pass below TL, |e| = TL itself is the (single-point) conditional pass', () => {
    expect(guardedDecision(0.5 - ulp, TL, 0)).toBe('pass');
    expect(guardedDecision(0.5, TL, 0)).toBe('conditional-pass');
    expect(guardedDecision(0.5 + ulp, TL, 0)).toBe('fail');
  });
});

describe('decimal limits: values within DECISION_SLACK × TL of a limit count as on it', () => {
  it('TL 0.1, w 0.02: 0.1 − 0.02 (= 0.08000000000000002) and the literal 0.08 both sit on TL − w → conditional pass', () => {
    expect(DECISION_SLACK).toBe(1e-9);
    expect(guardedDecision(0.1 - 0.02, 0.1, 0.02)).toBe('conditional-pass');
    expect(guardedDecision(0.08, 0.1, 0.02)).toBe('conditional-pass');
    expect(guardedDecision(0.0799, 0.1, 0.02)).toBe('pass');
    // 20.10 − 20.00 = 0.10000000000000142: on TL, not above it.
    expect(guardedDecision(20.1 - 20, 0.1, 0.02)).toBe('conditional-pass');
    expect(guardedDecision(0.1001, 0.1, 0.02)).toBe('conditional-fail');
    expect(guardedDecision(0.12, 0.1, 0.02)).toBe('conditional-fail');
    expect(guardedDecision(0.1201, 0.1, 0.02)).toBe('fail');
  });
});

describe('simple acceptance', () => {
  it('|e| ≤ TL passes, inclusive, also when the error comes from decimal subtraction (20.10 − 20.00 vs 0.10)', () => {
    expect(20.1 - 20).toBeGreaterThan(0.1); // binary floating point: 0.10000000000000142
    expect(legalDecision(20.1 - 20, 0.1)).toBe('pass');
    expect(legalDecision(-0.1, 0.1)).toBe('pass');
    expect(legalDecision(0.1001, 0.1)).toBe('fail');
  });
});

describe('uncertainty and En', () => {
  it('U = 2·√((U_ref/2)² + (res/√12)²): U_ref 0.004 L, res 0.01 L → 2·√(4e-6 + 8.333e-6) = 0.0070238 L', () => {
    expect(expandedUncertainty(0.004, 0.01)).toBeCloseTo(0.0070238, 6);
  });
  it('resolution alone: 2·0.01/√12 = 0.0057735', () => expect(expandedUncertainty(0, 0.01)).toBeCloseTo(0.0057735, 6));
  it('En = e/√(U_x² + U_ref²): 0.06/√(0.03² + 0.04²) = 0.06/0.05 = 1.2', () => {
    expect(normalisedError(0.06, 0.03, 0.04)).toBeCloseTo(1.2, 12);
    expect(normalisedError(-0.06, 0.03, 0.04)).toBeCloseTo(-1.2, 12);
  });
});

describe('properties', () => {
  const num = fc.double({ min: -1e3, max: 1e3, noNaN: true });
  const pos = fc.double({ min: 0, max: 1e3, noNaN: true });

  it('the guarded decision is never more lenient than simple acceptance', () => {
    fc.assert(
      fc.property(num, pos, pos, (e, tl, w) => {
        const g = guardedDecision(e, tl, w);
        const l = legalDecision(e, tl);
        const guardedAccepts = g === 'pass' || g === 'conditional-pass';
        // guarded pass ⇒ legal pass; and a legal fail is always a conditional fail or fail
        return (!guardedAccepts || l === 'pass') && (g !== 'pass' || l === 'pass') && (l === 'pass') === guardedAccepts;
      }),
    );
  });

  it('decisions are symmetric in the sign of the error', () => {
    fc.assert(
      fc.property(num, pos, pos, (e, tl, w) => guardedDecision(e, tl, w) === guardedDecision(-e, tl, w) && legalDecision(e, tl) === legalDecision(-e, tl)),
    );
  });

  it('a larger |error| never gives a better decision', () => {
    const rank = { pass: 0, 'conditional-pass': 1, 'conditional-fail': 2, fail: 3 } as const;
    fc.assert(
      fc.property(pos, pos, pos, pos, (a, b, tl, w) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return rank[guardedDecision(lo, tl, w)] <= rank[guardedDecision(hi, tl, w)];
      }),
    );
  });
});

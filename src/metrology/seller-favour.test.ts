// Errors leaning to the seller's side (docs/metrology.md §6; NIST HB44 G-UR.4.1). Every p-value below is
// worked by hand: P(X ≥ k) = Σ_{i=k}^{m} C(m, i) / 2^m for X ~ Binomial(m, 1/2).
import { describe, expect, it } from 'vitest';
import { addCheckToDrift, emptyDriftState, migrateDriftState, resetDrift, type DriftPoint, type DriftState } from './drift.ts';
import { judgeSellerFavour, signTestPValue, type SellerFavourRule } from './seller-favour.ts';

/** The rule of devices/fuel-dispenser.json and scale.json (MAG's choice: HB44 gives no number). */
const RULE: SellerFavourRule = { errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5 };

describe('the one-sided sign test', () => {
  it('gives the hand-worked binomial tails exactly', () => {
    expect(signTestPValue(5, 5)).toBe(1 / 32); // C(5,5)/32 = 0.03125
    expect(signTestPValue(4, 4)).toBe(1 / 16); // 0.0625: four checks can never reach 0.05
    expect(signTestPValue(6, 6)).toBe(1 / 64); // 0.015625
    expect(signTestPValue(8, 9)).toBe(10 / 512); // (C(9,8) + C(9,9))/512 = (9 + 1)/512 = 0.01953125
    expect(signTestPValue(6, 7)).toBe(8 / 128); // (7 + 1)/128 = 0.0625
    expect(signTestPValue(3, 5)).toBe(16 / 32); // (10 + 5 + 1)/32 = 0.5
    expect(signTestPValue(7, 10)).toBe(176 / 1024); // (120 + 45 + 10 + 1)/1024 = 0.171875
    expect(signTestPValue(9, 10)).toBe(11 / 1024); // (10 + 1)/1024 = 0.0107421875
    // (C(20,15) + C(20,16) + … + C(20,20))/2^20 = (15504 + 4845 + 1140 + 190 + 20 + 1)/1048576 = 21700/1048576
    expect(signTestPValue(15, 20)).toBe(21700 / 1048576);
    expect(signTestPValue(0, 5)).toBe(1);
    expect(signTestPValue(0, 0)).toBe(1);
  });

  it('stays right past 1,000 checks (incomplete beta): half of an odd number or more is exactly 1/2 by symmetry', () => {
    expect(signTestPValue(500, 999)).toBeCloseTo(0.5, 12); // summed directly
    expect(signTestPValue(501, 1001)).toBeCloseTo(0.5, 10); // I_{1/2}(501, 501)
    // 1/2 + C(2000, 1000)/2^2001; C(2n, n)/4^n ≈ (1 − 1/(8n))/√(πn) = 0.0178390 for n = 1000 → 0.50892
    expect(signTestPValue(1000, 2000)).toBeCloseTo(0.50892, 4);
    expect(signTestPValue(2000, 2000)).toBe(0); // 2^−2000 underflows: far below any maxPValue
    // against the exact sum in integers: Σ_{i=540}^{1001} C(1001, i) / 2^1001
    const exact = (k: number, m: number) => {
      let c = 1n;
      let sum = 0n;
      for (let i = m; i >= k; i--) {
        sum += c;
        c = (c * BigInt(i)) / BigInt(m - i + 1);
      }
      return Number((sum * 10n ** 20n) / 2n ** BigInt(m)) / 1e20;
    };
    expect(exact(540, 1001)).toBeGreaterThan(0.005);
    expect(signTestPValue(540, 1001) / exact(540, 1001)).toBeCloseTo(1, 9);
    expect(signTestPValue(600, 1001) / exact(600, 1001)).toBeCloseTo(1, 9);
    expect(signTestPValue(540, 1000) / exact(540, 1000)).toBeCloseTo(1, 12); // summed directly
  });

  it('refuses counts that are not counts', () => {
    expect(() => signTestPValue(6, 5)).toThrow(/k must be an integer in \[0, 5\]/);
    expect(() => signTestPValue(1.5, 5)).toThrow(/k must be/);
    expect(() => signTestPValue(0, -1)).toThrow(/m must be/);
  });
});

describe('judging a series for errors that favour the seller', () => {
  it('5 of 5 checks on the seller side with a mean of 2/3 of the MPE is a finding (p = 1/32)', () => {
    // A dispenser 0.06 L over at 20 L in trade (MPE 0.09 L): x = 0.06/0.09 = 0.667 each check.
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 0, meanError: 0.06 / 0.09 }, RULE)).toEqual({
      checksCounted: 5,
      onSellerSide: 5,
      onBuyerSide: 0,
      favoured: 'seller',
      pValue: 0.03125,
      meanErrorMpe: 0.06 / 0.09,
      finding: true,
      persists: true,
    });
    // 8 of 9 (p = 10/512 = 0.01953): still predominantly
    expect(judgeSellerFavour({ positiveErrors: 8, negativeErrors: 1, meanError: 0.6 }, RULE)).toMatchObject({ pValue: 0.01953125, finding: true });
  });

  it('needs minChecks non-zero errors: 4 of 4 is not one (p = 1/16), and minChecks is inclusive', () => {
    expect(judgeSellerFavour({ positiveErrors: 4, negativeErrors: 0, meanError: 0.667 }, RULE)).toMatchObject({ pValue: 0.0625, finding: false });
    // exactly minChecks: a finding; one more required: none (p alone would allow it)
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 0, meanError: 0.667 }, { ...RULE, minChecks: 5, maxPValue: 0.5 }).finding).toBe(true);
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 0, meanError: 0.667 }, { ...RULE, minChecks: 6, maxPValue: 0.5 }).finding).toBe(false);
  });

  it('maxPValue is inclusive: p exactly 1/32 passes a limit of 0.03125, not one of 0.0312', () => {
    const five = { positiveErrors: 5, negativeErrors: 0, meanError: 0.667 };
    expect(judgeSellerFavour(five, { ...RULE, maxPValue: 0.03125 }).finding).toBe(true);
    expect(judgeSellerFavour(five, { ...RULE, maxPValue: 0.0312 }).finding).toBe(false);
    // 6 of 7: p = 8/128 = 0.0625 > 0.05: one check on the buyer's side outweighs six for the seller
    expect(judgeSellerFavour({ positiveErrors: 6, negativeErrors: 1, meanError: 0.667 }, RULE)).toMatchObject({ pValue: 0.0625, finding: false });
  });

  it('minMeanMpe is inclusive ("near the limit"), within a rounding of it', () => {
    const at = (meanError: number) => judgeSellerFavour({ positiveErrors: 6, negativeErrors: 0, meanError }, RULE).finding;
    expect(at(0.5)).toBe(true);
    expect(at(0.5 - 1e-12)).toBe(true); // a Welford mean a rounding below exactly half
    expect(at(0.4999)).toBe(false);
    expect(at(0.25)).toBe(false); // every check on the seller's side, but far from the limit
  });

  it('errors alternating sides are no finding; nor is a mean on the buyer side', () => {
    expect(judgeSellerFavour({ positiveErrors: 3, negativeErrors: 2, meanError: 0.1 }, RULE)).toMatchObject({
      checksCounted: 5,
      onSellerSide: 3,
      onBuyerSide: 2,
      pValue: 0.5,
      finding: false,
    });
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 0, meanError: -0.6 }, RULE).finding).toBe(false);
  });

  it('errorSign −1: the seller side is below the reference', () => {
    const below = { positiveErrors: 0, negativeErrors: 5, meanError: -0.6 };
    expect(judgeSellerFavour(below, { ...RULE, errorSign: -1 })).toMatchObject({ onSellerSide: 5, onBuyerSide: 0, pValue: 0.03125, finding: true });
    expect(judgeSellerFavour(below, RULE)).toMatchObject({ onSellerSide: 0, onBuyerSide: 5, pValue: 1, finding: false });
  });

  it("a buyer's instrument (a purchasing scale) is judged for the buyer's side: indications below the reference", () => {
    // A coffee buyer's scale 0.1 kg light against an MPE of 0.15 kg at each check: x = −0.1/0.15 = −0.667
    const light = { positiveErrors: 0, negativeErrors: 5, meanError: -0.1 / 0.15 };
    expect(judgeSellerFavour(light, RULE, 'buyer')).toMatchObject({ favoured: 'buyer', onSellerSide: 0, onBuyerSide: 5, pValue: 0.03125, finding: true });
    // the same series judged for the seller: 0 of 5 on his side, p = 1
    expect(judgeSellerFavour(light, RULE, 'seller')).toMatchObject({ pValue: 1, finding: false });
    // a heavy purchasing scale favours the farmer: no finding against the buyer
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 0, meanError: 0.667 }, RULE, 'buyer')).toMatchObject({ pValue: 1, finding: false });
    // 8 of 9 below, mean −0.6: p = 10/512
    expect(judgeSellerFavour({ positiveErrors: 1, negativeErrors: 8, meanError: -0.6 }, RULE, 'buyer')).toMatchObject({ pValue: 0.01953125, finding: true });
  });

  it('an open finding persists by the clearing margin (clearPValue 0.2, clearMeanMpe 0.4) and ends past it', () => {
    const rule = { ...RULE, clearPValue: 0.2, clearMeanMpe: 0.4 };
    // 5 of 6 on the seller's side: p = (C(6,5) + C(6,6))/64 = 7/64 = 0.109375 > 0.05, no new finding, ≤ 0.2: kept
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 1, meanError: 0.5 }, rule)).toMatchObject({ pValue: 7 / 64, finding: false, persists: true });
    // without a margin (the opening thresholds): it would clear
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 1, meanError: 0.5 }, RULE).persists).toBe(false);
    // 5 of 7: p = (C(7,5) + C(7,6) + C(7,7))/128 = (21 + 7 + 1)/128 = 29/128 = 0.2265625 > 0.2: ends
    expect(judgeSellerFavour({ positiveErrors: 5, negativeErrors: 2, meanError: 0.5 }, rule)).toMatchObject({ pValue: 29 / 128, persists: false });
    // the mean: 0.4 of the MPE still keeps it (inclusive), 0.39 ends it, whatever p
    expect(judgeSellerFavour({ positiveErrors: 6, negativeErrors: 0, meanError: 0.4 }, rule)).toMatchObject({ finding: false, persists: true });
    expect(judgeSellerFavour({ positiveErrors: 6, negativeErrors: 0, meanError: 0.39 }, rule).persists).toBe(false);
  });

  it('refuses clearing thresholds inside the opening ones', () => {
    const five = { positiveErrors: 5, negativeErrors: 0, meanError: 0.667 };
    expect(() => judgeSellerFavour(five, { ...RULE, clearPValue: 0.04 })).toThrow(/clearPValue must be in \[maxPValue 0.05, 1\]/);
    expect(() => judgeSellerFavour(five, { ...RULE, clearMeanMpe: 0.6 })).toThrow(/clearMeanMpe must be in \[0, minMeanMpe 0.5\]/);
  });

  it('refuses a rule out of range, naming the parameter', () => {
    expect(() => judgeSellerFavour({ positiveErrors: 1, negativeErrors: 0, meanError: 1 }, { ...RULE, errorSign: 0 as 1 })).toThrow(/errorSign/);
    expect(() => judgeSellerFavour({ positiveErrors: 1, negativeErrors: 0, meanError: 1 }, { ...RULE, minChecks: 0 })).toThrow(/minChecks/);
    expect(() => judgeSellerFavour({ positiveErrors: 1, negativeErrors: 0, meanError: 1 }, { ...RULE, maxPValue: 0 })).toThrow(/maxPValue/);
    expect(() => judgeSellerFavour({ positiveErrors: 1, negativeErrors: 0, meanError: 1 }, { ...RULE, minMeanMpe: -1 })).toThrow(/minMeanMpe/);
  });
});

describe('the sign counts a drift series keeps', () => {
  const T0 = Date.parse('2026-01-05T08:00:00Z');
  const DAY = 86_400_000;
  const check = (i: number, error: number): DriftPoint => ({ ts: T0 + i * DAY, error, mpe: 0.09, uncertainty: 0.01 });
  const fold = (errors: number[], from: DriftState = emptyDriftState()) => errors.reduce((s, e, i) => addCheckToDrift(s, check(i, e)), from);

  it('counts errors above and below 0; an exact 0 counts for neither (it still enters the mean)', () => {
    const s = fold([0.06, 0, -0.03, 0.06, 0.06]);
    expect(s).toMatchObject({ n: 5, positiveErrors: 3, negativeErrors: 1 });
    expect(s.meanError).toBeCloseTo((0.06 * 3 - 0.03) / 0.09 / 5, 14); // (0.18 − 0.03)/0.09/5 = 0.3333
    expect(judgeSellerFavour(s, RULE)).toMatchObject({ checksCounted: 4, onSellerSide: 3, onBuyerSide: 1, pValue: 5 / 16, finding: false });
  });

  it('starts again from 0 at a reset (verification, calibration, adjustment)', () => {
    const s = resetDrift(fold([0.06, 0.06, 0.06]), T0 + 10 * DAY, 'adjustment');
    expect(s).toMatchObject({ n: 0, positiveErrors: 0, negativeErrors: 0 });
    // a check older than the reset counts in no baseline
    expect(addCheckToDrift(s, check(5, 0.06))).toMatchObject({ n: 0, positiveErrors: 0 });
  });

  it('loads a state stored before the counts existed (format 3 without them): both 0, counting from its next check', () => {
    const stored = JSON.parse(JSON.stringify(fold([0.06, 0.06, 0.06, 0.06, 0.06, 0.06]))) as Record<string, unknown>;
    delete stored.positiveErrors;
    delete stored.negativeErrors;
    const loaded = migrateDriftState(stored);
    expect(loaded).toMatchObject({ v: 3, n: 6, positiveErrors: 0, negativeErrors: 0 });
    expect(loaded.meanError).toBeCloseTo(0.06 / 0.09, 14); // the rest as stored
    const next = addCheckToDrift(stored as unknown as DriftState, check(6, 0.06));
    expect(next).toMatchObject({ n: 7, positiveErrors: 1, negativeErrors: 0 });
    // its six earlier checks are not counted: 1 non-zero error is below minChecks, no finding yet
    expect(judgeSellerFavour(next, RULE)).toMatchObject({ checksCounted: 1, finding: false });
    // a state with the counts is taken as stored
    const current = fold([0.06]);
    expect(migrateDriftState(current)).toBe(current);
  });
});

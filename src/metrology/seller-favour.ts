// Errors that lean to the seller's side (docs/metrology.md §6): an instrument whose check errors fall
// predominantly on the side that favours its user (the seller) and, on average, near the limit. NIST
// Handbook 44, General Code, G-UR.4.1 (Maintenance of equipment): equipment at one place of business found
// in error predominantly in the direction favourable to the device user, and near the tolerance limit, is
// not maintained in a proper operating condition (as a secondary source quotes it; the paragraph was not
// checked against the handbook: docs/metrology.md §6). HB44 gives no number for "predominantly" or
// "near": the rule below and its parameters (the profile's `sellerFavour` block) are MAG's choice.
//
// Who is favoured is the instrument's user in the trade (HB44: "favorable to the device user"): the seller,
// unless the device's registered `use` names a trade use whose `deviceUser` is the buyer (a scale at a
// purchasing point for coffee, cassava, latex or scrap, where the trader weighs what he buys: an
// indication below the true mass pays the farmer for less). The counts are the same; the side watched is
// the other one, and the alert is `buyer-favoured`.
//
// Once open, a finding is kept while the errors still lean that way by the rule's clearing thresholds
// (clearPValue ≥ maxPValue, clearMeanMpe ≤ minMeanMpe; absent, the same as the opening ones): without such
// a margin a series at the edge opens and clears its alert at every other check (5 of 5 on one side is p =
// 1/32 and a finding; a sixth on the other side makes 5 of 6, p = 7/64 = 0.109, and cleared it).
//
// Pure: no I/O, no clock. Judged per drift series (instrument, gas, test point, regime; restarted with the
// drift baseline at a verification, a calibration or an adjustment), from what the series' DriftState
// keeps: the number of checks whose error was above 0 and below 0 (an exact 0 counts for neither, as in a
// sign test) and the mean of the errors as e/MPE (Welford, every check of the baseline).
//
// A finding when all three hold:
// - at least minChecks checks with a non-zero error (m);
// - the one-sided sign test rejects "either side equally likely": p = Σ_{i=k}^{m} C(m, i) / 2^m ≤ maxPValue,
//   k the checks on the seller's side (5 of 5: 1/32 = 0.03125; 8 of 9: 10/512 = 0.01953125);
// - the mean error is on the seller's side by at least minMeanMpe of the MPE ("near the limit"), a mean
//   within DECISION_SLACK (1e-9 of the MPE) below it counted as on it, as the decisions count a limit: a
//   Welford mean of errors averaging exactly half the MPE may come out a rounding below 0.5.

import { DECISION_SLACK } from './decision.ts';
import { regularizedBeta } from './student-t.ts';

/** A type's rule (devices/*.json `sellerFavour`, validated by SellerFavourRuleSchema in ./profile.ts). */
export interface SellerFavourRule {
  /**
   * The sign of the error e = indicated − reference that favours the seller: +1 for a fuel dispenser (it
   * indicates, and charges for, more than the proving measure received) and a trade scale (it indicates
   * more than the test load weighs).
   */
  errorSign: 1 | -1;
  /** Fewest checks with a non-zero error before a finding (a sign test of 4 checks cannot reach p ≤ 1/16). */
  minChecks: number;
  /** Largest one-sided sign-test p-value that counts as "predominantly" on the seller's side. */
  maxPValue: number;
  /** Smallest mean error on the seller's side, as a fraction of the MPE, that counts as "near the limit". */
  minMeanMpe: number;
  /** An open finding is kept while the p-value stays at or below this (≥ maxPValue; absent: maxPValue). */
  clearPValue?: number;
  /** An open finding is kept while the mean stays at or above this fraction of the MPE (≤ minMeanMpe; absent: minMeanMpe). */
  clearMeanMpe?: number;
}

/** The instrument's user in the trade, whom the rule watches for errors in his favour. */
export type TradeParty = 'seller' | 'buyer';

/** What a series keeps for the rule (DriftState: positiveErrors, negativeErrors, meanError as e/MPE). */
export interface SellerFavourCounts {
  positiveErrors: number;
  negativeErrors: number;
  /** Mean of the series' errors as e/MPE, every check of the baseline (zeros included). */
  meanError: number;
}

export interface SellerFavourJudgement {
  /** Checks with a non-zero error: the sign test's m. */
  checksCounted: number;
  /** Of them, on the seller's side (k) and on the buyer's side (m − k). */
  onSellerSide: number;
  onBuyerSide: number;
  /** Whom the rule watches: the instrument's user in the trade (the seller unless its use says the buyer). */
  favoured: TradeParty;
  /** One-sided sign test p-value of the checks on the favoured side, P(X ≥ k) for X ~ Binomial(m, 1/2); 1 without any non-zero error. */
  pValue: number;
  /** The series' mean error as e/MPE, signed as the errors are (positive: indications above the reference). */
  meanErrorMpe: number;
  /** All three conditions hold: worth a `seller-favoured` (or `buyer-favoured`) alert. */
  finding: boolean;
  /** The conditions hold by the clearing thresholds: an open alert stays open. */
  persists: boolean;
}

/**
 * Up to this many non-zero errors the binomial coefficients are summed directly (exact while below 2^53:
 * m ≤ 56; at most m + 1 steps, about a microsecond). Past it, the regularized incomplete beta function,
 * whose continued fraction takes O(√m) steps: a baseline of many checks (an automated proving every hour
 * for a year) is judged at every check, and a sum over all of them would make that quadratic.
 */
const DIRECT_SUM_MAX = 1000;

/**
 * P(X ≥ k) for X ~ Binomial(m, 1/2): the one-sided sign test of k of m non-zero errors on one side,
 * Σ_{i=k}^{m} C(m, i) / 2^m. Exact for small m (5 of 5: 0.03125, 8 of 9: 0.01953125, 6 of 7: 0.0625);
 * past DIRECT_SUM_MAX, I_{1/2}(k, m − k + 1) (the same tail, ~1e-12 relative).
 */
export function signTestPValue(k: number, m: number): number {
  if (!(Number.isInteger(m) && m >= 0)) throw new RangeError(`sign test: m must be an integer ≥ 0, got ${m}`);
  if (!(Number.isInteger(k) && k >= 0 && k <= m)) throw new RangeError(`sign test: k must be an integer in [0, ${m}], got ${k}`);
  if (k === 0) return 1;
  if (m <= DIRECT_SUM_MAX) {
    // C(m, m) = 1, C(m, i − 1) = C(m, i)·i/(m − i + 1): integers, exact while below 2^53
    let c = 1;
    let sum = 0;
    for (let i = m; i >= k; i--) {
      sum += c;
      c = (c * i) / (m - i + 1);
    }
    return Math.min(1, sum / 2 ** m);
  }
  return Math.min(1, Math.max(0, regularizedBeta(0.5, k, m - k + 1)));
}

/** Throws a RangeError naming the offending parameter. */
export function assertSellerFavourRule(rule: SellerFavourRule): void {
  const bad = (name: string, what: string, v: unknown): never => {
    throw new RangeError(`seller-favour rule: ${name} must be ${what}, got ${String(v)}`);
  };
  if (rule.errorSign !== 1 && rule.errorSign !== -1) bad('errorSign', '1 or -1', rule.errorSign);
  if (!(Number.isInteger(rule.minChecks) && rule.minChecks >= 1)) bad('minChecks', 'an integer ≥ 1', rule.minChecks);
  if (!(rule.maxPValue > 0 && rule.maxPValue <= 1)) bad('maxPValue', 'in (0, 1]', rule.maxPValue);
  if (!(rule.minMeanMpe >= 0 && Number.isFinite(rule.minMeanMpe))) bad('minMeanMpe', 'a finite number ≥ 0', rule.minMeanMpe);
  if (rule.clearPValue !== undefined && !(rule.clearPValue >= rule.maxPValue && rule.clearPValue <= 1))
    bad('clearPValue', `in [maxPValue ${rule.maxPValue}, 1]`, rule.clearPValue);
  if (rule.clearMeanMpe !== undefined && !(rule.clearMeanMpe >= 0 && rule.clearMeanMpe <= rule.minMeanMpe))
    bad('clearMeanMpe', `in [0, minMeanMpe ${rule.minMeanMpe}]`, rule.clearMeanMpe);
}

/** The party a device's registered use says is its user (the trade use's `deviceUser`; the seller by default). */
export function deviceUserOf(tradeUses: Readonly<Record<string, { deviceUser?: TradeParty }>> | undefined, use: string | undefined): TradeParty {
  return use !== undefined && tradeUses?.[use]?.deviceUser === 'buyer' ? 'buyer' : 'seller';
}

/** The alert a finding opens: who is favoured. */
export function favourAlertKind(favoured: TradeParty): 'seller-favoured' | 'buyer-favoured' {
  return favoured === 'buyer' ? 'buyer-favoured' : 'seller-favoured';
}

/** Whether a series' errors lean to the favoured party's side (the rule at the top of this file). */
export function judgeSellerFavour(counts: SellerFavourCounts, rule: SellerFavourRule, favoured: TradeParty = 'seller'): SellerFavourJudgement {
  assertSellerFavourRule(rule);
  const { positiveErrors: up, negativeErrors: down, meanError } = counts;
  if (!(Number.isInteger(up) && up >= 0 && Number.isInteger(down) && down >= 0))
    throw new RangeError(`seller-favour counts must be integers ≥ 0, got ${up} above and ${down} below`);
  if (!Number.isFinite(meanError)) throw new RangeError(`seller-favour: meanError must be finite, got ${meanError}`);
  const onSellerSide = rule.errorSign === 1 ? up : down;
  const onBuyerSide = rule.errorSign === 1 ? down : up;
  const checksCounted = up + down;
  const sign = favoured === 'seller' ? rule.errorSign : -rule.errorSign;
  const pValue = signTestPValue(favoured === 'seller' ? onSellerSide : onBuyerSide, checksCounted);
  const leans = (maxP: number, minMean: number) => checksCounted >= rule.minChecks && pValue <= maxP && sign * meanError >= minMean - DECISION_SLACK;
  const finding = leans(rule.maxPValue, rule.minMeanMpe);
  const persists = leans(rule.clearPValue ?? rule.maxPValue, rule.clearMeanMpe ?? rule.minMeanMpe);
  return { checksCounted, onSellerSide, onBuyerSide, favoured, pValue, meanErrorMpe: meanError, finding, persists };
}

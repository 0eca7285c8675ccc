// Drift statistics over the errors of successive checks of ONE series: one instrument, gas, test point
// and regime (driftSeriesKey in ./drift.ts), docs/metrology.md §5.
//
// Pure: no I/O, no clock, no globals. The state is plain JSON data, updated in O(1) per check (no
// history scan beyond the at most phaseIChecks checks of Phase I), so the shell can persist it after every
// check and rebuild after a restart from it alone.
//
// Every statistic runs on the normalised error x = e / MPE (docs/metrology.md §5: points with different MPEs
// compare; the tolerance limit is ±1). ./drift.ts reports them back in the canonical unit.
//
// - EWMA z_i = λ·x_i + (1 − λ)·z_{i−1}, z_0 = μ0, limit μ0 ± L·σ·√(λ/(2 − λ)·(1 − (1 − λ)^{2i})).
// - Tabular CUSUM S_H = max(0, x_i − (μ0 + kσ) + S_H), S_L = max(0, (μ0 − kσ) − x_i + S_L); signal when a
//   sum exceeds hσ (beyond rounding: cusumExceeds). The sums are never reset within a baseline: a
//   persistent shift keeps the signal on.
// - Phase I / Phase II (Montgomery, Introduction to SQC, individuals and EWMA charts): the first
//   phaseIChecks checks after a reset estimate the in-control state, which is then FROZEN until the next
//   reset, so a shift can neither widen its own limits nor become its own baseline:
//   · σ = MR̄/d2 (moving range of successive x, d2 = 1.128 for ranges of two); the profile's prior
//     MPE/sigmaMpeDivisor (1/sigmaMpeDivisor in e/MPE) while Phase I runs and if its moving range is 0.
//   · μ0 = the mean of the Phase-I x when it differs from 0 (two-sided t-test at 95 %, t(k − 1) and the
//     frozen σ, at least the checks' mean u), else 0; unless the parameters fix it (DriftParams.mu0). μ0 is what the charts
//     measure a shift from: with μ0 = 0 an instrument with a steady in-tolerance bias (x ≈ 0.3, nothing
//     changing) signalled "drift" after every reset. The bias itself is the tolerance question, which the
//     check's decision and the predicted out-of-tolerance date (absolute x, bias included) answer. While
//     Phase I runs μ0 is 0 (the unbiased assumption) or the fixed value.
//   When Phase I completes, EWMA and CUSUM are recomputed over its checks with the frozen μ0 and σ (the
//   reason the state keeps their x and U/2 floors, at most phaseIChecks of each): the check completing
//   Phase I is judged with them, never with sums built on the prior K against the frozen H.
//   Each check's σ is at least its own standard uncertainty u = U/2 (in e/MPE): a change the check cannot
//   resolve is no evidence of drift.
// - Least squares x(t) = a + b·t, t in days since the baseline's first check, kept as running means and
//   co-moments (Welford): exact in exact arithmetic, no cancellation on epoch-sized times.
// - Predicted out-of-tolerance date: the first time the one-sided prediction bound (confidence
//   predictionConfidence, 95 %) of a NEW check reaches ±(1 − U/MPE), the ILAC-G8 guarded pass limit.
// - Reset (resetDrift): after a verification, a calibration or an adjustment the baseline restarts; a
//   check older than the reset is not part of the new baseline.
//
// Checks are expected in time order within a baseline (EWMA and CUSUM depend on the order).

import { studentTQuantile } from './student-t.ts';

export const MS_PER_DAY = 86_400_000;
/** Search window of the predicted date, after the later of the last check and `now`. */
export const PREDICTION_SEARCH_DAYS = 3653; // ~10 years
/** d2 of the moving range of two successive values: σ ≈ MR̄ / 1.128 (Montgomery, SQC, individuals chart). */
export const MOVING_RANGE_D2 = 1.128;
/** Confidence of the two-sided test that Phase I's mean error differs from 0 (a bias to measure drift from). */
export const BIAS_CONFIDENCE = 0.95;

export interface DriftParams {
  /** EWMA weight λ, 0 < λ ≤ 1. */
  lambda: number;
  /** EWMA control-limit width L, in σ of z. */
  L: number;
  /** CUSUM reference value K = k·σ. */
  k: number;
  /** CUSUM decision interval H = h·σ. */
  h: number;
  /** Prior σ = MPE / sigmaMpeDivisor (1/sigmaMpeDivisor in e/MPE) until Phase I completes. */
  sigmaMpeDivisor: number;
  /** Phase I length: σ from the moving range of the first phaseIChecks checks after a reset (≥ 2). */
  phaseIChecks: number;
  /** Number of checks needed before a date is predicted (≥ 3, needs n − 2 ≥ 1 degrees of freedom). */
  minPointsForPrediction: number;
  /** Alert horizon: a predicted date within this many days of `now` is worth an alert. */
  horizonDays: number;
  /**
   * In-control mean μ0 of x = e/MPE, fixed. Not given (the default): estimated in Phase I as the mean of
   * its x and frozen with σ until the next reset (0 while Phase I runs).
   */
  mu0?: number;
  /**
   * Two-sided confidence of the test that the slope differs from 0 (default 0.999). The test is repeated
   * after every check, so its false-positive rate compounds: at 0.95, about a third of healthy
   * instruments got a predicted date within 40 checks; at 0.999 about 2 % (unit test).
   */
  slopeConfidence?: number;
  /**
   * Practical significance of a drift alarm, as a fraction of the MPE (default 0.2): EWMA or CUSUM must
   * signal AND the EWMA estimate of the shift must be at least minShiftMpe. With σ from a quiet Phase I the
   * charts detect shifts of a few hundredths of the MPE, real but far inside the tolerance (the "modified
   * control chart" of a capable process, Montgomery SQC §10.3); slow trends are the predicted-oot alert's job.
   */
  minShiftMpe?: number;
  /** One-sided confidence of the prediction bound behind the predicted date (default 0.95). */
  predictionConfidence?: number;
}

export const DEFAULT_SLOPE_CONFIDENCE = 0.999;
export const DEFAULT_MIN_SHIFT_MPE = 0.2;
export const DEFAULT_PREDICTION_CONFIDENCE = 0.95;

export const DEFAULT_DRIFT_PARAMS: Readonly<DriftParams> = Object.freeze({
  lambda: 0.2,
  L: 3,
  k: 0.5,
  h: 5,
  sigmaMpeDivisor: 3,
  phaseIChecks: 8,
  minPointsForPrediction: 4,
  horizonDays: 90,
  slopeConfidence: DEFAULT_SLOPE_CONFIDENCE,
  minShiftMpe: DEFAULT_MIN_SHIFT_MPE,
  predictionConfidence: DEFAULT_PREDICTION_CONFIDENCE,
});

/** Why a baseline restarted. 'migration': a state of an older format could not be carried over. */
export type DriftResetReason = 'verification' | 'calibration' | 'adjustment' | 'migration';

/** Where the μ0 of a check came from: 0 (while Phase I runs, or when it showed no bias), Phase I's mean, or DriftParams.mu0. */
export type DriftMu0Source = 'prior' | 'phaseI' | 'fixed';

/** Relative margin by which a CUSUM sum must exceed H: sums of repeating decimals land a rounding above it. */
export const CUSUM_TIE_EPSILON = 1e-9;

/**
 * Whether a CUSUM sum is a signal, S > H (Montgomery, SQC §9.1), with ties decided beyond rounding: five
 * checks at x = 0.5 with σ = 1/3 give S = 5·(0.5 − 1/6) = 5/3 exactly, computed as 1.666666666666667
 * against H = 5σ = 1.6666666666666665 (with h = 4, four checks: 1.3333333333333335 against 4/3).
 */
export function cusumExceeds(sum: number, threshold: number): boolean {
  return sum - threshold > CUSUM_TIE_EPSILON * Math.abs(threshold);
}

/** Plain JSON data; every number is finite. Statistics in x = e/MPE. Version `v` lets the store migrate it. */
export interface DriftState {
  v: 3;
  /** Checks since the last reset. */
  n: number;
  /** EWMA z_n and CUSUM S_H, S_L (e/MPE). */
  ewma: number;
  cusumHigh: number;
  cusumLow: number;
  /** σ used for the latest check's EWMA limit and CUSUM K/H (e/MPE, after the U/2 floor; 0 before any check). */
  sigma: number;
  /** Where the latest check's σ came from, before the U/2 floor. */
  sigmaSource: 'prior' | 'phaseI';
  /** In-control mean μ0 the latest check was judged against (e/MPE; frozen once Phase I completes) and its source. */
  mu0: number;
  mu0Source: DriftMu0Source;
  /**
   * The checks of Phase I, in order: x = e/MPE and the U/2 floor u = U/(2·MPE) of each (at most phaseIChecks
   * of each), to recompute EWMA and CUSUM with the frozen μ0 and σ when Phase I completes. Kept afterwards.
   */
  phaseI: { x: number[]; u: number[] };
  /** σ frozen at the end of Phase I (e/MPE) and where it came from; null while Phase I runs. */
  frozenSigma: number | null;
  frozenFrom: 'phaseI' | 'prior' | null;
  /**
   * Checks of the baseline whose error is above 0 and below 0 (an exact 0 counts for neither, as in a sign
   * test): which way the errors lean (./seller-favour.ts). A stored state of this format kept before the
   * counts existed loads with both at 0 (migrateDriftState) and counts from its next check.
   */
  positiveErrors: number;
  negativeErrors: number;
  /** Welford mean of x and M2 = Σ(x − x̄)²; mean of t (days since firstTs), M2 of t, co-moment Σ(t − t̄)(x − x̄). */
  meanError: number;
  m2Error: number;
  meanT: number;
  m2T: number;
  coMomentTE: number;
  /** Epoch ms of the baseline's first check (origin of t) and the latest check seen. */
  firstTs: number | null;
  lastTs: number | null;
  /** MPE (tolerance limit TL) and expanded uncertainty U of the latest check, canonical unit. */
  lastMpe: number | null;
  lastUncertainty: number | null;
  /** When and why the current baseline started (null: since the series' first check). */
  resetAt: number | null;
  resetReason: DriftResetReason | null;
}

export interface DriftPoint {
  /** Epoch ms of the check. */
  ts: number;
  /** Error e = indication − reference, canonical unit (the as-shown error that is judged). */
  error: number;
  /** MPE of the regime (the tolerance limit TL), > 0, canonical unit. */
  mpe: number;
  /** Expanded uncertainty U (k = 2) of the check, ≥ 0, canonical unit. */
  uncertainty: number;
}

export interface DriftLine {
  /** Slope b, e/MPE per day. */
  slopePerDay: number;
  /** Intercept a at the baseline's first check (t = 0), e/MPE. */
  intercept: number;
  /** Fitted value a + b·t at the latest check. */
  fittedAtLast: number;
  /** Residual variance s² = SSE / (n − 2); null when n < 3. */
  residualVariance: number | null;
  /** Standard error of b; null when n < 3. */
  slopeStdError: number | null;
  /** Degrees of freedom n − 2. */
  df: number;
}

export function emptyDriftState(): DriftState {
  return {
    v: 3,
    n: 0,
    ewma: 0,
    cusumHigh: 0,
    cusumLow: 0,
    sigma: 0,
    sigmaSource: 'prior',
    mu0: 0,
    mu0Source: 'prior',
    phaseI: { x: [], u: [] },
    frozenSigma: null,
    frozenFrom: null,
    positiveErrors: 0,
    negativeErrors: 0,
    meanError: 0,
    m2Error: 0,
    meanT: 0,
    m2T: 0,
    coMomentTE: 0,
    firstTs: null,
    lastTs: null,
    lastMpe: null,
    lastUncertainty: null,
    resetAt: null,
    resetReason: null,
  };
}

/**
 * A new baseline from `at` (epoch ms): after a verification, a calibration (certificate issuedAt) or an
 * adjustment (the adjusted check's ts). Phase I starts again; checks older than `at` no longer count.
 */
export function resetDrift(_state: DriftState, at: number, reason: DriftResetReason): DriftState {
  if (!Number.isFinite(at)) throw new RangeError(`drift reset: at must be finite epoch ms, got ${at}`);
  return { ...emptyDriftState(), resetAt: at, resetReason: reason };
}

/**
 * A stored state as the current format. An older state that cannot be carried over exactly becomes an
 * empty baseline starting after its latest check, with reason 'migration', so the next checks open a fresh
 * Phase I:
 * - version 1 (statistics in the canonical unit, sample σ);
 * - version 2 (μ0 fixed at 0) with two or more checks and Phase I still running: it kept neither the
 *   Phase-I x values that estimate μ0 nor those that recompute the sums with it.
 * A version-2 state with no check (a baseline just reset) or one (its x is Phase I's last x, its U/2 floor
 * the latest check's) is carried over exactly, keeping its reset time and reason; one past Phase I keeps
 * μ0 = 0 until its next reset.
 * A version-3 state stored before the sign counts (positiveErrors, negativeErrors) existed is carried over
 * with both at 0, as is a version-2 state past Phase I: the signs of their earlier checks were not kept, so
 * the counts start from the next check (the version stays 3: nothing else changed).
 */
export function migrateDriftState(raw: unknown): DriftState {
  const s = raw as { v?: number; lastTs?: number | null; positiveErrors?: unknown } | null | undefined;
  if (s && s.v === 3) {
    // kept before the sign counts existed: the same format otherwise, counting from its next check
    return typeof s.positiveErrors === 'number' ? (s as DriftState) : { ...(s as DriftState), positiveErrors: 0, negativeErrors: 0 };
  }
  if (s && s.v === 2) {
    const v2 = s as unknown as DriftStateV2;
    if (v2.n === 0) return { ...emptyDriftState(), resetAt: v2.resetAt, resetReason: v2.resetReason };
    if (v2.n === 1 && v2.phaseI.lastX !== null && v2.lastMpe !== null && v2.lastUncertainty !== null) {
      const { phaseI: p, v: _v, ...rest } = v2;
      const x = p.lastX!;
      return {
        ...rest,
        v: 3,
        mu0: 0,
        mu0Source: 'prior',
        phaseI: { x: [x], u: [v2.lastUncertainty / v2.lastMpe / 2] },
        positiveErrors: x > 0 ? 1 : 0,
        negativeErrors: x < 0 ? 1 : 0,
      };
    }
    // Past Phase I: its σ is frozen and its sums were built against μ0 = 0, which it keeps until the next
    // reset (as that format judged it); dropping it would drop the baseline's regression, and with it the
    // predicted out-of-tolerance date, on every series at the upgrade. Its checks' signs were not kept.
    if (v2.frozenSigma !== null) {
      const { phaseI: _p, v: _v, ...rest } = v2;
      return { ...rest, v: 3, mu0: 0, mu0Source: 'prior', phaseI: { x: [], u: [] }, positiveErrors: 0, negativeErrors: 0 };
    }
  }
  const after = typeof s?.lastTs === 'number' && Number.isFinite(s.lastTs) ? s.lastTs + 1 : 0;
  return resetDrift(emptyDriftState(), after, 'migration');
}

/** The previous format (v2): μ0 fixed at 0, Phase I kept as moving-range sums only, no sign counts. */
type DriftStateV2 = Omit<DriftState, 'v' | 'mu0' | 'mu0Source' | 'phaseI' | 'positiveErrors' | 'negativeErrors'> & {
  v: 2;
  phaseI: { n: number; lastX: number | null; sumMovingRange: number };
};

/**
 * Frozen parameter objects already found valid: they cannot have changed since, and the drift
 * judgement of every check asserts the same (frozen) parameters of its profile three times.
 */
const validFrozenParams = new WeakSet<DriftParams>();

/** Throws a RangeError naming the offending parameter. */
export function assertDriftParams(params: DriftParams): void {
  if (validFrozenParams.has(params)) return;
  checkDriftParams(params);
  if (Object.isFrozen(params)) validFrozenParams.add(params);
}

function checkDriftParams(params: DriftParams): void {
  const bad = (name: string, rule: string, value: unknown): never => {
    throw new RangeError(`drift params: ${name} must be ${rule}, got ${String(value)}`);
  };
  const { lambda, L, k, h, sigmaMpeDivisor, phaseIChecks, minPointsForPrediction, horizonDays } = params;
  if (!(lambda > 0 && lambda <= 1)) bad('lambda', 'in (0, 1]', lambda);
  if (!(L > 0 && Number.isFinite(L))) bad('L', 'a finite number > 0', L);
  if (!(k >= 0 && Number.isFinite(k))) bad('k', 'a finite number ≥ 0', k);
  if (!(h > 0 && Number.isFinite(h))) bad('h', 'a finite number > 0', h);
  if (!(sigmaMpeDivisor > 0 && Number.isFinite(sigmaMpeDivisor))) bad('sigmaMpeDivisor', 'a finite number > 0', sigmaMpeDivisor);
  if (!(Number.isInteger(phaseIChecks) && phaseIChecks >= 2)) bad('phaseIChecks', 'an integer ≥ 2', phaseIChecks);
  if (!(Number.isInteger(minPointsForPrediction) && minPointsForPrediction >= 3)) bad('minPointsForPrediction', 'an integer ≥ 3', minPointsForPrediction);
  if (!(horizonDays >= 0 && Number.isFinite(horizonDays))) bad('horizonDays', 'a finite number ≥ 0', horizonDays);
  if (params.mu0 !== undefined && !Number.isFinite(params.mu0)) bad('mu0', 'finite', params.mu0);
  if (params.minShiftMpe !== undefined && !(params.minShiftMpe >= 0 && Number.isFinite(params.minShiftMpe)))
    bad('minShiftMpe', 'a finite number ≥ 0', params.minShiftMpe);
  if (params.slopeConfidence !== undefined && !(params.slopeConfidence > 0 && params.slopeConfidence < 1))
    bad('slopeConfidence', 'in (0, 1)', params.slopeConfidence);
  if (params.predictionConfidence !== undefined && !(params.predictionConfidence >= 0.5 && params.predictionConfidence < 1))
    bad('predictionConfidence', 'in [0.5, 1)', params.predictionConfidence);
}

function assertPoint(p: DriftPoint): void {
  if (!Number.isFinite(p.ts)) throw new RangeError(`drift check: ts must be finite epoch ms, got ${p.ts}`);
  if (!Number.isFinite(p.error)) throw new RangeError(`drift check: error must be finite, got ${p.error}`);
  if (!(p.mpe > 0 && Number.isFinite(p.mpe))) throw new RangeError(`drift check: mpe must be finite and > 0, got ${p.mpe}`);
  if (!(p.uncertainty >= 0 && Number.isFinite(p.uncertainty))) throw new RangeError(`drift check: uncertainty must be finite and ≥ 0, got ${p.uncertainty}`);
}

/**
 * Returns a new state with one more check; `state` is not modified. A check older than the baseline's
 * reset returns `state` unchanged (it was made before the verification, calibration or adjustment).
 */
export function addCheckToDrift(stored: DriftState, point: DriftPoint, params: DriftParams = DEFAULT_DRIFT_PARAMS): DriftState {
  assertDriftParams(params);
  assertPoint(point);
  const state = migrateDriftState(stored);
  if (state.resetAt !== null && point.ts < state.resetAt) return state;
  const x = point.error / point.mpe + 0; // + 0: −0 becomes 0, as JSON would store it
  const u = point.uncertainty / point.mpe / 2; // the check's own standard uncertainty: σ's floor

  const charts = state.frozenSigma !== null ? phaseIIStep(state, x, u, params) : phaseIStep(state, x, u, params);

  const firstTs = state.firstTs ?? point.ts;
  const t = (point.ts - firstTs) / MS_PER_DAY;
  const n = state.n + 1;
  const dt = t - state.meanT;
  const dx = x - state.meanError;
  const meanT = state.meanT + dt / n;
  const meanError = state.meanError + dx / n;

  return {
    v: 3,
    n,
    ...charts,
    positiveErrors: state.positiveErrors + (x > 0 ? 1 : 0),
    negativeErrors: state.negativeErrors + (x < 0 ? 1 : 0),
    meanError,
    m2Error: state.m2Error + dx * (x - meanError),
    meanT,
    m2T: state.m2T + dt * (t - meanT),
    coMomentTE: state.coMomentTE + dt * (x - meanError),
    firstTs,
    lastTs: state.lastTs === null ? point.ts : Math.max(state.lastTs, point.ts),
    lastMpe: point.mpe,
    lastUncertainty: point.uncertainty,
    resetAt: state.resetAt,
    resetReason: state.resetReason,
  };
}

/** What one check changes of the charts (EWMA, CUSUM, σ, μ0, Phase I). */
type ChartState = Pick<DriftState, 'ewma' | 'cusumHigh' | 'cusumLow' | 'sigma' | 'sigmaSource' | 'mu0' | 'mu0Source' | 'phaseI' | 'frozenSigma' | 'frozenFrom'>;

/** One EWMA and CUSUM step from (ewma, sh, sl) with in-control mean mu0 and σ. */
function chartStep(ewma: number, sh: number, sl: number, x: number, mu0: number, sigma: number, params: DriftParams) {
  const K = params.k * sigma;
  return {
    ewma: params.lambda * x + (1 - params.lambda) * ewma,
    cusumHigh: Math.max(0, x - (mu0 + K) + sh),
    cusumLow: Math.max(0, mu0 - K - x + sl),
  };
}

/** Phase II: μ0 and σ frozen, one step. */
function phaseIIStep(state: DriftState, x: number, u: number, params: DriftParams): ChartState {
  const mu0 = params.mu0 ?? state.mu0;
  const sigma = Math.max(state.frozenSigma!, u);
  return {
    ...chartStep(state.ewma, state.cusumHigh, state.cusumLow, x, mu0, sigma, params),
    sigma,
    sigmaSource: state.frozenFrom === 'phaseI' ? 'phaseI' : 'prior',
    mu0,
    mu0Source: params.mu0 !== undefined ? 'fixed' : state.mu0Source,
    phaseI: state.phaseI,
    frozenSigma: state.frozenSigma,
    frozenFrom: state.frozenFrom,
  };
}

/**
 * Phase I: before its last check, one step with the prior σ and μ0 = 0 (or the fixed μ0); at its last
 * check, σ and μ0 are estimated and frozen, and EWMA and CUSUM recomputed over all of Phase I with them.
 */
function phaseIStep(state: DriftState, x: number, u: number, params: DriftParams): ChartState {
  const phaseI = { x: [...state.phaseI.x, x], u: [...state.phaseI.u, u] };
  const k = phaseI.x.length;
  if (k < params.phaseIChecks) {
    const mu0 = params.mu0 ?? 0;
    const sigma = Math.max(1 / params.sigmaMpeDivisor, u);
    const from = state.n === 0 ? { ewma: mu0, sh: 0, sl: 0 } : { ewma: state.ewma, sh: state.cusumHigh, sl: state.cusumLow };
    return {
      ...chartStep(from.ewma, from.sh, from.sl, x, mu0, sigma, params),
      sigma,
      sigmaSource: 'prior',
      mu0,
      mu0Source: params.mu0 !== undefined ? 'fixed' : 'prior',
      phaseI,
      frozenSigma: null,
      frozenFrom: null,
    };
  }
  let sumMovingRange = 0;
  let sumX = 0;
  for (let i = 0; i < k; i++) {
    sumX += phaseI.x[i]!;
    if (i > 0) sumMovingRange += Math.abs(phaseI.x[i]! - phaseI.x[i - 1]!);
  }
  const mrBar = sumMovingRange / (k - 1);
  // A Phase I of identical errors has no spread to measure: keep the prior rather than a zero-width limit.
  const frozenSigma = mrBar > 0 ? mrBar / MOVING_RANGE_D2 : 1 / params.sigmaMpeDivisor;
  const frozenFrom = mrBar > 0 ? 'phaseI' : 'prior';
  const mean = sumX / k + 0;
  // A bias only where Phase I shows one: its mean differs from 0 in a two-sided t-test at 95 % (σ the
  // frozen one, at least the checks' own u). Taking every Phase-I mean as μ0 measures later checks from
  // a level known to ±σ/√k: with noise at MPE/3, k = 5 and h = 4, healthy unbiased instruments alarmed
  // within 30 checks in 47 % of simulated series instead of 29 % (2,000 series; with k = 8 and h = 5, the
  // defaults, 31.5 % instead of 19.5 %).
  let sumU = 0;
  for (const ui of phaseI.u) sumU += ui;
  // identical Phase-I errors (whole-step readings) have no spread to measure: the checks' own u judges the mean
  const spread = mrBar > 0 ? Math.max(frozenSigma, sumU / k) : sumU / k;
  const biased = Math.abs(mean) > studentTQuantile(1 - (1 - BIAS_CONFIDENCE) / 2, k - 1) * (spread / Math.sqrt(k));
  const mu0 = params.mu0 ?? (biased ? mean : 0);
  let c = { ewma: mu0, cusumHigh: 0, cusumLow: 0 };
  for (let i = 0; i < k; i++) c = chartStep(c.ewma, c.cusumHigh, c.cusumLow, phaseI.x[i]!, mu0, Math.max(frozenSigma, phaseI.u[i]!), params);
  return {
    ...c,
    sigma: Math.max(frozenSigma, u),
    sigmaSource: frozenFrom,
    mu0,
    mu0Source: params.mu0 !== undefined ? 'fixed' : biased ? 'phaseI' : 'prior',
    phaseI,
    frozenSigma,
    frozenFrom,
  };
}

/** EWMA control-limit half-width after n checks with the given σ. */
export function ewmaLimitHalfWidth(n: number, sigma: number, params: DriftParams): number {
  const { lambda, L } = params;
  return L * sigma * Math.sqrt((lambda / (2 - lambda)) * (1 - Math.pow(1 - lambda, 2 * n)));
}

/** Least-squares line x(t) = a + b·t (t in days since the first check); null when undefined (n < 2 or all checks at one time). */
export function fitDriftLine(state: DriftState): DriftLine | null {
  if (state.n < 2 || !(state.m2T > 0) || state.firstTs === null || state.lastTs === null) return null;
  const b = state.coMomentTE / state.m2T;
  const a = state.meanError - b * state.meanT;
  const tLast = (state.lastTs - state.firstTs) / MS_PER_DAY;
  const df = state.n - 2;
  let residualVariance: number | null = null;
  let slopeStdError: number | null = null;
  if (df >= 1) {
    // SSE = Σ(x − x̄)² − b·Σ(t − t̄)(x − x̄); rounding can make it a hair negative.
    const sse = Math.max(0, state.m2Error - b * state.coMomentTE);
    residualVariance = sse / df;
    slopeStdError = Math.sqrt(residualVariance / state.m2T);
  }
  return { slopePerDay: b, intercept: a, fittedAtLast: a + b * tLast, residualVariance, slopeStdError, df };
}

/** Whether the slope differs from 0 in a two-sided t-test at `confidence` (default 95 %; needs n ≥ 3). */
export function isSlopeSignificant(line: DriftLine, confidence = 0.95): boolean {
  if (line.slopeStdError === null || line.df < 1) return false;
  if (line.slopePerDay === 0) return false;
  if (line.slopeStdError === 0) return true; // points exactly on a non-flat line
  return Math.abs(line.slopePerDay) / line.slopeStdError > studentTQuantile(1 - (1 - confidence) / 2, line.df);
}

/**
 * Epoch ms at which the one-sided prediction bound (confidence params.predictionConfidence, 95 %) of a new
 * check first reaches ±(1 − U/MPE) in e/MPE (the guarded limit TL − U) in the direction of the slope, or
 * null when there are fewer than minPointsForPrediction checks, the slope is not significant at
 * slopeConfidence (99.9 %), or the bound stays inside the limit for PREDICTION_SEARCH_DAYS after the later
 * of the latest check and `now`. Returns the latest check's time when the bound is already beyond the limit
 * there. The bound is monotone beyond the latest check (which lies at or after t̄), so a bisection finds
 * the single crossing, to within a second.
 */
export function predictOutOfToleranceDate(state: DriftState, params: DriftParams = DEFAULT_DRIFT_PARAMS, now?: number): number | null {
  assertDriftParams(params);
  if (state.n < params.minPointsForPrediction || state.firstTs === null || state.lastTs === null) return null;
  if (state.lastMpe === null || state.lastUncertainty === null) return null;
  const line = fitDriftLine(state);
  if (line === null || line.residualVariance === null || !isSlopeSignificant(line, params.slopeConfidence ?? DEFAULT_SLOPE_CONFIDENCE)) return null;

  const direction = Math.sign(line.slopePerDay); // +1 up, −1 down
  const limit = Math.max(0, 1 - state.lastUncertainty / state.lastMpe);
  const q = studentTQuantile(params.predictionConfidence ?? DEFAULT_PREDICTION_CONFIDENCE, line.df);
  const s = Math.sqrt(line.residualVariance);
  const n = state.n;
  // Signed excess of the bound over the limit in the slope's direction: ≥ 0 means reached.
  const excess = (tDays: number): number => {
    const fitted = line.intercept + line.slopePerDay * tDays;
    const spread = q * s * Math.sqrt(1 + 1 / n + (tDays - state.meanT) ** 2 / state.m2T);
    return direction * fitted + spread - limit;
  };

  const tLast = (state.lastTs - state.firstTs) / MS_PER_DAY;
  if (excess(tLast) >= 0) return state.lastTs;
  const from = now !== undefined && Number.isFinite(now) ? Math.max(state.lastTs, now) : state.lastTs;
  let hi = (from - state.firstTs) / MS_PER_DAY + PREDICTION_SEARCH_DAYS;
  if (excess(hi) < 0) return null;
  let lo = tLast;
  const resolutionDays = 1 / 86_400; // one second
  for (let i = 0; i < 200 && hi - lo > resolutionDays; i++) {
    const mid = (lo + hi) / 2;
    if (excess(mid) >= 0) hi = mid;
    else lo = mid;
  }
  return Math.ceil(state.firstTs + hi * MS_PER_DAY);
}

/**
 * Whether a predicted date warrants a `predicted-oot` alert (docs/metrology.md §5): it falls within horizonDays
 * of `now`, or before the next verification due date when known.
 */
export function isPredictionWithinHorizon(
  predictedAt: number | null,
  now: number,
  params: DriftParams = DEFAULT_DRIFT_PARAMS,
  verificationDueAt?: number | null,
): boolean {
  if (predictedAt === null) return false;
  if (predictedAt <= now + params.horizonDays * MS_PER_DAY) return true;
  return verificationDueAt !== undefined && verificationDueAt !== null && predictedAt < verificationDueAt;
}

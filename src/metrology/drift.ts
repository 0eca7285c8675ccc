// Drift statistics over the errors of successive checks of ONE series
// (one device and one gas / test point), METROLOGY.md §5.
//
// Pure: no I/O, no clock, no globals. The state is plain JSON data, updated in
// O(1) per check (no history scan), so the shell can persist it after every
// check and rebuild the statistics after a restart from the stored JSON alone.
//
// What is computed
// - EWMA z_i = λ·e_i + (1 − λ)·z_{i−1}, z_0 = μ0, with the time-varying control
//   limit μ0 ± L·σ·√(λ/(2 − λ)·(1 − (1 − λ)^{2i})); signal when z leaves it.
// - Tabular CUSUM S_H = max(0, e_i − (μ0 + kσ) + S_H), S_L = max(0, (μ0 − kσ) − e_i + S_L);
//   signal when either exceeds hσ. The sums are never reset: a persistent shift
//   keeps the signal on (the alert module de-duplicates).
// - Least squares e(t) = a + b·t, t in days since the series' first check, kept as
//   running means and co-moments (Welford), which is exact in exact arithmetic and
//   avoids the cancellation of raw Σt², Σt·e sums on epoch-sized times.
// - A predicted out-of-tolerance date: the first time the one-sided 95 % prediction
//   bound of a NEW observation reaches ±(TL − U), TL = MPE and U the check's
//   expanded uncertainty (ILAC-G8 guarded pass limit), in the direction of the slope.
//
// Decision on σ (used by the EWMA limit and by CUSUM K = kσ and H = hσ):
// at check i, σ is the CURRENT estimate from the history BEFORE that check:
// the sample standard deviation of e_1..e_{i−1} once i − 1 ≥ minPointsForSigma
// (and it is > 0), otherwise the prior MPE_i / sigmaMpeDivisor; in both cases at least the
// check's standard uncertainty U_i/2 (a change the check cannot resolve is no evidence of drift,
// and a quantised, very quiet history would otherwise give a σ near 0). A check is therefore
// never judged against a σ that it has itself inflated, and K, H and the EWMA limit
// of one step share one σ, stored in the state (`sigma`) so that the summary reports
// exactly the σ behind the latest decision. Known limitation: the sample σ of a
// series that is already drifting includes the drift, which makes EWMA/CUSUM more
// conservative; the regression-based prediction is the tool for slow linear drift.
//
// Checks are expected in time order (EWMA and CUSUM depend on the order; the
// regression does not). `lastTs` is the latest time seen. Use the same params for
// every check of a series: changing λ, k or μ0 mid-series mixes two charts.

export const MS_PER_DAY = 86_400_000;
/** Search window of the predicted date, after the later of the last check and `now`. */
export const PREDICTION_SEARCH_DAYS = 3653; // ~10 years

export interface DriftParams {
  /** EWMA weight λ, 0 < λ ≤ 1. */
  lambda: number;
  /** EWMA control-limit width L, in σ of z. */
  L: number;
  /** CUSUM reference value K = k·σ. */
  k: number;
  /** CUSUM decision interval H = h·σ. */
  h: number;
  /** Prior σ = MPE / sigmaMpeDivisor until the series has its own history. */
  sigmaMpeDivisor: number;
  /** Number of past checks needed before σ is taken from the series (≥ 2). */
  minPointsForSigma: number;
  /** Number of checks needed before a date is predicted (≥ 3, needs n − 2 ≥ 1 degrees of freedom). */
  minPointsForPrediction: number;
  /** Alert horizon: a predicted date within this many days of `now` is worth an alert. */
  horizonDays: number;
  /** In-control mean of the error (0 for an unbiased instrument). */
  mu0?: number;
  /**
   * Two-sided confidence of the test that the slope differs from 0 (default 0.999). The test is
   * repeated after every check, so its false-positive rate compounds: at 0.95, about a third of
   * healthy instruments got a predicted date within 40 checks; at 0.999 about 2 % (unit test).
   */
  slopeConfidence?: number;
  /**
   * Practical significance of a drift alarm, as a fraction of the MPE (default 0.2): EWMA or
   * CUSUM must signal AND the EWMA estimate of the shift must be at least minShiftMpe · MPE.
   * With σ from a quiet history, the charts detect shifts of a few hundredths of the MPE, which
   * are real but leave the instrument far inside its tolerance (the "modified control chart"
   * of a capable process, Montgomery SQC §10.3); slow trends are the predicted-oot alert's job.
   */
  minShiftMpe?: number;
}

export const DEFAULT_SLOPE_CONFIDENCE = 0.999;
export const DEFAULT_MIN_SHIFT_MPE = 0.2;

export const DEFAULT_DRIFT_PARAMS: Readonly<DriftParams> = Object.freeze({
  lambda: 0.2,
  L: 3,
  k: 0.5,
  h: 4,
  sigmaMpeDivisor: 3,
  minPointsForSigma: 8,
  minPointsForPrediction: 4,
  horizonDays: 90,
  mu0: 0,
  slopeConfidence: DEFAULT_SLOPE_CONFIDENCE,
  minShiftMpe: DEFAULT_MIN_SHIFT_MPE,
});

/** Plain JSON data; every number is finite. Version `v` lets the store migrate it. */
export interface DriftState {
  v: 1;
  /** Number of checks in the series. */
  n: number;
  /** EWMA z_n (μ0 before any check is reflected by n = 0). */
  ewma: number;
  /** CUSUM S_H and S_L. */
  cusumHigh: number;
  cusumLow: number;
  /** σ used for the latest check's EWMA limit and CUSUM K/H (0 before any check). */
  sigma: number;
  /** Whether `sigma` came from the series' history (true) or from the MPE prior (false), before the U/2 floor. */
  sigmaFromHistory: boolean;
  /** Welford mean of e and M2 = Σ(e − ē)². */
  meanError: number;
  m2Error: number;
  /** Mean of t (days since firstTs) and M2 = Σ(t − t̄)². */
  meanT: number;
  m2T: number;
  /** Co-moment Σ(t − t̄)(e − ē). */
  coMomentTE: number;
  /** Epoch ms of the first check (origin of t) and the latest check seen. */
  firstTs: number | null;
  lastTs: number | null;
  /** Tolerance limit TL (= MPE) and expanded uncertainty U of the latest check. */
  lastMpe: number | null;
  lastUncertainty: number | null;
}

export interface DriftPoint {
  /** Epoch ms of the check. */
  ts: number;
  /** Error e = indication − reference, canonical unit. */
  error: number;
  /** MPE of the regime (the tolerance limit TL), > 0. */
  mpe: number;
  /** Expanded uncertainty U (k = 2) of the check, ≥ 0. */
  uncertainty: number;
}

export interface DriftLine {
  /** Slope b, error units per day. */
  slopePerDay: number;
  /** Intercept a at the series' first check (t = 0). */
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

export interface DriftSummary {
  points: number;
  ewma: { value: number; upperLimit: number; lowerLimit: number; signal: boolean };
  cusum: { high: number; low: number; threshold: number; signal: boolean };
  sigma: number;
  sigmaSource: 'history' | 'prior' | 'none';
  slopePerDay: number | null;
  /** Fitted value of the drift line at the latest check (not the line's intercept at t = 0). */
  interceptAtLast: number | null;
  /** ISO date YYYY-MM-DD (UTC) or null. */
  predictedOutOfToleranceAt: string | null;
  /** Tolerance limit TL = MPE of the latest check. */
  tolerance: number;
  /** Guarded limit TL − U that the prediction targets (ILAC-G8 pass limit). */
  guardedLimit: number;
  /** EWMA estimate of the shift from μ0, and the smallest shift worth an alarm (minShiftMpe · TL). */
  shift: number;
  minShift: number;
  /** EWMA or CUSUM signals, and the shift is at least minShift: worth a `drift` alert. */
  alarm: boolean;
}

export function emptyDriftState(): DriftState {
  return {
    v: 1,
    n: 0,
    ewma: 0,
    cusumHigh: 0,
    cusumLow: 0,
    sigma: 0,
    sigmaFromHistory: false,
    meanError: 0,
    m2Error: 0,
    meanT: 0,
    m2T: 0,
    coMomentTE: 0,
    firstTs: null,
    lastTs: null,
    lastMpe: null,
    lastUncertainty: null,
  };
}

/** Throws a RangeError naming the offending parameter. */
export function assertDriftParams(params: DriftParams): void {
  const bad = (name: string, rule: string, value: unknown): never => {
    throw new RangeError(`drift params: ${name} must be ${rule}, got ${String(value)}`);
  };
  const { lambda, L, k, h, sigmaMpeDivisor, minPointsForSigma, minPointsForPrediction, horizonDays } = params;
  if (!(lambda > 0 && lambda <= 1)) bad('lambda', 'in (0, 1]', lambda);
  if (!(L > 0 && Number.isFinite(L))) bad('L', 'a finite number > 0', L);
  if (!(k >= 0 && Number.isFinite(k))) bad('k', 'a finite number ≥ 0', k);
  if (!(h > 0 && Number.isFinite(h))) bad('h', 'a finite number > 0', h);
  if (!(sigmaMpeDivisor > 0 && Number.isFinite(sigmaMpeDivisor))) bad('sigmaMpeDivisor', 'a finite number > 0', sigmaMpeDivisor);
  if (!(Number.isInteger(minPointsForSigma) && minPointsForSigma >= 2)) bad('minPointsForSigma', 'an integer ≥ 2', minPointsForSigma);
  if (!(Number.isInteger(minPointsForPrediction) && minPointsForPrediction >= 3))
    bad('minPointsForPrediction', 'an integer ≥ 3', minPointsForPrediction);
  if (!(horizonDays >= 0 && Number.isFinite(horizonDays))) bad('horizonDays', 'a finite number ≥ 0', horizonDays);
  if (params.mu0 !== undefined && !Number.isFinite(params.mu0)) bad('mu0', 'finite', params.mu0);
  if (params.minShiftMpe !== undefined && !(params.minShiftMpe >= 0 && Number.isFinite(params.minShiftMpe))) bad('minShiftMpe', 'a finite number ≥ 0', params.minShiftMpe);
  if (params.slopeConfidence !== undefined && !(params.slopeConfidence > 0 && params.slopeConfidence < 1))
    bad('slopeConfidence', 'in (0, 1)', params.slopeConfidence);
}

function assertPoint(p: DriftPoint): void {
  if (!Number.isFinite(p.ts)) throw new RangeError(`drift check: ts must be finite epoch ms, got ${p.ts}`);
  if (!Number.isFinite(p.error)) throw new RangeError(`drift check: error must be finite, got ${p.error}`);
  if (!(p.mpe > 0 && Number.isFinite(p.mpe))) throw new RangeError(`drift check: mpe must be finite and > 0, got ${p.mpe}`);
  if (!(p.uncertainty >= 0 && Number.isFinite(p.uncertainty)))
    throw new RangeError(`drift check: uncertainty must be finite and ≥ 0, got ${p.uncertainty}`);
}

/** Sample standard deviation of the errors so far (n − 1 denominator); 0 when n < 2. */
function sampleSigma(state: DriftState): number {
  return state.n >= 2 ? Math.sqrt(Math.max(0, state.m2Error) / (state.n - 1)) : 0;
}

/** Returns a new state with one more check; `state` is not modified. */
export function addCheckToDrift(
  state: DriftState,
  point: DriftPoint,
  params: DriftParams = DEFAULT_DRIFT_PARAMS,
): DriftState {
  assertDriftParams(params);
  assertPoint(point);
  const mu0 = params.mu0 ?? 0;

  // σ from the history before this check, else the MPE prior.
  const historic = state.n >= params.minPointsForSigma ? sampleSigma(state) : 0;
  const sigmaFromHistory = historic > 0;
  // Never below the check's own standard uncertainty u = U/2: a change the check cannot resolve
  // is no evidence of drift (a quantised or very quiet history otherwise gives a tiny σ).
  const sigma = Math.max(sigmaFromHistory ? historic : point.mpe / params.sigmaMpeDivisor, point.uncertainty / 2);

  const e = point.error;
  const prevEwma = state.n === 0 ? mu0 : state.ewma;
  const ewma = params.lambda * e + (1 - params.lambda) * prevEwma;
  const K = params.k * sigma;
  const cusumHigh = Math.max(0, e - (mu0 + K) + state.cusumHigh);
  const cusumLow = Math.max(0, mu0 - K - e + state.cusumLow);

  const firstTs = state.firstTs ?? point.ts;
  const t = (point.ts - firstTs) / MS_PER_DAY;
  const n = state.n + 1;
  const dt = t - state.meanT;
  const de = e - state.meanError;
  const meanT = state.meanT + dt / n;
  const meanError = state.meanError + de / n;
  const m2T = state.m2T + dt * (t - meanT);
  const m2Error = state.m2Error + de * (e - meanError);
  const coMomentTE = state.coMomentTE + dt * (e - meanError);

  return {
    v: 1,
    n,
    ewma,
    cusumHigh,
    cusumLow,
    sigma,
    sigmaFromHistory,
    meanError,
    m2Error,
    meanT,
    m2T,
    coMomentTE,
    firstTs,
    lastTs: state.lastTs === null ? point.ts : Math.max(state.lastTs, point.ts),
    lastMpe: point.mpe,
    lastUncertainty: point.uncertainty,
  };
}

/** EWMA control-limit half-width after n checks with the given σ. */
export function ewmaLimitHalfWidth(n: number, sigma: number, params: DriftParams): number {
  const { lambda, L } = params;
  return L * sigma * Math.sqrt((lambda / (2 - lambda)) * (1 - Math.pow(1 - lambda, 2 * n)));
}

/** Least-squares line e(t) = a + b·t (t in days since the first check); null when it is undefined (n < 2 or all checks at one time). */
export function fitDriftLine(state: DriftState): DriftLine | null {
  if (state.n < 2 || !(state.m2T > 0) || state.firstTs === null || state.lastTs === null) return null;
  const b = state.coMomentTE / state.m2T;
  const a = state.meanError - b * state.meanT;
  const tLast = (state.lastTs - state.firstTs) / MS_PER_DAY;
  const df = state.n - 2;
  let residualVariance: number | null = null;
  let slopeStdError: number | null = null;
  if (df >= 1) {
    // SSE = Σ(e − ē)² − b·Σ(t − t̄)(e − ē); rounding can make it a hair negative.
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
 * Epoch ms at which the one-sided 95 % prediction bound of a new observation first
 * reaches ±(TL − U) in the direction of the slope, or null when there are fewer than
 * minPointsForPrediction checks, the slope is not significant at slopeConfidence (99.9 %), or the bound
 * stays inside the limit for PREDICTION_SEARCH_DAYS after the later of the latest
 * check and `now`. Returns the latest check's time when the bound is already beyond
 * the limit there. The bound is monotone beyond the latest check (which lies at or
 * after t̄), so a bisection finds the single crossing, to within a second.
 */
export function predictOutOfToleranceDate(
  state: DriftState,
  params: DriftParams = DEFAULT_DRIFT_PARAMS,
  now?: number,
): number | null {
  assertDriftParams(params);
  if (state.n < params.minPointsForPrediction || state.firstTs === null || state.lastTs === null) return null;
  if (state.lastMpe === null || state.lastUncertainty === null) return null;
  const line = fitDriftLine(state);
  if (line === null || line.residualVariance === null || !isSlopeSignificant(line, params.slopeConfidence ?? DEFAULT_SLOPE_CONFIDENCE)) return null;

  const direction = Math.sign(line.slopePerDay); // +1 up, −1 down
  const limit = Math.max(0, state.lastMpe - state.lastUncertainty);
  const q = studentTQuantile(0.95, line.df);
  const s = Math.sqrt(line.residualVariance);
  const n = state.n;
  // Signed excess of the bound over the limit in the slope's direction: ≥ 0 means reached.
  const excess = (tDays: number): number => {
    const fitted = line.intercept + line.slopePerDay * tDays;
    const spread = q * s * Math.sqrt(1 + 1 / n + ((tDays - state.meanT) ** 2) / state.m2T);
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
 * Whether a predicted date warrants a `predicted-oot` alert (METROLOGY §5): it falls
 * within horizonDays of `now`, or before the next verification due date when known.
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

/** The figures behind CONTRACT `GET /devices/{id}/drift`. */
export function summarizeDrift(state: DriftState, params: DriftParams = DEFAULT_DRIFT_PARAMS): DriftSummary {
  assertDriftParams(params);
  const mu0 = params.mu0 ?? 0;
  const sigma = state.sigma;
  const half = state.n > 0 ? ewmaLimitHalfWidth(state.n, sigma, params) : 0;
  const value = state.n > 0 ? state.ewma : mu0;
  const threshold = params.h * sigma;
  const line = fitDriftLine(state);
  const predicted = predictOutOfToleranceDate(state, params);
  const tolerance = state.lastMpe ?? 0;
  const ewmaSignal = state.n > 0 && Math.abs(value - mu0) > half;
  const cusumSignal = state.n > 0 && (state.cusumHigh > threshold || state.cusumLow > threshold);
  const shift = state.n > 0 ? value - mu0 : 0;
  const minShift = (params.minShiftMpe ?? DEFAULT_MIN_SHIFT_MPE) * tolerance;
  return {
    points: state.n,
    ewma: {
      value,
      upperLimit: mu0 + half,
      lowerLimit: mu0 - half,
      signal: ewmaSignal,
    },
    cusum: {
      high: state.cusumHigh,
      low: state.cusumLow,
      threshold,
      signal: cusumSignal,
    },
    sigma,
    sigmaSource: state.n === 0 ? 'none' : state.sigmaFromHistory ? 'history' : 'prior',
    slopePerDay: line === null ? null : line.slopePerDay,
    interceptAtLast: line === null ? null : line.fittedAtLast,
    predictedOutOfToleranceAt: predicted === null ? null : new Date(predicted).toISOString().slice(0, 10),
    tolerance,
    guardedLimit: Math.max(0, tolerance - (state.lastUncertainty ?? 0)),
    shift,
    minShift,
    alarm: (ewmaSignal || cusumSignal) && Math.abs(shift) >= minShift,
  };
}

/**
 * Whether a `drift` alert should be open after the latest check, with hysteresis so that a
 * statistic hovering at its limit does not open and clear the alert over and over: it opens on
 * `alarm`, and once open it stays open until EWMA is back inside its limits with both CUSUM sums
 * at most H/2, or the shift has fallen below minShift/2.
 */
export function driftAlertShouldBeOpen(s: DriftSummary, isOpen: boolean): boolean {
  if (!isOpen) return s.alarm;
  const settled = !s.ewma.signal && s.cusum.high <= s.cusum.threshold / 2 && s.cusum.low <= s.cusum.threshold / 2;
  return !(settled || Math.abs(s.shift) < s.minShift / 2);
}

// ---------------------------------------------------------------------------
// Student t distribution (no dependency): CDF via the regularized incomplete
// beta function (Lentz continued fraction), quantile by bisection on the CDF.
// Accurate to ~1e-12 relative for the degrees of freedom seen here.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) return h;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with df > 0 degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5); // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile t_{p, df} of Student's t: P(T ≤ t) = p, 0 < p < 1, df > 0. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  // Work on the upper tail 1 − p to keep precision for p near 1.
  const tailTarget = 1 - p;
  const tail = (t: number): number => 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  let lo = 0;
  let hi = 1;
  while (tail(hi) > tailTarget) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > tailTarget) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

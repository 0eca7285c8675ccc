import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_DRIFT_PARAMS,
  MOVING_RANGE_D2,
  MS_PER_DAY,
  CUSUM_TIE_EPSILON,
  addCheckToDrift,
  adjustedElsewhere,
  adjustmentScope,
  cusumExceeds,
  deviceDriftView,
  driftAfterCheck,
  driftAlertShouldBeOpen,
  driftSeriesKey,
  emptyDriftState,
  fitDriftLine,
  isPredictionWithinHorizon,
  migrateDriftState,
  parseDriftSeriesKey,
  predictOutOfToleranceDate,
  rebuildDrift,
  resetDrift,
  studentTCdf,
  studentTQuantile,
  summarizeDrift,
  type DriftParams,
  type DriftPoint,
  type DriftState,
} from './drift.ts';

const P: DriftParams = { ...DEFAULT_DRIFT_PARAMS };
/**
 * The parameters of the hand examples marked "h 4, Phase I 5": the defaults before h 5 and phaseIChecks 8
 * (docs/metrology.md §5). Their arithmetic (H = 4σ, μ0 and σ from the first 5 checks) is kept and the
 * parameters it was worked for are passed explicitly; the tests of the defaults use P.
 */
const H4_PHASE5: DriftParams = { ...DEFAULT_DRIFT_PARAMS, h: 4, phaseIChecks: 5 };
const T0 = Date.UTC(2024, 0, 1); // epoch-sized times exercise the centring of t

// ---------------------------------------------------------------------------
// Independent references: seeded noise and a non-incremental recomputation.

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function fold(points: DriftPoint[], params: DriftParams = P, from: DriftState = emptyDriftState()): DriftState {
  return points.reduce((s, p) => addCheckToDrift(s, p, params), from);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Everything recomputed from the full arrays on x = e/MPE, as the state after the last point should hold
 * it: once phaseIChecks points are in, σ from the moving range of the first phaseIChecks x (the prior
 * 1/sigmaMpeDivisor when it is 0) and μ0 their mean (unless params.mu0), applied to EVERY point, Phase I
 * included; before that the prior σ and μ0 = 0 (or params.mu0). Each point's σ floored by its U/(2·MPE).
 * Explicit EWMA/CUSUM loops, closed-form least squares on x.
 */
function batch(points: DriftPoint[], params: DriftParams = P) {
  const k = params.phaseIChecks;
  const xs = points.map((p) => p.error / p.mpe);
  const prior = 1 / params.sigmaMpeDivisor;
  const complete = xs.length >= k;
  let phaseSigma = prior;
  let phaseMean = 0;
  if (complete) {
    let sum = 0;
    for (let j = 1; j < k; j++) sum += Math.abs(xs[j]! - xs[j - 1]!);
    const mr = sum / (k - 1);
    if (mr > 0) phaseSigma = mr / MOVING_RANGE_D2;
    // a bias only if Phase I's mean differs from 0: two-sided t-test at 95 %, σ at least the checks' mean u
    const m = mean(xs.slice(0, k));
    const meanU = mean(points.slice(0, k).map((p) => p.uncertainty / p.mpe / 2));
    const spread = Math.max(phaseSigma, meanU);
    if (Math.abs(m) > studentTQuantile(0.975, k - 1) * (spread / Math.sqrt(k))) phaseMean = m;
  }
  const mu0 = params.mu0 ?? phaseMean;
  let z = mu0;
  let sh = 0;
  let sl = 0;
  let sigma = 0;
  let cusumMargin = Infinity;
  const ewmaSeq: number[] = [];
  const limitSeq: number[] = [];
  const cusumSignalSeq: boolean[] = [];
  const ewmaSignalSeq: boolean[] = [];
  points.forEach((p, i) => {
    const x = xs[i]!;
    sigma = Math.max(complete ? phaseSigma : prior, p.uncertainty / p.mpe / 2);
    z = params.lambda * x + (1 - params.lambda) * z;
    sh = Math.max(0, x - (mu0 + params.k * sigma) + sh);
    sl = Math.max(0, mu0 - params.k * sigma - x + sl);
    const lim = params.L * sigma * Math.sqrt((params.lambda / (2 - params.lambda)) * (1 - (1 - params.lambda) ** (2 * (i + 1))));
    ewmaSeq.push(z);
    limitSeq.push(lim);
    ewmaSignalSeq.push(Math.abs(z - mu0) > lim);
    cusumSignalSeq.push(sh > params.h * sigma || sl > params.h * sigma);
    cusumMargin = Math.min(Math.abs(sh - params.h * sigma), Math.abs(sl - params.h * sigma));
  });
  const n = points.length;
  const t = points.map((p) => (p.ts - points[0].ts) / MS_PER_DAY);
  const e = xs;
  const tb = mean(t);
  const eb = mean(e);
  const stt = t.reduce((acc, x) => acc + (x - tb) ** 2, 0);
  const ste = t.reduce((acc, x, i) => acc + (x - tb) * (e[i] - eb), 0);
  const see = e.reduce((acc, x) => acc + (x - eb) ** 2, 0);
  const b = stt > 0 ? ste / stt : null;
  const a = b === null ? null : eb - b * tb;
  const tLast = Math.max(...t);
  const sse = b === null || a === null ? null : e.reduce((acc, x, i) => acc + (x - (a + b * t[i])) ** 2, 0);
  return { mu0, z, sh, sl, sigma, cusumMargin, ewmaSeq, limitSeq, ewmaSignalSeq, cusumSignalSeq, b, a, tLast, tb, stt, see, sse, n };
}

function series(errors: number[], opts: { stepDays?: number; mpe?: number; u?: number; t0?: number } = {}): DriftPoint[] {
  const { stepDays = 7, mpe = 0.3, u = 0.05, t0 = T0 } = opts;
  return errors.map((error, i) => ({ ts: t0 + i * stepDays * MS_PER_DAY, error, mpe, uncertainty: u }));
}

// ---------------------------------------------------------------------------

describe('Student t quantile (no dependency)', () => {
  // Reference values from scipy.stats.t.ppf.
  it.each([
    [0.975, 1, 12.706204736174696],
    [0.975, 2, 4.302652729749462],
    [0.975, 3, 3.182446305284263],
    [0.975, 10, 2.228138851986274],
    [0.95, 3, 2.353363434801828],
    [0.95, 5, 2.015048373333024],
    [0.975, 30, 2.042272456301238],
    [0.95, 1000, 1.6463788172854643],
    [0.975, 100000, 1.9599877075346095],
  ])('t(%d, df=%d) = %d', (p, df, expected) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(expected, 9);
    expect(studentTQuantile(1 - p, df)).toBeCloseTo(-expected, 9);
    expect(studentTCdf(expected, df)).toBeCloseTo(p, 10);
  });

  it('rejects p outside (0, 1) and df ≤ 0', () => {
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTQuantile(0.9, 0)).toThrow(RangeError);
  });
});

describe('EWMA', () => {
  it('follows z_i = λe_i + (1 − λ)z_{i−1} from z_0 = 0, with the time-varying limit (hand example)', () => {
    // mpe 0.3 → prior σ = 0.1; λ = 0.2, L = 3.
    const errors = [0.1, -0.2, 0.3, 0.05];
    const expectedZ = [0.02, -0.024, 0.0408, 0.04264];
    let s = emptyDriftState();
    errors.forEach((e, i) => {
      s = addCheckToDrift(s, series(errors)[i], P);
      const sum = summarizeDrift(s, P);
      expect(sum.ewma.value).toBeCloseTo(expectedZ[i], 12);
      const half = 3 * 0.1 * Math.sqrt((0.2 / 1.8) * (1 - 0.8 ** (2 * (i + 1))));
      expect(sum.ewma.upperLimit).toBeCloseTo(half, 12);
      expect(sum.ewma.lowerLimit).toBeCloseTo(-half, 12);
      expect(sum.ewma.signal).toBe(false);
    });
    // First limit exactly: 3 · 0.1 · √(0.2/1.8 · 0.36) = 0.06.
    expect(summarizeDrift(fold(series([0.1])), P).ewma.upperLimit).toBeCloseTo(0.06, 14);
  });

  it('signals when z leaves the limit (constant +2σ offset signals at the 3rd check)', () => {
    const pts = series([0.2, 0.2, 0.2, 0.2]);
    const signals = pts.map((_, i) => summarizeDrift(fold(pts.slice(0, i + 1)), P).ewma.signal);
    expect(signals).toEqual([false, false, true, true]);
    expect(batch(pts).ewmaSignalSeq).toEqual(signals);
  });

  it('honours a non-zero μ0 (in e/MPE: 0.5 × MPE 0.3 = 0.15 in the canonical unit)', () => {
    const params = { ...P, mu0: 0.5 };
    const s = fold(series([0.15, 0.15, 0.15]), params);
    const sum = summarizeDrift(s, params);
    expect(sum.ewma.value).toBeCloseTo(0.15, 14);
    expect(sum.ewma.signal).toBe(false);
    expect(sum.cusum.high).toBe(0);
    expect(sum.cusum.low).toBe(0);
  });
});

describe('CUSUM', () => {
  it('accumulates S_H = max(0, e − (μ0 + kσ) + S_H) and signals above hσ (hand example, h 4, Phase I 5)', () => {
    // Worked for h = 4: σ = 0.1 → K = 0.05, H = 0.4: S_H = 0.15, 0.30, 0.45 → signal at the 3rd.
    const P = H4_PHASE5;
    const pts = series([0.2, 0.2, 0.2]);
    const highs = [0.15, 0.3, 0.45];
    pts.forEach((_, i) => {
      const sum = summarizeDrift(fold(pts.slice(0, i + 1), P), P);
      expect(sum.cusum.high).toBeCloseTo(highs[i], 12);
      expect(sum.cusum.low).toBe(0);
      expect(sum.cusum.threshold).toBeCloseTo(0.4, 14);
      expect(sum.cusum.signal).toBe(i === 2);
    });
    const down = summarizeDrift(fold(series([-0.2, -0.2, -0.2]), P), P);
    expect(down.cusum.low).toBeCloseTo(0.45, 12);
    expect(down.cusum.high).toBe(0);
    expect(down.cusum.signal).toBe(true);
  });

  it('Phase I: σ = MR̄/1.128 and μ0 = the mean of the first 5 checks after the reset, the prior MPE/3 and 0 before (hand example, h 4, Phase I 5)', () => {
    // Worked for phaseIChecks 5 (the default, 8, in the next test).
    // MPE 1, so x = e. x = 0.1, 0.3, 0.2, 0.4, 0.2: moving ranges 0.2, 0.1, 0.2, 0.2 → MR̄ = 0.7/4 = 0.175,
    // σ = 0.175 / 1.128 = 0.15514184…, μ0 = 1.2/5 = 0.24, both frozen from the 5th check on (the check that
    // completes Phase I is judged with them); checks 1–4 use the prior 1/3 and μ0 = 0.
    const P = H4_PHASE5;
    const pts = series([0.1, 0.3, 0.2, 0.4, 0.2, 0.25, 0.1], { mpe: 1, u: 0.01 });
    const sigmas: number[] = [];
    const mus: number[] = [];
    let s = emptyDriftState();
    for (const p of pts) {
      s = addCheckToDrift(s, p, P);
      sigmas.push(s.sigma);
      mus.push(s.mu0);
    }
    for (let i = 0; i < 4; i++) expect(sigmas[i]).toBeCloseTo(1 / 3, 14);
    for (let i = 0; i < 4; i++) expect(mus[i]).toBe(0);
    for (let i = 4; i < 7; i++) expect(sigmas[i]).toBeCloseTo(0.175 / 1.128, 14);
    for (let i = 4; i < 7; i++) expect(mus[i]).toBeCloseTo(0.24, 14);
    expect(summarizeDrift(s, P)).toMatchObject({ sigmaSource: 'phaseI', mu0Source: 'phaseI', phaseIComplete: true });
    expect(summarizeDrift(fold(pts.slice(0, 5), P), P)).toMatchObject({ sigmaSource: 'phaseI', mu0Source: 'phaseI', phaseIComplete: true });
    expect(summarizeDrift(fold(pts.slice(0, 4), P), P)).toMatchObject({ sigmaSource: 'prior', mu0Source: 'prior', mu0: 0, phaseIComplete: false });
    // The same in the canonical unit with MPE 0.3: σ = 0.3 × 0.15514 = 0.046543.
    expect(summarizeDrift(fold(series([0.1, 0.3, 0.2, 0.4, 0.2, 0.25].map((x) => 0.3 * x)), P), P).sigma).toBeCloseTo((0.3 * 0.175) / 1.128, 14);
    // A Phase I of identical errors has no spread: the prior stays (no zero-width limit).
    const flat = fold(series(Array(10).fill(0.01)), P);
    expect(flat.sigma).toBeCloseTo(1 / 3, 14);
    expect(summarizeDrift(flat, P).sigmaSource).toBe('prior');
  });

  it('the defaults: Phase I completes at the 8th check, then H = 5σ (hand example, h 5, Phase I 8)', () => {
    expect(P).toMatchObject({ h: 5, phaseIChecks: 8, k: 0.5, lambda: 0.2, L: 3, sigmaMpeDivisor: 3, minShiftMpe: 0.2 });
    // MPE 1 (x = e), U = 0.01 (floor 0.005, below every σ here). Phase I x = 0, 0.1, 0, 0.1, 0, 0.1, 0, 0.1.
    // Checks 1–7: Phase I runs, σ = the prior 1/3, μ0 = 0, K = 1/6 (every x is below it: S_H = S_L = 0),
    // H = 5/3; no alarm. After 5 checks Phase I still runs (the former default completed it there).
    // Check 8 completes it: moving ranges all 0.1 → MR̄ = 0.1, σ = 0.1/1.128 = 0.088652; mean 0.05 is no
    // bias (below t(0.975, 7)·σ/√8 = 2.3646·0.088652/2.8284 = 0.074115): μ0 = 0. K = 0.044326,
    // H = 5σ = 0.443262. Recomputed over Phase I: S_H = 0 (x = 0 < K), then never back to 0:
    // Σ(x − K) over checks 2–8 = 0.4 − 7K = 0.089716; S_L = 0 (every x ≥ 0).
    // Then x = 0.32: S_H = 0.089716 + (0.32 − K)·j = 0.365390 at check 9, below H = 5σ (past the former
    // H = 4σ = 0.354610), 0.641064 at check 10: the CUSUM signals. EWMA from z_0 = 0: z_8 = 0.04623488,
    // z_9 = 0.064 + 0.8·z_8 = 0.100987904 (past its limit 3σ·√(0.2/1.8 · (1 − 0.8¹⁸)) = 0.087850), z_10 =
    // 0.14479032, z_11 = 0.17983226, z_12 = 0.20786581: the shift passes minShift 0.2 at check 12 → alarm.
    const pts = series([0, 0.1, 0, 0.1, 0, 0.1, 0, 0.1, 0.32, 0.32, 0.32, 0.32], { mpe: 1, u: 0.01 });
    const sums = pts.map((_, i) => summarizeDrift(fold(pts.slice(0, i + 1)), P));
    for (const x of sums.slice(0, 7)) {
      expect(x).toMatchObject({ phaseIComplete: false, sigmaSource: 'prior', mu0Source: 'prior', mu0: 0, alarm: false });
      expect(x.sigma).toBeCloseTo(1 / 3, 14);
      expect(x.cusum).toEqual({ high: 0, low: 0, threshold: expect.closeTo(5 / 3, 14), signal: false });
    }
    expect(summarizeDrift(fold(pts.slice(0, 5), H4_PHASE5), H4_PHASE5).phaseIComplete).toBe(true);
    const sigma = 0.1 / 1.128;
    const K = sigma / 2;
    expect(sums[7]).toMatchObject({ phaseIComplete: true, sigmaSource: 'phaseI', mu0Source: 'prior', mu0: 0, alarm: false });
    expect(sums[7]!.sigma).toBeCloseTo(sigma, 14);
    expect(sums[7]!.cusum.threshold).toBeCloseTo(5 * sigma, 14);
    expect(sums[7]!.cusum.threshold).toBeCloseTo(0.443262, 6);
    expect(sums[7]!.cusum.high).toBeCloseTo(0.4 - 7 * K, 14);
    expect(sums[7]!.cusum.high).toBeCloseTo(0.089716, 6);
    expect(sums[7]!.cusum.low).toBe(0);
    expect(sums[7]!.ewma.value).toBeCloseTo(0.04623488, 14);
    expect(sums[8]!.cusum.high).toBeCloseTo(0.36539, 6);
    expect(sums[8]!.cusum.signal).toBe(false);
    expect(summarizeDrift(fold(pts.slice(0, 9), { ...P, h: 4 }), { ...P, h: 4 }).cusum.signal).toBe(true);
    expect(sums[8]!.ewma.value).toBeCloseTo(0.100987904, 14);
    expect(sums[8]!.ewma.upperLimit).toBeCloseTo(0.08785, 6);
    expect(sums[8]!.ewma.signal).toBe(true);
    expect(sums[9]!.cusum.high).toBeCloseTo(0.641064, 6);
    expect(sums[9]!.cusum.signal).toBe(true);
    expect(sums.map((x) => x.alarm).indexOf(true)).toBe(11);
    expect(sums[11]!.shift).toBeCloseTo(0.20786581, 8);
    expect(sums[10]!.shift).toBeCloseTo(0.17983226, 8);
  });

  it('a 7σ step after Phase I does not widen the limits: σ stays frozen and both charts signal at once (hand example, h 4, Phase I 5)', () => {
    // Worked for h = 4 and phaseIChecks 5.
    // Phase I (MPE 1): x = 0.01, 0.03, 0.02, 0.04, 0.02 → MR̄ = 0.07/4 = 0.0175, σ = 0.0175/1.128 = 0.015514,
    // μ0 = 0.12/5 = 0.024. Then a step to 0.02 + 7σ = 0.12860 for 5 checks. U = 0.001 → floor U/2 = 0.0005 < σ.
    const sigma = 0.0175 / 1.128;
    const step = 0.02 + 7 * sigma;
    const P = H4_PHASE5;
    const pts = series([0.01, 0.03, 0.02, 0.04, 0.02, step, step, step, step, step], { mpe: 1, u: 0.001 });
    let s = emptyDriftState();
    const seen: { sigma: number; upper: number; ewma: boolean; cusum: boolean }[] = [];
    for (const p of pts) {
      s = addCheckToDrift(s, p, P);
      const sum = summarizeDrift(s, P);
      seen.push({ sigma: s.sigma, upper: sum.ewma.upperLimit, ewma: sum.ewma.signal, cusum: sum.cusum.signal });
    }
    const mu0 = 0.024;
    for (const x of seen.slice(4)) expect(x.sigma).toBeCloseTo(sigma, 15);
    // EWMA limit at check 6: μ0 + 3σ·√(0.2/1.8 · (1 − 0.8¹²)) = 0.024 + 3 · 0.015514 · √(0.111111 · 0.931281) = 0.024 + 0.014972;
    // z recomputed from z_0 = μ0 over Phase I (x − μ0 = −0.014, 0.006, −0.004, 0.016, −0.004):
    // z − μ0 = −0.0028, −0.00104, −0.001632, 0.0018944, 0.00071552, so z_5 = 0.02471552;
    // z_6 = 0.2 · 0.128599 + 0.8 · z_5 = 0.045492, a shift of 0.021492 > 0.014972.
    expect(seen[5]!.upper - mu0).toBeCloseTo(3 * sigma * Math.sqrt((0.2 / 1.8) * (1 - 0.8 ** 12)), 14);
    expect(seen[5]!.upper - mu0).toBeCloseTo(0.014972, 6);
    expect(summarizeDrift(fold(pts.slice(0, 5), P), P).ewma.value).toBeCloseTo(0.02471552, 12);
    expect(summarizeDrift(fold(pts.slice(0, 6), P), P).ewma.value).toBeCloseTo(0.045492, 6);
    expect(seen[5]!.ewma).toBe(true);
    // CUSUM, K = 0.5σ = 0.007757: S_H over Phase I = 0, 0, 0, 0.016 − K = 0.008243, then −0.004 − K + 0.008243 < 0 → 0;
    // S_H after check 6 = 0.128599 − 0.024 − 0.007757 = 0.096842 > H = 4σ = 0.062057.
    expect(summarizeDrift(fold(pts.slice(0, 6), P), P).cusum.high).toBeCloseTo(step - mu0 - sigma / 2, 12);
    expect(seen[5]!.cusum).toBe(true);
    // Only the usual time-varying approach to the asymptote 3σ·√(λ/(2 − λ)) with the frozen σ: the step adds nothing.
    for (let i = 5; i < seen.length; i++) expect(seen[i]!.upper - mu0).toBeCloseTo(3 * sigma * Math.sqrt((0.2 / 1.8) * (1 - 0.8 ** (2 * (i + 1)))), 14);
    expect(seen[9]!.upper - mu0).toBeLessThan(3 * sigma * Math.sqrt(0.2 / 1.8));
    // A sample σ of the same ten errors, as the drift code used before, would have been ≈ 3.5 × larger.
    const xs = pts.map((p) => p.error);
    const m = mean(xs);
    expect(Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / 9) / sigma).toBeGreaterThan(3);
  });

  it('never takes σ below the check’s standard uncertainty U/2 (in e/MPE) (hand example, Phase I 5)', () => {
    // Worked for phaseIChecks 5.
    // Phase I at a 0.1 resolution, MPE 0.5: x = 0, 0, 0.2, 0, 0 → MR̄ = 0.4/4 = 0.1,
    // σ = 0.1/1.128 = 0.088652.
    const P = H4_PHASE5;
    const errors = [0, 0, 0.1, 0, 0, 0.1];
    const quiet = fold(series(errors, { mpe: 0.5, u: 0.2 }), P); // U/2 = 0.1 → 0.2 in e/MPE > 0.088652
    expect(quiet.sigmaSource).toBe('phaseI');
    expect(quiet.sigma).toBeCloseTo(0.2, 14);
    const precise = fold(series(errors, { mpe: 0.5, u: 0.04 }), P); // U/2 = 0.02 → 0.04 < 0.088652
    expect(precise.sigma).toBeCloseTo(0.1 / 1.128, 14);
    // The prior MPE/3 is floored too: MPE 0.3 with U = 0.4 gives σ = 0.2 (canonical), not 0.1.
    expect(summarizeDrift(fold(series([0], { mpe: 0.3, u: 0.4 }), P), P).sigma).toBeCloseTo(0.2, 14);
  });

  it('detects a 1σ step within the expected run length; in-control noise signals at a bounded rate', () => {
    // Theory for the defaults k = 0.5, h = 5 (Montgomery, SQC table 9.3): ARL1(1σ) ≈ 10.4, ARL0 ≈ 465
    // (h = 4: 8.38 and 168).
    const sigma = 0.1;
    const runs = 200;
    const simulate = (params: DriftParams) => {
      const delays: number[] = [];
      let falseAlarms = 0;
      for (let seed = 1; seed <= runs; seed++) {
        const rand = mulberry32(seed);
        let s = emptyDriftState();
        let ts = T0;
        let alarmed = false;
        for (let i = 0; i < 30; i++) {
          s = addCheckToDrift(s, { ts: (ts += MS_PER_DAY), error: sigma * gaussian(rand), mpe: 0.3, uncertainty: 0.05 }, params);
          alarmed ||= summarizeDrift(s, params).cusum.signal;
        }
        if (alarmed) falseAlarms++;
        let d = 0;
        while (d < 200) {
          d++;
          s = addCheckToDrift(s, { ts: (ts += MS_PER_DAY), error: sigma + sigma * gaussian(rand), mpe: 0.3, uncertainty: 0.05 }, params);
          if (summarizeDrift(s, params).cusum.signal) break;
        }
        delays.push(d);
      }
      return { meanDelay: mean(delays), falseAlarmRate: falseAlarms / runs };
    };
    // Known σ and μ0 would give ARL ≈ 10.4. Both estimated from an 8-check Phase I spread the run lengths:
    // an overestimated σ, or a μ0 estimated on the high side (its standard error is σ/√8 ≈ 0.35σ), detects
    // later, so the mean lies above it (12.0 here; the median is 7; with h 4 and Phase I 5: 13.0, median 5.5).
    const eight = simulate(P);
    expect(eight.meanDelay).toBeGreaterThan(5);
    expect(eight.meanDelay).toBeLessThan(25);
    // With known σ and μ0 (ARL0 ≈ 465), 30 in-control checks would signal in roughly 1 − (1 − 1/465)³⁰ ≈ 6 %
    // of runs. σ underestimated or μ0 off by a fraction of σ, frozen for the baseline, keeps signalling:
    // 25 % here (37 % with h 4 and Phase I 5). A longer Phase I brings it further down: 13.5 % with
    // phaseIChecks 20. docs/metrology.md §5 states the trade-off.
    expect(eight.falseAlarmRate).toBeLessThan(0.35);
    const twenty = simulate({ ...P, phaseIChecks: 20 });
    expect(twenty.falseAlarmRate).toBeLessThan(0.2);
    expect(twenty.meanDelay).toBeLessThan(12);
  });

  it('has an in-control average run length of the expected order', () => {
    // h 5 (ARL0 ≈ 465 with σ and μ0 known): 383 here (runs cut at 1000 checks; h 4 and Phase I 5: 279).
    const lengths: number[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const rand = mulberry32(1000 + seed);
      let s = emptyDriftState();
      let k = 0;
      while (k < 1000) {
        k++;
        s = addCheckToDrift(s, { ts: T0 + k * MS_PER_DAY, error: 0.1 * gaussian(rand), mpe: 0.3, uncertainty: 0.05 }, P);
        if (summarizeDrift(s, P).cusum.signal) break;
      }
      lengths.push(k);
    }
    expect(mean(lengths)).toBeGreaterThan(300);
  });
});

describe('in-control mean μ0: estimated in Phase I, frozen with σ (docs/metrology.md §5)', () => {
  it("a bias in whole steps (the same error every check) is the baseline too: judged against the checks' u, not the prior σ", () => {
    // A gas detector always +2 ppm against MPE 5 ppm, U = 0.5 ppm: x = 0.4 every check, moving range 0 so σ stays the
    // prior 1/3; the bias test over the 8 Phase-I checks uses u = U/2/MPE = 0.05: 0.4 > t(0.975, 7)·0.05/√8 =
    // 2.3646·0.017678 = 0.0418 → μ0 = 0.4, no alarm.
    let s = emptyDriftState();
    for (const p of series(Array(15).fill(2), { mpe: 5, u: 0.5 })) {
      s = addCheckToDrift(s, p, P);
      expect(summarizeDrift(s, P).alarm).toBe(false);
    }
    expect(s.mu0).toBeCloseTo(0.4, 14);
    expect(s.mu0Source).toBe('phaseI');
  });

  // The audit's instrument: a steady in-tolerance bias, errors alternating 0.29/0.31 of the MPE, U/MPE = 0.2
  // (so each check's σ floor is U/2 = 0.1 in e/MPE). MPE 0.5 here: e = 0.145/0.155, U = 0.1.
  const biased = (n: number) =>
    series(
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.145 : 0.155)),
      { mpe: 0.5, u: 0.1 },
    );

  it('completing Phase I recomputes EWMA and CUSUM over its checks with the frozen μ0 and σ (hand example, h 4, Phase I 5)', () => {
    // Worked for h = 4 and phaseIChecks 5.
    // Check 4, Phase I running: μ0 = 0, σ = max(1/3, 0.1) = 1/3, K = 1/6. In e/MPE: z = 0.058, 0.1084,
    // 0.14472, 0.177776; S_H = (0.29 + 0.31 + 0.29 + 0.31) − 4/6 = 0.533333; H = 4/3.
    const P = H4_PHASE5;
    const four = summarizeDrift(fold(biased(4), P), P);
    expect(four).toMatchObject({ phaseIComplete: false, sigmaSource: 'prior', mu0Source: 'prior', mu0: 0 });
    expect(four.normalised.ewma).toBeCloseTo(0.177776, 12);
    expect(four.normalised.cusumHigh).toBeCloseTo(1.2 - 4 / 6, 12);
    expect(four.cusum.threshold).toBeCloseTo(0.5 * (4 / 3), 12);
    // Check 5 completes Phase I: μ0 = (0.29 + 0.31 + 0.29 + 0.31 + 0.29)/5 = 0.298; σ = MR̄/1.128 =
    // 0.02/1.128 = 0.017730, floored at U/2 = 0.1 → K = 0.05, H = 0.4. Recomputed from z_0 = μ0 with
    // x − μ0 = −0.008, 0.012, −0.008, 0.012, −0.008: z − μ0 = −0.0016, 0.00112, −0.000704, 0.0018368,
    // −0.00013056 → z_5 = 0.29786944; every |x − μ0| < K, so S_H = S_L = 0. (Before: S_H = 0.656667,
    // built with K = 1/6 and judged against H = 0.4 from the next check on, a "drift" alarm at check 6.)
    const s = fold(biased(5), P);
    expect(s.frozenSigma).toBeCloseTo(0.02 / 1.128, 14);
    expect(s.phaseI).toEqual({ x: [0.29, 0.31, 0.29, 0.31, 0.29], u: [0.1, 0.1, 0.1, 0.1, 0.1] });
    const five = summarizeDrift(s, P);
    expect(five).toMatchObject({ phaseIComplete: true, sigmaSource: 'phaseI', mu0Source: 'phaseI', alarm: false });
    expect(five.normalised.mu0).toBeCloseTo(0.298, 14);
    expect(five.mu0).toBeCloseTo(0.149, 14); // canonical: × MPE 0.5
    expect(five.normalised.sigma).toBeCloseTo(0.1, 14);
    expect(five.normalised.ewma).toBeCloseTo(0.29786944, 14);
    expect(five.ewma.value).toBeCloseTo(0.14893472, 14);
    expect(five.cusum).toEqual({ high: 0, low: 0, threshold: expect.closeTo(0.2, 14), signal: false });
    // EWMA limit at n = 5: μ0 ± 3 · 0.1 · √(0.2/1.8 · (1 − 0.8¹⁰)) = 0.298 ± 0.0944789 (e/MPE).
    expect(five.ewma.upperLimit).toBeCloseTo(0.5 * (0.298 + 0.0944789), 7);
    expect(five.ewma.lowerLimit).toBeCloseTo(0.5 * (0.298 - 0.0944789), 7);
    expect(five.shift).toBeCloseTo(0.5 * -0.00013056, 14);

    // Sums that survive the recomputation: x = 0.1, 0.1, 0.1, 0.1, 0.6 (MPE 1). μ0 = 1.0/5 = 0.2,
    // MR̄ = 0.5/4 = 0.125, σ = 0.110816, K = 0.055408, H = 0.443262. S_L = 0.044592, 0.089184, 0.133777,
    // 0.178369, then max(0, −K − 0.4 + 0.178369) = 0; S_H = 0, 0, 0, 0, 0.4 − K = 0.344592;
    // z − μ0 = −0.02, −0.036, −0.0488, −0.05904, 0.08 − 0.047232 = 0.032768.
    const jump = summarizeDrift(fold(series([0.1, 0.1, 0.1, 0.1, 0.6], { mpe: 1, u: 0.01 }), P), P);
    const sigma = 0.125 / 1.128;
    expect(jump.mu0).toBeCloseTo(0.2, 14);
    expect(jump.cusum.high).toBeCloseTo(0.4 - sigma / 2, 14);
    expect(jump.cusum.high).toBeCloseTo(0.344592, 6);
    expect(jump.cusum.low).toBe(0);
    expect(jump.cusum.threshold).toBeCloseTo(4 * sigma, 14);
    expect(jump.ewma.value).toBeCloseTo(0.232768, 14);
    expect(jump.cusum.signal).toBe(false);
  });

  it('a steady in-tolerance bias is the baseline: no alarm, baseline after baseline', () => {
    // The defaults (h 5, Phase I 8). While Phase I runs (checks 1–7) there is no alarm, and the sums stay
    // below H = 5/3 anyway: S_H gains 0.29 − 1/6 or 0.31 − 1/6 a check, 7·0.3 − 0.01 − 7/6 = 0.923333 after 7.
    // Check 8 completes Phase I: μ0 = (4·0.29 + 4·0.31)/8 = 0.30, a bias (> t(0.975, 7)·0.1/√8 = 2.3646·0.035355
    // = 0.0836, σ floored at U/2 = 0.1), σ = max(0.02/1.128, 0.1) = 0.1: K = 0.05. x − μ0 alternates
    // −0.01/+0.01, below K: the sums stay 0. z − μ0, recomputed from z_0 = μ0: −0.002, 0.0004, −0.00168, …,
    // 0.0009246976 at check 8, −0.0012602419 at check 9 (its largest from Phase II on), then settling into an
    // oscillation between −0.001111 and 0.001111 (a = −0.002 + 0.8b, b = 0.002 + 0.8a), e/MPE, against a
    // limit of about 0.1.
    const pts = biased(40);
    let s = emptyDriftState();
    for (const [i, p] of pts.entries()) {
      if (i === 20) s = resetDrift(s, p.ts, 'calibration');
      s = addCheckToDrift(s, p, P);
      const sum = summarizeDrift(s, P);
      expect(sum.alarm, `check ${i + 1}`).toBe(false);
      expect(sum.ewma.signal || sum.cusum.signal, `check ${i + 1}`).toBe(false);
      if (s.frozenSigma !== null) {
        expect(sum.cusum.high + sum.cusum.low).toBe(0);
        expect(Math.abs(sum.normalised.ewma - sum.normalised.mu0)).toBeLessThan(0.00127);
      }
    }
    // The second baseline (checks 21–40) starts with x = 0.29 again: μ0 = 0.30 again.
    expect(s.mu0).toBeCloseTo(0.3, 14);
    expect(s.mu0Source).toBe('phaseI');
  });

  it('no alarm while Phase I runs: a longer Phase I does not turn a steady bias into drift (hand example, h 4, Phase I 20)', () => {
    // Worked for h = 4 (with the default h 5, H = 5/3, the CUSUM signals at check 13: 3.89 − 13/6 = 1.7233).
    // phaseIChecks 20. While Phase I runs μ0 = 0 and σ = the prior 1/3: K = 1/6, H = 4/3. x alternates
    // 0.29/0.31, so S_H gains 0.29 − 1/6 and 0.31 − 1/6 in turn: after 10 checks 3.0 − 10/6 = 4/3 (a tie, no
    // signal), after 11 checks 3.29 − 11/6 = 1.4567 > H: the CUSUM signals, and the EWMA shift z − 0 is
    // about 0.27 ≥ 0.2 (the practical gate). That was an alarm; it is not one until the baseline is known.
    // At check 20 Phase I completes: mean 0.30 against t(0.975, 19)·0.1/√20 = 2.093·0.0224 = 0.047 (σ
    // floored at u = U/2MPE = 0.1): a bias, μ0 = 0.30, the sums recomputed from it stay 0.
    const long = { ...H4_PHASE5, phaseIChecks: 20 };
    let s = emptyDriftState();
    for (const [i, p] of biased(24).entries()) {
      s = addCheckToDrift(s, p, long);
      const sum = summarizeDrift(s, long);
      if (i === 9) expect(sum.cusum.signal).toBe(false);
      if (i === 10) {
        expect(sum.normalised.cusumHigh).toBeCloseTo(3.29 - 11 / 6, 12);
        expect(sum.cusum.signal).toBe(true);
        expect(Math.abs(sum.shift)).toBeGreaterThanOrEqual(sum.minShift);
        expect(sum.phaseIComplete).toBe(false);
      }
      expect(sum.alarm, `check ${i + 1}`).toBe(false);
    }
    expect(s.mu0).toBeCloseTo(0.3, 12);
    expect(s.cusumHigh + s.cusumLow).toBe(0);
  });

  it('a biased instrument that then shifts by 1σ alarms, on the 9th check after the shift (hand example, h 4, Phase I 5)', () => {
    // Worked for h = 4 and phaseIChecks 5.
    // MPE 1, U = 0.6 (σ floor 0.3). Phase I x = 0.39, 0.41, 0.39, 0.41, 0.40 → mean 0.4, a bias: above
    // t(0.975, 4)·σ/√5 = 2.7764·0.3/2.2361 = 0.3725; μ0 = 0.4, σ = 0.3 (MR̄/1.128 =
    // 0.0155 is below the floor), K = 0.15, H = 1.2. Then x = 0.7, a shift of 0.3 = 1σ. S_H after the
    // j-th shifted check = 0.15·j: 1.2 = H at j = 8 (no signal: S > H, rounding aside), 1.35 at j = 9
    // (check 14). EWMA: z − μ0 = 0.0005248 after Phase I, then 0.3·(1 − 0.8^j) + 0.0005248·0.8^j, always
    // inside 3·0.3·√(0.2/1.8·(1 − 0.8^{2n})); at j = 9: 0.259805, past minShift 0.2 → alarm.
    const P = H4_PHASE5;
    const pts = series([0.39, 0.41, 0.39, 0.41, 0.4, ...Array(10).fill(0.7)], { mpe: 1, u: 0.6 });
    let s = emptyDriftState();
    const alarms: boolean[] = [];
    for (const p of pts) {
      s = addCheckToDrift(s, p, P);
      alarms.push(summarizeDrift(s, P).alarm);
    }
    expect(alarms.indexOf(true)).toBe(13); // check 14
    const at13 = summarizeDrift(fold(pts.slice(0, 13), P), P);
    expect(at13.mu0).toBeCloseTo(0.4, 14);
    expect(at13.cusum.high).toBeCloseTo(1.2, 12);
    expect(at13.cusum.threshold).toBeCloseTo(1.2, 14);
    expect(at13.cusum.signal).toBe(false);
    const at14 = summarizeDrift(fold(pts.slice(0, 14), P), P);
    expect(at14.cusum.high).toBeCloseTo(1.35, 12);
    expect(at14.cusum.signal).toBe(true);
    expect(at14.ewma.signal).toBe(false);
    expect(at14.shift).toBeCloseTo(0.3 * (1 - 0.8 ** 9) + 0.0005248 * 0.8 ** 9, 12);
    expect(at14.shift).toBeCloseTo(0.259805, 6);
  });

  it('a real drift from a biased baseline still alarms (hand example, h 4, Phase I 5)', () => {
    // Worked for h = 4 and phaseIChecks 5.
    // MPE 1, U = 0.2 (σ = 0.1 from the floor). Phase I as above → μ0 = 0.3, K = 0.05, H = 0.4; then
    // x = 0.3 + 0.05·j. S_H = 0, 0.05, 0.15, 0.30, 0.50 → CUSUM signals at check 10 (j = 5).
    // z − μ0 = 0.0005248, then 0.0104198, 0.0283359, 0.0526687, 0.0821350, 0.1157080 (check 10, past the
    // limit 0.0994219: EWMA signals too), 0.1525664, 0.1920531, 0.2336425 (check 13): the shift passes
    // minShift 0.2 at check 13 (x = 0.7, still inside the guarded limit 0.8).
    const pts = series([0.29, 0.31, 0.29, 0.31, 0.3, ...Array.from({ length: 10 }, (_, j) => 0.3 + 0.05 * (j + 1))], { mpe: 1, u: 0.2 });
    const P = H4_PHASE5;
    const sums = pts.map((_, i) => summarizeDrift(fold(pts.slice(0, i + 1), P), P));
    expect(sums.map((x) => x.cusum.signal).indexOf(true)).toBe(9);
    expect(sums[9]!.cusum.high).toBeCloseTo(0.5, 12);
    expect(sums[9]!.ewma.signal).toBe(true);
    expect(sums[8]!.ewma.signal).toBe(false);
    expect(sums[9]!.shift).toBeCloseTo(0.115707966464, 12);
    expect(sums[9]!.ewma.upperLimit - sums[9]!.mu0).toBeCloseTo(0.0994219, 7);
    expect(sums[11]!.shift).toBeCloseTo(0.19205309853696, 12);
    expect(sums[12]!.shift).toBeCloseTo(0.233642478829568, 12);
    expect(sums.map((x) => x.alarm).indexOf(true)).toBe(12);
  });

  it('honours a fixed μ0 (DriftParams.mu0): never estimated (hand example, h 4, Phase I 5)', () => {
    // Worked for h = 4 and phaseIChecks 5.
    // μ0 fixed at 0 (the former behaviour) on the biased instrument: Phase I recomputed with σ = 0.1,
    // K = 0.05: S_H = Σ(x − 0.05) = 0.24 + 0.26 + 0.24 + 0.26 + 0.24 = 1.24 > H = 0.4; z_5 = 0.2002208 ≥ 0.2 → alarm.
    const zero = { ...H4_PHASE5, mu0: 0 };
    const z = summarizeDrift(fold(biased(5), zero), zero);
    expect(z).toMatchObject({ mu0: 0, mu0Source: 'fixed', alarm: true });
    expect(z.normalised.cusumHigh).toBeCloseTo(1.24, 12);
    expect(z.normalised.ewma).toBeCloseTo(0.2002208, 12);
    // Fixed at 0.3, not the Phase-I mean 0.298: x − μ0 = −0.01, 0.01, −0.01, 0.01, −0.01 → z_5 = 0.3 − 0.0014752.
    const near = { ...H4_PHASE5, mu0: 0.3 };
    const s = fold(biased(12), near);
    expect(s).toMatchObject({ mu0: 0.3, mu0Source: 'fixed' });
    expect(summarizeDrift(fold(biased(5), near), near).normalised.ewma).toBeCloseTo(0.2985248, 14);
    expect(summarizeDrift(s, near).alarm).toBe(false);
    // Not given: the default parameters leave μ0 to Phase I.
    expect(DEFAULT_DRIFT_PARAMS.mu0).toBeUndefined();
  });
});

describe('CUSUM decision S > H beyond rounding', () => {
  it('four checks at x = 0.5 sum to H exactly, computed a rounding above it: no signal (hand example, h 4)', () => {
    // Worked for h = 4.
    // σ = 1/3 (prior), K = 1/6, H = 4/3: S_H = 4 · (0.5 − 1/6) = 4/3, which the sums give as 1.3333333333333335.
    const P = H4_PHASE5;
    const sum = summarizeDrift(fold(series([0.5, 0.5, 0.5, 0.5], { mpe: 1, u: 0 }), P), P);
    expect(sum.cusum.high).toBe(1.3333333333333335);
    expect(sum.cusum.threshold).toBe(1.3333333333333333);
    expect(sum.cusum.signal).toBe(false);
    expect(cusumExceeds(1.3333333333333335, 4 / 3)).toBe(false);
    // The same tie at the defaults (h 5, Phase I still running): five checks, S_H = 5 · (0.5 − 1/6) = 5/3 = H,
    // given as 1.666666666666667 against 1.6666666666666665.
    const five = summarizeDrift(fold(series([0.5, 0.5, 0.5, 0.5, 0.5], { mpe: 1, u: 0 })), DEFAULT_DRIFT_PARAMS);
    expect(five.cusum.high).toBe(1.666666666666667);
    expect(five.cusum.threshold).toBe(1.6666666666666665);
    expect(five.cusum.signal).toBe(false);
    expect(cusumExceeds((4 / 3) * (1 + 2 * CUSUM_TIE_EPSILON), 4 / 3)).toBe(true);
    expect(cusumExceeds(1.34, 4 / 3)).toBe(true);
  });
});

describe('least-squares drift line', () => {
  it('equals the closed form (hand example, epoch-sized times)', () => {
    // t = 0..3 days, e = [1, 3, 2, 5] with MPE 10, so x = e/MPE = [0.1, 0.3, 0.2, 0.5]:
    // b = 0.55 / 5 = 0.11, a = 0.275 − 0.11·1.5 = 0.11, SSE = 0.027, s² = 0.0135 (e/MPE);
    // in the canonical unit (× MPE 10): slope 1.1 per day, fitted value at the last check 4.4.
    const s = fold(series([1, 3, 2, 5], { stepDays: 1, mpe: 10, u: 0 }));
    const line = fitDriftLine(s)!;
    expect(line.slopePerDay).toBeCloseTo(0.11, 12);
    expect(line.intercept).toBeCloseTo(0.11, 12);
    expect(line.fittedAtLast).toBeCloseTo(0.44, 12);
    expect(line.residualVariance).toBeCloseTo(0.0135, 12);
    expect(line.slopeStdError).toBeCloseTo(Math.sqrt(0.0135 / 5), 12);
    const sum = summarizeDrift(s, P);
    expect(sum.slopePerDay).toBeCloseTo(1.1, 12);
    expect(sum.interceptAtLast).toBeCloseTo(4.4, 12);
  });

  it('matches the closed form on small errors over years of epoch time', () => {
    const rand = mulberry32(42);
    const pts = Array.from({ length: 40 }, (_, i) => ({
      ts: T0 + Math.round(i * 9.3 * MS_PER_DAY + rand() * 3_600_000),
      error: 1e-4 + 2e-6 * i + 1e-6 * gaussian(rand),
      mpe: 1e-3,
      uncertainty: 1e-4,
    }));
    const ref = batch(pts);
    const line = fitDriftLine(fold(pts))!;
    expect(line.slopePerDay).toBeCloseTo(ref.b!, 15);
    expect(Math.abs(line.slopePerDay - ref.b!) / Math.abs(ref.b!)).toBeLessThan(1e-10);
    expect(Math.abs(line.intercept - ref.a!)).toBeLessThan(1e-14);
    expect(Math.abs(line.residualVariance! - ref.sse! / 38) / (ref.sse! / 38)).toBeLessThan(1e-8);
  });

  it('handles n = 1, n = 2, checks at one time and identical points', () => {
    const one = summarizeDrift(fold(series([0.1])), P);
    expect(one.points).toBe(1);
    expect(one.slopePerDay).toBeNull();
    expect(one.interceptAtLast).toBeNull();
    expect(one.predictedOutOfToleranceAt).toBeNull();

    const twoState = fold(series([0.1, 0.2], { stepDays: 2 }));
    const two = fitDriftLine(twoState)!;
    expect(two.slopePerDay).toBeCloseTo(0.05 / 0.3, 14); // (0.2 − 0.1)/2 days in e/MPE (MPE 0.3)
    expect(summarizeDrift(twoState, P).slopePerDay).toBeCloseTo(0.05, 14);
    expect(two.residualVariance).toBeNull();
    expect(predictOutOfToleranceDate(twoState, P)).toBeNull();

    const sameTime = fold(series([0.1, 0.2, 0.3, 0.4, 0.5], { stepDays: 0 }));
    expect(fitDriftLine(sameTime)).toBeNull();
    expect(predictOutOfToleranceDate(sameTime, P)).toBeNull();

    const identical = fold(series(Array(6).fill(0.1)));
    const flat = fitDriftLine(identical)!;
    expect(flat.slopePerDay).toBe(0);
    expect(flat.residualVariance).toBe(0);
    expect(predictOutOfToleranceDate(identical, P)).toBeNull();

    const empty = summarizeDrift(emptyDriftState(), P);
    expect(empty).toMatchObject({ points: 0, slopePerDay: null, predictedOutOfToleranceAt: null, sigmaSource: 'none' });
    expect(empty.ewma.signal).toBe(false);
    expect(empty.cusum.signal).toBe(false);
  });
});

describe('predicted out-of-tolerance date', () => {
  it('equals the crossing of the one-sided 95 % prediction bound with TL − U, solved in closed form (hand example)', () => {
    // In the canonical unit (the crossing time does not change when e, TL and U are all divided by the MPE):
    // t = 0, 10, …, 40 days; b = 0.0012/day, a = 0.010, SSE = 0.00028, df = 3, t̄ = 20, Stt = 1000.
    // Slope t = 0.0012 / √(0.00028/3/1000) = 3.93: significant at 95 % (t_{0.975,3} = 3.18), not at
    // the default 99.9 % (t_{0.9995,3} = 12.92), so the example runs with slopeConfidence 0.95.
    const P = { ...DEFAULT_DRIFT_PARAMS, slopeConfidence: 0.95 };
    const pts = series([0.01, 0.03, 0.02, 0.05, 0.06], { stepDays: 10, mpe: 0.3, u: 0.05 });
    const s = fold(pts, P);
    expect(predictOutOfToleranceDate(s, DEFAULT_DRIFT_PARAMS)).toBeNull();
    // (limit − a − b t)² = q² s² (1 + 1/n + (t − t̄)²/Stt), on the branch limit − a − b t ≥ 0, limit = TL − U = 0.25.
    const crossing = (q: number): number => {
      const [a, b, s2, n, tb, stt, limit] = [0.01, 0.0012, 0.00028 / 3, 5, 20, 1000, 0.25];
      const c = (q * q * s2) / stt;
      const A = b * b - c;
      const B = -2 * b * (limit - a) + 2 * c * tb;
      const C = (limit - a) ** 2 - q * q * s2 * (1 + 1 / n) - c * tb * tb;
      const roots = [(-B - Math.sqrt(B * B - 4 * A * C)) / (2 * A), (-B + Math.sqrt(B * B - 4 * A * C)) / (2 * A)];
      return Math.min(...roots.filter((t) => t >= 40 && limit - a - b * t >= 0));
    };
    const tCross = crossing(2.353363434801828); // t_{0.95, 3}
    const predicted = predictOutOfToleranceDate(s, P)!;
    expect(predicted).not.toBeNull();
    expect(Math.abs(predicted - (T0 + tCross * MS_PER_DAY))).toBeLessThanOrEqual(2000);
    // The bound crosses before the fitted line does: (0.25 − 0.01) / 0.0012 = 200 days.
    expect(tCross).toBeLessThan(200);
    const sum = summarizeDrift(s, P);
    expect(sum.predictedOutOfToleranceAt).toBe(new Date(predicted).toISOString().slice(0, 10)); // no zone passed: the UTC day
    expect(sum.predictionConfidence).toBe(0.95);
    // At 99 % (t_{0.99, 3} = 4.540702858698419) the bound is wider and reaches the limit earlier.
    const P99 = { ...P, predictionConfidence: 0.99 };
    const t99 = crossing(4.540702858698419);
    expect(t99).toBeLessThan(tCross);
    expect(Math.abs(predictOutOfToleranceDate(s, P99)! - (T0 + t99 * MS_PER_DAY))).toBeLessThanOrEqual(2000);
    expect(summarizeDrift(s, P99).predictionConfidence).toBe(0.99);
  });

  it('a slow linear drift is predicted after the last check and before the true line crosses TL − U', () => {
    // True drift 0.001/day; TL = 0.3, U = 0.05 → the true line reaches 0.25 at day 250.
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = mulberry32(seed);
      const pts = series(
        Array.from({ length: 20 }, (_, i) => 0.001 * i * 7 + 0.005 * gaussian(rand)),
        { stepDays: 7 },
      );
      const s = fold(pts);
      const predicted = predictOutOfToleranceDate(s, P);
      expect(predicted).not.toBeNull();
      expect(predicted!).toBeGreaterThan(pts[pts.length - 1].ts);
      expect(predicted!).toBeLessThan(T0 + 250 * MS_PER_DAY);
    }
  });

  it('predicts downward drift against −(TL − U)', () => {
    const pts = series([0, -0.01, -0.02, -0.03, -0.04, -0.05], { stepDays: 10 });
    const predicted = predictOutOfToleranceDate(fold(pts), P)!;
    // Exact line (s = 0): e = −0.001·t reaches −0.25 at day 250.
    expect(Math.abs(predicted - (T0 + 250 * MS_PER_DAY))).toBeLessThanOrEqual(2000);
  });

  it('returns the last check time when the bound is already beyond the limit', () => {
    const pts = series([0.1, 0.15, 0.2, 0.26, 0.3], { stepDays: 10 });
    expect(predictOutOfToleranceDate(fold(pts), P)).toBe(pts[4].ts);
  });

  it("names the predicted instant's day as the shell's dayOf tells it: 18:00Z on 30 June is 1 July at UTC+7", () => {
    // Already beyond the limit at the last check (as above), so the predicted instant is that check's time.
    const last = Date.parse('2026-06-30T18:00:00Z');
    const pts = series([0.1, 0.15, 0.2, 0.26, 0.3], { stepDays: 10, t0: last - 40 * MS_PER_DAY });
    const s = fold(pts);
    expect(predictOutOfToleranceDate(s, P)).toBe(last);
    // the enterprise's day at UTC+7 (Vietnam), worked by hand: 18:00 + 7 h = 01:00 on 1 July
    const utcPlus7 = (t: number) => new Date(t + 7 * 3_600_000).toISOString().slice(0, 10);
    expect(summarizeDrift(s, P, utcPlus7).predictedOutOfToleranceAt).toBe('2026-07-01');
    expect(deviceDriftView([{ key: 'regime=inService', state: s }], P, utcPlus7).predictedOutOfToleranceAt).toBe('2026-07-01');
    // without a zone, the UTC day
    expect(summarizeDrift(s, P).predictedOutOfToleranceAt).toBe('2026-06-30');
  });

  it('does not predict with 3 points, a flat noisy series, or beyond the 10-year search window', () => {
    const three = fold(series([0.0, 0.05, 0.1], { stepDays: 10 })); // perfect line, but n < 4
    expect(predictOutOfToleranceDate(three, P)).toBeNull();
    expect(predictOutOfToleranceDate(three, { ...P, minPointsForPrediction: 3 })).not.toBeNull();

    const rand = mulberry32(99);
    const flat = series(Array.from({ length: 30 }, () => 0.03 * gaussian(rand)));
    const ref = batch(flat);
    const tStat = Math.abs(ref.b!) / Math.sqrt(ref.sse! / (ref.n - 2) / ref.stt);
    expect(tStat).toBeLessThan(studentTQuantile(0.975, ref.n - 2)); // precondition: the slope is not significant
    expect(predictOutOfToleranceDate(fold(flat), P)).toBeNull();

    // Significant but tiny slope: 1e-6/day on a perfect line never gets near 0.25 within 10 years.
    const slow = series([0, 1e-5, 2e-5, 3e-5, 4e-5], { stepDays: 10 });
    expect(predictOutOfToleranceDate(fold(slow), P)).toBeNull();
  });

  it('is rarely made for flat noise, even though the test is repeated after every check', () => {
    // A healthy instrument checked every 3 days for 120 days (40 checks, noise 0.04 against
    // TL = 0.3, U = 0.1), judged after each check as the gateway does: how many series ever get a
    // predicted date within the 90-day horizon of their latest check?
    const everPredicted = (params: DriftParams): number => {
      let made = 0;
      for (let seed = 1; seed <= 200; seed++) {
        const rand = mulberry32(5000 + seed);
        let s = emptyDriftState();
        for (let i = 0; i < 40; i++) {
          const ts = T0 + i * 3 * MS_PER_DAY;
          s = addCheckToDrift(s, { ts, error: Math.round(0.04 * gaussian(rand) * 100) / 100, mpe: 0.3, uncertainty: 0.1 }, params);
          const at = predictOutOfToleranceDate(s, params, ts);
          if (at !== null && at - ts <= 90 * MS_PER_DAY) {
            made++;
            break;
          }
        }
      }
      return made / 200;
    };
    expect(everPredicted(P)).toBeLessThan(0.05);
    // Why the default is 99.9 %: a 95 % test, repeated 40 times, flags a large share of healthy series.
    expect(everPredicted({ ...P, slopeConfidence: 0.95 })).toBeGreaterThan(0.2);
  });

  it('decides whether a prediction is within the alert horizon or before the verification due date', () => {
    const now = T0;
    expect(isPredictionWithinHorizon(null, now, P)).toBe(false);
    expect(isPredictionWithinHorizon(now + 89 * MS_PER_DAY, now, P)).toBe(true);
    expect(isPredictionWithinHorizon(now + 91 * MS_PER_DAY, now, P)).toBe(false);
    expect(isPredictionWithinHorizon(now + 91 * MS_PER_DAY, now, P, now + 120 * MS_PER_DAY)).toBe(true);
  });
});

describe('drift alarm: practical significance and hysteresis', () => {
  // σ from a quiet history against TL = 0.3: the charts see shifts of 0.02, far inside TL. Phase I (the
  // default 8 checks) is the quiet history: moving ranges 0.02 → σ = 0.02/1.128 = 0.017730 (canonical; U/2 =
  // 0.002 below it); its mean 0 is no bias: μ0 = 0. K = 0.5σ = 0.008865, H = 5σ = 0.088652.
  const quiet = [0.01, -0.01, 0.01, -0.01, 0.01, -0.01, 0.01, -0.01];
  const withTail = (tail: number[]) => fold(series([...quiet, ...tail], { mpe: 0.3, u: 0.004 }));

  it('a statistically clear but tiny shift (< 0.2 MPE) signals without an alarm; a 0.2 MPE shift alarms', () => {
    const tail = [0.03, 0.03, 0.03, 0.03, 0.03];
    const small = summarizeDrift(withTail(tail), P);
    // EWMA after the 5 tail checks from z_8 (z_0 = μ0 = 0, z_8 = −0.0009246976): z = 0.03 + (z_8 − 0.03)·0.8⁵ =
    // 0.019867, shift z − μ0, past the EWMA limit 3σ·√(0.2/1.8 · (1 − 0.8²⁶)) = 0.017703 but far below minShift.
    const mu0 = 0;
    let z8 = mu0;
    for (const e of quiet) z8 = 0.2 * e + 0.8 * z8;
    expect(z8).toBeCloseTo(-0.0009246976, 12);
    expect(small.mu0).toBeCloseTo(mu0, 14);
    expect(small.shift).toBeCloseTo(0.03 + (z8 - 0.03) * 0.8 ** 5 - mu0, 12);
    expect(small.shift).toBeCloseTo(0.019867, 6);
    expect(small.ewma.signal).toBe(true);
    // CUSUM: each quiet +0.01 adds 0.001135 to S_H and the −0.01 after it takes it back to 0, so S_H(8) = 0;
    // then it grows by 0.03 − 0.008865 = 0.021135 per tail check: 0.084539 after four, not yet past
    // H = 5σ = 0.088652 (it was past the former H = 4σ = 0.070922), 0.105674 after five.
    expect(summarizeDrift(withTail(tail.slice(0, 4)), P).cusum.signal).toBe(false);
    expect(small.cusum.high).toBeCloseTo(5 * (0.03 - 0.01 / 1.128), 12);
    expect(small.cusum.threshold).toBeCloseTo(0.1 / 1.128, 12);
    expect(small.cusum.signal).toBe(true);
    expect(small.minShift).toBeCloseTo(0.06, 12);
    expect(small.alarm).toBe(false);

    const big = summarizeDrift(withTail([0.12, 0.12, 0.12, 0.12, 0.12]), P);
    expect(big.shift).toBeGreaterThan(0.06); // 0.12·(1 − 0.8⁵) + z_8·0.8⁵ − μ0 = 0.080678 − 0.000303 = 0.080375
    expect(big.shift).toBeCloseTo(0.080375, 6);
    expect(big.alarm).toBe(true);
    // The threshold is a parameter: 0 restores the purely statistical rule.
    expect(summarizeDrift(withTail(tail), { ...P, minShiftMpe: 0 }).alarm).toBe(true);
  });

  it('once open, the alert stays open until the charts settle (EWMA inside, CUSUM ≤ H/2) or the shift halves', () => {
    const after = (tail: number[]) => summarizeDrift(withTail(tail), P);
    const step = [0.12, 0.12, 0.12, 0.12, 0.12];
    expect(driftAlertShouldBeOpen(after(step), false)).toBe(true);
    // Back to 0.04: the shift estimate falls to ≈ 0.057 (< minShift 0.06, > 0.03): a closed alert
    // would not open, an open one stays.
    const hover = after([...step, 0.04, 0.04, 0.04, 0.04]);
    expect(hover.alarm).toBe(false);
    expect(Math.abs(hover.shift)).toBeGreaterThan(0.03);
    expect(driftAlertShouldBeOpen(hover, false)).toBe(false);
    expect(driftAlertShouldBeOpen(hover, true)).toBe(true);
    // Back to 0 for long enough: the shift estimate falls below 0.03 and the alert clears.
    const back = after([...step, 0, 0, 0, 0, 0, 0]);
    expect(Math.abs(back.shift)).toBeLessThan(0.03);
    expect(driftAlertShouldBeOpen(back, true)).toBe(false);
  });
});

describe('series and resets (docs/metrology.md §5)', () => {
  it('one series per (gas, test point, regime), with a key that parses back', () => {
    expect(driftSeriesKey({ gas: 'CO', point: 'span', regime: 'inService' })).toBe('gas=CO,point=span,regime=inService');
    expect(driftSeriesKey({ point: 'Qmax' })).toBe('point=Qmax,regime=inService'); // the CONTRACT default regime
    expect(driftSeriesKey({ point: 'Qmax', regime: 'verification' })).not.toBe(driftSeriesKey({ point: 'Qmax' }));
    const odd = { gas: 'a,b=c\\d', point: '=', regime: 'verification' as const };
    expect(parseDriftSeriesKey(driftSeriesKey(odd))).toEqual(odd);
    expect(parseDriftSeriesKey('regime=inService')).toEqual({ regime: 'inService' });
    expect(parseDriftSeriesKey('CO')).toBeUndefined();
    expect(parseDriftSeriesKey('gas=CO,regime=later')).toBeUndefined();
  });

  it('reset(at, reason) starts a new baseline: Phase I again, and checks older than the reset are not part of it', () => {
    // Eight checks: the default Phase I (phaseIChecks 8) is complete, σ frozen.
    const before = fold(series([0.1, 0.12, 0.11, 0.13, 0.12, 0.11, 0.2, 0.25]));
    expect(before.frozenSigma).not.toBeNull();
    expect(fold(series([0.1, 0.12, 0.11, 0.13, 0.12, 0.11, 0.2])).frozenSigma).toBeNull();
    const at = T0 + 50 * MS_PER_DAY;
    const reset = resetDrift(before, at, 'calibration');
    expect(reset).toMatchObject({ n: 0, frozenSigma: null, resetAt: at, resetReason: 'calibration', firstTs: null });
    const sum = summarizeDrift(reset, P);
    expect(sum).toMatchObject({ points: 0, slopePerDay: null, resetAt: new Date(at).toISOString(), resetReason: 'calibration' });
    // A late check made before the calibration does not enter the new baseline.
    expect(addCheckToDrift(reset, { ts: at - 1, error: 0.2, mpe: 0.3, uncertainty: 0.05 }, P)).toBe(reset);
    const after = addCheckToDrift(reset, { ts: at, error: 0.01, mpe: 0.3, uncertainty: 0.05 }, P);
    expect(after).toMatchObject({ n: 1, firstTs: at, sigmaSource: 'prior', resetReason: 'calibration' });
  });

  it('an adjusted check is judged as found, then the stored series restarts from it', () => {
    const prev = fold(series([0.1, 0.12, 0.11, 0.13, 0.12]));
    const point = { ts: T0 + 35 * MS_PER_DAY, error: 0.2, mpe: 0.3, uncertainty: 0.05, adjusted: true };
    const { judged, next } = driftAfterCheck(prev, point, P);
    expect(judged.n).toBe(6);
    expect(next).toMatchObject({ n: 0, resetAt: point.ts, resetReason: 'adjustment' });
    const plain = driftAfterCheck(prev, { ...point, adjusted: false }, P);
    expect(plain.next).toBe(plain.judged);
    // An adjusted check made before a later calibration (backfilled) does not move the baseline back to it.
    const calibrated = resetDrift(prev, T0 + 40 * MS_PER_DAY, 'calibration');
    const late = driftAfterCheck(calibrated, point, P);
    expect(late.next).toBe(calibrated);
    expect(late.judged).toBe(calibrated);
  });

  it('rebuildDrift re-feeds the stored checks made since a certificate registered late', () => {
    const pts = series([0.1, 0.12, 0.11, 0.13, 0.12, 0.05, 0.06]);
    const at = pts[5]!.ts; // the calibration was issued on the day of the 6th check
    const rebuilt = rebuildDrift([...pts].reverse(), at, 'calibration', P);
    expect(rebuilt).toEqual(fold(pts.slice(5), P, resetDrift(emptyDriftState(), at, 'calibration')));
    expect(rebuilt.n).toBe(2);
  });

  it('rebuildDrift restarts the baseline again at a re-fed check that records an adjustment', () => {
    // A calibration registered late, issued before the 2nd check; the 4th check found the instrument off
    // (x = 0.6) and it was adjusted then: the rebuilt series is the baseline of the adjustment with the
    // 5th to 7th checks in it, as it was when those checks arrived, not a series still counting 0.6.
    const pts = series([0.1, 0.12, 0.11, 0.6, 0.02, 0.03, 0.01]);
    const at = pts[1]!.ts;
    const refed = pts.slice(1).map((p, i) => (i === 2 ? { ...p, adjusted: true } : p));
    const rebuilt = rebuildDrift([...refed].reverse(), at, 'calibration', P);
    expect(rebuilt.resetReason).toBe('adjustment');
    expect(rebuilt.resetAt).toBe(pts[3]!.ts);
    expect(rebuilt.n).toBe(3);
    const asArrived = refed.reduce((s, p) => driftAfterCheck(s, p, P).next, resetDrift(emptyDriftState(), at, 'calibration'));
    expect(rebuilt).toEqual(asArrived);
    // Without the adjustment the 0.6 stays in the series: four checks since the calibration.
    expect(rebuildDrift(pts.slice(1), at, 'calibration', P).n).toBe(6);
  });

  it('rebuildDrift restarts at the adjustments recorded by sibling series, a check at the same instant counting after it', () => {
    // 7 checks since a calibration at the 1st; the instrument adjusted (at another test point) at the time
    // of the 4th check: the 4th to 7th are the new baseline (4 checks), not all 7.
    const pts = series([0.1, 0.12, 0.11, 0.02, 0.03, 0.01, 0.02]);
    const at = pts[0]!.ts;
    const rebuilt = rebuildDrift(pts, at, 'calibration', P, [pts[3]!.ts]);
    expect(rebuilt).toMatchObject({ n: 4, resetReason: 'adjustment', resetAt: pts[3]!.ts });
    expect(rebuilt).toEqual(fold(pts.slice(3), P, resetDrift(emptyDriftState(), pts[3]!.ts, 'adjustment')));
    // an adjustment before the series' baseline (a later certificate) changes nothing
    const later = resetDrift(emptyDriftState(), pts[5]!.ts, 'verification');
    expect(adjustedElsewhere(later, pts[3]!.ts)).toBe(later);
    expect(adjustedElsewhere(later, pts[6]!.ts)).toMatchObject({ n: 0, resetAt: pts[6]!.ts, resetReason: 'adjustment' });
  });

  it('an adjustment restarts every test point and regime of the instrument; a gas detector only the same gas', () => {
    const key = (gas?: string, point?: string, regime: 'verification' | 'inService' = 'inService') => driftSeriesKey({ gas, point, regime });
    expect(adjustmentScope(key(undefined, 'Qmax'), key(undefined, 'MMQ'))).toBe(true);
    expect(adjustmentScope(key(undefined, 'Qmax'), key(undefined, 'Qmax', 'verification'))).toBe(true);
    expect(adjustmentScope(key(undefined, undefined), key(undefined, 'p2'))).toBe(true);
    expect(adjustmentScope(key('CO', 'span'), key('CO', 'zero'))).toBe(true);
    expect(adjustmentScope(key('CO', 'span'), key('H2S', 'span'))).toBe(false);
    expect(adjustmentScope(key('CO'), key(undefined))).toBe(false);
    expect(adjustmentScope('not a key', key(undefined))).toBe(false);
  });

  it('a stored state of an older format restarts as a migration baseline after its latest check, unless carried over exactly', () => {
    const v1 = { v: 1, n: 12, ewma: 0.02, lastTs: T0, sigmaFromHistory: true };
    expect(migrateDriftState(v1)).toEqual(resetDrift(emptyDriftState(), T0 + 1, 'migration'));
    const v3 = fold(series([0.1, 0.2]));
    expect(migrateDriftState(JSON.parse(JSON.stringify(v3)))).toEqual(v3);
    // A shell that loads a stored v1 state and feeds it on does not crash: the check opens the new baseline.
    const next = addCheckToDrift(v1 as unknown as DriftState, { ts: T0 + MS_PER_DAY, error: 0.01, mpe: 0.3, uncertainty: 0.05 }, P);
    expect(next).toMatchObject({ v: 3, n: 1, resetReason: 'migration' });
    expect(summarizeDrift(v1 as unknown as DriftState, P)).toMatchObject({ points: 0, resetReason: 'migration' });

    // Version 2 (μ0 = 0 always; Phase I as moving-range sums), as the previous code stored it.
    const v2Common = { v: 2, sigmaSource: 'prior', frozenSigma: null, frozenFrom: null, m2Error: 0, meanT: 0, m2T: 0, coMomentTE: 0 };
    const calibrated = T0 - MS_PER_DAY;
    // No check since a calibration: carried over, reset time and reason kept.
    const v2Empty = {
      ...v2Common,
      n: 0,
      ewma: 0,
      cusumHigh: 0,
      cusumLow: 0,
      sigma: 0,
      phaseI: { n: 0, lastX: null, sumMovingRange: 0 },
      meanError: 0,
      firstTs: null,
      lastTs: null,
      lastMpe: null,
      lastUncertainty: null,
      resetAt: calibrated,
      resetReason: 'calibration',
    };
    expect(migrateDriftState(v2Empty)).toEqual(resetDrift(emptyDriftState(), calibrated, 'calibration'));
    // One check (e = 0.1, MPE 1, U = 0.05): x = 0.1, z = 0.2·0.1 = 0.02, S_H = max(0, 0.1 − 1/6) = 0,
    // S_L = 0, σ = max(1/3, 0.025) = 1/3: what the current code computes too (μ0 = 0 until Phase I
    // completes), so it is carried over with Phase I's x = [0.1] and U/2 floor [0.025].
    const one: DriftPoint = { ts: T0, error: 0.1, mpe: 1, uncertainty: 0.05 };
    const v2One = {
      ...v2Common,
      n: 1,
      ewma: 0.2 * 0.1,
      cusumHigh: 0,
      cusumLow: 0,
      sigma: 1 / 3,
      phaseI: { n: 1, lastX: 0.1, sumMovingRange: 0 },
      meanError: 0.1,
      firstTs: T0,
      lastTs: T0,
      lastMpe: 1,
      lastUncertainty: 0.05,
      resetAt: calibrated,
      resetReason: 'calibration',
    };
    const fresh = fold([one], P, resetDrift(emptyDriftState(), calibrated, 'calibration'));
    expect(migrateDriftState(v2One)).toEqual(fresh);
    expect(migrateDriftState(v2One)).toMatchObject({ v: 3, mu0: 0, mu0Source: 'prior', phaseI: { x: [0.1], u: [0.025] } });
    const rest = series([0.3, 0.2, 0.4, 0.2, 0.25], { mpe: 1, u: 0.05, t0: T0 + 7 * MS_PER_DAY });
    expect(fold(rest, P, v2One as unknown as DriftState)).toEqual(fold(rest, P, fresh));
    // Two or more checks: their Phase-I x are gone (μ0 and the recomputed sums cannot be had), so a new
    // baseline after the latest check, as for version 1.
    const v2Two = { ...v2One, n: 2, lastTs: T0 + MS_PER_DAY, phaseI: { n: 2, lastX: 0.2, sumMovingRange: 0.1 } };
    expect(migrateDriftState(v2Two)).toEqual(resetDrift(emptyDriftState(), T0 + MS_PER_DAY + 1, 'migration'));
    // Past Phase I (σ frozen): carried over with μ0 = 0, as that format judged it, its regression kept; the
    // next check is a Phase-II step against μ0 = 0: z = 0.2·0.3 + 0.8·0.05 = 0.1, S_H = 0.3 − 0.05 + 0.02 = 0.27.
    const v2Frozen = {
      ...v2One,
      n: 6,
      ewma: 0.05,
      cusumHigh: 0.02,
      sigma: 0.1,
      sigmaSource: 'phaseI',
      frozenSigma: 0.1,
      frozenFrom: 'phaseI',
      phaseI: { n: 5, lastX: 0.1, sumMovingRange: 0.4 },
      lastTs: T0 + 5 * MS_PER_DAY,
    };
    const carried = migrateDriftState(v2Frozen);
    expect(carried).toMatchObject({ v: 3, n: 6, mu0: 0, mu0Source: 'prior', frozenSigma: 0.1, ewma: 0.05, resetReason: 'calibration' });
    const after = addCheckToDrift(carried, { ts: T0 + 6 * MS_PER_DAY, error: 0.3, mpe: 1, uncertainty: 0.05 }, P);
    expect(after.ewma).toBeCloseTo(0.1, 14);
    expect(after.cusumHigh).toBeCloseTo(0.27, 14);
    expect(after.n).toBe(7);
  });
});

describe('device drift view (docs/contract.md §4 GET /devices/{id}/drift)', () => {
  it('headlines the series nearest its limit and reports every series in the canonical unit', () => {
    // Qmax drifts 0.01 L per 10 days on a perfect line (MPE 0.09 L, U 0.007 L): e/MPE slope = 0.001/0.09 per day.
    // Eight checks, the default Phase I.
    const qmax = fold(series([0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07], { stepDays: 10, mpe: 0.09, u: 0.007 }));
    const mmq = fold(series([0.001, -0.001, 0.002], { stepDays: 10, mpe: 0.045, u: 0.007 }));
    const view = deviceDriftView(
      [
        { key: driftSeriesKey({ point: 'MMQ' }), state: mmq },
        { key: driftSeriesKey({ point: 'Qmax' }), state: qmax },
      ],
      P,
    );
    expect(view.series).toBe('point=Qmax,regime=inService');
    expect(view.points).toBe(8);
    expect(view.slopePerDay).toBeCloseTo(0.001, 12); // (0.001/0.09 per day in e/MPE) × 0.09 L
    expect(view.tolerance).toBeCloseTo(0.09, 12);
    expect(view.guardedLimit).toBeCloseTo(0.083, 12); // TL − U
    // Exact line 0.001 L/day from 0: reaches TL − U = 0.083 L at day 83, after the last check at day 70 (s = 0,
    // so the bound is the line).
    expect(view.predictedOutOfToleranceAt).toBe(new Date(T0 + 83 * MS_PER_DAY).toISOString().slice(0, 10));
    expect(view.predictionConfidence).toBe(0.95);
    expect(view.bySeries.map((x) => [x.series, x.point, x.regime, x.points])).toEqual([
      ['point=MMQ,regime=inService', 'MMQ', 'inService', 3],
      ['point=Qmax,regime=inService', 'Qmax', 'inService', 8],
    ]);
    // EWMA in the canonical unit: eight checks complete Phase I, μ0 = 0.28/8 = 0.035 L (a bias: MR̄ = 0.01 L,
    // σ = 0.01/1.128 = 0.008865 L, t(0.975, 7)·σ/√8 = 2.3646·0.008865/2.8284 = 0.007412 L < 0.035 L); λ = 0.2 over
    // 0, 0.01, …, 0.07 from z_0 = 0.035: 0.028, 0.0244, 0.02352, 0.024816, 0.0278528, 0.03228224, 0.037825792,
    // 0.0442606336 L.
    expect(view.ewma!.value).toBeCloseTo(0.0442606336, 12);
    expect(view.bySeries[1]!.normalised.ewma).toBeCloseTo(0.0442606336 / 0.09, 12);
    expect(view.bySeries[1]!.mu0).toBeCloseTo(0.035, 12);
    expect(view.mu0).toBeCloseTo(0.035, 12);
  });

  it('without a dated series the largest |EWMA| in e/MPE leads; a device without checks reports zeros', () => {
    const near = fold(series([0.05, 0.06], { mpe: 0.1 })); // e/MPE 0.5, 0.6 → EWMA 0.1, then 0.2·0.6 + 0.8·0.1 = 0.2
    const far = fold(series([0.05, 0.06, 0.05], { mpe: 1 })); // e/MPE 0.05, 0.06, 0.05 → EWMA 0.01, 0.02, 0.026
    expect(
      deviceDriftView(
        [
          { key: 'point=far,regime=inService', state: far },
          { key: 'point=near,regime=inService', state: near },
        ],
        P,
      ).series,
    ).toBe('point=near,regime=inService');
    expect(deviceDriftView([], P)).toEqual({
      series: null,
      points: 0,
      ewma: null,
      cusum: { high: 0, low: 0 },
      sigma: null,
      mu0: null,
      slopePerDay: null,
      tolerance: null,
      guardedLimit: null,
      predictedOutOfToleranceAt: null,
      predictionConfidence: 0.95,
      bySeries: [],
    });
  });
});

describe('state', () => {
  it('survives a JSON round trip (persisted, rebuilt after restart) with identical results', () => {
    const rand = mulberry32(3);
    const pts = series(Array.from({ length: 25 }, (_, i) => 0.002 * i + 0.02 * gaussian(rand)));
    const straight = fold(pts);
    const persisted = JSON.stringify(fold(pts.slice(0, 11)));
    const rebuilt = fold(pts.slice(11), P, JSON.parse(persisted) as DriftState);
    expect(rebuilt).toEqual(straight);
    expect(summarizeDrift(rebuilt, P)).toEqual(summarizeDrift(straight, P));
    expect(JSON.parse(JSON.stringify(straight))).toEqual(straight);
  });

  it('addCheckToDrift does not mutate its input', () => {
    const s = fold(series([0.1, 0.2, 0.05]));
    const before = JSON.stringify(s);
    const next = addCheckToDrift(Object.freeze(s), series([0.3])[0], P);
    expect(JSON.stringify(s)).toBe(before);
    expect(next).not.toBe(s);
    expect(next.n).toBe(4);
  });

  it('rejects invalid checks and parameters with a message naming the field', () => {
    const s = emptyDriftState();
    const ok: DriftPoint = { ts: T0, error: 0, mpe: 0.3, uncertainty: 0.05 };
    expect(() => addCheckToDrift(s, { ...ok, error: NaN }, P)).toThrow(/error/);
    expect(() => addCheckToDrift(s, { ...ok, mpe: 0 }, P)).toThrow(/mpe/);
    expect(() => addCheckToDrift(s, { ...ok, uncertainty: -1 }, P)).toThrow(/uncertainty/);
    expect(() => addCheckToDrift(s, ok, { ...P, lambda: 0 })).toThrow(/lambda/);
    expect(() => addCheckToDrift(s, ok, { ...P, minPointsForPrediction: 2 })).toThrow(/minPointsForPrediction/);
  });
});

describe('properties (fast-check)', () => {
  const errorArb = fc.oneof(
    fc.integer({ min: -20_000, max: 20_000 }).map((i) => i / 1000),
    fc.double({ min: -50, max: 50, noNaN: true }),
  );
  const seriesArb = fc.array(fc.record({ gapMin: fc.integer({ min: 0, max: 60 * 24 * 60 }), error: errorArb }), { minLength: 1, maxLength: 60 }).map((rows) => {
    let ts = T0;
    return rows.map((r) => ({ ts: (ts += r.gapMin * 60_000), error: r.error, mpe: 15, uncertainty: 1 }));
  });
  const paramsArb = fc.record({
    lambda: fc.double({ min: 0.05, max: 1, noNaN: true }),
    L: fc.double({ min: 1, max: 4, noNaN: true }),
    k: fc.double({ min: 0, max: 1.5, noNaN: true }),
    h: fc.double({ min: 1, max: 6, noNaN: true }),
    sigmaMpeDivisor: fc.constantFrom(2, 3, 4),
    phaseIChecks: fc.integer({ min: 2, max: 12 }),
    minPointsForPrediction: fc.integer({ min: 3, max: 8 }),
    horizonDays: fc.constant(90),
    // Absent half the time: μ0 estimated in Phase I; otherwise fixed.
    mu0: fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined }),
  });

  const close = (a: number, b: number, scale: number, rel = 1e-9) => Math.abs(a - b) <= rel * (Math.abs(b) + scale) + 1e-12;

  it('incremental state == batch recomputation for arbitrary series', () => {
    fc.assert(
      fc.property(seriesArb, paramsArb, (pts, params) => {
        const s = fold(pts, params);
        const ref = batch(pts, params);
        const scaleE = Math.max(1, ...pts.map((p) => Math.abs(p.error)));
        expect(s.n).toBe(pts.length);
        expect(close(s.mu0, ref.mu0, scaleE)).toBe(true);
        expect(close(s.ewma, ref.z, scaleE)).toBe(true);
        expect(close(s.sigma, ref.sigma, scaleE, 1e-7)).toBe(true);
        expect(close(s.cusumHigh, ref.sh, scaleE * pts.length, 1e-7)).toBe(true);
        expect(close(s.cusumLow, ref.sl, scaleE * pts.length, 1e-7)).toBe(true);
        const sum = summarizeDrift(s, params);
        expect(close(sum.normalised.ewma, ref.z, scaleE)).toBe(true);
        expect(close(sum.normalised.mu0, ref.mu0, scaleE)).toBe(true);
        expect(close(sum.ewma.upperLimit / 15 - ref.mu0, ref.limitSeq[ref.limitSeq.length - 1], scaleE)).toBe(true); // canonical = e/MPE × MPE 15
        const line = fitDriftLine(s);
        if (ref.b === null) {
          expect(line).toBeNull();
        } else {
          expect(line).not.toBeNull();
          // Slope error scale: spread of e over spread of t.
          const slopeScale = Math.sqrt(ref.see / ref.stt) + scaleE;
          expect(close(line!.slopePerDay, ref.b, slopeScale, 1e-7)).toBe(true);
          expect(close(line!.fittedAtLast, ref.a! + ref.b * ref.tLast, scaleE, 1e-7)).toBe(true);
          if (ref.n >= 3) expect(close(line!.residualVariance!, ref.sse! / (ref.n - 2), scaleE * scaleE, 1e-7)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every prefix agrees with the batch EWMA and CUSUM signals of that prefix', () => {
    // Each prefix on its own: completing Phase I recomputes the earlier checks with the frozen μ0 and σ.
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -400, max: 400 }).map((i) => i / 1000),
          { minLength: 1, maxLength: 40 },
        ),
        (errors) => {
          const pts = series(errors);
          let s = emptyDriftState();
          pts.forEach((p, i) => {
            s = addCheckToDrift(s, p, P);
            const sum = summarizeDrift(s, P);
            const ref = batch(pts.slice(0, i + 1));
            const margin = Math.abs(Math.abs(ref.z - ref.mu0) - ref.limitSeq[i]!);
            if (margin > 1e-12) expect(sum.ewma.signal).toBe(ref.ewmaSignalSeq[i]);
            if (ref.cusumMargin > 1e-12) expect(sum.cusum.signal).toBe(ref.cusumSignalSeq[i]);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a predicted date is the first time the batch prediction bound reaches TL − U', () => {
    const driftingArb = fc.record({
      // Mostly slopes whose bound crosses 0.25 in the future (bisection), some already beyond or never.
      slope: fc.oneof(
        { arbitrary: fc.integer({ min: -40, max: 40 }).map((i) => i * 5e-5), weight: 4 },
        { arbitrary: fc.double({ min: -0.01, max: 0.01, noNaN: true }), weight: 1 },
      ),
      noise: fc.integer({ min: 0, max: 50 }).map((i) => i / 1000),
      n: fc.integer({ min: 4, max: 30 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(driftingArb, ({ slope, noise, n, seed }) => {
        const rand = mulberry32(seed);
        const pts = series(Array.from({ length: n }, (_, i) => slope * 7 * i + noise * gaussian(rand)));
        const predicted = predictOutOfToleranceDate(fold(pts), P);
        const ref = batch(pts);
        const df = n - 2;
        const s = Math.sqrt(ref.sse! / df);
        const significant = ref.b !== 0 && (s === 0 || Math.abs(ref.b!) / (s / Math.sqrt(ref.stt)) > studentTQuantile(1 - (1 - P.slopeConfidence!) / 2, df));
        if (!significant) {
          expect(predicted).toBeNull();
          return;
        }
        const q = studentTQuantile(0.95, df);
        const dir = Math.sign(ref.b!);
        // TL − U = 0.3 − 0.05 in e/MPE: 1 − 0.05/0.3.
        const excess = (t: number) => dir * (ref.a! + ref.b! * t) + q * s * Math.sqrt(1 + 1 / n + (t - ref.tb) ** 2 / ref.stt) - (1 - 0.05 / 0.3);
        const lastTs = pts[n - 1].ts;
        if (predicted === null) {
          expect(excess(ref.tLast + 3653)).toBeLessThan(1e-9);
          return;
        }
        const tPred = (predicted - T0) / MS_PER_DAY;
        // Tolerance: the 1 s search resolution, plus the ~ε·See rounding of the SSE kept as
        // co-moments (visible only for near-perfect lines, amplified when extrapolating far).
        const tol = Math.abs(ref.b!) * (2 / 86_400) + q * Math.sqrt((1e-15 * ref.see) / df) * Math.sqrt(1 + 1 / n + (tPred - ref.tb) ** 2 / ref.stt) + 1e-12;
        expect(predicted).toBeGreaterThanOrEqual(lastTs);
        expect(excess(tPred)).toBeGreaterThan(-tol);
        if (predicted > lastTs) expect(excess(tPred - 5 / 86_400)).toBeLessThan(tol);
      }),
      { numRuns: 300 },
    );
  });

  it('the state stays plain finite JSON and round-trips exactly', () => {
    fc.assert(
      fc.property(seriesArb, (pts) => {
        const s = fold(pts);
        const values = Object.values(s).filter((v) => typeof v === 'number') as number[];
        expect(values.every(Number.isFinite)).toBe(true);
        expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });
});

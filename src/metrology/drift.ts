// Drift of an instrument's check results, docs/metrology.md §5: which series a check belongs to, what a check
// does to its series (including a reset after an adjustment), and the figures of GET /devices/{id}/drift.
// The chart arithmetic (EWMA, CUSUM, Phase-I σ, least squares, prediction) is in ./drift-chart.ts and runs
// on e/MPE; everything reported here is back in the canonical unit (× the series' latest MPE).
import {
  DEFAULT_DRIFT_PARAMS,
  DEFAULT_MIN_SHIFT_MPE,
  DEFAULT_PREDICTION_CONFIDENCE,
  addCheckToDrift,
  assertDriftParams,
  cusumExceeds,
  emptyDriftState,
  ewmaLimitHalfWidth,
  fitDriftLine,
  migrateDriftState,
  predictOutOfToleranceDate,
  resetDrift,
  type DriftMu0Source,
  type DriftParams,
  type DriftPoint,
  type DriftResetReason,
  type DriftState,
} from './drift-chart.ts';
import { judgeSellerFavour, type SellerFavourJudgement, type SellerFavourRule, type TradeParty } from './seller-favour.ts';
import { utcDay, type DayOf } from './traceability.ts';
import type { Regime } from './types.ts';

export * from './drift-chart.ts';
export { studentTCdf, studentTQuantile } from './student-t.ts';

/** What identifies one drift series of a device (docs/metrology.md §5: per instrument, gas, test point and regime). */
export interface DriftSeriesId {
  gas?: string;
  point?: string;
  regime: Regime;
}

function escapePart(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * The key of a check's drift series within its device: "gas=CO,point=span,regime=inService", parts
 * without a value left out ("regime=verification"). Commas, equals signs and backslashes inside a value
 * are escaped with a backslash, so every id has one key and parseDriftSeriesKey inverts it.
 */
export function driftSeriesKey(c: { gas?: string; point?: string; regime?: Regime }): string {
  const parts: string[] = [];
  if (c.gas !== undefined) parts.push(`gas=${escapePart(c.gas)}`);
  if (c.point !== undefined) parts.push(`point=${escapePart(c.point)}`);
  parts.push(`regime=${c.regime ?? 'inService'}`);
  return parts.join(',');
}

/** The inverse of driftSeriesKey; undefined for a string it did not produce. */
export function parseDriftSeriesKey(key: string): DriftSeriesId | undefined {
  const out: Partial<Record<'gas' | 'point' | 'regime', string>> = {};
  for (const part of key.match(/(?:\\.|[^,\\])+/g) ?? []) {
    const m = /^(gas|point|regime)=(.*)$/s.exec(part);
    if (!m || out[m[1] as 'gas'] !== undefined) return undefined;
    out[m[1] as 'gas'] = m[2]!.replace(/\\(.)/gs, '$1');
  }
  if (out.regime !== 'verification' && out.regime !== 'inService') return undefined;
  const id: DriftSeriesId = { regime: out.regime };
  if (out.gas !== undefined) id.gas = out.gas;
  if (out.point !== undefined) id.point = out.point;
  return driftSeriesKey(id) === key ? id : undefined;
}

/**
 * One check applied to its series: `judged` is the series with the check, as found; `next` is the state
 * to store, the same object unless the instrument was adjusted at this check, when it is a new baseline
 * from the check's time (the shell then clears the series' drift alerts rather than judge `judged`). An
 * adjusted check older than the current baseline (made before a later certificate or adjustment) changes
 * nothing: the baseline restarted after it already.
 */
export function driftAfterCheck(
  prev: DriftState,
  point: DriftPoint & { adjusted?: boolean },
  params: DriftParams = DEFAULT_DRIFT_PARAMS,
): { judged: DriftState; next: DriftState } {
  const judged = addCheckToDrift(prev, point, params);
  const before = judged.resetAt !== null && point.ts < judged.resetAt;
  return { judged, next: point.adjusted === true && !before ? resetDrift(judged, point.ts, 'adjustment') : judged };
}

/**
 * A series restarted at `at` and re-fed with its stored checks made since then, in time order (for a
 * certificate registered after checks that followed its issue date). Checks before `at` are skipped. A
 * re-fed check that records an adjustment restarts the baseline from it again, as it did when it arrived;
 * so does each of `adjustedAt` (epoch ms), the adjustments recorded by checks of the instrument's other
 * series (adjustmentScope): the series restarts there too, with no check of its own.
 */
export function rebuildDrift(
  points: readonly (DriftPoint & { adjusted?: boolean })[],
  at: number,
  reason: DriftResetReason,
  params: DriftParams = DEFAULT_DRIFT_PARAMS,
  adjustedAt: readonly number[] = [],
): DriftState {
  return replayDrift(points, resetDrift(emptyDriftState(), at, reason), params, adjustedAt);
}

/** `points` and the adjustments `adjustedAt` applied to `start` in time order (rebuildDrift's replay). */
function replayDrift(
  points: readonly (DriftPoint & { adjusted?: boolean })[],
  start: DriftState,
  params: DriftParams,
  adjustedAt: readonly number[],
): DriftState {
  // a sibling's adjustment and a check of this series at the same instant: the check is the adjusted state
  type Event = { ts: number; order: 0 | 1; p?: DriftPoint & { adjusted?: boolean } };
  const events: Event[] = [...adjustedAt.map((ts): Event => ({ ts, order: 0 })), ...points.map((p): Event => ({ ts: p.ts, order: 1, p }))];
  events.sort((a, b) => a.ts - b.ts || a.order - b.order);
  return events.reduce((s, e) => (e.p ? driftAfterCheck(s, e.p, params).next : adjustedElsewhere(s, e.ts)), start);
}

/**
 * An instrument's series as they stood at the end of a past period (the measurement-assurance file of that
 * period), rebuilt as the gateway builds them check by check: from `baseline`, the latest certificate issued
 * by then (null: none, the series start at their first check), each series fed its `checks` made since it up
 * to the period's end, in time order, restarted at each adjustment its own checks or its siblings' record
 * (adjustmentScope). `checks` are the instrument's, of any series; those outside (baseline, end] are skipped.
 */
export function driftAsOf(
  checks: readonly (DriftPoint & { adjusted?: boolean; gas?: string; point?: string; regime?: Regime })[],
  baseline: { at: number; reason: DriftResetReason } | null,
  end: number,
  params: DriftParams = DEFAULT_DRIFT_PARAMS,
): { key: string; state: DriftState }[] {
  const within = checks.filter((c) => c.ts <= end && (baseline === null || c.ts >= baseline.at));
  const bySeries = new Map<string, typeof within>();
  for (const c of within) {
    const key = driftSeriesKey(c);
    bySeries.set(key, [...(bySeries.get(key) ?? []), c]);
  }
  const adjustments = within.filter((c) => c.adjusted === true).map((c) => ({ series: driftSeriesKey(c), ts: c.ts }));
  const start = baseline === null ? emptyDriftState() : resetDrift(emptyDriftState(), baseline.at, baseline.reason);
  return [...bySeries].map(([key, points]) => ({
    key,
    state: replayDrift(
      points,
      start,
      params,
      adjustments.filter((a) => a.series !== key && adjustmentScope(a.series, key)).map((a) => a.ts),
    ),
  }));
}

/**
 * The series after an adjustment of the instrument recorded by a check of another of its series (the same
 * scope): a new baseline from then, unless the baseline started later already (a later certificate or
 * adjustment). Its checks made after the adjustment are not kept (as for an adjusted check of its own that
 * arrives after later checks): the next checks open a new Phase I.
 */
export function adjustedElsewhere(state: DriftState, at: number): DriftState {
  return state.resetAt !== null && at < state.resetAt ? state : resetDrift(state, at, 'adjustment');
}

/**
 * Whether an adjustment recorded by a check of series `adjusted` restarts series `other` of the same
 * instrument (METROLOGY §5: the baseline restarts after an adjustment; CONTRACT §2: `adjusted` says the
 * instrument was adjusted). An instrument is adjusted as a whole (a scale's span, a dispenser's meter: every
 * test point and regime) except a gas detector, whose sensors are adjusted one gas at a time: only the
 * series of the same gas. Keys as driftSeriesKey writes them; a key it did not write restarts nothing.
 */
export function adjustmentScope(adjusted: string, other: string): boolean {
  const a = parseDriftSeriesKey(adjusted);
  const o = parseDriftSeriesKey(other);
  return a !== undefined && o !== undefined && a.gas === o.gas;
}

/** The figures of one series, canonical unit (docs/contract.md §4 GET /devices/{id}/drift, bySeries). */
export interface DriftSummary {
  points: number;
  ewma: { value: number; upperLimit: number; lowerLimit: number; signal: boolean };
  cusum: { high: number; low: number; threshold: number; signal: boolean };
  sigma: number;
  /** 'phaseI': frozen from the moving range of the first checks after the reset; 'prior': MPE/sigmaMpeDivisor. */
  sigmaSource: 'phaseI' | 'prior' | 'none';
  /**
   * In-control mean μ0 (the baseline level) the EWMA, its limits, the CUSUM and the shift are measured from:
   * 'phaseI' the mean of the first checks after the reset where it shows a bias, frozen; 'prior' 0 (while
   * Phase I runs, or when its mean does not differ from 0); 'fixed'
   * DriftParams.mu0. A steady bias within tolerance is the baseline, not drift.
   */
  mu0: number;
  mu0Source: DriftMu0Source | 'none';
  phaseIComplete: boolean;
  slopePerDay: number | null;
  /** Fitted value of the drift line at the latest check (not the line's intercept at t = 0). */
  interceptAtLast: number | null;
  /**
   * The day (YYYY-MM-DD) of the predicted instant as `dayOf` names it: the enterprise's local day (a
   * prediction at 18:00Z on 30 June is 1 July in Vietnam), UTC for a caller that passes no zone; or null.
   */
  predictedOutOfToleranceAt: string | null;
  /** One-sided confidence of the prediction bound behind predictedOutOfToleranceAt. */
  predictionConfidence: number;
  /** Tolerance limit TL = MPE of the latest check. */
  tolerance: number;
  /** Guarded limit TL − U that the prediction targets (ILAC-G8 pass limit). */
  guardedLimit: number;
  /** EWMA estimate of the shift z − μ0, and the smallest |shift| worth an alarm (minShiftMpe · TL). */
  shift: number;
  minShift: number;
  /** Phase I has completed, EWMA or CUSUM signals, and the shift is at least minShift: worth a `drift` alert. */
  alarm: boolean;
  /** The same statistics in e/MPE, as they were computed. */
  normalised: { ewma: number; mu0: number; sigma: number; cusumHigh: number; cusumLow: number; slopePerDay: number | null; guardedLimit: number };
  /** When and why the current baseline started (ISO), null since the first check. */
  resetAt: string | null;
  resetReason: DriftResetReason | null;
}

/**
 * The figures behind CONTRACT `GET /devices/{id}/drift` for one series, in the canonical unit. The core
 * has no zone: `dayOf` (the shell's, the enterprise's local day) names the predicted day; UTC without one.
 */
export function summarizeDrift(stored: DriftState, params: DriftParams = DEFAULT_DRIFT_PARAMS, dayOf: DayOf = utcDay): DriftSummary {
  assertDriftParams(params);
  const state = migrateDriftState(stored);
  // The μ0 the state's statistics were computed with (frozen after Phase I); before any check, the one
  // the first check will use.
  const mu0 = state.n > 0 ? state.mu0 : (params.mu0 ?? 0);
  const scale = state.lastMpe ?? 0; // e/MPE → canonical unit
  const sigma = state.sigma;
  const half = state.n > 0 ? ewmaLimitHalfWidth(state.n, sigma, params) : 0;
  const value = state.n > 0 ? state.ewma : mu0;
  const threshold = params.h * sigma;
  const line = fitDriftLine(state);
  const predicted = predictOutOfToleranceDate(state, params);
  const ewmaSignal = state.n > 0 && Math.abs(value - mu0) > half;
  const cusumSignal = state.n > 0 && (cusumExceeds(state.cusumHigh, threshold) || cusumExceeds(state.cusumLow, threshold));
  const shift = state.n > 0 ? value - mu0 : 0;
  const minShift = params.minShiftMpe ?? DEFAULT_MIN_SHIFT_MPE;
  const guarded = state.lastMpe === null ? 0 : Math.max(0, 1 - (state.lastUncertainty ?? 0) / state.lastMpe);
  return {
    points: state.n,
    ewma: { value: value * scale, upperLimit: (mu0 + half) * scale, lowerLimit: (mu0 - half) * scale, signal: ewmaSignal },
    cusum: { high: state.cusumHigh * scale, low: state.cusumLow * scale, threshold: threshold * scale, signal: cusumSignal },
    sigma: sigma * scale,
    sigmaSource: state.n === 0 ? 'none' : state.sigmaSource,
    mu0: mu0 * scale,
    mu0Source: state.n === 0 ? 'none' : state.mu0Source,
    phaseIComplete: state.frozenSigma !== null,
    slopePerDay: line === null ? null : line.slopePerDay * scale,
    interceptAtLast: line === null ? null : line.fittedAtLast * scale,
    predictedOutOfToleranceAt: predicted === null ? null : dayOf(predicted),
    predictionConfidence: params.predictionConfidence ?? DEFAULT_PREDICTION_CONFIDENCE,
    tolerance: scale,
    guardedLimit: guarded * scale,
    shift: shift * scale,
    minShift: minShift * scale,
    // No alarm while Phase I runs: its charts measure from the unbiased assumption (μ0 = 0) with the prior
    // σ, so a steady in-tolerance bias would read as drift until the baseline is known. With phaseIChecks 20
    // every instrument biased by 0.3 MPE (noise MPE/10) alarmed in Phase I (2,000 simulated series);
    // gated, none did (docs/metrology.md §5).
    alarm: state.frozenSigma !== null && (ewmaSignal || cusumSignal) && Math.abs(shift) >= minShift,
    normalised: {
      ewma: value,
      mu0,
      sigma,
      cusumHigh: state.cusumHigh,
      cusumLow: state.cusumLow,
      slopePerDay: line === null ? null : line.slopePerDay,
      guardedLimit: guarded,
    },
    resetAt: state.resetAt === null ? null : new Date(state.resetAt).toISOString(),
    resetReason: state.resetReason,
  };
}

/**
 * Whether a `drift` alert should be open after the latest check, with hysteresis so that a statistic
 * hovering at its limit does not open and clear the alert over and over: it opens on `alarm`, and once
 * open it stays open until EWMA is back inside its limits with both CUSUM sums at most H/2, or the shift
 * has fallen below minShift/2.
 */
export function driftAlertShouldBeOpen(s: DriftSummary, isOpen: boolean): boolean {
  if (!isOpen) return s.alarm;
  const settled = !s.ewma.signal && s.cusum.high <= s.cusum.threshold / 2 && s.cusum.low <= s.cusum.threshold / 2;
  return !(settled || Math.abs(s.shift) < s.minShift / 2);
}

/**
 * Which way a series' errors lean (docs/metrology.md §6, ./seller-favour.ts), for a type with a
 * `sellerFavour` rule: the sign-test counts and p-value, the mean error as e/MPE and in the canonical unit
 * (× the series' latest MPE), and whether it is a finding (a `seller-favoured` alert).
 */
export type SellerFavourView = SellerFavourJudgement & { meanError: number };

/** A series' seller-favour figures (SellerFavourView) under `rule`, for the instrument's user `favoured`. */
export function sellerFavourOf(stored: DriftState, rule: SellerFavourRule, favoured: TradeParty = 'seller'): SellerFavourView {
  const state = migrateDriftState(stored);
  const j = judgeSellerFavour(state, rule, favoured);
  return { ...j, meanError: state.meanError * (state.lastMpe ?? 0) };
}

/**
 * One series of a device as bySeries reports it: its key, its id parts and its summary; `sellerFavour`
 * for a type judged for errors that favour the seller.
 */
export type SeriesDriftView = { series: string } & Partial<DriftSeriesId> & DriftSummary & { sellerFavour?: SellerFavourView };

/** GET /devices/{id}/drift: the figures of the series nearest its limit, and every series. */
export interface DeviceDriftView {
  series: string | null;
  points: number;
  ewma: DriftSummary['ewma'] | null;
  cusum: DriftSummary['cusum'] | { high: 0; low: 0 };
  sigma: number | null;
  /** The headline series' baseline level μ0 (canonical unit): a steady bias found in Phase I, else 0. */
  mu0: number | null;
  slopePerDay: number | null;
  tolerance: number | null;
  guardedLimit: number | null;
  predictedOutOfToleranceAt: string | null;
  predictionConfidence: number;
  bySeries: SeriesDriftView[];
}

/**
 * A series' figures as GET /devices/{id}/drift answers them: CONTRACT §4 lists `ewma` beside `slopePerDay`,
 * both "in the canonical unit", a number; its control limits and signal beside it (`ewmaLimits`, `ewmaSignal`).
 * The statistics keep them together (DriftSummary.ewma, and a drift alert's evidence does).
 */
export type SeriesDriftAnswer = Omit<SeriesDriftView, 'ewma'> & EwmaAnswer;
/** The device's drift as the API answers it: SeriesDriftAnswer's `ewma` for the headline series (null without checks) and each series. */
export type DeviceDriftAnswer = Omit<DeviceDriftView, 'ewma' | 'bySeries'> &
  (EwmaAnswer | { ewma: null; ewmaLimits: null; ewmaSignal: null }) & { bySeries: SeriesDriftAnswer[] };
type EwmaAnswer = { ewma: number; ewmaLimits: { lower: number; upper: number }; ewmaSignal: boolean };

function ewmaAnswer(e: DriftSummary['ewma']): EwmaAnswer {
  return { ewma: e.value, ewmaLimits: { lower: e.lowerLimit, upper: e.upperLimit }, ewmaSignal: e.signal };
}

/** deviceDriftView's figures in the API's shape (SeriesDriftAnswer). */
export function driftAnswer(view: DeviceDriftView): DeviceDriftAnswer {
  const { ewma, bySeries, ...rest } = view;
  return {
    ...rest,
    ...(ewma ? ewmaAnswer(ewma) : { ewma: null, ewmaLimits: null, ewmaSignal: null }),
    bySeries: bySeries.map(({ ewma: e, ...s }) => ({ ...s, ...ewmaAnswer(e) })),
  };
}

/**
 * The device-level drift figures (docs/contract.md §4) from the states of its series. The headline series is the
 * one nearest its limit: the earliest predicted out-of-tolerance date; without any date, the largest
 * |EWMA| in e/MPE (closest to the tolerance ±1); then the most points, then the key. Predicted days are
 * those of `dayOf` (summarizeDrift): one device's series are all named in its enterprise's zone. With the
 * type's `sellerFavour` rule each series also says which way its errors lean (sellerFavourOf), judged for
 * the instrument's user `favoured` (its registered use's deviceUser; the seller by default).
 */
export function deviceDriftView(
  series: readonly { key: string; state: DriftState }[],
  params: DriftParams = DEFAULT_DRIFT_PARAMS,
  dayOf: DayOf = utcDay,
  sellerFavour?: SellerFavourRule,
  favoured: TradeParty = 'seller',
): DeviceDriftView {
  const bySeries: SeriesDriftView[] = series
    .map(({ key, state }) => ({
      series: key,
      ...(parseDriftSeriesKey(key) ?? {}),
      ...summarizeDrift(state, params, dayOf),
      ...(sellerFavour ? { sellerFavour: sellerFavourOf(state, sellerFavour, favoured) } : {}),
    }))
    .sort((a, b) => a.series.localeCompare(b.series));
  const nearest = [...bySeries].sort(
    (a, b) =>
      (a.predictedOutOfToleranceAt ?? '9999').localeCompare(b.predictedOutOfToleranceAt ?? '9999') ||
      Math.abs(b.normalised.ewma) - Math.abs(a.normalised.ewma) ||
      b.points - a.points ||
      a.series.localeCompare(b.series),
  )[0];
  const s = nearest !== undefined && nearest.points > 0 ? nearest : undefined;
  return {
    series: s?.series ?? null,
    points: s?.points ?? 0,
    ewma: s ? s.ewma : null,
    cusum: s ? s.cusum : { high: 0, low: 0 },
    sigma: s?.sigma ?? null,
    mu0: s?.mu0 ?? null,
    slopePerDay: s?.slopePerDay ?? null,
    tolerance: s?.tolerance ?? null,
    guardedLimit: s?.guardedLimit ?? null,
    predictedOutOfToleranceAt: s?.predictedOutOfToleranceAt ?? null,
    predictionConfidence: params.predictionConfidence ?? DEFAULT_PREDICTION_CONFIDENCE,
    bySeries,
  };
}

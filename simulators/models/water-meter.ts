// Cold-water meter (đồng hồ đo nước lạnh; OIML R49, ĐLVN 17:2017; devices/water-meter.json), e.g. a household's
// DN15 mechanical meter of class 2: readings are the register's totalised volume, which a meter-reading logger
// sends every hour and which grows with the customer's consumption (a daily pattern with morning and evening
// peaks, in local time); checks pass a test volume through the meter into a proving tank at each test flow rate,
// `point` Q1 (lower zone, class 2 ±5 %), Q2 and Q3 (upper zone, ±2 %). The meter's error depends on the flow rate
// (its error curve) and ages: a mechanical meter's wear shows first at low flow, where it under-registers more
// and more (a negative drift of the Q1 error).

import { z } from 'zod';
import {
  DAY_MS,
  NO_FAULTS,
  SeqCounter,
  YEAR_MS,
  iso,
  roundTo,
  runStreams,
  type EventStream,
  type InstrumentModel,
  type ModelEnv,
  type SimMessage,
} from './types.ts';

const HOUR_MS = 3_600_000;

const TestPointSchema = z.strictObject({
  /** The test flow rate's name, one the profile's MPE rule lists (OIML R49: Q1 lower zone, Q2…Q4 upper zone). */
  point: z.enum(['Q1', 'Q2', 'Q3', 'Q4']),
  /** The test flow rate, L/h: how long the test volume takes to pass (the check's time), nothing else. */
  flowRate: z.number().positive(),
  /** Reference volume of the proving tank (or measure) the test fills, L. */
  volume: z.number().positive(),
  standardId: z.string().min(1),
  /** Expanded uncertainty (k = 2) of the reference volume, L. */
  uncertainty: z.number().nonnegative(),
  /** The meter's relative error at this flow rate at the start (0.008 = +0.8 %: it registers 0.8 % too much). */
  error: z.number().default(0),
  /** Change of that relative error per year (wear; −0.005: it registers 0.5 % less each year). */
  driftPerYear: z.number().default(0),
  /** Repeatability at this flow rate, relative standard deviation of the registered test volume. */
  repeatability: z.number().nonnegative().default(0.001),
});

/**
 * The test points of a DN15 household meter (Q3 = 2.5 m³/h, R = Q3/Q1 = 100: Q1 = 25 L/h, Q2 = 1.6·Q1 = 40 L/h).
 * The volumes are the simulator's choice, typical of a verification bench's proving tanks: 10 L at Q1, 100 L at
 * Q2 and Q3 (ĐLVN 17:2017's own test volumes were not seen). The error curve is a healthy mechanical meter's
 * (over-registering a little at low flow, about right at Q3), well inside class 2 and class 1.
 */
const DEFAULT_TEST_POINTS = [
  { point: 'Q1', flowRate: 25, volume: 10, standardId: 'PM-10L-04', uncertainty: 0.01, error: 0.008, driftPerYear: -0.005, repeatability: 0.003 },
  { point: 'Q2', flowRate: 40, volume: 100, standardId: 'PT-100L-01', uncertainty: 0.05, error: 0.003, driftPerYear: -0.002, repeatability: 0.001 },
  { point: 'Q3', flowRate: 2500, volume: 100, standardId: 'PT-100L-01', uncertainty: 0.05, error: -0.002, driftPerYear: -0.001, repeatability: 0.001 },
] as const;

/**
 * Share of a day's consumption per local hour (0 h … 23 h), a Vietnamese household's: little at night, peaks
 * at 5–8 h and 17–20 h (washing, cooking). Normalised to a mean of 1 where used.
 */
const HOURLY_PATTERN = [0.2, 0.15, 0.1, 0.1, 0.3, 1.2, 2, 1.8, 1.2, 1, 1, 1.3, 1.2, 0.8, 0.7, 0.8, 1.2, 2, 2.2, 1.8, 1.4, 1, 0.6, 0.4];
const PATTERN_MEAN = HOURLY_PATTERN.reduce((a, b) => a + b, 0) / HOURLY_PATTERN.length;

export const WaterMeterParamsSchema = z.strictObject({
  /** The register at the start of the simulation, L (a five-digit m³ register: at most 99 999 999 L). */
  register: z.number().nonnegative().max(99_999_999).default(1_234_567.85),
  /** Display step of the register, L: the profile's default verification scale interval (0.05 L). */
  resolution: z.number().positive().default(0.05),
  /** Unit of the readings: `L`, or `m3` as many loggers send (the gateway stores L; checks are sent in L). */
  readingUnit: z.enum(['L', 'm3']).default('L'),
  /** Mean consumption, L a day (a household of four: 15–20 m³ a month, ≈ 550 L a day). */
  consumptionPerDay: z.number().nonnegative().default(550),
  /** Relative standard deviation of one day's consumption around the mean. */
  dailyVariation: z.number().nonnegative().default(0.25),
  /** Relative standard deviation of the consumption of one hour within its day (shrinks with longer intervals). */
  hourlyVariation: z.number().nonnegative().default(0.6),
  /** Offset of local time from UTC, hours (Vietnam: 7), for the daily pattern. */
  utcOffsetHours: z.number().min(-12).max(14).default(7),
  /**
   * The test points, one check each per check session (every check interval), in this order. The register's
   * readings follow the error of Q2 (a household draws mostly in the upper zone), else of the first point.
   */
  testPoints: z
    .array(TestPointSchema)
    .min(1)
    .default(DEFAULT_TEST_POINTS.map((p) => ({ ...p }))),
  /** Minutes between two tests of a session (changing the flow rate, emptying the tank). */
  minutesBetweenTests: z.number().nonnegative().default(10),
  regime: z.enum(['verification', 'inService']).default('inService'),
});
export type WaterMeterParams = z.input<typeof WaterMeterParamsSchema>;

/** The largest multiple of `step` not above `value` (a register shows the last step it completed). */
function floorTo(value: number, step: number): number {
  return roundTo(Math.floor(value / step + 1e-9) * step, step);
}

// Long on purpose: the model keeps its state in this closure (register, day factors, session); its steps are the small functions inside.
export function createWaterMeter(env: ModelEnv, params: WaterMeterParams = {}): InstrumentModel {
  const p = WaterMeterParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const seq = new SeqCounter();
  const years = (t: number) => (t - env.startMs) / YEAR_MS;
  /** The meter's relative error at a test point at time t (its error curve, aged). */
  const errorAt = (tp: (typeof p.testPoints)[number], t: number) => tp.error + tp.driftPerYear * years(t);
  const registerPoint = p.testPoints.find((tp) => tp.point === 'Q2') ?? p.testPoints[0];

  // The register, unrounded (L): what the wheels have turned; readings show it floored to the display step.
  let register = p.register;
  let lastReadingAt = env.startMs;
  const offsetMs = p.utcOffsetHours * HOUR_MS;
  /** One factor per local day (a day of more or less consumption), drawn when the day is first reached. */
  const dayFactors = new Map<number, number>();
  const dayFactor = (localDay: number) => {
    let f = dayFactors.get(localDay);
    if (f === undefined) {
      f = Math.max(0, 1 + rng.normal(0, p.dailyVariation));
      dayFactors.set(localDay, f);
      if (dayFactors.size > 64) dayFactors.delete(dayFactors.keys().next().value!);
    }
    return f;
  };

  /** True volume drawn in (from, to], L: the daily pattern integrated hour by hour, times the day's factor. */
  const consumption = (from: number, to: number): number => {
    let v = 0;
    for (let a = from; a < to; ) {
      const local = a + offsetMs;
      const b = Math.min(to, local - (((local % HOUR_MS) + HOUR_MS) % HOUR_MS) + HOUR_MS - offsetMs);
      const hour = ((Math.floor(local / HOUR_MS) % 24) + 24) % 24;
      const rate = ((p.consumptionPerDay / 24) * HOURLY_PATTERN[hour]) / PATTERN_MEAN; // L/h
      v += rate * dayFactor(Math.floor(local / DAY_MS)) * ((b - a) / HOUR_MS);
      a = b;
    }
    // the draws of an hour scatter; over a longer interval they average out
    const sd = p.hourlyVariation / Math.sqrt(Math.max(1, (to - from) / HOUR_MS));
    return v * Math.max(0, 1 + rng.normal(0, sd));
  };

  const readings: EventStream = {
    nextAt: env.startMs + env.readingIntervalMs,
    following: (t) => t + env.readingIntervalMs,
    fire(t): SimMessage[] {
      const drawn = consumption(lastReadingAt, t);
      lastReadingAt = t;
      const registered = drawn * (1 + errorAt(registerPoint, t));
      // Faults act on the volume registered since the last reading; a stuck meter's register stands still (a
      // seized mechanism), and the register never runs backwards.
      const distorted = faults.distort(registered, t, { kind: 'reading', noiseSigma: registered * registerPoint.repeatability, nominal: registered });
      register += faults.active('stuck', t) ? 0 : Math.max(0, distorted);
      const shown = floorTo(register, p.resolution);
      const value = p.readingUnit === 'L' ? shown : roundTo(shown / 1000, p.resolution / 1000);
      return [{ topic: 'readings', at: t, payload: { seq: seq.next('readings'), ts: iso(t), quantity: 'volume', value, unit: p.readingUnit } }];
    },
  };

  /** One test: the reference volume passed at the point's flow rate, the volume the meter registered, rounded to its display. */
  const check = (t: number, tp: (typeof p.testPoints)[number]): SimMessage => {
    const sigma = tp.volume * tp.repeatability;
    const raw = tp.volume * (1 + errorAt(tp, t)) + rng.normal(0, sigma);
    const indicated = faults.distort(raw, t, { kind: 'check', channel: tp.point, noiseSigma: sigma, nominal: tp.volume });
    return {
      topic: 'checks',
      at: t,
      payload: {
        seq: seq.next('checks'),
        ts: iso(t),
        indicated: Math.max(0, roundTo(indicated, p.resolution)),
        reference: tp.volume,
        referenceUncertainty: tp.uncertainty,
        unit: 'L',
        standardId: tp.standardId,
        point: tp.point,
        regime: p.regime,
      },
    };
  };

  // A session every check interval runs the test points in turn; each check is stamped when its test volume has passed.
  const runMs = p.testPoints.map((tp) => (tp.volume / tp.flowRate) * HOUR_MS);
  const endOffsetMs = runMs.map((_, i) => runMs.slice(0, i + 1).reduce((a, b) => a + b, 0) + i * p.minutesBetweenTests * 60_000);
  let sessionAt = env.startMs + env.checkIntervalMs;
  let next = 0;
  const checks: EventStream = {
    nextAt: sessionAt + endOffsetMs[0],
    fire: (t) => [check(t, p.testPoints[next])],
    following() {
      next++;
      if (next === p.testPoints.length) {
        next = 0;
        sessionAt += env.checkIntervalMs;
      }
      return sessionAt + endOffsetMs[next];
    },
  };

  return { type: 'water-meter', deviceId: env.deviceId, next: (t) => runStreams([readings, checks], t) };
}

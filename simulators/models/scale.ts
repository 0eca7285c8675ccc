// Non-automatic weighing instrument, class III (OIML R76), e.g. a market scale Max 60 kg, e = 50 g (n = 1200):
// weighings of goods (gross, tare, net, stable) and checks with test weights at several loads, the error
// found by the R76 change-point method (small weights ΔL in steps of 0.1e until the indication steps up).
// Span (gain) and zero drift slowly.

import { z } from 'zod';
import { NO_FAULTS, SeqCounter, YEAR_MS, iso, roundTo, runStreams, type EventStream, type InstrumentModel, type ModelEnv, type SimMessage } from './types.ts';

const TestLoadSchema = z.strictObject({
  /** Conventional mass of the test weights, kg. */
  mass: z.number().positive(),
  standardId: z.string().min(1),
  /** Expanded uncertainty (k = 2) of the test weights, kg. */
  uncertainty: z.number().nonnegative(),
  /** Test point name: no spaces, commas, quotes or = (the gateway tags series with it). */
  point: z.string().regex(/^[^\s,"=\\]{1,64}$/, { message: 'must be 1–64 characters without spaces, commas, quotes, = or \\' }),
});

export const ScaleParamsSchema = z.strictObject({
  max: z.number().positive().default(60),
  min: z.number().nonnegative().default(1),
  /** Verification scale interval e (= display interval d here), kg. */
  e: z.number().positive().default(0.05),
  accuracyClass: z.string().default('III'),
  /** Relative span error at the start, and its change per year. */
  spanError: z.number().default(0),
  spanDriftPerYear: z.number().default(0.0002),
  /** Zero offset at the start, kg, and its change per year. */
  zeroOffset: z.number().default(0),
  zeroDriftPerYear: z.number().default(0),
  /** Noise before rounding to e, kg. */
  noise: z.number().nonnegative().default(0.002),
  /** Share of weighings done with a tare (a basket). */
  tareShare: z.number().min(0).max(1).default(0.3),
  testLoads: z
    .array(TestLoadSchema)
    .min(1)
    .default([
      { mass: 1, standardId: 'TW-M1-SET-14', uncertainty: 0.00005, point: 'Min' },
      { mass: 25, standardId: 'TW-M1-SET-14', uncertainty: 0.0013, point: '500e' },
      { mass: 60, standardId: 'TW-M1-SET-14', uncertainty: 0.003, point: 'Max' },
    ]),
  regime: z.enum(['verification', 'inService']).default('inService'),
  /**
   * Checks by the R76 change-point method (send `deltaL`): without it the rounding to e alone makes a
   * check's U ≥ 0.58e, above the 0.5e MPE, so a healthy scale could never pass (docs/metrology.md §3.5).
   */
  changePoint: z.boolean().default(true),
});
export type ScaleParams = z.input<typeof ScaleParamsSchema>;

export function createScale(env: ModelEnv, params: ScaleParams = {}): InstrumentModel {
  const p = ScaleParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const seq = new SeqCounter();
  const years = (t: number) => (t - env.startMs) / YEAR_MS;

  /** The indication before rounding to e (what the change-point method recovers). */
  const unrounded = (load: number, t: number, kind: 'reading' | 'check', channel?: string) => {
    const raw = p.zeroOffset + p.zeroDriftPerYear * years(t) + load * (1 + p.spanError + p.spanDriftPerYear * years(t)) + rng.normal(0, p.noise);
    return faults.distort(raw, t, { kind, channel, noiseSigma: p.noise, nominal: load });
  };
  const indicate = (load: number, t: number, kind: 'reading' | 'check', channel?: string) => roundTo(unrounded(load, t, kind, channel), p.e);

  /**
   * A check at load L: the indication I (P rounded to e) and, by the change-point method, the small
   * weights ΔL (multiples of 0.1e) added until the indication steps up to I + e, i.e. the first with
   * P + ΔL ≥ I + ½e. The gateway then finds E = I + ½e − ΔL − L = P − L to within 0.1e.
   */
  const checkIndication = (load: number, t: number, channel: string): { indicated: number; deltaL?: number } => {
    const P = unrounded(load, t, 'check', channel);
    const indicated = roundTo(P, p.e);
    if (!p.changePoint) return { indicated };
    const step = p.e / 10;
    const steps = Math.min(10, Math.max(0, Math.ceil((indicated + p.e / 2 - P) / step - 1e-9)));
    return { indicated, deltaL: roundTo(steps * step, step) };
  };

  const weighings: EventStream = {
    nextAt: env.startMs + rng.exponential(env.readingIntervalMs),
    following: (t) => t + Math.max(5_000, rng.exponential(env.readingIntervalMs)),
    fire(t): SimMessage[] {
      const net = Math.min(p.max * 0.9, Math.max(p.min, rng.exponential(4)));
      const tare = rng.chance(p.tareShare) ? roundTo(rng.uniform(0.1, 1.5), p.e) : 0;
      const value = Math.min(p.max, indicate(net + tare, t, 'reading') - tare);
      const payload: Record<string, unknown> = {
        seq: seq.next('readings'),
        ts: iso(t),
        quantity: 'mass',
        value: roundTo(value, p.e),
        unit: 'kg',
        stable: true,
      };
      if (tare > 0) payload.tare = tare;
      return [{ topic: 'readings', at: t, payload }];
    },
  };

  // A check loads each test weight in turn, two minutes apart, ending at t.
  const checks: EventStream = {
    nextAt: env.startMs + env.checkIntervalMs,
    following: (t) => t + env.checkIntervalMs,
    fire(t): SimMessage[] {
      return p.testLoads.map((l, i) => {
        const at = t - (p.testLoads.length - 1 - i) * 120_000;
        return {
          topic: 'checks' as const,
          at,
          payload: {
            seq: seq.next('checks'),
            ts: iso(at),
            ...checkIndication(l.mass, at, l.point),
            reference: l.mass,
            referenceUncertainty: l.uncertainty,
            unit: 'kg',
            standardId: l.standardId,
            point: l.point,
            regime: p.regime,
          },
        };
      });
    },
  };

  return { type: 'scale', deviceId: env.deviceId, next: (t) => runStreams([weighings, checks], t) };
}

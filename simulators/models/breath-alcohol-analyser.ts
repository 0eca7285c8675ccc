// Evidential breath-alcohol analyser (mg/L of breath, 0–3 mg/L): roadside tests, mostly of sober
// drivers, and checks with wet-bath or dry-gas ethanol standards (e.g. 0.250 and 0.800 mg/L).
// The fuel-cell sensor's sensitivity drifts slowly.

import { z } from 'zod';
import { NO_FAULTS, SeqCounter, YEAR_MS, iso, roundTo, runStreams, type EventStream, type InstrumentModel, type ModelEnv, type SimMessage } from './types.ts';

const StandardSchema = z.strictObject({
  /** Ethanol concentration the standard delivers, mg/L. */
  value: z.number().positive(),
  standardId: z.string().min(1),
  /** Expanded uncertainty (k = 2), mg/L. */
  uncertainty: z.number().nonnegative(),
  /** Test point name: no spaces, commas, quotes or = (the gateway tags series with it). */
  point: z.string().regex(/^[^\s,"=\\]{1,64}$/, { message: 'must be 1–64 characters without spaces, commas, quotes, = or \\' }),
});

export const BreathAlcoholParamsSchema = z.strictObject({
  /** Quantity name sent on the wire (must match the instrument-type profile). */
  quantity: z.string().min(1).default('massConcentration'),
  resolution: z.number().positive().default(0.001),
  /** Relative change of sensitivity per year (negative: fuel cells lose response). */
  sensitivityDriftPerYear: z.number().default(-0.005),
  /** Zero offset, mg/L. */
  zeroOffset: z.number().default(0),
  /** Sensor noise: absolute (mg/L) and relative parts. */
  noiseAbsolute: z.number().nonnegative().default(0.002),
  noiseRelative: z.number().nonnegative().default(0.004),
  /** Share of tested drivers with alcohol in their breath. */
  positiveShare: z.number().min(0).max(1).default(0.12),
  standards: z
    .array(StandardSchema)
    .min(1)
    .default([
      { value: 0.25, standardId: 'WB-0250-2025-11', uncertainty: 0.005, point: 'wet-bath-0.250' },
      { value: 0.8, standardId: 'DG-0800-LOT2271', uncertainty: 0.012, point: 'dry-gas-0.800' },
    ]),
  regime: z.enum(['verification', 'inService']).default('inService'),
});
export type BreathAlcoholParams = z.input<typeof BreathAlcoholParamsSchema>;

export function createBreathAlcoholAnalyser(env: ModelEnv, params: BreathAlcoholParams = {}): InstrumentModel {
  const p = BreathAlcoholParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const seq = new SeqCounter();
  const gain = (t: number) => 1 + (p.sensitivityDriftPerYear * (t - env.startMs)) / YEAR_MS;

  const indicate = (trueValue: number, t: number, kind: 'reading' | 'check', channel?: string) => {
    const sigma = Math.hypot(p.noiseAbsolute, p.noiseRelative * trueValue);
    const raw = p.zeroOffset + gain(t) * trueValue + rng.normal(0, sigma);
    const v = faults.distort(raw, t, { kind, channel, noiseSigma: sigma, nominal: trueValue });
    return Math.min(3, Math.max(0, roundTo(v, p.resolution)));
  };

  const tests: EventStream = {
    nextAt: env.startMs + rng.exponential(env.readingIntervalMs),
    following: (t) => t + Math.max(60_000, rng.exponential(env.readingIntervalMs)),
    fire(t): SimMessage[] {
      const trueValue = rng.chance(p.positiveShare) ? rng.uniform(0.05, 1.2) : 0;
      return [
        {
          topic: 'readings',
          at: t,
          payload: { seq: seq.next('readings'), ts: iso(t), quantity: p.quantity, value: indicate(trueValue, t, 'reading'), unit: 'mg/L' },
        },
      ];
    },
  };

  // Each check applies every standard, a few minutes apart.
  const checks: EventStream = {
    nextAt: env.startMs + env.checkIntervalMs,
    following: (t) => t + env.checkIntervalMs,
    fire(t): SimMessage[] {
      return p.standards.map((s, i) => {
        const at = t - (p.standards.length - 1 - i) * 5 * 60_000; // never after t
        return {
          topic: 'checks' as const,
          at,
          payload: {
            seq: seq.next('checks'),
            ts: iso(at),
            indicated: indicate(s.value, at, 'check', s.point),
            reference: s.value,
            referenceUncertainty: s.uncertainty,
            unit: 'mg/L',
            standardId: s.standardId,
            point: s.point,
            regime: p.regime,
          },
        };
      });
    },
  };

  return { type: 'breath-alcohol-analyser', deviceId: env.deviceId, next: (t) => runStreams([tests, checks], t) };
}

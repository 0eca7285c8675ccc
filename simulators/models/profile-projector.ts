// Profile projector (máy phóng hình): lengths of workpiece features measured with the XY stage, and checks
// against a glass stage micrometer (and a gauge block for the longer travel). The stage's scale error grows
// slowly (linear-scale ageing) and its zero wanders, so check errors grow with the reference length: the
// ±(A + L/K) form of its MPE (src/metrology/mpe-length.ts, devices/profile-projector.json).

import { z } from 'zod';
import { NO_FAULTS, SeqCounter, YEAR_MS, iso, roundTo, runStreams, type EventStream, type InstrumentModel, type ModelEnv, type SimMessage } from './types.ts';

const ReferenceLengthSchema = z.strictObject({
  /** Certified length, mm. */
  length: z.number().positive(),
  standardId: z.string().min(1),
  /** Expanded uncertainty (k = 2) of the certified length, mm. */
  uncertainty: z.number().nonnegative(),
  /** Test point name: no spaces, commas, quotes or = (the gateway tags series with it). */
  point: z.string().regex(/^[^\s,"=\\]{1,64}$/),
});

export const ProfileProjectorParamsSchema = z.strictObject({
  /** Display resolution, mm (1 µm). */
  resolution: z.number().positive().default(0.001),
  /** Repeatability (edge detection, stage backlash), mm. */
  noise: z.number().nonnegative().default(0.0005),
  /** Relative scale error of the stage at the start, and its change per year (20e-6: 2 µm per 100 mm a year). */
  scaleError: z.number().default(0),
  scaleDriftPerYear: z.number().default(20e-6),
  /** Zero offset at the start, mm, and its change per year. */
  offset: z.number().default(0),
  offsetDriftPerYear: z.number().default(0.001),
  /** Nominal lengths of the workpiece features measured in production, mm. */
  featureLengths: z.array(z.number().positive()).min(1).default([4.5, 12.7, 25, 38.1]),
  /** Manufacturing spread of the features, mm. */
  featureSpread: z.number().nonnegative().default(0.01),
  references: z
    .array(ReferenceLengthSchema)
    .min(1)
    .default([
      { length: 1, standardId: 'SM-10MM-03', uncertainty: 0.0005, point: 'SM-1mm' },
      { length: 5, standardId: 'SM-10MM-03', uncertainty: 0.0005, point: 'SM-5mm' },
      { length: 10, standardId: 'SM-10MM-03', uncertainty: 0.0006, point: 'SM-10mm' },
      { length: 50, standardId: 'GB-50MM-K1', uncertainty: 0.0003, point: 'GB-50mm' },
    ]),
  regime: z.enum(['verification', 'inService']).default('inService'),
});
export type ProfileProjectorParams = z.input<typeof ProfileProjectorParamsSchema>;

export function createProfileProjector(env: ModelEnv, params: ProfileProjectorParams = {}): InstrumentModel {
  const p = ProfileProjectorParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const seq = new SeqCounter();
  const years = (t: number) => (t - env.startMs) / YEAR_MS;

  const indicate = (length: number, t: number, kind: 'reading' | 'check', channel?: string) => {
    const y = years(t);
    const raw = length * (1 + p.scaleError + p.scaleDriftPerYear * y) + p.offset + p.offsetDriftPerYear * y + rng.normal(0, p.noise);
    return roundTo(faults.distort(raw, t, { kind, channel, noiseSigma: p.noise, nominal: length }), p.resolution);
  };

  const measurements: EventStream = {
    nextAt: env.startMs + rng.exponential(env.readingIntervalMs),
    following: (t) => t + Math.max(10_000, rng.exponential(env.readingIntervalMs)),
    fire(t): SimMessage[] {
      const nominal = rng.pick(p.featureLengths);
      const axis = rng.chance(0.5) ? 'X' : 'Y';
      const value = indicate(nominal + rng.normal(0, p.featureSpread), t, 'reading', axis);
      return [{ topic: 'readings', at: t, payload: { seq: seq.next('readings'), ts: iso(t), quantity: 'length', value, unit: 'mm', axis } }];
    },
  };

  // A check measures each reference in turn, one minute apart, ending at t.
  const checks: EventStream = {
    nextAt: env.startMs + env.checkIntervalMs,
    following: (t) => t + env.checkIntervalMs,
    fire(t): SimMessage[] {
      return p.references.map((r, i) => {
        const at = t - (p.references.length - 1 - i) * 60_000;
        return {
          topic: 'checks' as const,
          at,
          payload: {
            seq: seq.next('checks'),
            ts: iso(at),
            indicated: indicate(r.length, at, 'check', r.point),
            reference: r.length,
            referenceUncertainty: r.uncertainty,
            unit: 'mm',
            standardId: r.standardId,
            point: r.point,
            regime: p.regime,
          },
        };
      });
    },
  };

  return { type: 'profile-projector', deviceId: env.deviceId, next: (t) => runStreams([measurements, checks], t) };
}

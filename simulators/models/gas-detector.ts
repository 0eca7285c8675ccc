// Multi-gas detector (CO, H2S, O2, CH4 as %LEL) with electrochemical / catalytic sensors whose
// sensitivity decays over months; daily bump tests and periodic calibration checks in a docking
// station with certified gas (standardId = cylinder lot and gas, U from the cylinder certificate).

import { z } from 'zod';
import { DAY_MS, NO_FAULTS, SeqCounter, iso, roundTo, runStreams, type EventStream, type InstrumentModel, type ModelEnv, type SimMessage } from './types.ts';

const MONTH_MS = 30.4375 * DAY_MS;

const ChannelSchema = z.strictObject({
  gas: z.string().min(1),
  /** Wire unit: "ppm", "%" (O2 in %vol), "%LEL". */
  unit: z.string().min(1),
  /** True ambient concentration (clean air). */
  ambient: z.number(),
  /** Standard deviation of the true ambient concentration between readings. */
  ambientSd: z.number().nonnegative(),
  /** Sensor noise, standard deviation. */
  noise: z.number().nonnegative(),
  resolution: z.number().positive(),
  /** Fractional loss of sensitivity per month (s(t) = exp(−rate·months)). */
  decayPerMonth: z.number().nonnegative(),
  /** Concentration of the certified gas applied in bump tests and calibration checks. */
  span: z.number(),
  /** Expanded uncertainty (k = 2) of that concentration, from the cylinder certificate. */
  spanUncertainty: z.number().nonnegative(),
  /** Probability per reading of a gas event (leak, exhaust), and its mean extra concentration. */
  eventChance: z.number().min(0).max(1).default(0),
  eventMean: z.number().nonnegative().default(0),
});
export type GasChannel = z.input<typeof ChannelSchema>;

export const DEFAULT_GAS_CHANNELS: GasChannel[] = [
  {
    gas: 'CO',
    unit: 'ppm',
    ambient: 1,
    ambientSd: 0.5,
    noise: 0.5,
    resolution: 1,
    decayPerMonth: 0.002,
    span: 100,
    spanUncertainty: 2,
    eventChance: 0.01,
    eventMean: 25,
  },
  {
    gas: 'H2S',
    unit: 'ppm',
    ambient: 0,
    ambientSd: 0,
    noise: 0.1,
    resolution: 0.1,
    decayPerMonth: 0.002,
    span: 25,
    spanUncertainty: 0.5,
    eventChance: 0.005,
    eventMean: 5,
  },
  { gas: 'O2', unit: '%', ambient: 20.9, ambientSd: 0.05, noise: 0.05, resolution: 0.1, decayPerMonth: 0.0005, span: 18, spanUncertainty: 0.1 },
  {
    gas: 'CH4',
    unit: '%LEL',
    ambient: 0,
    ambientSd: 0,
    noise: 0.5,
    resolution: 1,
    decayPerMonth: 0.001,
    span: 50,
    spanUncertainty: 1,
    eventChance: 0.003,
    eventMean: 10,
  },
];

export const GasDetectorParamsSchema = z.strictObject({
  channels: z
    .array(ChannelSchema)
    .min(1)
    .default(DEFAULT_GAS_CHANNELS.map((c) => ChannelSchema.parse(c))),
  /** Certified gas cylinder: lot; a check's standardId is the lot and its gas, e.g. CYL-4G-2025-0413-CO. */
  cylinderLot: z.string().min(1).default('CYL-4G-2025-0413'),
  /** Days between bump tests (0 = none). */
  bumpEveryDays: z.number().nonnegative().default(1),
  regime: z.enum(['verification', 'inService']).default('inService'),
});
export type GasDetectorParams = z.input<typeof GasDetectorParamsSchema>;

export function createGasDetector(env: ModelEnv, params: GasDetectorParams = {}): InstrumentModel {
  const p = GasDetectorParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const seq = new SeqCounter();

  const sensitivity = (c: z.infer<typeof ChannelSchema>, t: number) => Math.exp((-c.decayPerMonth * Math.max(0, t - env.startMs)) / MONTH_MS);

  const indicate = (c: z.infer<typeof ChannelSchema>, trueValue: number, t: number, kind: 'reading' | 'check') => {
    const raw = sensitivity(c, t) * trueValue + rng.normal(0, c.noise);
    const v = faults.distort(raw, t, { kind, channel: c.gas, noiseSigma: c.noise, nominal: trueValue });
    return Math.max(0, roundTo(v, c.resolution));
  };

  const readings: EventStream = {
    nextAt: env.startMs + env.readingIntervalMs,
    following: (t) => t + env.readingIntervalMs,
    fire(t): SimMessage[] {
      return p.channels.map((c) => {
        let trueValue = c.ambient + rng.normal(0, c.ambientSd);
        if (c.eventChance > 0 && rng.chance(c.eventChance)) trueValue += rng.exponential(c.eventMean);
        return {
          topic: 'readings' as const,
          at: t,
          payload: {
            seq: seq.next('readings'),
            ts: iso(t),
            quantity: 'concentration',
            value: indicate(c, Math.max(0, trueValue), t, 'reading'),
            unit: c.unit,
            gas: c.gas,
          },
        };
      });
    },
  };

  const checks = (t: number, point: 'bump' | 'calibration'): SimMessage[] =>
    p.channels.map((c) => ({
      topic: 'checks' as const,
      at: t,
      payload: {
        seq: seq.next('checks'),
        ts: iso(t),
        indicated: indicate(c, c.span, t, 'check'),
        reference: c.span,
        referenceUncertainty: c.spanUncertainty,
        unit: c.unit,
        // one reference standard per component of the cylinder's mixture (its certified value and U)
        standardId: `${p.cylinderLot}-${c.gas}`,
        gas: c.gas,
        point,
        regime: p.regime,
      },
    }));

  const streams: EventStream[] = [readings];
  if (p.bumpEveryDays > 0) {
    streams.push({
      nextAt: env.startMs + 0.9 * p.bumpEveryDays * DAY_MS, // a little before the shift starts
      following: (t) => t + p.bumpEveryDays * DAY_MS,
      fire: (t) => checks(t, 'bump'),
    });
  }
  streams.push({
    nextAt: env.startMs + env.checkIntervalMs,
    following: (t) => t + env.checkIntervalMs,
    fire: (t) => checks(t, 'calibration'),
  });

  return { type: 'gas-detector', deviceId: env.deviceId, next: (t) => runStreams(streams, t) };
}

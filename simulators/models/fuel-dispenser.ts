// Fuel dispenser (cột đo xăng dầu; healthy within ĐLVN 10's ±0.3 %): customer transactions with per-nozzle
// totalizers, a meter factor that drifts, and proving checks with a 20 L standard measure at
// Qmax and a 5 L measure at the minimum measured quantity (MMQ).

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

const NozzleSchema = z.strictObject({
  id: z.string().min(1),
  product: z.string().min(1),
  /** VND per litre. */
  unitPrice: z.number().positive(),
  /** Totalizer reading at the start of the simulation, litres. */
  totalizer: z.number().nonnegative().default(0),
});

export const FuelDispenserParamsSchema = z.strictObject({
  nozzles: z
    .array(NozzleSchema)
    .min(1)
    .default([
      { id: '1', product: 'RON95-III', unitPrice: 25_000, totalizer: 182_345.67 },
      { id: '2', product: 'E5-RON92', unitPrice: 23_800, totalizer: 97_410.2 },
      { id: '3', product: 'DO-0.05S', unitPrice: 21_600, totalizer: 250_118.45 },
    ]),
  /** Meter factor at the start (indicated / delivered). */
  meterFactor: z.number().positive().default(1),
  /** Relative change of the meter factor per year (wear of the meter). */
  meterFactorDriftPerYear: z.number().default(0.0002),
  /** Repeatability of the meter, relative standard deviation. */
  repeatability: z.number().nonnegative().default(0.0005),
  /** Display resolution, litres. */
  resolution: z.number().positive().default(0.01),
  /** Minimum measured quantity, litres. */
  mmq: z.number().positive().default(5),
  /** Qmax proving measure: nominal volume, id, expanded uncertainty (k = 2), litres. */
  prover: z
    .strictObject({ volume: z.number().positive(), standardId: z.string().min(1), uncertainty: z.number().nonnegative() })
    .default({ volume: 20, standardId: 'PM-20L-07', uncertainty: 0.004 }),
  /** MMQ proving measure. */
  mmqMeasure: z.strictObject({ standardId: z.string().min(1), uncertainty: z.number().nonnegative() }).default({ standardId: 'PM-5L-03', uncertainty: 0.0015 }),
  regime: z.enum(['verification', 'inService']).default('inService'),
  /** Check the MMQ point every n-th proving (1 = every time). */
  mmqEvery: z.number().int().positive().default(1),
  /** Days between retail price adjustments (VN adjusts weekly); 0 = fixed prices. */
  priceChangeEveryDays: z.number().nonnegative().default(7),
  /** Relative standard deviation of a price adjustment. */
  priceChangeSd: z.number().nonnegative().default(0.02),
});
export type FuelDispenserParams = z.input<typeof FuelDispenserParamsSchema>;

/** Preset amounts customers ask for, VND (pay-by-amount is the common way to buy fuel in Vietnam). */
const PRESET_AMOUNTS = [20_000, 30_000, 50_000, 70_000, 100_000, 200_000];

// Long on purpose: the model keeps its state in this closure (nozzles, totalizers, meter factor); its steps are the small functions inside.
export function createFuelDispenser(env: ModelEnv, params: FuelDispenserParams = {}): InstrumentModel {
  const p = FuelDispenserParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const seq = new SeqCounter();
  // Totalizers in centilitres (integers) so continuity is exact.
  const totalizerCl = new Map(p.nozzles.map((n) => [n.id, Math.round(n.totalizer * 100)]));
  const prices = new Map(p.nozzles.map((n) => [n.id, n.unitPrice]));
  let provings = 0;

  const meterFactor = (t: number) => p.meterFactor * (1 + (p.meterFactorDriftPerYear * (t - env.startMs)) / YEAR_MS);

  const transaction: EventStream = {
    nextAt: env.startMs + rng.exponential(env.readingIntervalMs),
    following: (t) => t + Math.max(30_000, rng.exponential(env.readingIntervalMs)),
    fire(t): SimMessage[] {
      const nozzle = rng.pick(p.nozzles);
      const unitPrice = prices.get(nozzle.id)!;
      let delivered: number;
      if (rng.chance(0.65)) delivered = rng.pick(PRESET_AMOUNTS) / unitPrice;
      else delivered = Math.min(80, Math.max(1, rng.normal(28, 14))); // fill-ups and presets by volume
      const sigma = delivered * p.repeatability;
      const raw = delivered * meterFactor(t) + rng.normal(0, sigma);
      const indicated = faults.distort(raw, t, { kind: 'reading', channel: nozzle.id, noiseSigma: sigma, nominal: delivered });
      const value = Math.max(p.resolution, roundTo(indicated, p.resolution));
      const volumeCl = Math.round(value * 100);
      let startCl = totalizerCl.get(nozzle.id)!;
      let endCl = startCl + volumeCl;
      const tamper = faults.active('totalizer-tamper', t);
      if (tamper && rng.chance(Number(tamper.probability ?? 1))) {
        const extraCl = Math.round(Number(tamper.litres ?? 3.5) * 100);
        if (tamper.mode === 'mismatch') {
          endCl += extraCl; // the totalizer moves more than the sale shows
        } else {
          startCl += extraCl; // unrecorded dispensing between sales: a totalizer gap
          endCl += extraCl;
        }
      }
      totalizerCl.set(nozzle.id, endCl);
      const amount = Math.round((volumeCl * unitPrice) / 100);
      return [
        {
          topic: 'readings',
          at: t,
          payload: {
            seq: seq.next('readings'),
            ts: iso(t),
            quantity: 'volume',
            value,
            unit: 'L',
            nozzle: nozzle.id,
            product: nozzle.product,
            unitPrice,
            amount,
            totalizerStart: startCl / 100,
            totalizerEnd: endCl / 100,
          },
        },
      ];
    },
  };

  const check = (t: number, point: 'Qmax' | 'MMQ'): SimMessage => {
    const reference = point === 'Qmax' ? p.prover.volume : p.mmq;
    const sigma = reference * p.repeatability;
    const nozzle = p.nozzles[(provings - (point === 'Qmax' ? 1 : 0) + p.nozzles.length) % p.nozzles.length];
    const raw = reference * meterFactor(t) + rng.normal(0, sigma);
    const indicated = faults.distort(raw, t, { kind: 'check', channel: nozzle.id, noiseSigma: sigma, nominal: reference });
    return {
      topic: 'checks',
      at: t,
      payload: {
        seq: seq.next('checks'),
        ts: iso(t),
        indicated: roundTo(indicated, p.resolution),
        reference,
        referenceUncertainty: point === 'Qmax' ? p.prover.uncertainty : p.mmqMeasure.uncertainty,
        unit: 'L',
        standardId: point === 'Qmax' ? p.prover.standardId : p.mmqMeasure.standardId,
        point,
        regime: p.regime,
        nozzle: nozzle.id,
      },
    };
  };

  const proving: EventStream = {
    nextAt: env.startMs + env.checkIntervalMs,
    following: (t) => t + env.checkIntervalMs,
    fire(t) {
      provings++;
      return [check(t, 'Qmax')];
    },
  };
  // The MMQ test follows the Qmax test a quarter of an hour later, every mmqEvery-th proving.
  const mmqProving: EventStream = {
    nextAt: env.startMs + p.mmqEvery * env.checkIntervalMs + 15 * 60_000,
    following: (t) => t + p.mmqEvery * env.checkIntervalMs,
    fire: (t) => [check(t, 'MMQ')],
  };

  const streams: EventStream[] = [transaction, proving, mmqProving];
  if (p.priceChangeEveryDays > 0) {
    streams.push({
      nextAt: env.startMs + p.priceChangeEveryDays * DAY_MS,
      following: (t) => t + p.priceChangeEveryDays * DAY_MS,
      fire() {
        for (const [id, price] of prices) prices.set(id, Math.max(1000, roundTo(price * (1 + rng.normal(0, p.priceChangeSd)), 10)));
        return [];
      },
    });
  }

  return {
    type: 'fuel-dispenser',
    deviceId: env.deviceId,
    next: (simTimeMs) => runStreams(streams, simTimeMs),
  };
}

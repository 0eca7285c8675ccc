// A filling line with a checkweigher at its end (pre-packaged goods, OIML R87): the filler aims at Qn plus an
// overfill; its mean sinks and its spread widens as the shift goes on (valve wear, product temperature), with
// a short-term wander, until the operator re-centres it. The checkweigher weighs every package and publishes a
// random share of them on `instruments/{id}/packages` as {seq, ts, lot, net | gross, unit} (docs/contract.md §2).
// A lot is one hour's output by default: at the end of the packing line the batch is the line's maximum hourly
// output (Directive 76/211/EEC Annex II 2.1.2).
//
// In the fleet runner as the `checkweigher` type: the runner declares the line's lots (POST /api/v1/lots)
// before the run, which is why a fleet's checkweigher gives `lots`, the number of lots the line runs.

import { z } from 'zod';
import { NO_FAULTS, iso, roundTo, type ModelEnv } from './types.ts';

const HOUR_MS = 3_600_000;

export const FillingLineParamsSchema = z.strictObject({
  /** Nominal quantity Qn; every mass below is in `unit` too. */
  nominal: z.number().positive().default(500),
  unit: z.enum(['g', 'kg']).default('g'),
  /** The filler's target above Qn at the start of a shift. */
  overfill: z.number().default(2),
  /** Fill standard deviation at the start of a shift. */
  fillSd: z.number().positive().default(3),
  /** Change of the fill mean per hour since the last re-centring (negative: the line underfills more and more). */
  meanDriftPerHour: z.number().default(-0.5),
  /** Relative growth of the spread per hour since the last re-centring (0.05: +5 % an hour). */
  spreadGrowthPerHour: z.number().min(0).default(0.05),
  /** Short-term wander of the mean: AR(1) with this step standard deviation and memory per package. */
  wanderSd: z.number().nonnegative().default(0.05),
  wanderMemory: z.number().min(0).max(0.9999).default(0.995),
  /** The operator re-centres the filler (mean and spread back to their start values) every this many hours. */
  adjustEveryHours: z.number().positive().default(8),
  packagesPerMinute: z.number().positive().default(30),
  /** Packages per lot (30 a minute for an hour: 1800). */
  lotSize: z.number().int().positive().default(1800),
  /** Lot ids are `{lotPrefix}-0001`, … (a lot id of the API: letters, digits, _ and -). */
  lotPrefix: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/, 'must be letters, digits, _ and - (at most 41), starting with a letter or digit')
    .default('LOT'),
  /** Lots the line runs, then it stops; absent: it runs on. */
  lots: z.number().int().positive().optional(),
  /** What is packed: the lots' `product` when the fleet runner declares them. */
  product: z.string().min(1).max(128).default('Prepackaged product'),
  /** Share of the packages published, drawn at random: the inspection sample. */
  publishShare: z.number().min(0).max(1).default(0.1),
  /** What the checkweigher reports: net (it subtracts a preset tare) or gross (container included). */
  weighing: z.enum(['net', 'gross']).default('net'),
  /** Container mass: mean and standard deviation (gross weighing). */
  tareMean: z.number().nonnegative().default(12.4),
  tareSd: z.number().nonnegative().default(0.3),
  /** Scale division the weights are rounded to. */
  resolution: z.number().positive().default(0.1),
});
export type FillingLineParams = z.input<typeof FillingLineParamsSchema>;
type Params = z.infer<typeof FillingLineParamsSchema>;

export interface PackageMessage {
  topic: 'packages';
  /** {seq, ts, lot, net | gross, unit}. */
  payload: Record<string, unknown>;
  /** Simulated time the package passed the checkweigher (ms). */
  at: number;
}

export interface FillingLineModel {
  readonly type: 'checkweigher';
  readonly deviceId: string;
  /** Every published package in (previous call, simTimeMs], in time order. Never goes back in time. */
  next(simTimeMs: number): PackageMessage[];
}

/** The filler's mean (without the short-term wander) and spread at `tMs`: the drift the model is built on. */
export function fillingLineDrift(params: FillingLineParams, startMs: number, tMs: number): { mean: number; sd: number } {
  const p = FillingLineParamsSchema.parse(params);
  return driftAt(p, startMs, tMs);
}

function driftAt(p: Params, startMs: number, tMs: number): { mean: number; sd: number } {
  const sinceAdjust = ((tMs - startMs) / HOUR_MS) % p.adjustEveryHours;
  return {
    mean: p.nominal + p.overfill + p.meanDriftPerHour * sinceAdjust,
    sd: p.fillSd * (1 + p.spreadGrowthPerHour * sinceAdjust),
  };
}

export function lotId(prefix: string, lot: number): string {
  return `${prefix}-${String(lot).padStart(4, '0')}`;
}

/**
 * A filling line starting at env.startMs. Every package draws the same random numbers whether published or
 * not, so the output does not depend on how simulated time is cut into calls. env.readingIntervalMs and
 * env.checkIntervalMs are not used (the pace is packagesPerMinute).
 */
export function createFillingLine(env: ModelEnv, params: FillingLineParams = {}): FillingLineModel {
  const p = FillingLineParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const intervalMs = 60_000 / p.packagesPerMinute;
  let index = 0; // packages passed so far; package i (0-based) belongs to lot floor(i / lotSize) + 1
  let seq = 0;
  let wander = 0;

  return {
    type: 'checkweigher',
    deviceId: env.deviceId,
    next(simTimeMs: number): PackageMessage[] {
      const out: PackageMessage[] = [];
      for (;;) {
        const at = env.startMs + (index + 1) * intervalMs;
        if (at > simTimeMs) return out;
        const lot = Math.floor(index / p.lotSize) + 1;
        if (p.lots !== undefined && lot > p.lots) return out; // the run is over
        index++;
        const { mean, sd } = driftAt(p, env.startMs, at);
        wander = p.wanderMemory * wander + rng.normal(0, p.wanderSd);
        const net = rng.normal(mean + wander, sd);
        const tare = rng.normal(p.tareMean, p.tareSd);
        const published = rng.chance(p.publishShare);
        if (!published) continue;
        const shown = faults.distort(p.weighing === 'net' ? net : net + tare, at, { kind: 'reading', noiseSigma: sd, nominal: p.nominal });
        const payload: Record<string, unknown> = { seq: ++seq, ts: iso(at), lot: lotId(p.lotPrefix, lot), unit: p.unit };
        payload[p.weighing] = roundTo(shown, p.resolution);
        out.push({ topic: 'packages', at, payload });
      }
    },
  };
}

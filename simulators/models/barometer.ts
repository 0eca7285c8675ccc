// Station barometer (e.g. Vaisala PTB330 class): pressure in hPa with 0.01 hPa resolution.
// True station pressure = mean for the elevation + synoptic variation (a few travelling systems,
// periods of days) + semi-diurnal atmospheric tide (S2, maxima near 10:00 and 22:00 local solar time)
// + a smaller diurnal tide (S1). The instrument drifts 0.1–1 hPa/yr; checks compare it with a
// reference (travelling standard) barometer.

import { z } from 'zod';
import { NO_FAULTS, SeqCounter, YEAR_MS, iso, roundTo, runStreams, type EventStream, type InstrumentModel, type ModelEnv, type SimMessage } from './types.ts';

const HOUR_MS = 3_600_000;

export const BarometerParamsSchema = z.strictObject({
  /** Station elevation, metres (sets the mean pressure). */
  elevation: z.number().min(-100).max(4000).default(12),
  /** Longitude, degrees east (sets local solar time for the tides; Hà Nội 105.8). */
  longitude: z.number().min(-180).max(180).default(105.8),
  /** Amplitude of the semi-diurnal tide S2, hPa (≈1.2 hPa in the tropics). */
  s2Amplitude: z.number().nonnegative().default(1.2),
  /** Amplitude of the diurnal tide S1, hPa. */
  s1Amplitude: z.number().nonnegative().default(0.5),
  /** Total amplitude of synoptic variation, hPa. */
  synopticAmplitude: z.number().nonnegative().default(6),
  resolution: z.number().positive().default(0.01),
  /** Sensor noise, hPa (standard deviation). */
  noise: z.number().nonnegative().default(0.03),
  /** Offset at the start of the simulation, hPa. */
  offset: z.number().default(0),
  /** Drift, hPa per year. */
  driftPerYear: z.number().default(0.05),
  reference: z
    .strictObject({ standardId: z.string().min(1), uncertainty: z.number().nonnegative(), noise: z.number().nonnegative() })
    .default({ standardId: 'REF-PTB330-TS-02', uncertainty: 0.1, noise: 0.03 }),
  regime: z.enum(['verification', 'inService']).default('inService'),
});
export type BarometerParams = z.input<typeof BarometerParamsSchema>;

interface Wave {
  amplitude: number;
  periodMs: number;
  phase: number;
}

/** The barometer's true-pressure function, exported for tests: deterministic in t once built. */
export function stationPressureModel(p: z.infer<typeof BarometerParamsSchema>, waves: Wave[]): (t: number) => number {
  const mean = 1013.25 * Math.exp(-p.elevation / 8434);
  return (t: number) => {
    const solarHours = (((t / HOUR_MS + p.longitude / 15) % 24) + 24) % 24;
    const s2 = p.s2Amplitude * Math.cos((2 * Math.PI * (solarHours - 10)) / 12);
    const s1 = p.s1Amplitude * Math.cos((2 * Math.PI * (solarHours - 6)) / 24);
    let synoptic = 0;
    for (const w of waves) synoptic += w.amplitude * Math.sin((2 * Math.PI * t) / w.periodMs + w.phase);
    return Math.min(1100, Math.max(500, mean + s2 + s1 + synoptic));
  };
}

export function createBarometer(env: ModelEnv, params: BarometerParams = {}): InstrumentModel {
  const p = BarometerParamsSchema.parse(params);
  const rng = env.rng;
  const faults = env.faults ?? NO_FAULTS;
  const seq = new SeqCounter();
  // Synoptic systems: three waves with periods of 3–9 days sharing the amplitude.
  const waves: Wave[] = [0.5, 0.3, 0.2].map((share) => ({
    amplitude: share * p.synopticAmplitude,
    periodMs: rng.uniform(3, 9) * 24 * HOUR_MS,
    phase: rng.uniform(0, 2 * Math.PI),
  }));
  const truePressure = stationPressureModel(p, waves);
  const offset = (t: number) => p.offset + (p.driftPerYear * (t - env.startMs)) / YEAR_MS;

  const indicate = (t: number, kind: 'reading' | 'check') => {
    const truth = truePressure(t);
    const raw = truth + offset(t) + rng.normal(0, p.noise);
    return { truth, value: roundTo(faults.distort(raw, t, { kind, noiseSigma: p.noise, nominal: truth }), p.resolution) };
  };

  const readings: EventStream = {
    nextAt: env.startMs + env.readingIntervalMs,
    following: (t) => t + env.readingIntervalMs,
    fire(t): SimMessage[] {
      return [
        {
          topic: 'readings',
          at: t,
          payload: { seq: seq.next('readings'), ts: iso(t), quantity: 'pressure', value: indicate(t, 'reading').value, unit: 'hPa' },
        },
      ];
    },
  };

  const checks: EventStream = {
    nextAt: env.startMs + env.checkIntervalMs,
    following: (t) => t + env.checkIntervalMs,
    fire(t): SimMessage[] {
      const { truth, value } = indicate(t, 'check');
      return [
        {
          topic: 'checks',
          at: t,
          payload: {
            seq: seq.next('checks'),
            ts: iso(t),
            indicated: value,
            reference: roundTo(truth + rng.normal(0, p.reference.noise), p.resolution),
            referenceUncertainty: p.reference.uncertainty,
            unit: 'hPa',
            standardId: p.reference.standardId,
            regime: p.regime,
          },
        },
      ];
    },
  };

  return { type: 'barometer', deviceId: env.deviceId, next: (t) => runStreams([readings, checks], t) };
}

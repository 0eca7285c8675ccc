import { DeviceFaults, type FaultSpecInput } from './faults.ts';
import { MODELS } from './models/index.ts';
import type { InstrumentModel, InstrumentType, SimMessage } from './models/types.ts';
import { createRng, deriveSeed } from './prng.ts';

export const DAY = 86_400_000;
export const START = Date.UTC(2026, 0, 1);

export function build(
  type: InstrumentType,
  o: { seed?: number; params?: Record<string, unknown>; faults?: FaultSpecInput[]; readingMs?: number; checkMs?: number } = {},
): { model: InstrumentModel; faults: DeviceFaults } {
  const seed = o.seed ?? 1;
  const faults = new DeviceFaults(o.faults ?? [], START, createRng(deriveSeed(seed, 'faults')));
  const model = MODELS[type].create(
    { deviceId: 'dev-1', startMs: START, rng: createRng(seed), readingIntervalMs: o.readingMs ?? 3_600_000, checkIntervalMs: o.checkMs ?? 2 * DAY, faults },
    o.params ?? {},
  );
  return { model, faults };
}

export const payloads = (ms: SimMessage[], topic: SimMessage['topic']) => ms.filter((m) => m.topic === topic).map((m) => m.payload as Record<string, any>);

/** Least-squares slope and intercept of y on x. */
export function fitLine(x: number[], y: number[]): { slope: number; intercept: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export const days = (ts: string) => (Date.parse(ts) - START) / DAY;

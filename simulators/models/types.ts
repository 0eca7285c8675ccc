// Shapes shared by every instrument model. A model is a pure state machine over simulated time:
// `next(simTimeMs)` returns, in time order, every message due since the previous call.

import type { Rng } from '../prng.ts';

export const INSTRUMENT_TYPES = [
  'fuel-dispenser',
  'gas-detector',
  'breath-alcohol-analyser',
  'barometer',
  'scale',
  'profile-projector',
  'checkweigher',
  'water-meter',
] as const;
export type InstrumentType = (typeof INSTRUMENT_TYPES)[number];

/** The MQTT topic under `instruments/{deviceId}/` a message goes to. */
export type TopicSuffix = 'readings' | 'checks' | 'packages' | 'status';

export interface SimMessage {
  topic: TopicSuffix;
  /** The JSON payload (docs/contract.md §2). */
  payload: Record<string, unknown>;
  /** When set, sent instead of JSON.stringify(payload): a malformed-payload fault. */
  raw?: string;
  /** Simulated time the message was generated at (ms); the payload's `ts` may differ under clock skew. */
  at: number;
}

/** What a fault needs to know about the indication it may distort. */
export interface IndicationContext {
  kind: 'reading' | 'check';
  /** Channel within the device: the gas for a gas detector, the nozzle for a dispenser. */
  channel?: string;
  /** The model's own noise (standard deviation, canonical unit) for this indication. */
  noiseSigma: number;
  /** Magnitude the indication is about (for relative faults): the reference in a check, the true value in a reading. */
  nominal: number;
}

/** The faults seen from inside a model: distort indications, and ask whether a model-specific fault is active. */
export interface ModelFaults {
  distort(value: number, t: number, ctx: IndicationContext): number;
  /** The active fault of that kind at t, if any (e.g. `totalizer-tamper` for a fuel dispenser). */
  active(kind: string, t: number): Record<string, unknown> | undefined;
}

export const NO_FAULTS: ModelFaults = {
  distort: (v) => v,
  active: () => undefined,
};

/** Everything a model is constructed with, besides its type-specific parameters. */
export interface ModelEnv {
  deviceId: string;
  /** Simulated time the instrument's life starts (ms since epoch); the first events come after it. */
  startMs: number;
  rng: Rng;
  /** Mean interval between readings (simulated ms). */
  readingIntervalMs: number;
  /** Interval between checks against a reference standard (simulated ms). */
  checkIntervalMs: number;
  faults?: ModelFaults;
}

export interface InstrumentModel {
  readonly type: InstrumentType;
  readonly deviceId: string;
  /** Every message due in (previous call, simTimeMs], in time order. Never goes back in time. */
  next(simTimeMs: number): SimMessage[];
}

export const DAY_MS = 86_400_000;
export const YEAR_MS = 365.25 * DAY_MS;

/** Round to a resolution (e.g. 0.01), without binary noise in the printed value. */
export function roundTo(value: number, resolution: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(resolution) - 1e-9));
  const q = Math.round(value / resolution) * resolution;
  return Number(q.toFixed(decimals));
}

/** One recurring kind of event of a model (readings, checks, bump tests …). */
export interface EventStream {
  nextAt: number;
  /** Produce the messages of the event at time t. */
  fire(t: number): SimMessage[];
  /** Time of the following event, given the one just fired. */
  following(t: number): number;
}

/**
 * Fire every stream event due up to `until`, earliest first (ties: array order), so the
 * result — and the random draws — do not depend on how simulated time was cut into calls.
 */
export function runStreams(streams: EventStream[], until: number): SimMessage[] {
  const out: SimMessage[] = [];
  for (;;) {
    let best: EventStream | undefined;
    for (const s of streams) if (s.nextAt <= until && (!best || s.nextAt < best.nextAt)) best = s;
    if (!best) return out;
    const t = best.nextAt;
    out.push(...best.fire(t));
    const n = best.following(t);
    best.nextAt = n > t ? n : t + 1;
  }
}

/** Per-topic sequence counters (CONTRACT: seq increases per device; readings and checks count separately). */
export class SeqCounter {
  private readonly counters = new Map<TopicSuffix, number>();
  next(topic: TopicSuffix): number {
    const n = (this.counters.get(topic) ?? 0) + 1;
    this.counters.set(topic, n);
    return n;
  }
}

export function iso(t: number): string {
  return new Date(t).toISOString();
}

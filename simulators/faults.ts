// Fault injection: what goes wrong with instruments and their connections, starting at chosen
// simulated times. Faults are data (validated by FaultSpecSchema); `DeviceFaults` applies them to
// one device — indication faults inside the model (via ModelFaults.distort), message faults on the
// way out (transform), connection faults in the runner (isOffline), registration faults in the fleet
// runner (expired verification). An adjustment ends the drift and step faults before it (distort) and
// marks the checks it applies to (transform).

import { z } from 'zod';
import type { Rng } from './prng.ts';
import { DAY_MS, iso, type IndicationContext, type ModelFaults, type SimMessage } from './models/types.ts';

/** When a fault is active: from `afterDays` after the simulation start, for `forDays` (default: to the end). */
const windowShape = {
  afterDays: z.number().nonnegative().default(0),
  forDays: z.number().positive().optional(),
};
/** Restrict an indication fault to one channel (gas of a gas detector, nozzle of a dispenser, test point of a scale). */
const channelShape = { channel: z.string().min(1).optional() };
const probability = z.number().min(0).max(1);

export const FaultSpecSchema = z.discriminatedUnion('kind', [
  /** Linear drift of the indication: ratePerDay (canonical unit per day) and/or relativePerDay (fraction of the value per day). */
  z.strictObject({ kind: z.literal('drift'), ...windowShape, ...channelShape, ratePerDay: z.number().default(0), relativePerDay: z.number().default(0) }),
  /** Step bias: a constant offset (canonical unit) and/or relative error added from afterDays. */
  z.strictObject({ kind: z.literal('step'), ...windowShape, ...channelShape, offset: z.number().default(0), relative: z.number().default(0) }),
  /** The indication freezes at its last value. */
  z.strictObject({ kind: z.literal('stuck'), ...windowShape, ...channelShape }),
  /** More noise: the model's noise times `factor`, plus `sd` (canonical unit). */
  z.strictObject({ kind: z.literal('noise'), ...windowShape, ...channelShape, factor: z.number().min(1).default(5), sd: z.number().nonnegative().default(0) }),
  /** Occasional spikes of ±magnitude (canonical unit) with the given probability per indication. */
  z.strictObject({ kind: z.literal('spikes'), ...windowShape, ...channelShape, probability: probability.default(0.05), magnitude: z.number().positive() }),
  /** Messages lost (never sent) with the given probability. */
  z.strictObject({ kind: z.literal('dropout'), ...windowShape, probability: probability.default(1) }),
  /** The device goes offline: its connection drops without DISCONNECT (the broker publishes its last will) and nothing is sent. */
  z.strictObject({ kind: z.literal('offline'), ...windowShape }),
  /** The device clock runs off by offsetSeconds: payload `ts` shifted (positive = ahead; beyond +300 s the gateway rejects). */
  z.strictObject({ kind: z.literal('clock-skew'), ...windowShape, offsetSeconds: z.number() }),
  /** Messages sent twice (same seq) with the given probability. */
  z.strictObject({ kind: z.literal('duplicate'), ...windowShape, probability: probability.default(0.1) }),
  /** Every `everyDays`, the last `count` messages are sent again (same seq, same payload). */
  z.strictObject({ kind: z.literal('replay'), ...windowShape, count: z.number().int().positive().default(10), everyDays: z.number().positive().default(1) }),
  /** Payloads broken with the given probability: `json` (truncated, not JSON), `schema` (JSON that fails validation) or `mixed`. */
  z.strictObject({
    kind: z.literal('malformed'),
    ...windowShape,
    probability: probability.default(0.05),
    style: z.enum(['json', 'schema', 'mixed']).default('mixed'),
  }),
  /** Fuel dispenser: the totalizer does not follow the sales. `gap`: it jumps between sales; `mismatch`: it moves more than the sale. */
  z.strictObject({
    kind: z.literal('totalizer-tamper'),
    ...windowShape,
    mode: z.enum(['gap', 'mismatch']).default('gap'),
    litres: z.number().positive().default(3.5),
    probability: probability.default(0.25),
  }),
  /**
   * A technician adjusts the instrument at its first check at or after afterDays (of `channel`, else any): that
   * check shows the error as found and carries `adjusted: true`, as does the first later check of every other
   * series (gas, point, regime) of the channel; drift and step faults begun before it stop (a drift starts again from 0).
   */
  z.strictObject({ kind: z.literal('adjustment'), afterDays: z.number().nonnegative().default(0), ...channelShape }),
  /** Registration: the verification certificate's validUntil lies `expiredDaysAgo` days before real now (default: half the simulated span). */
  z.strictObject({ kind: z.literal('expired-verification'), expiredDaysAgo: z.number().nonnegative().optional() }),
]);
export type FaultSpec = z.infer<typeof FaultSpecSchema>;
export type FaultSpecInput = z.input<typeof FaultSpecSchema>;
export type FaultKind = FaultSpec['kind'];
export const FAULT_KINDS = FaultSpecSchema.options.map((o) => o.shape.kind.value) as FaultKind[];

interface Timed {
  spec: FaultSpec;
  from: number;
  until: number;
}

export interface FaultCounters {
  dropped: number;
  duplicated: number;
  replayed: number;
  malformed: number;
  skewed: number;
}

/** The faults of one device over its simulated life. Stateful (stuck values, replay buffer), deterministic for a seed. */
export class DeviceFaults implements ModelFaults {
  private readonly timed: Timed[];
  private readonly lastValue = new Map<string, number>();
  private readonly history: SimMessage[] = [];
  private readonly nextReplay = new Map<Timed, number>();
  /** Adjustment faults that happened: when (the as-found check's time), and the series marked since. */
  private readonly adjusted = new Map<Timed, { at: number; marked: Set<string> }>();
  readonly counters: FaultCounters = { dropped: 0, duplicated: 0, replayed: 0, malformed: 0, skewed: 0 };

  constructor(
    specs: readonly FaultSpecInput[],
    private readonly startMs: number,
    private readonly rng: Rng,
  ) {
    this.timed = specs.map((s) => {
      const spec = FaultSpecSchema.parse(s);
      const after = 'afterDays' in spec ? spec.afterDays : 0;
      const forDays = 'forDays' in spec ? spec.forDays : undefined;
      const from = startMs + after * DAY_MS;
      return { spec, from, until: forDays === undefined ? Infinity : from + forDays * DAY_MS };
    });
    for (const t of this.timed) if (t.spec.kind === 'replay') this.nextReplay.set(t, t.from + t.spec.everyDays * DAY_MS);
  }

  get specs(): FaultSpec[] {
    return this.timed.map((t) => t.spec);
  }

  private activeAt(t: number, channel?: string): Timed[] {
    return this.timed.filter((f) => t >= f.from && t < f.until && (!('channel' in f.spec) || f.spec.channel === undefined || f.spec.channel === channel));
  }

  active(kind: string, t: number): Record<string, unknown> | undefined {
    return this.activeAt(t).find((f) => f.spec.kind === kind)?.spec;
  }

  has(kind: FaultKind): boolean {
    return this.timed.some((f) => f.spec.kind === kind);
  }

  /** True while an `offline` fault holds the device disconnected. */
  isOffline(t: number): boolean {
    return this.activeAt(t).some((f) => f.spec.kind === 'offline');
  }

  /** The expired-verification fault, if the device has one. */
  expiredVerification(): Extract<FaultSpec, { kind: 'expired-verification' }> | undefined {
    return this.specs.find((s): s is Extract<FaultSpec, { kind: 'expired-verification' }> => s.kind === 'expired-verification');
  }

  /** The latest adjustment of this channel before t that came after a fault began at `from` (undefined: none). */
  private adjustedSince(from: number, t: number, channel?: string): number | undefined {
    let latest: number | undefined;
    for (const [f, a] of this.adjusted) {
      const c = f.spec.kind === 'adjustment' ? f.spec.channel : undefined;
      if ((c === undefined || c === channel) && a.at >= from && a.at < t && (latest === undefined || a.at > latest)) latest = a.at;
    }
    return latest;
  }

  distort(value: number, t: number, ctx: IndicationContext): number {
    let v = value;
    let stuck = false;
    const active = this.activeAt(t, ctx.channel);
    // The first check at or after an adjustment's time is the one it happens at (indicating as found).
    if (ctx.kind === 'check')
      for (const f of active) if (f.spec.kind === 'adjustment' && !this.adjusted.has(f)) this.adjusted.set(f, { at: t, marked: new Set() });
    for (const f of active) {
      const s = f.spec;
      const since = s.kind === 'drift' || s.kind === 'step' ? this.adjustedSince(f.from, t, ctx.channel) : undefined;
      const days = (t - (since ?? f.from)) / DAY_MS;
      switch (s.kind) {
        case 'drift':
          v += s.ratePerDay * days + s.relativePerDay * days * ctx.nominal;
          break;
        case 'step':
          if (since === undefined) v += s.offset + s.relative * ctx.nominal;
          break;
        case 'noise': {
          const extra = Math.sqrt(Math.max(0, s.factor * s.factor - 1)) * ctx.noiseSigma;
          v += this.rng.normal(0, Math.hypot(extra, s.sd));
          break;
        }
        case 'spikes':
          if (this.rng.chance(s.probability)) v += (this.rng.chance(0.5) ? 1 : -1) * s.magnitude;
          break;
        case 'stuck':
          stuck = true;
          break;
        default:
          break;
      }
    }
    const key = ctx.channel ?? '';
    if (stuck && this.lastValue.has(key)) return this.lastValue.get(key)!;
    this.lastValue.set(key, v);
    return v;
  }

  /**
   * Message faults, applied in time order to what the model produced: offline and dropout lose
   * messages, clock skew shifts `ts`, malformed breaks payloads, duplicate and replay resend
   * messages with their original seq.
   */
  transform(messages: readonly SimMessage[]): SimMessage[] {
    const out: SimMessage[] = [];
    for (const m of messages) {
      this.emitReplays(m.at, out);
      const active = this.activeAt(m.at);
      if (active.some((f) => f.spec.kind === 'offline' || (f.spec.kind === 'dropout' && this.rng.chance(f.spec.probability)))) {
        this.counters.dropped++;
        continue;
      }
      let msg = this.markAdjusted(m);
      for (const f of active) {
        const s = f.spec;
        if (s.kind === 'clock-skew' && typeof msg.payload.ts === 'string') {
          msg = { ...msg, payload: { ...msg.payload, ts: iso(msg.at + s.offsetSeconds * 1000) } };
          this.counters.skewed++;
        }
      }
      for (const f of active) {
        const s = f.spec;
        if (s.kind === 'malformed' && this.rng.chance(s.probability)) {
          msg = this.malform(msg, s.style);
          this.counters.malformed++;
        }
      }
      out.push(msg);
      this.remember(msg);
      for (const f of active) {
        if (f.spec.kind === 'duplicate' && this.rng.chance(f.spec.probability)) {
          out.push(msg);
          this.counters.duplicated++;
        }
      }
    }
    return out;
  }

  /** `adjusted: true` on the first check of each series of the channel at or after an adjustment. */
  private markAdjusted(m: SimMessage): SimMessage {
    if (m.topic !== 'checks' || this.adjusted.size === 0) return m;
    const p = m.payload;
    const channel = String(p.gas ?? p.nozzle ?? p.point ?? '');
    const series = `${String(p.gas ?? '')}|${String(p.point ?? '')}|${String(p.regime ?? '')}`;
    for (const [f, a] of this.adjusted) {
      const c = f.spec.kind === 'adjustment' ? f.spec.channel : undefined;
      if (m.at < a.at || (c !== undefined && c !== channel) || a.marked.has(series)) continue;
      a.marked.add(series);
      return { ...m, payload: { ...p, adjusted: true } };
    }
    return m;
  }

  /** Replays due up to t that no message triggered (call with the simulated now). */
  flushReplays(t: number): SimMessage[] {
    const out: SimMessage[] = [];
    this.emitReplays(t, out);
    return out;
  }

  private emitReplays(t: number, out: SimMessage[]): void {
    for (const [f, due] of this.nextReplay) {
      if (f.spec.kind !== 'replay') continue;
      let next = due;
      while (next <= t && next < f.until) {
        const batch = this.history.slice(-f.spec.count);
        out.push(...batch);
        this.counters.replayed += batch.length;
        next += f.spec.everyDays * DAY_MS;
      }
      this.nextReplay.set(f, next);
    }
  }

  private remember(m: SimMessage): void {
    if (m.topic === 'status' || m.raw !== undefined) return;
    this.history.push(m);
    if (this.history.length > 1000) this.history.splice(0, this.history.length - 1000);
  }

  private malform(m: SimMessage, style: 'json' | 'schema' | 'mixed'): SimMessage {
    const useJson = style === 'json' || (style === 'mixed' && this.rng.chance(0.5));
    if (useJson) {
      const text = JSON.stringify(m.payload);
      return { ...m, raw: text.slice(0, Math.max(1, Math.floor(text.length * this.rng.uniform(0.3, 0.9)))) };
    }
    // Valid JSON that fails validation: the number sent as text, and the timestamp garbled.
    const payload = { ...m.payload };
    if ('value' in payload) payload.value = `${String(payload.value)} ${String(payload.unit ?? '')}`.trim();
    if ('indicated' in payload) payload.indicated = String(payload.indicated);
    payload.ts = 'yesterday';
    return { ...m, payload };
  }
}

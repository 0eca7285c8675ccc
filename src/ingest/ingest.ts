// One MQTT message → validated, enriched records: points for the journal, plus the check
// results, reading statuses, transaction findings and rejections the assurance state needs.
// Synchronous and free of I/O: the caller journals the points and applies the effects.
import { z } from 'zod';
import type { Point } from '../sinks/sink.ts';
import { seriesKey } from '../sinks/line-protocol.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { CheckResult, FieldError, ReadingStatus } from '../metrology/types.ts';
import { evaluateCheck, evaluateReading, auditTransaction } from '../metrology/index.ts';
import type { Device, StoredCertificate } from '../store/registry.ts';
import { CheckSchema, ReadingSchema, SenmlPackSchema, TransactionFieldsSchema, formatIssues, plainReading, type ReadingPayload } from './payloads.ts';
import { plainReadingFromBytes } from './plain-reading-bytes.ts';

export type MessageKind = 'readings' | 'checks' | 'senml';

export interface Rejection {
  seq?: number;
  errors: FieldError[];
}

export interface AcceptedReading {
  seq: number;
  ts: number;
  quantity: string;
  value: number;
  raw: number;
  unit: string;
  status: ReadingStatus;
  tags: Record<string, string>;
}

export interface TransactionFinding {
  seq: number;
  ts: number;
  nozzle: string;
  kind: 'tamper' | 'price';
  message: string;
  details: Record<string, unknown>;
}

export interface IngestResult {
  points: Point[];
  readings: AcceptedReading[];
  checks: CheckResult[];
  findings: TransactionFinding[];
  rejections: Rejection[];
}

export interface IngestContext {
  profile(type: string): InstrumentProfile | undefined;
  certificates(device: string): readonly StoredCertificate[];
  /** Last totalizerEnd of a nozzle, from memory or the store. */
  lastTotalizer(device: string, nozzle: string): number | undefined;
}

export interface IngestOptions {
  futureToleranceMs: number;
  maxBatchReadings: number;
}

/** Series keys kept per device (one per quantity and tag values: nozzles × products of a dispenser; cleared when full). */
const MAX_SERIES_PER_DEVICE = 1000;

const BatchSchema = z.object({ readings: z.array(z.unknown()) });

export class Ingest {
  /** device|quantity|channel → last accepted reading (plausibility of rate of change). */
  private previous = new Map<string, { ts: number; value: number }>();
  /** device|nozzle → last totalizerEnd seen in this process. */
  private totalizers = new Map<string, number>();

  /** Series key (`reading,device=…,…`) by device, then quantity and tag values; null when line protocol cannot carry them. */
  private series = new WeakMap<Device, Map<string, string | null>>();

  constructor(
    private readonly ctx: IngestContext,
    private readonly opts: IngestOptions,
  ) {}

  handle(device: Device, kind: MessageKind, payload: Buffer | string, receivedAt: number): IngestResult {
    const out: IngestResult = { points: [], readings: [], checks: [], findings: [], rejections: [] };
    const profile = this.ctx.profile(device.type);
    if (!profile) {
      out.rejections.push({ errors: [{ path: '(device)', message: `instrument type ${device.type} has no profile in devices/` }] });
      return out;
    }
    // The common reading is read straight from the bytes; anything else goes through JSON.parse.
    let body: unknown = kind === 'readings' && typeof payload !== 'string' ? plainReadingFromBytes(payload) : undefined;
    if (body === undefined) {
      try {
        body = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
      } catch (e) {
        out.rejections.push({ errors: [{ path: '(root)', message: `not valid JSON: ${(e as Error).message}` }] });
        return out;
      }
    }
    if (kind === 'checks') {
      this.acceptCheck(device, profile, body, receivedAt, out);
    } else if (kind === 'senml') {
      const pack = SenmlPackSchema.safeParse(body);
      if (!pack.success) {
        out.rejections.push({ errors: formatIssues(pack.error) });
        return out;
      }
      const items = senmlToReadings(pack.data, receivedAt);
      if (items.length === 0) {
        out.rejections.push({ errors: [{ path: '(root)', message: 'the SenML pack holds no record with a value (v)' }] });
        return out;
      }
      if (items.length > this.opts.maxBatchReadings) {
        out.rejections.push({ errors: [{ path: '(root)', message: `a SenML pack may hold at most ${this.opts.maxBatchReadings} records` }] });
        return out;
      }
      items.forEach((r, i) => this.acceptReading(device, profile, r, receivedAt, out, `[${i}]`));
    } else if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'readings' in body) {
      const batch = BatchSchema.safeParse(body);
      if (!batch.success) {
        out.rejections.push({ errors: formatIssues(batch.error) });
      } else if (batch.data.readings.length === 0 || batch.data.readings.length > this.opts.maxBatchReadings) {
        out.rejections.push({ errors: [{ path: 'readings', message: `must hold 1 to ${this.opts.maxBatchReadings} readings (MAG_MAX_BATCH_READINGS)` }] });
      } else {
        batch.data.readings.forEach((r, i) => this.acceptReading(device, profile, r, receivedAt, out, `readings.${i}`));
      }
    } else {
      this.acceptReading(device, profile, body, receivedAt, out, '');
    }
    return out;
  }

  /**
   * The cached `reading,tag=value,…` start of the reading's line (undefined: let pointToLine say
   * why it cannot be written). Cached per device object (a re-registered device is a new one)
   * by quantity and the profile's tag fields (gas, nozzle, product), which with the device's
   * tenant, id and type make up `tags`.
   */
  private readingSeries(device: Device, quantity: string, extra: Record<string, string>, tags: Record<string, string>): string | undefined {
    let key = quantity;
    for (const k in extra) key += '\u0000' + k + '\u0000' + extra[k];
    let perDevice = this.series.get(device);
    if (!perDevice) this.series.set(device, (perDevice = new Map()));
    let s = perDevice.get(key);
    if (s === undefined) {
      try {
        s = seriesKey('reading', tags);
      } catch {
        s = null;
      }
      if (perDevice.size >= MAX_SERIES_PER_DEVICE) perDevice.clear();
      perDevice.set(key, s);
    }
    return s ?? undefined;
  }

  private futureError(ts: number, receivedAt: number): FieldError | undefined {
    if (ts > receivedAt + this.opts.futureToleranceMs) {
      return { path: 'ts', message: `is ${Math.round((ts - receivedAt) / 1000)} s in the future (at most ${this.opts.futureToleranceMs / 1000} s allowed): check the device clock` };
    }
    return undefined;
  }

  private acceptReading(device: Device, profile: InstrumentProfile, raw: unknown, receivedAt: number, out: IngestResult, prefix: string): void {
    let r: ReadingPayload | undefined = plainReading(raw);
    if (r === undefined) {
      const parsed = ReadingSchema.safeParse(raw);
      if (!parsed.success) {
        out.rejections.push({ seq: seqOf(raw), errors: formatIssues(parsed.error, prefix) });
        return;
      }
      r = parsed.data;
    }
    const late = this.futureError(r.ts, receivedAt);
    if (late) {
      out.rejections.push({ seq: r.seq, errors: [{ ...late, path: joinPath(prefix, late.path) }] });
      return;
    }
    let tx: z.infer<typeof TransactionFieldsSchema> | undefined;
    if (profile.transactions) {
      const t = TransactionFieldsSchema.safeParse(r);
      if (!t.success) {
        out.rejections.push({ seq: r.seq, errors: formatIssues(t.error, prefix) });
        return;
      }
      tx = t.data;
    }
    const channel = typeof r.gas === 'string' ? r.gas : '';
    const prevKey = `${device.id}|${r.quantity}|${channel}`;
    const evaluated = evaluateReading(
      { profile, device, certificates: this.ctx.certificates(device.id), previous: this.previous.get(prevKey) },
      r,
    );
    if (!evaluated.ok) {
      out.rejections.push({ seq: r.seq, errors: evaluated.errors.map((e) => ({ ...e, path: joinPath(prefix, e.path) })) });
      return;
    }
    // Finite numbers can overflow once converted (1.7e308 bar in hPa): no sink stores Infinity.
    const overflow = Number.isFinite(evaluated.value) ? nonFinite(evaluated.fields) : nonFinite({ value: evaluated.value, ...evaluated.fields });
    if (overflow.length) {
      out.rejections.push({ seq: r.seq, errors: overflow.map((k) => ({ path: joinPath(prefix, k), message: `is out of the representable range once converted to ${evaluated.unit}` })) });
      return;
    }
    const prev = this.previous.get(prevKey);
    if (!prev) this.previous.set(prevKey, { ts: r.ts, value: evaluated.value });
    else if (r.ts >= prev.ts) {
      // updated in place: no new object per reading (evaluateReading has finished with it)
      prev.ts = r.ts;
      prev.value = evaluated.value;
    }
    const tags: Record<string, string> = { tenant: device.tenant, device: device.id, type: device.type, quantity: r.quantity, ...evaluated.tags };
    const reading: AcceptedReading = { seq: r.seq, ts: r.ts, quantity: r.quantity, value: evaluated.value, raw: r.value, unit: evaluated.unit, status: evaluated.status, tags };
    out.readings.push(reading);
    const series = this.readingSeries(device, r.quantity, evaluated.tags, tags);
    out.points.push({
      measurement: 'reading',
      tags,
      fields: { value: evaluated.value, raw: r.value, seq: r.seq, status: evaluated.status },
      ts: r.ts,
      // What pointToLine writes for this point (fields in key order; every number here is finite, seq and ts safe integers).
      line: series === undefined ? undefined : `${series} raw=${r.value},seq=${r.seq}i,status="${evaluated.status}",value=${evaluated.value} ${r.ts}`,
    });
    if (tx) {
      const key = `${device.id}|${tx.nozzle}`;
      const before = this.totalizers.has(key) ? this.totalizers.get(key) : this.ctx.lastTotalizer(device.id, tx.nozzle);
      const audit = profile.transactionAudit!;
      // Totalizers in the canonical unit (the profile declares them sameUnitAsValue), as the volume is.
      const num = (k: string, fallback: number) => (typeof evaluated.fields[k] === 'number' ? (evaluated.fields[k] as number) : fallback);
      const totalizerStart = num('totalizerStart', tx.totalizerStart);
      const totalizerEnd = num('totalizerEnd', tx.totalizerEnd);
      const findings = auditTransaction(
        { seq: r.seq, ts: r.ts, nozzle: tx.nozzle, product: tx.product, volume: evaluated.value, unitPrice: tx.unitPrice, amount: tx.amount, totalizerStart, totalizerEnd },
        before,
        audit,
      );
      this.totalizers.set(key, totalizerEnd);
      for (const f of findings) out.findings.push({ seq: r.seq, ts: r.ts, nozzle: tx.nozzle, ...f });
      out.points.push({
        measurement: 'transaction',
        tags: { tenant: device.tenant, device: device.id, nozzle: tx.nozzle, product: tx.product },
        fields: { volume: evaluated.value, unitPrice: tx.unitPrice, amount: tx.amount, totalizerStart, totalizerEnd, seq: r.seq },
        ts: r.ts,
      });
    }
  }

  private acceptCheck(device: Device, profile: InstrumentProfile, raw: unknown, receivedAt: number, out: IngestResult): void {
    const parsed = CheckSchema.safeParse(raw);
    if (!parsed.success) {
      out.rejections.push({ seq: seqOf(raw), errors: formatIssues(parsed.error) });
      return;
    }
    const c = parsed.data;
    const late = this.futureError(c.ts, receivedAt);
    if (late) {
      out.rejections.push({ seq: c.seq, errors: [late] });
      return;
    }
    const evaluated = evaluateCheck({ profile, device, certificates: this.ctx.certificates(device.id) }, c);
    if (!evaluated.ok) {
      out.rejections.push({ seq: c.seq, errors: evaluated.errors });
      return;
    }
    const res = evaluated.result;
    // indicated − reference, the correction or U can overflow with finite inputs: refuse, never store Infinity.
    const overflow = nonFinite({ indicated: res.indicated, reference: res.reference, error: res.error, mpe: res.mpe, uncertainty: res.uncertainty });
    if (overflow.length) {
      out.rejections.push({ seq: c.seq, errors: overflow.map((k) => ({ path: k, message: 'the computed value is out of the representable range: check the magnitudes sent' })) });
      return;
    }
    out.checks.push(res);
    const tags: Record<string, string> = { tenant: device.tenant, device: device.id, type: device.type };
    if (res.gas) tags.gas = res.gas;
    if (res.point) tags.point = res.point;
    out.points.push({
      measurement: 'check',
      tags,
      fields: {
        indicated: res.indicated,
        reference: res.reference,
        error: res.error,
        mpe: res.mpe,
        uncertainty: res.uncertainty,
        decision: res.decision,
        legal: res.legal,
        seq: res.seq,
      },
      ts: res.ts,
    });
  }
}

const NONE: string[] = [];

/** Names of the numeric fields that are not finite numbers (a shared empty array when all are). */
function nonFinite(fields: Record<string, unknown>): string[] {
  let out = NONE;
  for (const k in fields) {
    const v = fields[k];
    if (typeof v === 'number' && !Number.isFinite(v)) {
      if (out === NONE) out = [];
      out.push(k);
    }
  }
  return out;
}

function seqOf(raw: unknown): number | undefined {
  if (raw && typeof raw === 'object' && 'seq' in raw) {
    const s = (raw as { seq: unknown }).seq;
    if (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0) return s;
  }
  return undefined;
}

function joinPath(prefix: string, path: string): string {
  return prefix ? (path === '(root)' ? prefix : `${prefix}.${path}`) : path;
}

/**
 * RFC 8428 SenML → readings. The record name's last segment (after `:`, `/` or `_`… of the
 * base name) is the quantity; `seq` may be sent as an extension field, else the time in ms is used.
 */
export function senmlToReadings(pack: z.infer<typeof SenmlPackSchema>, receivedAt: number): unknown[] {
  let bn = '';
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  const out: unknown[] = [];
  for (const rec of pack) {
    if (rec.bn !== undefined) bn = rec.bn;
    if (rec.bt !== undefined) bt = rec.bt;
    if (rec.bu !== undefined) bu = rec.bu;
    if (rec.bv !== undefined) bv = rec.bv;
    if (rec.v === undefined && rec.bv === undefined) continue;
    const name = bn + (rec.n ?? '');
    const quantity = name.split(/[:/]/).filter(Boolean).pop() ?? '';
    let t = bt + (rec.t ?? 0);
    if (t < 2 ** 28) t = receivedAt / 1000 + t;
    const ts = Math.round(t * 1000);
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) if (!['bn', 'bt', 'bu', 'bv', 'n', 'u', 'v', 't', 'seq', 'bver'].includes(k)) extra[k] = v;
    out.push({ ...extra, seq: rec.seq ?? ts, ts, quantity, value: (rec.v ?? 0) + bv, unit: rec.u ?? bu });
  }
  return out;
}

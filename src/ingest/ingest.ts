// One MQTT message → validated, enriched records: points for the journal, plus the check
// results, reading statuses, transaction findings and rejections the assurance state needs.
// Synchronous and free of I/O: the caller journals the points and applies the effects.
// Just over 400 lines on purpose: one message kind per method of one class sharing its validation context; the payload schemas and field messages already live in their own modules.
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import type { Point } from '../sinks/sink.ts';
import { integerText, seriesKey } from '../sinks/line-protocol.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { CheckResult, FieldError, ReadingStatus } from '../metrology/types.ts';
import { evaluateCheck, evaluateReading, auditTransaction, intervalMonthsOf } from '../metrology/index.ts';
import type { Device, StoredCertificate } from '../store/registry.ts';
import {
  SenmlPackSchema,
  TransactionFieldsSchema,
  parsePayload,
  payloadSchemas,
  plainCheck,
  plainReading,
  plainTransactionFields,
  type PayloadSchemas,
  type ReadingPayload,
} from './payloads.ts';
import { isRefusal, tagValue } from './wire-fields.ts';
import { shown } from './field-errors.ts';
import { plainReadingFromBytes } from './plain-reading-bytes.ts';
import { judgedWithStandard, type StandardOfCheck } from '../metrology/traceability.ts';
import { localDay } from '../oversight/period.ts';
import { unitText } from '../metrology/units.ts';
import { acceptPackages, type AcceptedPackage, type LotForPackages } from './packages.ts';
import { KnownKeys, misspeltKeys } from './misspelt-keys.ts';

export type MessageKind = 'readings' | 'checks' | 'senml' | 'packages';

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
  /** Measured prepackages to append to their lots (the `packages` topic). */
  packages?: AcceptedPackage[];
}

export interface IngestContext {
  profile(type: string): InstrumentProfile | undefined;
  certificates(device: string): readonly StoredCertificate[];
  /** The nozzle's latest transaction stored or judged: its `seq` and totalizerEnd (undefined: none yet). */
  lastTotalizer(device: string, nozzle: string): { seq: number; end: number } | undefined;
  /** The IANA time zone in which a tenant's devices send times without a zone (its setting, else MAG_DEFAULT_TIME_ZONE). */
  timeZoneOf(tenant: string): string;
  /**
   * The reference standard `id` an instrument of `tenant` may use (its enterprise's or the authority's),
   * with its certificates; without this dependency checks are not judged for traceability.
   */
  standardOf?(id: string, tenant: string): StandardOfCheck | undefined;
  /** A declared lot of prepackages (the `packages` topic); without it every package is refused. */
  lot?(id: string): LotForPackages | undefined;
}

export interface IngestOptions {
  futureToleranceMs: number;
  maxBatchReadings: number;
  /** Readings and checks older than the device's registration minus this many days are refused (MAG_BACKFILL_DAYS). */
  backfillDays: number;
}

/** Series keys kept per device (one per quantity and tag values: nozzles × products of a dispenser; cleared when full). */
const MAX_SERIES_PER_DEVICE = 1000;

/** A device's last accepted reading of one quantity and gas channel ('' without), in the canonical unit. */
interface PreviousReading {
  quantity: string;
  channel: string;
  ts: number;
  value: number;
}

/** What a reading said (with its transaction's fields on a fuel dispenser; NaN without), to tell the same message sent again from other content at its time. */
interface ReadingSent {
  /** NaN: none yet. */
  ts: number;
  seq: number;
  raw: number;
  /** In the canonical unit. */
  value: number;
  status: ReadingStatus;
  unitPrice: number;
  amount: number;
  totalizerStart: number;
  totalizerEnd: number;
}

/**
 * A device's reading series (one per quantity and tag values): the start of its lines, and what this
 * process accepted of it last. The time-series keeps one point per series and time, so a reading at
 * the time of one kept here is the same message again (a replay, stored and judged once) or is
 * refused: it would replace the first point while alerts and the API speak of the first.
 */
interface ReadingSeries {
  /** `reading,tag=value,…`: the start of each line of the series. */
  key: string;
  /** The reading of the series with the latest time accepted so far, updated in place (nothing per reading is kept alive). */
  latest: ReadingSent;
  /** Transactions with findings (tamper evidence) by `seq@ts`, the oldest dropped past FLAGGED_TRANSACTIONS_PER_SERIES. */
  flagged: Map<string, ReadingSent> | undefined;
}

/** Transactions with findings remembered per series, so that a resend of one behind the latest raises no finding again. */
const FLAGGED_TRANSACTIONS_PER_SERIES = 100;

const BatchSchema = z.object({ readings: z.array(z.unknown(), { error: 'must be a JSON array of readings' }) });
const DAY_MS = 86_400_000;
/** A check's fields (docs/contract.md §2): a key near one of them is taken for it misspelt. */
export const CHECK_KEYS = new KnownKeys([
  'seq',
  'ts',
  'indicated',
  'reference',
  'referenceUncertainty',
  'unit',
  'standardId',
  'gas',
  'regime',
  'point',
  'deltaL',
  'adjusted',
]);
/** A reading's fields for each type: the contract's, and its profile's own (a transaction's, a scale's tare). */
const readingKeys = new WeakMap<InstrumentProfile, KnownKeys>();
function readingKeysOf(profile: InstrumentProfile): KnownKeys {
  let keys = readingKeys.get(profile);
  if (!keys) {
    const names = ['seq', 'ts', 'quantity', 'value', 'unit', 'gas', 'nozzle', 'product', 'tare', ...Object.keys(profile.fields)];
    if (profile.channelField !== undefined) names.push(profile.channelField);
    readingKeys.set(profile, (keys = new KnownKeys(names)));
  }
  return keys;
}

export class Ingest {
  /**
   * Each device's last accepted reading per quantity and gas channel (for the rate-of-change
   * check), a short list per device id: found by comparing two short strings instead of building
   * and hashing a `device|quantity|channel` key for every message. Its length is bounded by the
   * quantities and channels of the device's profile (only accepted readings are added).
   */
  private previous = new Map<string, PreviousReading[]>();
  /**
   * device|nozzle → the latest transaction judged in this process (seeded from the store, without
   * its time): its seq and time, its totalizerEnd, and the totalizerEnd it was audited against
   * (`before`), so that the same transaction sent again is judged as it was the first time.
   */
  private totalizers = new Map<string, { seq: number; ts: number | undefined; end: number; before: number | undefined }>();

  /** Forgets the nozzles' totalizers of a device (a cluster node taking it over reads them from the state database again). */
  forgetDevice(device: string): void {
    for (const key of this.totalizers.keys()) if (key.startsWith(`${device}|`)) this.totalizers.delete(key);
  }

  /**
   * Forgets what the device's reading series hold of their latest readings: a message of it was not
   * journaled (or, on a cluster, its judged state not committed), and is sent or judged again as new.
   */
  forgetLatestReadings(device: Device): void {
    this.series.delete(device);
  }

  /** Reading series by device, then quantity and tag values; null when line protocol cannot carry them. */
  private series = new WeakMap<Device, Map<string, ReadingSeries | null>>();
  /** Series key of a fuel dispenser's transactions (`transaction,device=…`) by device, then nozzle and product. */
  private transactionSeriesKeys = new WeakMap<Device, Map<string, string | null>>();
  /** The earliest time accepted from a device (its registration minus the backfill window), by device object. */
  private earliest = new WeakMap<Device, number>();

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
    // read from the bytes, a reading holds the contract's keys only
    const keysKnown = body !== undefined;
    if (body === undefined) {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      // Bytes that are not UTF-8 (a product name in Windows-1258) decode to U+FFFD: two different legacy
      // names would be stored as one. Only a message holding U+FFFD is decoded again, strictly (a U+FFFD
      // sent as such is valid UTF-8).
      if (typeof payload !== 'string' && text.includes('\uFFFD') && !isUtf8(payload)) {
        out.rejections.push(notUtf8(payload));
        return out;
      }
      try {
        // RFC 8259 §8.1: a parser may ignore a byte order mark, which Windows tools put before UTF-8 text
        body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch (e) {
        out.rejections.push({ errors: [{ path: '(root)', message: `the message is not valid JSON: ${(e as Error).message}` }] });
        return out;
      }
    }
    if (kind === 'checks') {
      this.acceptCheck(device, profile, body, receivedAt, out);
    } else if (kind === 'packages') {
      const ctx = {
        schemas: this.schemasFor(device),
        lot: (id: string) => this.ctx.lot?.(id),
        timeError: (ts: number, prefix: string) => this.timeError(device, ts, receivedAt, prefix),
        maxBatch: this.opts.maxBatchReadings,
      };
      out.packages = [];
      acceptPackages(device, profile, body, ctx, out as IngestResult & { packages: AcceptedPackage[] });
    } else if (kind === 'senml') {
      const pack = parsePayload(SenmlPackSchema, body, '', 'the SenML pack');
      if (!pack.ok) {
        out.rejections.push({ errors: pack.errors });
        return out;
      }
      const items = senmlToReadings(pack.data, receivedAt);
      if (items.length === 0) {
        out.rejections.push({ errors: [{ path: '(root)', message: 'the SenML pack holds no record with a value (v)' }] });
        return out;
      }
      if (items.length > this.opts.maxBatchReadings) {
        out.rejections.push({
          errors: [
            {
              path: '(root)',
              message: `the SenML pack may hold at most ${this.opts.maxBatchReadings} records (MAG_MAX_BATCH_READINGS); received ${items.length}`,
            },
          ],
        });
        return out;
      }
      items.forEach((r, i) => this.acceptReading(device, profile, r, receivedAt, out, `[${i}]`, true));
    } else if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'readings' in body) {
      const batch = parsePayload(BatchSchema, body, '', 'the batch');
      if (!batch.ok) {
        out.rejections.push({ errors: batch.errors });
      } else if (batch.data.readings.length === 0 || batch.data.readings.length > this.opts.maxBatchReadings) {
        out.rejections.push({
          errors: [
            {
              path: 'readings',
              message: `readings must hold 1 to ${this.opts.maxBatchReadings} readings (MAG_MAX_BATCH_READINGS); received ${batch.data.readings.length}`,
            },
          ],
        });
      } else {
        batch.data.readings.forEach((r, i) => this.acceptReading(device, profile, r, receivedAt, out, `readings.${i}`));
      }
    } else {
      this.acceptReading(device, profile, body, receivedAt, out, '', keysKnown);
    }
    return out;
  }

  /**
   * The reading's series, with the cached `reading,tag=value,…` start of its lines (undefined: let
   * pointToLine say why it cannot be written). Cached per device object (a re-registered device is
   * a new one) by quantity and the profile's tag fields (gas, nozzle, product), which with the
   * device's tenant, id and type make up `tags`.
   */
  private readingSeries(device: Device, quantity: string, extra: Record<string, string>, tags: Record<string, string>): ReadingSeries | undefined {
    let key = quantity;
    for (const k in extra) key += '\u0000' + k + '\u0000' + extra[k];
    let perDevice = this.series.get(device);
    if (!perDevice) this.series.set(device, (perDevice = new Map()));
    let s = perDevice.get(key);
    if (s === undefined) {
      try {
        s = { key: seriesKey('reading', tags), latest: sentNothing(), flagged: undefined };
      } catch {
        s = null;
      }
      if (perDevice.size >= MAX_SERIES_PER_DEVICE) perDevice.clear();
      perDevice.set(key, s);
    }
    return s ?? undefined;
  }

  /** The cached `transaction,device=…,nozzle=…,product=…,tenant=…` start of a transaction's line (undefined: let pointToLine say why it cannot be written). */
  private transactionSeries(device: Device, tags: { tenant: string; device: string; nozzle: string; product: string }): string | undefined {
    const key = tags.nozzle + '\u0000' + tags.product;
    let perDevice = this.transactionSeriesKeys.get(device);
    if (!perDevice) this.transactionSeriesKeys.set(device, (perDevice = new Map()));
    let s = perDevice.get(key);
    if (s === undefined) {
      try {
        s = seriesKey('transaction', tags);
      } catch {
        s = null;
      }
      if (perDevice.size >= MAX_SERIES_PER_DEVICE) perDevice.clear();
      perDevice.set(key, s);
    }
    return s ?? undefined;
  }

  private schemasFor(device: Device): PayloadSchemas {
    return payloadSchemas(this.ctx.timeZoneOf(device.tenant));
  }

  /** Why a time cannot be stored: ahead of the gateway's clock, or older than the backfill window allows. */
  private timeError(device: Device, ts: number, receivedAt: number, prefix: string): FieldError | undefined {
    const path = joinPath(prefix, 'ts');
    if (ts > receivedAt + this.opts.futureToleranceMs) {
      const ahead = Math.round((ts - receivedAt) / 1000);
      return {
        path,
        message: `${path} ${iso(ts)} is ${ahead} s in the future of the gateway's clock (at most ${this.opts.futureToleranceMs / 1000} s accepted, MAG_FUTURE_TOLERANCE_MS): check the device clock`,
      };
    }
    let earliest = this.earliest.get(device);
    if (earliest === undefined) this.earliest.set(device, (earliest = Date.parse(device.createdAt) - this.opts.backfillDays * DAY_MS));
    if (ts < earliest) {
      return {
        path,
        message: `${path} ${iso(ts)} is before ${iso(earliest)}, the earliest time accepted: ${this.opts.backfillDays} days (MAG_BACKFILL_DAYS) before device ${device.id} was registered (${device.createdAt}); check the device clock`,
      };
    }
    return undefined;
  }

  // Long on purpose: the checks of one reading in the order the contract states them, each a few lines, on the hot path (no helper calls per check).
  /** `keysKnown`: made from the contract's keys alone (read from the bytes, or a SenML record): no misspelt one to look for. */
  private acceptReading(
    device: Device,
    profile: InstrumentProfile,
    raw: unknown,
    receivedAt: number,
    out: IngestResult,
    prefix: string,
    keysKnown = false,
  ): void {
    if (!keysKnown) {
      const misspelt = misspeltKeys(raw, readingKeysOf(profile), `a reading of a ${profile.id}`, prefix);
      if (misspelt.length > 0) {
        out.rejections.push({ seq: seqOf(raw), errors: misspelt });
        return;
      }
    }
    let r: ReadingPayload | undefined = plainReading(raw);
    if (r === undefined) {
      const parsed = parsePayload(this.schemasFor(device).reading, raw, prefix, 'the reading');
      if (!parsed.ok) {
        out.rejections.push({ seq: seqOf(raw), errors: parsed.errors });
        return;
      }
      r = parsed.data;
    }
    const badTime = this.timeError(device, r.ts, receivedAt, prefix);
    if (badTime) {
      out.rejections.push({ seq: r.seq, errors: [badTime] });
      return;
    }
    let tx: z.output<typeof TransactionFieldsSchema> | undefined;
    if (profile.transactions) {
      tx = plainTransactionFields(r);
      if (tx === undefined) {
        const t = parsePayload(TransactionFieldsSchema, r, prefix, 'the transaction');
        if (!t.ok) {
          out.rejections.push({ seq: r.seq, errors: t.errors });
          return;
        }
        tx = t.data;
      }
    }
    const channel = typeof r.gas === 'string' ? r.gas : '';
    let previousOfDevice = this.previous.get(device.id);
    let prev: PreviousReading | undefined;
    if (previousOfDevice !== undefined) {
      for (const p of previousOfDevice) {
        if (p.quantity === r.quantity && p.channel === channel) {
          prev = p;
          break;
        }
      }
    }
    const evaluated = evaluateReading(
      {
        profile,
        device,
        certificates: this.ctx.certificates(device.id),
        previous: prev,
        verificationIntervalMonths: intervalMonthsOf(profile, device),
      },
      r,
    );
    if (!evaluated.ok) {
      out.rejections.push({ seq: r.seq, errors: evaluated.errors.map((e) => ({ ...e, path: joinPath(prefix, e.path) })) });
      return;
    }
    const badTags = tagErrors(evaluated.tags, prefix);
    if (badTags.length) {
      out.rejections.push({ seq: r.seq, errors: badTags });
      return;
    }
    // Finite numbers can overflow once converted (1.7e308 bar in hPa): no sink stores Infinity.
    const overflow = Number.isFinite(evaluated.value) ? nonFinite(evaluated.fields) : nonFinite({ value: evaluated.value, ...evaluated.fields });
    if (overflow.length) {
      out.rejections.push({
        seq: r.seq,
        errors: overflow.map((k) => ({
          path: joinPath(prefix, k),
          message: `${joinPath(prefix, k)} is out of the representable range once converted to ${evaluated.unit}; received ${String(k === 'value' ? r.value : (r as Record<string, unknown>)[k])}`,
        })),
      });
      return;
    }
    const tags: Record<string, string> = { tenant: device.tenant, device: device.id, type: device.type, quantity: r.quantity, ...evaluated.tags };
    const series = this.readingSeries(device, r.quantity, evaluated.tags, tags);
    // A reading not after the series' latest may be a message received before (ReadingSeries): one
    // comparison of two numbers for the common reading, later than the latest (NaN: none yet).
    if (series !== undefined && r.ts <= series.latest.ts) {
      const was = r.ts === series.latest.ts ? series.latest : series.flagged?.get(`${r.seq}@${r.ts}`);
      if (was !== undefined) return this.atTimeTaken(device, series, was, tags, r, evaluated, tx, out, prefix);
    }
    if (prev === undefined) {
      if (previousOfDevice === undefined) this.previous.set(device.id, (previousOfDevice = []));
      previousOfDevice.push({ quantity: r.quantity, channel, ts: r.ts, value: evaluated.value });
    } else if (r.ts >= prev.ts) {
      // updated in place: no new object per reading (evaluateReading has finished with it)
      prev.ts = r.ts;
      prev.value = evaluated.value;
    }
    const reading: AcceptedReading = {
      seq: r.seq,
      ts: r.ts,
      quantity: r.quantity,
      value: evaluated.value,
      raw: r.value,
      unit: evaluated.unit,
      status: evaluated.status,
      tags,
    };
    out.readings.push(reading);
    // the same number converted once when it is sent in the canonical unit
    const valueText = String(evaluated.value);
    out.points.push({
      measurement: 'reading',
      tags,
      fields: { value: evaluated.value, raw: r.value, seq: r.seq, status: evaluated.status },
      ts: r.ts,
      line: series === undefined ? undefined : readingLine(series.key, r.value, evaluated.value, valueText, r.seq, evaluated.status, r.ts),
    });
    const latest = series !== undefined && !(r.ts <= series.latest.ts) ? series.latest : undefined;
    if (latest !== undefined) {
      latest.ts = r.ts;
      latest.seq = r.seq;
      latest.raw = r.value;
      latest.value = evaluated.value;
      latest.status = evaluated.status;
    }
    if (tx) {
      const key = `${device.id}|${tx.nozzle}`;
      let held = this.totalizers.get(key);
      if (held === undefined) {
        const last = this.ctx.lastTotalizer(device.id, tx.nozzle);
        if (last) this.totalizers.set(key, (held = { seq: last.seq, ts: undefined, end: last.end, before: undefined }));
      }
      // seq increases per device (CONTRACT §2): a transaction at or below the latest one, and not
      // after it in time, is sent again (its PUBACK lost) or late, and the latest totalizer is not
      // the one it continues. The same transaction again is audited against what it was the first
      // time; an older one's predecessor is not known here, so only its own consistency is
      // audited. A lower seq with a later time is a controller that restarted its count: it goes
      // on from the latest totalizer like any next transaction.
      const later = held === undefined || r.seq > held.seq || (held.ts !== undefined && r.ts > held.ts);
      const before = later ? held?.end : r.seq === held!.seq ? held!.before : undefined;
      const audit = profile.transactionAudit!;
      // Totalizers in the canonical unit (the profile declares them sameUnitAsValue), as the volume is.
      const totalizerStart = numberOr(evaluated.fields.totalizerStart, tx.totalizerStart);
      const totalizerEnd = numberOr(evaluated.fields.totalizerEnd, tx.totalizerEnd);
      const findings = auditTransaction(
        {
          seq: r.seq,
          ts: r.ts,
          nozzle: tx.nozzle,
          product: tx.product,
          volume: evaluated.value,
          unitPrice: tx.unitPrice,
          amount: tx.amount,
          totalizerStart,
          totalizerEnd,
        },
        before,
        audit,
      );
      if (later) {
        if (held === undefined) this.totalizers.set(key, { seq: r.seq, ts: r.ts, end: totalizerEnd, before });
        else {
          held.seq = r.seq;
          held.ts = r.ts;
          held.end = totalizerEnd;
          held.before = before;
        }
      }
      for (const f of findings) out.findings.push({ seq: r.seq, ts: r.ts, nozzle: tx.nozzle, ...f });
      this.pushTransactionPoint(device, tx, r.seq, r.ts, evaluated.value, valueText, totalizerStart, totalizerEnd, out);
      if (latest !== undefined) {
        latest.unitPrice = tx.unitPrice;
        latest.amount = tx.amount;
        latest.totalizerStart = totalizerStart;
        latest.totalizerEnd = totalizerEnd;
      }
      if (findings.length > 0 && series !== undefined) {
        // At-least-once redelivery of a flagged transaction behind the latest must not count its
        // tamper evidence again (the latest one is known by its time already).
        const flagged = (series.flagged ??= new Map());
        if (flagged.size >= FLAGGED_TRANSACTIONS_PER_SERIES) flagged.delete(flagged.keys().next().value as string);
        flagged.set(`${r.seq}@${r.ts}`, {
          ts: r.ts,
          seq: r.seq,
          raw: r.value,
          value: evaluated.value,
          status: evaluated.status,
          unitPrice: tx.unitPrice,
          amount: tx.amount,
          totalizerStart,
          totalizerEnd,
        });
      }
    }
  }

  /** A fuel dispenser's `transaction` point (what pointToLine writes for it made here, as for the reading: every number here is finite). */
  private pushTransactionPoint(
    device: Device,
    tx: z.output<typeof TransactionFieldsSchema>,
    seq: number,
    ts: number,
    value: number,
    valueText: string,
    totalizerStart: number,
    totalizerEnd: number,
    out: IngestResult,
  ): void {
    const txTags = { tenant: device.tenant, device: device.id, nozzle: tx.nozzle, product: tx.product };
    const txSeries = this.transactionSeries(device, txTags);
    out.points.push({
      measurement: 'transaction',
      tags: txTags,
      fields: { volume: value, unitPrice: tx.unitPrice, amount: tx.amount, totalizerStart, totalizerEnd, seq },
      ts,
      line:
        txSeries === undefined
          ? undefined
          : `${txSeries} amount=${tx.amount},seq=${integerText(seq)}i,totalizerEnd=${totalizerEnd},totalizerStart=${totalizerStart},unitPrice=${tx.unitPrice},volume=${valueText} ${integerText(ts)}`,
    });
  }

  /**
   * A reading at the time of one this process accepted of its series (`was`): the same message
   * again is a replay, whose points are journaled again as first made (they overwrite themselves;
   * journaled, so that its PUBACK waits for a commit holding them) and which is judged no more (no
   * status alert, finding or totalizer again); other content is refused, since the time-series
   * would keep only one of the two.
   */
  private atTimeTaken(
    device: Device,
    series: ReadingSeries,
    was: ReadingSent,
    tags: Record<string, string>,
    r: ReadingPayload,
    evaluated: { value: number; unit: string; fields: Record<string, unknown> },
    tx: z.output<typeof TransactionFieldsSchema> | undefined,
    out: IngestResult,
    prefix: string,
  ): void {
    if (was.seq !== r.seq) {
      const path = joinPath(prefix, 'ts');
      out.rejections.push({
        seq: r.seq,
        errors: [
          {
            path,
            message: `${path} ${iso(r.ts)}: another reading of this series has this time (seq ${was.seq}): the time-series keeps one point per series and time; send distinct times`,
          },
        ],
      });
      return;
    }
    const differences: string[] = [];
    if (was.value !== evaluated.value) differences.push(`value ${was.value} ${unitText(evaluated.unit)}`);
    else if (was.raw !== r.value) differences.push(`value ${was.raw} as sent`);
    const totalizerStart = tx && numberOr(evaluated.fields.totalizerStart, tx.totalizerStart);
    const totalizerEnd = tx && numberOr(evaluated.fields.totalizerEnd, tx.totalizerEnd);
    if (tx !== undefined) {
      if (was.unitPrice !== tx.unitPrice) differences.push(`unitPrice ${was.unitPrice}`);
      if (was.amount !== tx.amount) differences.push(`amount ${was.amount}`);
      if (was.totalizerStart !== totalizerStart) differences.push(`totalizerStart ${was.totalizerStart}`);
      if (was.totalizerEnd !== totalizerEnd) differences.push(`totalizerEnd ${was.totalizerEnd}`);
    }
    if (differences.length > 0) {
      const path = joinPath(prefix, 'seq');
      out.rejections.push({ seq: r.seq, errors: [{ path, message: replayRefusal(path, r.seq, r.ts, differences) }] });
      return;
    }
    // the points as first made: the status judged then (judged now, a reading compared with itself could differ)
    const valueText = String(was.value);
    out.points.push({
      measurement: 'reading',
      tags,
      fields: { value: was.value, raw: was.raw, seq: was.seq, status: was.status },
      ts: r.ts,
      line: readingLine(series.key, was.raw, was.value, valueText, was.seq, was.status, r.ts),
    });
    if (tx !== undefined) this.pushTransactionPoint(device, tx, r.seq, r.ts, was.value, valueText, totalizerStart!, totalizerEnd!, out);
  }

  private acceptCheck(device: Device, profile: InstrumentProfile, raw: unknown, receivedAt: number, out: IngestResult): void {
    const misspelt = misspeltKeys(raw, CHECK_KEYS, 'a check');
    if (misspelt.length > 0) {
      out.rejections.push({ seq: seqOf(raw), errors: misspelt });
      return;
    }
    let c = plainCheck(raw);
    if (c === undefined) {
      const parsed = parsePayload(this.schemasFor(device).check, raw, '', 'the check');
      if (!parsed.ok) {
        out.rejections.push({ seq: seqOf(raw), errors: parsed.errors });
        return;
      }
      c = parsed.data;
    }
    const badTime = this.timeError(device, c.ts, receivedAt, '');
    if (badTime) {
      out.rejections.push({ seq: c.seq, errors: [badTime] });
      return;
    }
    const metrology = { profile, device, certificates: this.ctx.certificates(device.id) };
    const evaluated = evaluateCheck(metrology, c);
    if (!evaluated.ok) {
      out.rejections.push({ seq: c.seq, errors: evaluated.errors });
      return;
    }
    let res = evaluated.result;
    // indicated − reference, the correction or U can overflow with finite inputs: refuse, never store Infinity.
    const overflow = nonFinite({
      indicated: res.indicated,
      reference: res.reference,
      error: res.error,
      mpe: res.mpe,
      uncertainty: res.uncertainty,
      correctedError: res.correctedError,
      correctedUncertainty: res.correctedUncertainty,
    });
    if (overflow.length) {
      out.rejections.push({
        seq: c.seq,
        errors: overflow.map((k) => ({ path: k, message: `${k} is out of the representable range once computed: check the magnitudes sent` })),
      });
      return;
    }
    if (this.ctx.standardOf) {
      // an issue names the enterprise's days; its zone is looked up only when one is written
      const dayOf = (t: number) => localDay(this.ctx.timeZoneOf(device.tenant), t);
      // judged again with the certificate's U where the check declared less (traceability.ts)
      res = judgedWithStandard(metrology, c, res, this.ctx.standardOf(c.standardId, device.tenant), dayOf);
    }
    out.checks.push(res);
    out.points.push(checkPoint(device, res));
  }
}

/** The `check` point of a check judged (docs/contract.md §3); a replay's is made again from the check as stored (src/pipeline/resends.ts). */
export function checkPoint(device: Device, res: CheckResult): Point {
  const tags: Record<string, string> = { tenant: device.tenant, device: device.id, type: device.type };
  if (res.gas) tags.gas = res.gas;
  if (res.point) tags.point = res.point;
  const fields: Point['fields'] = {
    indicated: res.indicated,
    reference: res.reference,
    error: res.error,
    mpe: res.mpe,
    uncertainty: res.uncertainty,
    decision: res.decision,
    legal: res.legal,
    seq: res.seq,
    regime: res.regime,
  };
  // The calibration view and the R76 change-point weights, only where they apply (fields never change type).
  if (res.correctedError !== undefined) fields.correctedError = res.correctedError;
  if (res.correctedUncertainty !== undefined) fields.correctedUncertainty = res.correctedUncertainty;
  if (res.calibrationCertificate !== undefined) fields.calibrationCertificate = res.calibrationCertificate;
  if (res.deltaL !== undefined) fields.deltaL = res.deltaL;
  if (res.adjusted) fields.adjusted = true;
  return { measurement: 'check', tags, fields, ts: res.ts };
}

const NONE: string[] = [];

/**
 * The profile's tag fields that cannot be tag values (gas, nozzle and product are checked by the
 * schema already; a profile may declare more).
 */
function tagErrors(tags: Record<string, string>, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const k in tags) {
    const v = tagValue(tags[k]);
    if (isRefusal(v)) errors.push({ path: joinPath(prefix, k), message: `${joinPath(prefix, k)} ${v.refused}; received ${shown(tags[k])}` });
  }
  return errors;
}

/** A series' latest reading before it has any. */
function sentNothing(): ReadingSent {
  return {
    ts: Number.NaN,
    seq: 0,
    raw: 0,
    value: 0,
    status: 'ok',
    unitPrice: Number.NaN,
    amount: Number.NaN,
    totalizerStart: Number.NaN,
    totalizerEnd: Number.NaN,
  };
}

/** What pointToLine writes for a reading's point (fields in key order; every number here is finite, seq and ts safe integers). */
function readingLine(series: string, raw: number, value: number, valueText: string, seq: number, status: ReadingStatus, ts: number): string {
  return `${series} raw=${raw === value ? valueText : String(raw)},seq=${integerText(seq)}i,status="${status}",value=${valueText} ${integerText(ts)}`;
}

/** Why a message under a seq and time received before, with other content, is refused: `differences` name what was received first. */
export function replayRefusal(path: string, seq: number, ts: number, differences: readonly string[]): string {
  return `${path} ${seq} at ${iso(ts)} was received before with other content (${differences.join(', ')}): a replay must repeat the message as sent`;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

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

/** A named closure on the hot path costs a __name() call per message under the TypeScript loader: a function of the module instead. */
function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

/**
 * The refusal of a message that is not UTF-8, naming its seq and the first field whose text is not, when the
 * bytes read one byte a character (as a legacy code page would be) make JSON.
 */
function notUtf8(payload: Buffer): { seq?: number; errors: FieldError[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('latin1'));
  } catch {
    return { errors: [{ path: '(root)', message: 'the message is not UTF-8 text: send names and text encoded as UTF-8' }] };
  }
  const path = firstNonAscii(raw, '') ?? '(root)';
  const seq = seqOf(raw);
  return {
    ...(seq === undefined ? {} : { seq }),
    errors: [
      {
        path,
        message: `${path === '(root)' ? 'the message' : path} is not UTF-8 text (a legacy code page such as Windows-1258?): send names and text encoded as UTF-8`,
      },
    ],
  };
}

/** The path of the first key or text holding a byte above 0x7F (read as Latin-1), depth first. */
function firstNonAscii(v: unknown, path: string): string | undefined {
  const outside = (t: string) => /[\u0080-\uffff]/.test(t);
  if (typeof v === 'string') return outside(v) ? path || '(root)' : undefined;
  if (v === null || typeof v !== 'object') return undefined;
  for (const [k, x] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
    const at = path ? `${path}.${k}` : String(k);
    if (typeof k === 'string' && outside(k)) return at;
    const found = firstNonAscii(x, at);
    if (found !== undefined) return found;
  }
  return undefined;
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
export function senmlToReadings(pack: z.output<typeof SenmlPackSchema>, receivedAt: number): unknown[] {
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
    // A record without a value carries base fields only (RFC 8428 §4.1: bv is added to the value found in
    // a record): a pack starting {"bn", "bv", "bt"} made a reading of bv at bt that was never sent.
    if (rec.v === undefined) continue;
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

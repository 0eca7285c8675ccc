// Wire schemas of docs/contract.md §2: what a device may send. Type-specific fields are checked
// against the instrument profile by the metrology core. Every message a schema gives is
// phrased to follow the field's name; describeIssues (field-errors.ts) adds the name and the
// value received. Times without a zone depend on the tenant's time zone, so the reading and
// check schemas are built per zone (payloadSchemas, cached).
import { z } from 'zod';
import { PARSE_OPTIONS, describeIssues } from './field-errors.ts';
import { EPOCH_MICROSECONDS_FROM, EPOCH_SECONDS_BELOW, isRefusal, nozzle, tagValue, wireTime, type Refusal } from './wire-fields.ts';
import type { FieldError } from '../metrology/types.ts';

/** A field read by one of wire-fields.ts' rules. */
function ruled<T>(rule: (v: unknown) => T | Refusal) {
  return z.unknown().transform((v, ctx): T => {
    const r = rule(v);
    if (!isRefusal(r)) return r;
    ctx.addIssue({ code: 'custom', message: r.refused, input: v });
    return z.NEVER;
  });
}

/** `ts`: ISO 8601 with a zone, a local time in `timeZone`, or epoch milliseconds → epoch ms. */
export const timestamp = (timeZone: string) => ruled((v) => wireTime(v, timeZone));
/** A value stored as an InfluxDB tag (product, gas, test point, lot, …). */
export const TagValue = ruled(tagValue);
/** A nozzle number or name → its text. */
export const Nozzle = ruled(nozzle);

const SEQ_ACCEPTED = `must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, increasing per device`;
export const Seq = z.number({ error: SEQ_ACCEPTED }).int(SEQ_ACCEPTED).min(0, SEQ_ACCEPTED).max(Number.MAX_SAFE_INTEGER, SEQ_ACCEPTED);
const finite = z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number');
const nonNegative = finite.refine((x) => x >= 0, 'must not be negative');
const text = (max: number, what: string) =>
  z
    .string({ error: `must be ${what} (text of 1 to ${max} characters)` })
    .min(1, `must not be empty: ${what}`)
    .max(max, `must be at most ${max} characters long`);

function readingShape(timeZone: string) {
  return z.looseObject(
    {
      seq: Seq,
      ts: timestamp(timeZone),
      quantity: text(64, 'the quantity measured, e.g. "pressure"'),
      value: finite,
      unit: text(32, 'a unit of the instrument type, e.g. "hPa"'),
      gas: TagValue.optional(),
      nozzle: Nozzle.optional(),
      product: TagValue.optional(),
      tare: finite.optional(),
    },
    { error: 'must be a JSON object {"seq", "ts", "quantity", "value", "unit", …}' },
  );
}

function checkShape(timeZone: string) {
  return z.object(
    {
      seq: Seq,
      ts: timestamp(timeZone),
      indicated: finite,
      reference: finite,
      referenceUncertainty: nonNegative,
      unit: text(32, 'the unit of indicated and reference, e.g. "L"'),
      standardId: text(128, 'the id of the reference standard used'),
      gas: TagValue.optional(),
      regime: z.enum(['verification', 'inService'], { error: 'must be "verification" or "inService"' }).optional(),
      point: TagValue.optional(),
      /** Scales, OIML R76 change-point method: the small weights added, in the check unit (docs/metrology.md §3). */
      deltaL: finite.optional(),
      /** The instrument was adjusted at this check: judged as found, then its drift baseline restarts. */
      adjusted: z.boolean({ error: 'must be true or false (the instrument was adjusted at this check)' }).optional(),
    },
    { error: 'must be a JSON object {"seq", "ts", "indicated", "reference", "referenceUncertainty", "unit", "standardId", …}' },
  );
}

/** Units a package may be sent in (those of a lot, docs/contract.md §6). */
const PACKAGE_UNITS = ['g', 'kg', 'mL', 'L'] as const;
const LOT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** One measured prepackage (docs/contract.md §2 packages): net or gross, never both. */
function packageShape(timeZone: string) {
  return z
    .object(
      {
        seq: Seq,
        ts: timestamp(timeZone),
        lot: z
          .string({ error: 'must be the id of a declared lot (text matching ^[A-Za-z0-9_-]{1,64}$)' })
          .regex(LOT_ID, 'must be the id of a declared lot (text matching ^[A-Za-z0-9_-]{1,64}$)'),
        net: nonNegative.optional(),
        gross: nonNegative.optional(),
        unit: z.enum(PACKAGE_UNITS, { error: `must be one of ${PACKAGE_UNITS.join(', ')}` }),
      },
      { error: 'must be a JSON object {"seq", "ts", "lot", "net" | "gross", "unit"}' },
    )
    .superRefine((p, ctx) => {
      if (p.net === undefined && p.gross === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['net'],
          message: 'is the net quantity: send it, or "gross" for a lot declared with an average tare',
          input: undefined,
        });
      if (p.net !== undefined && p.gross !== undefined)
        ctx.addIssue({ code: 'custom', path: ['gross'], message: 'must not be sent with net: send one of them' });
    });
}

export type ReadingPayload = z.output<ReturnType<typeof readingShape>>;
export type CheckPayload = z.output<ReturnType<typeof checkShape>>;
export type PackagePayload = z.output<ReturnType<typeof packageShape>>;

export interface PayloadSchemas {
  reading: ReturnType<typeof readingShape>;
  check: ReturnType<typeof checkShape>;
  package: ReturnType<typeof packageShape>;
}

const byZone = new Map<string, PayloadSchemas>();

/** The reading, check and package schemas for a tenant's time zone (an IANA name the runtime knows). */
export function payloadSchemas(timeZone: string): PayloadSchemas {
  let s = byZone.get(timeZone);
  if (!s) byZone.set(timeZone, (s = { reading: readingShape(timeZone), check: checkShape(timeZone), package: packageShape(timeZone) }));
  return s;
}

/**
 * The hot path's shortcut past zod for the common reading: `{seq, ts, quantity, value, unit}`
 * with `ts` in epoch milliseconds, and the optional fields (gas, nozzle, product, tare) only
 * where the schema would hand them on unchanged (text a tag can hold, a finite tare; a nozzle
 * number, which the schema turns into text, is left to it); other keys pass through, as with the
 * loose schema. Returns the payload itself when it has that shape and the reading schema accepts
 * it (property-tested against the schema), undefined for anything else: the caller then asks the
 * schema, which also words the errors.
 */
export function plainReading(raw: unknown): ReadingPayload | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const { seq, ts, quantity, value, unit } = r;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < EPOCH_SECONDS_BELOW || ts >= EPOCH_MICROSECONDS_FROM) return undefined;
  if (typeof quantity !== 'string' || quantity.length < 1 || quantity.length > 64) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (typeof unit !== 'string' || unit.length < 1 || unit.length > 32) return undefined;
  if (r.gas !== undefined && !unchangedTag(r.gas)) return undefined;
  if (r.nozzle !== undefined && !unchangedTag(r.nozzle)) return undefined;
  if (r.product !== undefined && !unchangedTag(r.product)) return undefined;
  if (r.tare !== undefined && (typeof r.tare !== 'number' || !Number.isFinite(r.tare))) return undefined;
  return r as ReadingPayload;
}

/**
 * The shortcut past zod for a check in epoch milliseconds: what the check schema gives when it
 * accepts it (property-tested against it), undefined otherwise (the caller then asks the schema,
 * which words the errors). Keys the schema does not know are left out, as the schema does.
 */
export function plainCheck(raw: unknown): CheckPayload | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const { seq, ts, indicated, reference, referenceUncertainty, unit, standardId, gas, regime, point, deltaL, adjusted } = r;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < EPOCH_SECONDS_BELOW || ts >= EPOCH_MICROSECONDS_FROM) return undefined;
  if (!finiteNumber(indicated) || !finiteNumber(reference) || !nonNegativeNumber(referenceUncertainty)) return undefined;
  if (typeof unit !== 'string' || unit.length < 1 || unit.length > 32) return undefined;
  if (typeof standardId !== 'string' || standardId.length < 1 || standardId.length > 128) return undefined;
  const check: CheckPayload = { seq, ts, indicated, reference, referenceUncertainty, unit, standardId };
  if (gas !== undefined) {
    if (!unchangedTag(gas)) return undefined;
    check.gas = gas as string;
  }
  if (regime !== undefined) {
    if (regime !== 'verification' && regime !== 'inService') return undefined;
    check.regime = regime;
  }
  if (point !== undefined) {
    if (!unchangedTag(point)) return undefined;
    check.point = point as string;
  }
  if (deltaL !== undefined) {
    if (!finiteNumber(deltaL)) return undefined;
    check.deltaL = deltaL;
  }
  if (adjusted !== undefined) {
    if (typeof adjusted !== 'boolean') return undefined;
    check.adjusted = adjusted;
  }
  return check;
}

function finiteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Text the tag-value rule accepts as it is (a nozzle sent as text follows the same rule). */
function unchangedTag(v: unknown): boolean {
  return typeof v === 'string' && tagValue(v) === v;
}

/**
 * The shortcut past zod for a fuel dispenser's transaction fields: what TransactionFieldsSchema
 * gives when it accepts them (property-tested against it), undefined otherwise (the caller then
 * asks the schema, which words the errors).
 */
export function plainTransactionFields(r: Record<string, unknown>): z.output<typeof TransactionFieldsSchema> | undefined {
  const { unitPrice, amount, totalizerStart, totalizerEnd } = r;
  if (!nonNegativeNumber(unitPrice) || !nonNegativeNumber(amount) || !nonNegativeNumber(totalizerStart) || !nonNegativeNumber(totalizerEnd)) return undefined;
  const n = nozzle(r.nozzle);
  const product = tagValue(r.product);
  if (isRefusal(n) || isRefusal(product)) return undefined;
  return { nozzle: n, product, unitPrice, amount, totalizerStart, totalizerEnd };
}

function nonNegativeNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Fuel-dispenser transaction fields (docs/contract.md §2), on top of a reading. */
export const TransactionFieldsSchema = z.object({
  nozzle: Nozzle,
  product: TagValue,
  unitPrice: nonNegative,
  amount: nonNegative,
  totalizerStart: nonNegative,
  totalizerEnd: nonNegative,
});

export const StatusSchema = z.looseObject(
  { state: text(32, 'the device state, e.g. "online" or "offline"') },
  { error: 'must be a JSON object {"state": "online" | "offline" | …}' },
);

const senmlText = z.string({ error: 'must be text (a JSON string)' });
/** RFC 8428 SenML record (JSON); times in seconds, relative to now when < 2^28. */
export const SenmlRecordSchema = z.looseObject(
  {
    bn: senmlText.optional(),
    bt: finite.optional(),
    bu: senmlText.optional(),
    bv: finite.optional(),
    n: senmlText.optional(),
    u: senmlText.optional(),
    v: finite.optional(),
    t: finite.optional(),
    seq: Seq.optional(),
  },
  { error: 'must be a SenML record, a JSON object such as {"n": "pressure", "u": "hPa", "v": 1013.2}' },
);
export const SenmlPackSchema = z
  .array(SenmlRecordSchema, { error: 'must be a SenML pack: a JSON array of records (RFC 8428)' })
  .min(1, 'must hold at least one SenML record');

/** Parses with the options that keep every message naming its field and the value received. */
export function parsePayload<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  prefix: string,
  subject: string,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldError[] } {
  const r = schema.safeParse(raw, PARSE_OPTIONS);
  return r.success ? { ok: true, data: r.data } : { ok: false, errors: describeIssues(r.error, prefix, subject) };
}

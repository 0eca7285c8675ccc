// Wire schemas of CONTRACT §2: what a device may send. Type-specific fields are checked
// against the instrument profile by the metrology core.
import { z } from 'zod';

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** ISO 8601 with zone, or epoch milliseconds → epoch ms. */
export const Timestamp = z.union([
  z
    .string()
    .regex(ISO_WITH_ZONE, 'must be ISO 8601 with a zone (e.g. 2026-11-21T08:00:00Z) or epoch milliseconds')
    .transform((s, ctx) => {
      const t = Date.parse(s);
      // Date.parse rolls an impossible day over (2026-02-30 → 2026-03-02): refuse it instead.
      const [y, m, d] = s.slice(0, 10).split('-').map(Number);
      if (Number.isNaN(t) || d > new Date(Date.UTC(y, m, 0)).getUTCDate()) {
        ctx.addIssue({ code: 'custom', message: 'is not a valid date' });
        return z.NEVER;
      }
      return t;
    }),
  z.number().int('epoch milliseconds must be an integer').min(0).max(8.64e15),
]);

export const Seq = z.number().int('must be an integer').min(0).max(Number.MAX_SAFE_INTEGER);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const label = z.string().min(1).max(64).regex(/^[^\s,="\\]+$/, 'must be 1–64 characters without spaces, commas, quotes, = or \\');

export const ReadingSchema = z.looseObject({
  seq: Seq,
  ts: Timestamp,
  quantity: z.string().min(1).max(64),
  value: finite,
  unit: z.string().min(1).max(32),
  gas: label.optional(),
  nozzle: label.optional(),
  product: label.optional(),
  tare: finite.optional(),
});
export type ReadingPayload = z.infer<typeof ReadingSchema>;

/**
 * The hot path's shortcut past zod for the common reading: `{seq, ts, quantity, value, unit}`
 * with `ts` in epoch milliseconds and none of the optional fields (gas, nozzle, product, tare)
 * present; other keys pass through, as with the loose schema. Returns the payload itself when
 * it has that shape and ReadingSchema accepts it (unit-tested against the schema), undefined
 * for anything else: the caller then asks the schema, which also words the errors.
 */
export function plainReading(raw: unknown): ReadingPayload | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const { seq, ts, quantity, value, unit } = r;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0 || ts > 8.64e15) return undefined;
  if (typeof quantity !== 'string' || quantity.length < 1 || quantity.length > 64) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (typeof unit !== 'string' || unit.length < 1 || unit.length > 32) return undefined;
  if (r.gas !== undefined || r.nozzle !== undefined || r.product !== undefined || r.tare !== undefined) return undefined;
  return r as ReadingPayload;
}

/** Fuel-dispenser transaction fields (CONTRACT §2), on top of a reading. */
export const TransactionFieldsSchema = z.object({
  nozzle: label,
  product: label,
  unitPrice: finite.refine((x) => x >= 0, 'must not be negative'),
  amount: finite.refine((x) => x >= 0, 'must not be negative'),
  totalizerStart: finite.refine((x) => x >= 0, 'must not be negative'),
  totalizerEnd: finite.refine((x) => x >= 0, 'must not be negative'),
});

export const CheckSchema = z.object({
  seq: Seq,
  ts: Timestamp,
  indicated: finite,
  reference: finite,
  referenceUncertainty: finite.refine((x) => x >= 0, 'must not be negative'),
  unit: z.string().min(1).max(32),
  standardId: z.string().min(1).max(128),
  gas: label.optional(),
  regime: z.enum(['verification', 'inService']).optional(),
  point: label.optional(),
});
export type CheckPayload = z.infer<typeof CheckSchema>;

export const StatusSchema = z.looseObject({ state: z.string().min(1).max(32) });

/** RFC 8428 SenML record (JSON); times in seconds, relative to now when < 2^28. */
export const SenmlRecordSchema = z.looseObject({
  bn: z.string().optional(),
  bt: finite.optional(),
  bu: z.string().optional(),
  bv: finite.optional(),
  n: z.string().optional(),
  u: z.string().optional(),
  v: finite.optional(),
  t: finite.optional(),
  seq: Seq.optional(),
});
export const SenmlPackSchema = z.array(SenmlRecordSchema).min(1);

export function formatIssues(error: z.ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((s) => s !== '').join('.') || '(root)',
    message: i.message,
  }));
}

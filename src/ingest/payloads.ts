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

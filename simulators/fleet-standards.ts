// The reference standards a fleet's checks cite (`standards` in the fleet file): registered with their
// calibration certificate before the devices, so that their checks are traceable (docs/contract.md §5). A
// certificate may have expired before the end of the run (`expiredDaysAgo`): the checks made after it
// are marked not traceable and raise an untraceable-check alert.
import { z } from 'zod';
import { DAY_MS } from './models/types.ts';
import { dayEnd, dayStart, endOfDayBefore } from './certificate-days.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const idString = z.string().regex(ID, { message: 'must match ^[A-Za-z0-9_-]{1,64}$ (letters, digits, _ and -)' });
const MONTH_MS = 30.4375 * DAY_MS;

const StandardCalibrationSchema = z.strictObject({
  number: z.string().min(1).optional(),
  issuedBy: z.string().min(1).default('VMI (Viện Đo lường Việt Nam)'),
  /** Days before the simulated start the standard was calibrated. Default 30. */
  issuedDaysBeforeStart: z.number().nonnegative().default(30),
  validityMonths: z.number().positive().default(12),
  /** U (k = 2) in the standard's unit. */
  uncertainty: z.number().nonnegative(),
  traceableTo: z.string().min(1).optional(),
  /** The certificate ran out this many (real) days before now: later checks are not traceable. */
  expiredDaysAgo: z.number().nonnegative().optional(),
});

export const StandardPlanSchema = z.strictObject({
  id: idString,
  /** The owning enterprise (one of `tenants`); absent: the authority's, for every enterprise. */
  tenant: idString.optional(),
  name: z.string().min(1),
  quantity: z.string().min(1),
  unit: z.string().min(1),
  kind: z.string().min(1).optional(),
  class: z.string().min(1).optional(),
  serial: z.string().min(1).optional(),
  gas: z.string().min(1).optional(),
  calibration: StandardCalibrationSchema.optional(),
});
export type StandardPlan = z.output<typeof StandardPlanSchema>;

/** Body of POST /api/v1/standards/{id}/certificates for a standard's calibration, or undefined without one. */
export function standardCertificate(s: StandardPlan, simStartMs: number, realNowMs: number): Record<string, unknown> | undefined {
  const c = s.calibration;
  if (!c) return undefined;
  const validUntil =
    c.expiredDaysAgo !== undefined
      ? endOfDayBefore(realNowMs - c.expiredDaysAgo * DAY_MS)
      : dayEnd(simStartMs - c.issuedDaysBeforeStart * DAY_MS + c.validityMonths * MONTH_MS);
  const issuedAt = dayStart(validUntil - c.validityMonths * MONTH_MS);
  return {
    number: c.number ?? `HC-${new Date(issuedAt).getUTCFullYear()}-${s.id}`,
    issuedBy: c.issuedBy,
    issuedAt: new Date(issuedAt).toISOString(),
    validUntil: new Date(validUntil).toISOString(),
    uncertainty: c.uncertainty,
    ...(c.traceableTo ? { traceableTo: c.traceableTo } : {}),
  };
}

type Post = (path: string, body: unknown) => Promise<{ status: number; json: unknown }>;

/**
 * Registers each standard and, when it is new, its calibration (a run against a gateway that has it
 * already adds no second certificate). Throws with the answer when the gateway refuses one.
 */
export async function registerStandards(standards: readonly StandardPlan[], post: Post, clock: { startMs: number; wallStartMs: number }): Promise<number> {
  let created = 0;
  for (const s of standards) {
    const { calibration: _c, ...body } = s;
    const r = await post('/api/v1/standards', body);
    if (r.status === 409) continue;
    if (r.status !== 201) throw new Error(`registering reference standard ${s.id}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    created++;
    const cert = standardCertificate(s, clock.startMs, clock.wallStartMs);
    if (!cert) continue;
    const c = await post(`/api/v1/standards/${encodeURIComponent(s.id)}/certificates`, cert);
    if (c.status !== 201) throw new Error(`registering the calibration of reference standard ${s.id}: HTTP ${c.status} ${JSON.stringify(c.json)}`);
  }
  return created;
}

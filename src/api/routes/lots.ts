// Lots of prepackages (docs/contract.md §6): declare a lot, add measured packages by hand, read a lot's
// verdict. Admins and the tenant's operators write; whoever sees the tenant reads.
import { z } from 'zod';
import { LotConflictError, LotRequestError, type LotView } from '../../lots/lot-book.ts';
import { PREPACKAGE_UNITS } from '../../metrology/tolerable-deficiency.ts';
import { TagValue } from '../../ingest/payloads.ts';
import { TAG_VALUE_ACCEPTED, TAG_VALUE_MAX } from '../../ingest/wire-fields.ts';
import {
  ApiError,
  ALL_ROLES,
  Id,
  IsoDate,
  Items,
  QueryInt,
  actorOf,
  canSeeTenant,
  notFound,
  queryBoundIso,
  refuseReversed,
  visibleTenantIds,
  zoneOf,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';
import type { Principal } from '../../store/tokens.ts';
import { Density } from './bounds.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const nonNegative = finite.refine((x) => x >= 0, 'must not be negative');
const positive = finite.refine((x) => x > 0, 'must be greater than 0');
const Unit = z.enum(PREPACKAGE_UNITS);

export const LotBody = z.strictObject({
  id: Id,
  tenant: Id,
  /**
   * Stored as an InfluxDB tag of the lot's `package` points. TagValue reads any JSON value (to say why it is
   * refused), which JSON Schema writes as {}: `meta` says what it accepts.
   */
  product: TagValue.refine((v) => typeof v !== 'string' || v.trim() !== '', 'must name the product: it is only spaces').meta({
    type: 'string',
    minLength: 1,
    maxLength: TAG_VALUE_MAX,
    description: `the product: ${TAG_VALUE_ACCEPTED}; not only spaces, not ending with a backslash (stored as an InfluxDB tag)`,
  }),
  nominal: positive,
  unit: Unit,
  lotSize: z.number().int('must be a whole number of packages').min(1).max(1_000_000),
  destructive: z.boolean().optional(),
  /** Device id of the weighing instrument the packages are measured on. */
  scale: Id.optional(),
  /** In the measured unit (R87 Annex B); needed for gross weighings. Less than 10 × Qn: planLot refuses more (a 400 naming it). */
  averageTare: nonNegative.optional(),
  /** g/mL at the reference temperature, for a volume lot weighed (or a mass lot measured by volume): 0.00001 to 22.6 (bounds.ts, osmium's 22.59 g/cm³). */
  density: Density.optional(),
  /** Sampling plan id (devices/prepackages/sampling-plans.json); default: the file's defaultPlan. */
  plan: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a plan id: lower-case letters, digits and dashes')
    .optional(),
  /** Unit the packages are measured in (default: unit). */
  measuredUnit: Unit.optional(),
});

const PackageItem = z
  .strictObject({
    /** At most 10 × Qn (gross: + the average tare), checked against the lot by LotBook.addPackages. */
    net: nonNegative.optional(),
    gross: nonNegative.optional(),
    /** The client's id for the package: one sent again with the same id and value is stored once; with another value, refused. */
    id: z.string().min(1).max(64).optional(),
    /** The 1-based position the package takes in the lot: a position already filled is a repeat and is skipped (refused when its value differs). */
    position: z.number().int().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.net === undefined && p.gross === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['net'],
        message: 'is the net quantity: send it, or "gross" for a lot declared with an average tare',
        input: undefined,
      });
    if (p.net !== undefined && p.gross !== undefined) ctx.addIssue({ code: 'custom', path: ['gross'], message: 'must not be sent with net: send one of them' });
  });
export const PackagesBody = z.strictObject({ items: z.array(PackageItem).min(1).max(10_000) });

const Note = z
  .object({ key: z.string(), values: z.record(z.string(), z.unknown()) })
  .describe('a sentence as data: `key` names its form, `values` its figures (docs/prepackages.md)');
const Fitness = z.object({
  id: z.string().nullable().describe('device id of the instrument; null when none is known'),
  suitable: z.boolean(),
  reason: z.string(),
  note: Note,
  mpe: z.number().optional().describe("in-service MPE at the load, in the lot's unit"),
  limit: z.number().optional().describe('the largest MPE accepted (T/5)'),
});
/** A lot as the API answers it (LotView). */
export const LotAnswer = z.object({
  id: z.string(),
  tenant: z.string(),
  product: z.string(),
  nominal: z.number(),
  unit: z.string(),
  lotSize: z.number(),
  destructive: z.boolean(),
  plan: z.string(),
  planUnconfirmed: z.boolean().describe('a figure of the applied rule is flagged unconfirmed in the plans file'),
  measuredUnit: z.string().optional(),
  averageTare: z.number().optional(),
  density: z.number().optional(),
  sampleSize: z.number(),
  measured: z.number(),
  mean: z.number().nullable(),
  stdDev: z.number().nullable(),
  tolerableDeficiency: z.number().describe("T, in the lot's unit"),
  t1: z.number(),
  t2: z.number(),
  allowedT1: z.number(),
  averageLimit: z.number().nullable(),
  verdict: z.enum(['pending', 'pass', 'fail']),
  reasons: z.array(z.string()),
  notes: z.array(Note).describe('the reasons as data, in the same order'),
  t1Positions: z.array(z.number()),
  t2Positions: z.array(z.number()),
  scale: Fitness.describe("the lot's weighing instrument; when an instrument that weighed packages of the sample is not fit, the first such one"),
  instruments: z.array(Fitness.extend({ packages: z.number(), inSample: z.number(), declared: z.boolean() })),
  createdAt: z.string(),
  judgedAt: z.string().nullable(),
});

const LotQuery = z.object({
  tenant: Id.optional(),
  /** Only the enterprises of this region (the periodic report's lots figures of one province link here). */
  region: z.string().min(1).max(16).optional(),
  verdict: z.enum(['pending', 'pass', 'fail']).optional(),
  /** Judged (pass or fail) at or after this instant: the overview's and report's lots figures link here. A date alone: from the start of that day in the zone (the tenant's, else the default). */
  from: IsoDate.optional(),
  /** Judged before this instant. A date alone: through the end of that day in the zone. */
  to: IsoDate.optional(),
  limit: QueryInt(1, 5000).default(500),
});

// Over 80 lines: a table of routes, one r.add each (their work is in src/lots/).
export function lotRoutes(r: RouteTable, deps: ApiDeps): void {
  const audit = (p: Principal, action: string, target: string, details: Record<string, unknown>) =>
    deps.audit.append(actorOf(p), action, target, details, deps.now());
  /** The lot if this principal may see it; 404 otherwise (as for one that does not exist). */
  const visibleLot = async (p: Principal, id: string) => {
    const l = await deps.lots.get(id);
    if (!l || !canSeeTenant(p, l.tenant, deps.registry.tenant(l.tenant)?.region)) throw notFound(`lot ${id}`);
    return l;
  };
  const refused = (e: unknown): never => {
    if (e instanceof LotRequestError) throw new ApiError(400, 'invalid_request', e.message, e.errors);
    if (e instanceof LotConflictError) throw new ApiError(409, 'conflict', e.message);
    throw e;
  };

  r.add({
    method: 'post',
    path: '/api/v1/lots',
    summary: 'Declare a lot of prepackages: answers its sample size and tolerable deficiency T',
    tag: 'lots',
    roles: ['admin', 'operator'],
    body: LotBody,
    status: 201,
    response: LotAnswer,
    answers: [{ status: 409, description: 'a lot with this id is declared already' }],
    handler: async ({ p, body }) => {
      const t = deps.registry.tenant(body.tenant);
      if (!t || !canSeeTenant(p, t.id, t.region)) throw notFound(`tenant ${body.tenant}`, 'tenant');
      let lot: LotView;
      try {
        lot = await deps.lots.declare(body, `${p.role}:${p.name}`, deps.now());
      } catch (e) {
        return refused(e);
      }
      await audit(p, 'lot.declare', lot.id, {
        tenant: lot.tenant,
        product: lot.product,
        nominal: lot.nominal,
        unit: lot.unit,
        lotSize: lot.lotSize,
        scale: lot.scale.id,
        plan: lot.plan,
      });
      return lot;
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/lots/:id/packages',
    summary: "Add measured packages to a lot, in the lot's measured unit (answers the lot as it stands)",
    tag: 'lots',
    roles: ['admin', 'operator'],
    body: PackagesBody,
    response: LotAnswer.extend({
      added: z.number().describe('packages stored by this request'),
      repeated: z.number().describe('packages sent again (same id or position, same value) and stored once'),
    }),
    handler: async ({ p, params, body }) => {
      const l = await visibleLot(p, params.id);
      try {
        const items = body.items.map(({ net, gross, ...rest }) => (net !== undefined ? { net, ...rest } : { gross: gross!, ...rest }));
        const { lot, added, repeated } = await deps.lots.addPackages(l.id, items, deps.now());
        await audit(p, 'lot.packages.add', l.id, { tenant: l.tenant, added, repeated, measured: lot.measured, verdict: lot.verdict });
        return { ...lot, added, repeated };
      } catch (e) {
        return refused(e);
      }
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/lots',
    summary: 'Lots visible to this token, newest first',
    tag: 'lots',
    roles: ALL_ROLES,
    query: LotQuery,
    response: Items(LotAnswer),
    handler: async ({ p, query }) => {
      refuseReversed(query, zoneOf(deps, query.tenant));
      if (query.tenant) {
        const t = deps.registry.tenant(query.tenant);
        if (!t || !canSeeTenant(p, t.id, t.region)) return { items: [] };
      }
      // the visible enterprises, narrowed to the region when one is asked for
      const visible = visibleTenantIds(deps, p);
      const tenants = query.region
        ? new Set(
            deps.registry
              .listTenants()
              .filter((t) => t.region === query.region && (!visible || visible.has(t.id)))
              .map((t) => t.id),
          )
        : visible;
      const zone = zoneOf(deps, query.tenant);
      const judgedFrom = queryBoundIso(query.from, zone, 'from');
      const judgedTo = queryBoundIso(query.to, zone, 'before');
      return {
        items: await deps.lots.list({ tenant: query.tenant, tenants, verdict: query.verdict, judgedFrom, judgedTo, limit: query.limit }, deps.now()),
      };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/lots/:id',
    summary: 'One lot: sample, T1/T2 counts, mean and its limit, verdict and reasons (as sentences and as notes), the weighing instrument',
    tag: 'lots',
    roles: ALL_ROLES,
    response: LotAnswer,
    // lots are never deleted: the lot just found visible has a view
    handler: async ({ p, params }) => (await deps.lots.view((await visibleLot(p, params.id)).id, deps.now()))!,
  });
}

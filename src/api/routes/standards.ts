// Reference standards (docs/contract.md §5): registration, their own calibration certificates, and reverse
// traceability. An enterprise's standards serve its instruments; the authority's (no tenant) serve
// every enterprise. Visible like instruments: operators their own and the authority's, inspectors those
// of their regions' enterprises and the authority's.
import { z } from 'zod';
import { ConflictError } from '../../store/registry.ts';
import { StandardCertificateOnRecord, type StoredStandard, type StoredStandardCertificate } from '../../store/standards.ts';
import type { StandardImpact } from '../../alerts/reference-standards.ts';
import type { Principal } from '../../store/tokens.ts';
import { STANDARD_KINDS } from '../../metrology/traceability.ts';
import { resolveUnit } from '../../metrology/units.ts';
import type { FieldError } from '../../metrology/types.ts';
import {
  ApiError,
  ALL_ROLES,
  Id,
  IsoDate,
  Items,
  actorOf,
  canSeeTenant,
  issuedView,
  notFound,
  queryRange,
  refuseFuture,
  refuseReversed,
  utcInstant,
  visibleTenantIds,
  zoneOf,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';
import { validFrom, validThrough } from '../../oversight/period.ts';
import { tableDownload } from '../table-file.ts';
import { Measured, NonNegative, Text } from './bounds.ts';

export const StandardBody = z.strictObject({
  id: Id,
  tenant: Id.optional(),
  name: Text(200),
  quantity: z.string().min(1).max(64),
  unit: z.string().min(1).max(32),
  kind: z.enum(STANDARD_KINDS).optional(),
  class: z.string().min(1).max(16).optional(),
  serial: z.string().min(1).max(128).optional(),
  gas: z.string().min(1).max(32).optional(),
});

export const StandardCertificateBody = z
  .strictObject({
    number: Text(128),
    issuedBy: Text(200),
    issuedAt: IsoDate,
    validUntil: IsoDate,
    // |x| ≤ 1e9 in the standard's unit (bounds.ts): a value no standard has, kept far from overflow in the checks it serves
    uncertainty: NonNegative,
    traceableTo: z.string().min(1).max(300).optional(),
    asFound: z.strictObject({ error: Measured, outOfTolerance: z.boolean() }).optional(),
  })
  .refine((c) => Number.isNaN(Date.parse(c.issuedAt)) || Number.isNaN(Date.parse(c.validUntil)) || Date.parse(c.validUntil) > Date.parse(c.issuedAt), {
    path: ['validUntil'],
    message: 'must be after issuedAt',
  });

/** A standard's calibration certificate as the API answers it (standardCertificateView). */
export const StandardCertificateAnswer = z.object({
  id: z.number(),
  standard: z.string(),
  number: z.string(),
  issuedBy: z.string(),
  issuedAt: z.string().describe('the instant, UTC'),
  issuedOn: z.string().describe("the owner's day it was issued, YYYY-MM-DD"),
  validUntil: z.string().describe('the last instant it is valid, UTC'),
  uncertainty: z.number().describe("U (k = 2) of the standard's value, in its unit"),
  traceableTo: z.string().optional(),
  asFound: z.object({ error: z.number(), outOfTolerance: z.boolean() }).optional(),
  createdAt: z.string(),
});
/** A reference standard as the API answers it (standardView). */
export const StandardAnswer = z.object({
  id: z.string(),
  tenant: z.string().nullable().describe("the enterprise that owns it; null: the authority's, usable by every enterprise"),
  name: z.string(),
  quantity: z.string(),
  unit: z.string(),
  kind: z.enum(STANDARD_KINDS).optional(),
  class: z.string().optional(),
  serial: z.string().optional(),
  gas: z.string().optional(),
  createdAt: z.string(),
  state: z.enum(['valid', 'expired', 'none']),
  validUntil: z.string().nullable(),
  lastCalibration: StandardCertificateAnswer.pick({
    number: true,
    issuedBy: true,
    issuedAt: true,
    issuedOn: true,
    validUntil: true,
    uncertainty: true,
    asFound: true,
  })
    .nullable()
    .describe('its latest calibration; null before its first'),
});

const ListQuery = z.object({ tenant: Id.optional(), kind: z.enum(STANDARD_KINDS).optional(), state: z.enum(['valid', 'expired', 'none']).optional() });
const ImpactQuery = z.object({ from: IsoDate.optional(), to: IsoDate.optional(), format: z.enum(['json', 'csv', 'xlsx']).default('json') });

/**
 * Does the standard realise a quantity some instrument type measures, in a unit (or spelling) that type
 * accepts, and for a gas it has? The check path judges each check against its own instrument.
 */
function fitErrors(deps: ApiDeps, b: z.infer<typeof StandardBody>): FieldError[] {
  const channels = [...deps.profiles.values()].flatMap((p) =>
    (p.channels ? Object.entries(p.channels).map(([gas, ch]) => ({ gas, units: ch.units })) : [{ gas: undefined, units: p.units ?? [] }]).map((ch) => ({
      ...ch,
      quantity: p.quantity,
      aliases: p.unitAliases,
    })),
  );
  const same = channels.filter((ch) => ch.quantity === b.quantity);
  if (same.length === 0)
    return [
      {
        path: 'quantity',
        message: `quantity "${b.quantity}" is not one the instrument types measure: one of ${[...new Set(channels.map((c) => c.quantity))].sort().join(', ')}`,
      },
    ];
  const fits = same.filter((ch) => ch.units.includes(resolveUnit(b.unit, ch.aliases)));
  if (fits.length === 0)
    return [
      {
        path: 'unit',
        message: `unit "${b.unit}" is not a unit of ${b.quantity} the instrument types accept: one of ${[...new Set(same.flatMap((c) => c.units))].join(', ')}`,
      },
    ];
  // A certified gas is certified for a component: without it, a check of any gas would pass as traceable to it.
  if (b.kind === 'certified-gas' && b.gas === undefined)
    return [
      {
        path: 'gas',
        message: `a certified gas must name the component it is certified for: one of ${
          fits
            .map((c) => c.gas)
            .filter(Boolean)
            .join(', ') || '(none)'
        }`,
      },
    ];
  if (b.gas !== undefined && !fits.some((ch) => ch.gas === b.gas))
    return [
      {
        path: 'gas',
        message: `gas "${b.gas}" is not a channel measured in ${b.unit}: one of ${
          fits
            .map((c) => c.gas)
            .filter(Boolean)
            .join(', ') || '(none)'
        }`,
      },
    ];
  return [];
}

/** The standard if this principal may see it; 404 otherwise (no existence leak). */
function visibleStandard(deps: ApiDeps, p: Principal, id: string): StoredStandard {
  const s = deps.standards.get(id);
  if (!s || !canSeeStandard(deps, p, s)) throw notFound(`standard ${id}`);
  return s;
}

function canSeeStandard(deps: ApiDeps, p: Principal, s: StoredStandard): boolean {
  return s.tenant === undefined || canSeeTenant(p, s.tenant, deps.registry.tenant(s.tenant)?.region);
}

/** Only an admin speaks for the authority; an operator for its own enterprise. */
function mayManage(p: Principal, tenant: string | undefined): void {
  if (tenant === undefined && p.role !== 'admin')
    throw new ApiError(403, 'forbidden', "only an admin registers and calibrates the authority's standards (without tenant); an operator gives its own tenant");
}

/**
 * A standard's calibration certificate as the API answers it (POST and GET /standards/{id}/certificates,
 * `lastCalibration`): issuedAt and validUntil in UTC, and issuedOn, the owner's day it was issued
 * (issuedView; `zone` the owner's, MAG_DEFAULT_TIME_ZONE for the authority's). The store keeps them
 * at the owner's offset.
 */
export function standardCertificateView(c: StoredStandardCertificate, zone: string) {
  return { ...c, ...issuedView(c.issuedAt, zone), validUntil: utcInstant(c.validUntil) };
}

export function standardView(deps: ApiDeps, s: StoredStandard) {
  const now = deps.now().getTime();
  const latest = [...deps.standards.certificatesOf(s.id)].sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt))[0];
  const last = latest && standardCertificateView(latest, zoneOf(deps, s.tenant));
  return {
    ...s,
    tenant: s.tenant ?? null,
    ...deps.standards.stateOf(s.id, now),
    lastCalibration: last
      ? {
          number: last.number,
          issuedBy: last.issuedBy,
          issuedAt: last.issuedAt,
          issuedOn: last.issuedOn,
          validUntil: last.validUntil,
          uncertainty: last.uncertainty,
          ...(last.asFound ? { asFound: last.asFound } : {}),
        }
      : null,
  };
}

/** A standard's impact as the API answers it: the finding's issuedAt in UTC with its issuedOn, as standardCertificateView. */
function impactView<I extends Pick<StandardImpact, 'finding'>>(impact: I, zone: string) {
  const f = impact.finding;
  return { ...impact, finding: f ? { ...f, ...issuedView(f.issuedAt, zone) } : null };
}

const CSV_HEADER = [
  'tenant',
  'device',
  'type',
  'seq',
  'ts',
  'gas',
  'point',
  'reference',
  'error',
  'mpe',
  'uncertainty',
  'unit',
  'decision',
  'legal',
  'traceable',
  'finding',
  'band',
  'couldChange',
  'possibleDecisions',
  'possibleLegal',
];

// Long on purpose: a table of route registrations (one r.add per route), each small; splitting it would scatter one resource.
export function standardRoutes(r: RouteTable, deps: ApiDeps): void {
  const audit = (p: Principal, action: string, target: string, details: Record<string, unknown>) =>
    deps.audit.append(actorOf(p), action, target, details, deps.now());

  r.add({
    method: 'post',
    path: '/api/v1/standards',
    summary: "Register a reference standard (an enterprise's, or without tenant the authority's)",
    tag: 'standards',
    roles: ['admin', 'operator'],
    body: StandardBody,
    status: 201,
    response: StandardAnswer,
    answers: [{ status: 409, description: "the id is taken: a standard with it is registered already, or it is an instrument's" }],
    handler: async ({ p, body }) => {
      mayManage(p, body.tenant);
      if (body.tenant !== undefined) {
        const t = deps.registry.tenant(body.tenant);
        if (!t || !canSeeTenant(p, body.tenant, t.region)) throw notFound(`tenant ${body.tenant}`, 'tenant');
      }
      const problems = fitErrors(deps, body);
      if (problems.length) throw new ApiError(400, 'invalid_request', 'the standard does not fit any instrument type', problems);
      // a standard-oot alert carries the standard's id as its device: it must not name an instrument
      if (deps.registry.device(body.id)) throw new ApiError(409, 'conflict', `${body.id} is an instrument's id; give the standard another id`);
      try {
        const s = await deps.standards.create(body, `${p.role}:${p.name}`, deps.now());
        await audit(p, 'standard.create', s.id, { tenant: s.tenant ?? null, quantity: s.quantity, unit: s.unit, kind: s.kind });
        return standardView(deps, s);
      } catch (e) {
        if (e instanceof ConflictError) throw new ApiError(409, 'conflict', e.message);
        throw e;
      }
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/standards',
    summary: 'Reference standards visible to this token, with their calibration state',
    tag: 'standards',
    roles: ALL_ROLES,
    query: ListQuery,
    response: Items(StandardAnswer),
    handler: ({ p, query }) => ({
      items: deps.standards
        .list()
        .filter((s) => canSeeStandard(deps, p, s) && (!query.tenant || s.tenant === query.tenant) && (!query.kind || s.kind === query.kind))
        .map((s) => standardView(deps, s))
        .filter((s) => !query.state || s.state === query.state),
    }),
  });
  r.add({
    method: 'get',
    path: '/api/v1/standards/:id',
    summary: 'One reference standard: state (valid, expired, none), validUntil, its latest calibration',
    tag: 'standards',
    roles: ALL_ROLES,
    response: StandardAnswer,
    handler: ({ p, params }) => standardView(deps, visibleStandard(deps, p, params.id)),
  });
  r.add({
    method: 'post',
    path: '/api/v1/standards/:id/certificates',
    summary: "Add the standard's calibration certificate (U, k = 2, in its unit; asFound before adjustment)",
    tag: 'standards',
    roles: ['admin', 'operator'],
    body: StandardCertificateBody,
    status: 201,
    response: StandardCertificateAnswer,
    answers: [
      {
        status: 200,
        description:
          'a retry: the certificate on record under this number says the same; answered as on record, nothing added and no second standard-oot alert',
      },
      {
        status: 409,
        description: 'a certificate with this number is on record for the standard with other content: one on record is never replaced',
      },
    ],
    handler: async ({ c, p, params, body }) => {
      const s = visibleStandard(deps, p, params.id);
      mayManage(p, s.tenant);
      // dates alone are days of the owner's zone (the authority's: MAG_DEFAULT_TIME_ZONE): issued from the start, valid through the end
      const zone = zoneOf(deps, s.tenant);
      refuseFuture(deps, zone, [['issuedAt', body.issuedAt]]); // a calibration not yet made
      const dated = { ...body, issuedAt: validFrom(body.issuedAt, zone), validUntil: validThrough(body.validUntil, zone) };
      // a certificate number once per standard, as for an instrument: the same content again is a retry (200, the
      // certificate on record, no second standard-oot alert), other content 409; decided by the store, from its
      // cache or, for two nodes adding one number at once, its unique index
      let cert: StoredStandardCertificate;
      try {
        cert = await deps.standards.addCertificate(s.id, dated, `${p.role}:${p.name}`, deps.now());
      } catch (e) {
        if (!(e instanceof StandardCertificateOnRecord)) throw e;
        if (!e.sameContent) throw new ApiError(409, 'conflict', e.message);
        return c.json(standardCertificateView(e.certificate, zone), 200);
      }
      await audit(p, 'standard.certificate.add', s.id, { tenant: s.tenant ?? null, number: cert.number, validUntil: cert.validUntil, asFound: cert.asFound });
      return standardCertificateView(cert, zone);
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/standards/:id/certificates',
    summary: "The standard's calibration certificates, newest first",
    tag: 'standards',
    roles: ALL_ROLES,
    response: Items(StandardCertificateAnswer),
    handler: ({ p, params }) => {
      const s = visibleStandard(deps, p, params.id);
      const zone = zoneOf(deps, s.tenant);
      return { items: [...deps.standards.certificatesOf(s.id)].reverse().map((c) => standardCertificateView(c, zone)) };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/standards/:id/impact',
    summary:
      'Reverse traceability: the instruments checked with this standard in the period (default: since it was last found in tolerance) and the decisions that could change',
    tag: 'standards',
    roles: ALL_ROLES,
    query: ImpactQuery,
    produces: 'application/json, text/csv or an .xlsx workbook',
    handler: async ({ c, p, params, query }) => {
      const s = visibleStandard(deps, p, params.id);
      // from ≤ ts ≤ to; dates alone are days of the standard's enterprise's zone (the default zone for the authority's), both included
      refuseReversed(query, zoneOf(deps, s.tenant));
      const { from, to } = queryRange(query, zoneOf(deps, s.tenant), 'through');
      const { rows, ...impact } = await deps.standards.impact(s.id, deps.now().getTime(), { from, to }, visibleTenantIds(deps, p));
      if (query.format !== 'json') {
        return tableDownload(c, query.format, {
          name: `standard-impact-${s.id}`,
          header: CSV_HEADER,
          instants: ['ts'],
          timeZone: zoneOf(deps, s.tenant),
          // an authority's standard serves enterprises of any zone: each check on its own enterprise's clock
          zoneOfRow: (row) => zoneOf(deps, row[0] as string),
          rows: rows.map((x) => [
            x.tenant,
            x.device,
            x.type,
            x.seq,
            x.ts,
            x.gas,
            x.point,
            x.reference,
            x.error,
            x.mpe,
            x.uncertainty,
            x.unit,
            x.decision,
            x.legal,
            x.traceable,
            x.finding,
            x.band,
            x.couldChange,
            x.possibleDecisions.join('|'),
            x.possibleLegal.join('|'),
          ]),
        });
      }
      return impactView(impact, zoneOf(deps, s.tenant));
    },
  });
}

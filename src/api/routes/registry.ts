// Tenants, tokens, instrument types, devices and certificates.
import { z } from 'zod';
import { effectiveVerificationDue, intervalMonthsOf, validateDevice } from '../../metrology/index.ts';
import { isTimeZone } from '../../ingest/time-zone.ts';
import { CertificateOnRecord, ConflictError, changedDevice, type Device, type StoredCertificate } from '../../store/registry.ts';
import {
  ApiError,
  ALL_ROLES,
  Id,
  IsoDate,
  Items,
  QueryInt,
  actorOf,
  canSeeTenant,
  issuedView,
  notFound,
  refuseFuture,
  utcInstant,
  visibleDevice,
  visibleTenantIds,
  zoneOf,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';
import { validFrom, validThrough } from '../../oversight/period.ts';
import type { Principal } from '../../store/tokens.ts';
import { dueWithin, enterpriseStanding } from '../../oversight/figures.ts';
import { KnownRegion, Measured, NonNegative, Positive, Text, instrumentScale, noRepeats } from './bounds.ts';
import { rangeErrors, scaleErrors } from '../../metrology/registration.ts';

export const Region = z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code such as VN-HN');

const TimeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Ho_Chi_Minh or Europe/Berlin');
export const TenantBody = z.strictObject({ id: Id, name: Text(200), region: KnownRegion, timeZone: TimeZone.optional() });
const ZoneOrNull = 'must be an IANA time zone such as Asia/Ho_Chi_Minh, or null (the enterprise then follows MAG_DEFAULT_TIME_ZONE)';
export const TenantSettingsBody = z.strictObject({ timeZone: z.string({ error: ZoneOrNull }).refine(isTimeZone, ZoneOrNull).nullable() });
export const TokenBody = z
  .strictObject({
    role: z.enum(['admin', 'operator', 'inspector']),
    tenant: Id.optional(),
    regions: noRepeats(z.array(KnownRegion).min(1).max(100), 'region').optional(),
    name: Text(200),
  })
  .superRefine((b, ctx) => {
    // each issue carries the field's own value (absent: "tenant is missing: it …"), not the whole body
    if (b.role === 'operator' && !b.tenant)
      ctx.addIssue({ code: 'custom', path: ['tenant'], input: undefined, message: 'must name the enterprise an operator token acts for' });
    if (b.role === 'inspector' && !b.regions)
      ctx.addIssue({ code: 'custom', path: ['regions'], input: undefined, message: 'must list the provinces an inspector token covers, e.g. ["VN-HN"]' });
    if (b.role !== 'operator' && b.tenant)
      ctx.addIssue({
        code: 'custom',
        path: ['tenant'],
        input: b.tenant,
        message: `must be left out of ${b.role === 'admin' ? 'an admin' : 'an inspector'} token: only an operator token has a tenant`,
      });
    if (b.role !== 'inspector' && b.regions)
      ctx.addIssue({
        code: 'custom',
        path: ['regions'],
        input: b.regions,
        message: `must be left out of ${b.role === 'admin' ? 'an admin' : 'an operator'} token: only an inspector token has regions`,
      });
  });

/** GET /api/v1/me: who the presented token is (the console asks it to show or hide actions). */
export const MeView = z.object({
  id: z.string(),
  role: z.enum(['admin', 'operator', 'inspector']),
  tenant: Id.optional(),
  regions: z.array(z.string()).optional(),
  name: z.string(),
});

export const DeviceBody = z.strictObject({
  id: Id,
  tenant: Id,
  type: z.string().min(1).max(64),
  serial: Text(128),
  model: z.string().max(128).optional(),
  site: z.string().max(200).optional(),
  class: z.string().min(1).max(16).optional(),
  range: z
    .strictObject({ min: Measured, max: Measured })
    .refine((r) => r.max > r.min, 'max must be greater than min')
    .optional(),
  mpe: z
    .strictObject({
      absolute: NonNegative.optional(),
      relative: NonNegative.refine((x) => x < 1, 'must be a fraction in [0, 1)').optional(),
    })
    .refine((m) => m.absolute !== undefined || m.relative !== undefined, 'give absolute, relative or both')
    .optional(),
  resolution: Positive.optional(),
  mmq: Positive.optional(),
  e: Positive.optional(),
  max: Positive.optional(),
  construction: z.string().min(1).max(64).optional(),
  use: z.string().min(1).max(64).optional(),
  expectedIntervalSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86400)
    .optional(),
});

const Nullable = <T extends z.ZodType>(t: T) => t.nullable().optional();
const CHANGEABLE = ['site', 'use', 'model', 'expectedIntervalSeconds', 'movedAt'];
export const DeviceChangeBody = z
  .looseObject({
    site: Nullable(Text(200)),
    use: Nullable(z.string().min(1).max(64)),
    model: Nullable(Text(128)),
    expectedIntervalSeconds: Nullable(
      z
        .number()
        .int()
        .min(1)
        .max(30 * 86400),
    ),
    /** The instant the instrument moved to `site` or was put to `use` (a date alone: the start of that day in the enterprise's zone). */
    movedAt: IsoDate.optional(),
  })
  .superRefine((b, ctx) => {
    const { movedAt, ...changes } = b;
    const fixed = Object.keys(b).filter((k) => !CHANGEABLE.includes(k));
    for (const k of fixed)
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: `is not changed here: an instrument's identity and metrology are those its certificates name (a repaired or replaced instrument is registered as one); only site, use, model, expectedIntervalSeconds and movedAt are`,
        input: b[k],
      });
    if (fixed.length > 0) return;
    if (Object.keys(changes).length === 0)
      ctx.addIssue({ code: 'custom', message: 'must name at least one of site, use, model, expectedIntervalSeconds (null removes one)', input: b });
    else if (movedAt !== undefined && b.site === undefined && b.use === undefined)
      ctx.addIssue({ code: 'custom', path: ['movedAt'], message: 'dates a move: give the new site or use with it', input: movedAt });
  });

export const CertificateBody = z
  .strictObject({
    kind: z.enum(['verification', 'calibration']),
    number: Text(128),
    issuedBy: Text(200),
    issuedAt: IsoDate,
    validUntil: IsoDate,
    correction: z
      .strictObject({
        offset: Measured.optional(),
        // a relative correction: corrected = indicated × (1 + gain) + offset. The widest MPE of the types
        // is ±10 % (a gas detector's); an instrument reading 50 % off is not corrected but repaired
        gain: z
          .number()
          .refine((g) => Math.abs(g) < 0.5, 'must be a small relative correction, |gain| < 0.5 (0.002 is +0.2 %: corrected = indicated × (1 + gain) + offset)')
          .optional(),
      })
      .optional(),
    uncertainty: NonNegative.optional(),
  })
  .refine((c) => Number.isNaN(Date.parse(c.issuedAt)) || Number.isNaN(Date.parse(c.validUntil)) || Date.parse(c.validUntil) > Date.parse(c.issuedAt), {
    path: ['validUntil'],
    message: 'must be after issuedAt',
  });

// ── what the routes answer (/openapi.json); each handler's answer is type-checked against its schema ──
const Role = z.enum(['admin', 'operator', 'inspector']);
export const TenantAnswer = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  timeZone: z.string().optional().describe("IANA time zone of its devices' times without a zone; absent: MAG_DEFAULT_TIME_ZONE"),
  createdAt: z.string(),
});
const TenantListItem = TenantAnswer.extend({
  zoneInEffect: z.string().describe('the zone its times and days are read in: its own, else MAG_DEFAULT_TIME_ZONE'),
});
export const TokenCreatedAnswer = z.object({
  id: z.string(),
  token: z.string().describe('the bearer token, in this answer only (the gateway keeps its hash): keep it now; lost, revoke it and create another'),
  role: Role,
  tenant: z.string().optional(),
  regions: z.array(z.string()).optional(),
  name: z.string(),
});
const TokenListItem = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  tenant: z.string().optional(),
  regions: z.array(z.string()).optional(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
const VerificationState = z.object({
  state: z.enum(['valid', 'due-soon', 'expired', 'none']),
  validUntil: z.string().nullable(),
  basis: z.literal('calibration').optional().describe("a type kept in standing by calibration certificates: its state is its calibration's"),
});
const SequenceFigures = z.object({
  last: z.number(),
  received: z.number(),
  gaps: z.number(),
  missing: z.number(),
  backwards: z.number(),
  restarts: z.number(),
  since: z.string(),
  lastAt: z.string(),
});
/** An instrument as GET /devices/{id} answers it (deviceView). */
export const DeviceAnswer = z.object({
  id: z.string(),
  tenant: z.string(),
  type: z.string(),
  serial: z.string(),
  model: z.string().optional(),
  site: z.string().optional(),
  class: z.string().optional(),
  range: z.object({ min: z.number(), max: z.number() }).optional(),
  mpe: z.object({ absolute: z.number().optional(), relative: z.number().optional() }).optional(),
  resolution: z.number().optional(),
  mmq: z.number().optional(),
  e: z.number().optional(),
  max: z.number().optional(),
  construction: z.string().optional(),
  use: z.string().optional(),
  expectedIntervalSeconds: z.number().optional(),
  placements: z
    .array(z.object({ until: z.string(), site: z.string().optional(), use: z.string().optional() }))
    .optional()
    .describe('where and for what it was in service before its present site and use, oldest first'),
  createdAt: z.string(),
  lastSeenAt: z.string().nullable(),
  verification: VerificationState,
  drift: z.array(
    z.object({
      series: z.string(),
      gas: z.string().optional(),
      point: z.string().optional(),
      regime: z.enum(['verification', 'inService']).optional(),
      points: z.number(),
      slopePerDay: z.number().nullable(),
      predictedOutOfToleranceAt: z.string().nullable(),
      ewmaSignal: z.boolean(),
      cusumSignal: z.boolean(),
    }),
  ),
  sealed: z
    .object({ finding: z.string(), inspection: z.string(), since: z.string() })
    .optional()
    .describe('sealed off by an inspector: out of use until the finding is closed'),
  sequence: z
    .object({ readings: SequenceFigures.optional(), checks: SequenceFigures.optional(), packages: SequenceFigures.optional() })
    .optional()
    .describe("the seq numbering as this node received it, per topic; absent before the device's first numbered message"),
});
const MqttSecret = z
  .string()
  .describe(
    'the MQTT password of the device, in this answer only (the gateway keeps its hash): give it to the device now; lost, rotate it (POST /devices/{id}/secret)',
  );
export const RegisteredDeviceAnswer = DeviceAnswer.extend({ secret: MqttSecret });
/** An instrument's certificate as the API answers it (certificateView). */
export const CertificateAnswer = z.object({
  id: z.number(),
  device: z.string(),
  kind: z.enum(['verification', 'calibration']),
  number: z.string(),
  issuedBy: z.string(),
  issuedAt: z.string().describe('the instant, UTC'),
  issuedOn: z.string().describe("the enterprise's day it was issued, YYYY-MM-DD"),
  validUntil: z.string().describe('the last instant it is valid, UTC'),
  correction: z.object({ offset: z.number().optional(), gain: z.number().optional() }).optional(),
  uncertainty: z.number().optional(),
  createdAt: z.string(),
});
const AddedCertificateAnswer = CertificateAnswer.extend({
  dueAt: z.string().optional().describe('when the instrument is due: validUntil, or issuedAt + its legal interval when the certificate claims longer'),
  warnings: z.array(z.string()),
});

const VerificationParam = z.enum(['valid', 'due-soon', 'expired', 'none']);
const DeviceQuery = z.object({
  tenant: Id.optional(),
  type: z.string().optional(),
  /** The verification state (`status` is its older name). */
  verification: VerificationParam.optional(),
  status: VerificationParam.optional(),
  region: Region.optional(),
  /** Verified and due (valid until) within this many days from now. */
  dueWithinDays: QueryInt(0, 3660).optional(),
});
const TenantQuery = z.object({
  region: Region.optional(),
  /** The enterprise's verification standing: the worst state of its instruments (an enterprise without any has none). */
  verification: VerificationParam.optional(),
  /** `none`: the enterprises without an instrument on record; `some`: those with one or more. */
  instruments: z.enum(['none', 'some']).optional(),
});

export async function deviceView(deps: ApiDeps, d: Device) {
  const verification = deps.assurance.verificationOf(d, deps.now().getTime());
  const { bySeries } = await deps.assurance.driftOf(d.id, deps.profiles.get(d.type));
  const drift = bySeries.map((s) => ({
    series: s.series,
    gas: s.gas,
    point: s.point,
    regime: s.regime,
    points: s.points,
    slopePerDay: s.slopePerDay,
    predictedOutOfToleranceAt: s.predictedOutOfToleranceAt,
    ewmaSignal: s.ewma.signal,
    cusumSignal: s.cusum.signal,
  }));
  const sealed = deps.inspections.sealOf(d.id); // sealed off by an inspector: out of use until the finding is closed
  // the seq numbering as this node received it: gaps and steps back per topic (src/ingest/sequence.ts)
  const sequence = deps.assurance.sequences.of(d.id);
  return { ...d, lastSeenAt: d.lastSeenAt ?? null, verification, drift, ...(sealed ? { sealed } : {}), ...(sequence ? { sequence } : {}) };
}

/**
 * An instrument's certificate as the API answers it (POST and GET /devices/{id}/certificates, a
 * campaign's verification): issuedAt and validUntil in UTC, and issuedOn, the enterprise's day it
 * was issued (issuedView). The store keeps them at the enterprise's offset, as verification.ts reads them.
 */
export function certificateView(c: StoredCertificate, zone: string) {
  return { ...c, ...issuedView(c.issuedAt, zone), validUntil: utcInstant(c.validUntil) };
}

function ownTenant(deps: ApiDeps, p: Principal, tenant: string): void {
  const t = deps.registry.tenant(tenant);
  if (!t || !canSeeTenant(p, tenant, t.region)) throw notFound(`tenant ${tenant}`, 'tenant');
}

// Long on purpose: a table of route registrations (one r.add per route), each small; splitting it would scatter one resource.
export function registryRoutes(r: RouteTable, deps: ApiDeps): void {
  const audit = (p: Principal, action: string, target: string, details: Record<string, unknown> = {}) =>
    deps.audit.append(actorOf(p), action, target, details, deps.now());

  r.add({
    method: 'post',
    path: '/api/v1/tenants',
    summary: 'Register an enterprise',
    tag: 'tenants',
    roles: ['admin'],
    body: TenantBody,
    status: 201,
    response: TenantAnswer,
    answers: [{ status: 409, description: 'an enterprise with this id is registered already' }],
    handler: async ({ p, body }) => {
      try {
        const t = await deps.registry.createTenant(body, deps.now());
        await audit(p, 'tenant.create', t.id, { name: t.name, region: t.region, timeZone: t.timeZone });
        return t;
      } catch (e) {
        if (e instanceof ConflictError) throw new ApiError(409, 'conflict', e.message);
        throw e;
      }
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/tenants',
    summary: 'Enterprises visible to this token (`verification`: by the worst verification state of their instruments)',
    tag: 'tenants',
    roles: ALL_ROLES,
    query: TenantQuery,
    response: Items(TenantListItem),
    handler: ({ p, query }) => {
      let items = deps.registry.listTenants().filter((t) => canSeeTenant(p, t.id, t.region) && (!query.region || t.region === query.region));
      if (query.instruments) {
        const owners = new Set(deps.registry.listDevices().map((d) => d.tenant));
        items = items.filter((t) => owners.has(t.id) === (query.instruments === 'some'));
      }
      if (query.verification) {
        const now = deps.now().getTime();
        const devices = deps.registry.listDevices();
        // the worst state of its instruments; an enterprise without any has no standing to match
        items = items.filter((t) => {
          const mine = devices.filter((d) => d.tenant === t.id);
          return mine.length > 0 && enterpriseStanding(mine.map((d) => deps.assurance.verificationOf(d, now).state)) === query.verification;
        });
      }
      // the zone its times and days are read in (its own, else MAG_DEFAULT_TIME_ZONE): a form defaults to its clock
      return { items: items.map((t) => ({ ...t, zoneInEffect: zoneOf(deps, t.id) })) };
    },
  });
  r.add({
    method: 'patch',
    path: '/api/v1/tenants/:id',
    summary: "Set the enterprise's time zone (times its devices send without a zone are read in it; null: MAG_DEFAULT_TIME_ZONE)",
    tag: 'tenants',
    roles: ['admin'],
    body: TenantSettingsBody,
    response: TenantAnswer,
    handler: async ({ p, params, body }) => {
      const t = await deps.registry.setTenantTimeZone(params.id, body.timeZone);
      if (!t) throw notFound(`tenant ${params.id}`);
      await audit(p, 'tenant.update', t.id, { timeZone: body.timeZone });
      return t;
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/tokens',
    summary: 'Create an API token (returned once)',
    tag: 'tokens',
    roles: ['admin'],
    body: TokenBody,
    status: 201,
    response: TokenCreatedAnswer,
    handler: async ({ p, body }) => {
      if (body.tenant && !deps.registry.tenant(body.tenant))
        throw new ApiError(400, 'invalid_request', 'the request body is invalid', [{ path: 'tenant', message: `tenant ${body.tenant} does not exist` }]);
      const { token, principal } = await deps.tokens.create(body, `${p.role}:${p.name}`, deps.now());
      await audit(p, 'token.create', principal.tokenId, { role: body.role, tenant: body.tenant, regions: body.regions, name: body.name });
      return { id: principal.tokenId, token, role: principal.role, tenant: principal.tenant, regions: principal.regions, name: principal.name };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/tokens',
    summary: 'API tokens (without their secrets)',
    tag: 'tokens',
    roles: ['admin'],
    response: Items(TokenListItem),
    handler: async () => ({
      items: (await deps.tokens.list()).map((t) => ({
        id: t.tokenId,
        name: t.name,
        role: t.role,
        tenant: t.tenant,
        regions: t.regions,
        createdAt: t.createdAt,
        revokedAt: t.revokedAt ?? null,
      })),
    }),
  });
  r.add({
    method: 'delete',
    path: '/api/v1/tokens/:id',
    summary: 'Revoke an API token (stops working at once)',
    tag: 'tokens',
    roles: ['admin'],
    response: z.object({ id: z.string(), revoked: z.boolean() }),
    handler: async ({ p, params }) => {
      if (!(await deps.tokens.revoke(params.id, deps.now()))) throw notFound(`token ${params.id}`);
      await audit(p, 'token.revoke', params.id);
      return { id: params.id, revoked: true };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/me',
    summary: 'The presented token: its role, tenant (operator), regions (inspector) and name',
    tag: 'tokens',
    roles: ALL_ROLES,
    response: MeView,
    handler: ({ p }) => ({
      id: p.tokenId,
      role: p.role,
      ...(p.tenant ? { tenant: p.tenant } : {}),
      ...(p.regions ? { regions: p.regions } : {}),
      name: p.name,
    }),
  });
  r.add({
    method: 'get',
    path: '/api/v1/instrument-types',
    summary: 'Instrument-type profiles (devices/)',
    tag: 'instrument-types',
    roles: ALL_ROLES,
    handler: () => ({ items: [...deps.profiles.values()] }),
  });

  r.add({
    method: 'post',
    path: '/api/v1/devices',
    summary: 'Register an instrument; the MQTT secret is in the answer, once',
    tag: 'devices',
    roles: ['admin', 'operator'],
    body: DeviceBody,
    status: 201,
    response: RegisteredDeviceAnswer,
    answers: [
      {
        status: 409,
        description:
          "the id is taken: an instrument with it is registered already, or it is a reference standard's (a standard-oot alert names its standard as its device)",
      },
    ],
    handler: async ({ p, body }) => {
      ownTenant(deps, p, body.tenant);
      const profile = deps.profiles.get(body.type);
      if (!profile)
        throw new ApiError(400, 'invalid_request', 'the request body is invalid', [
          { path: 'type', message: `unknown instrument type; one of ${[...deps.profiles.keys()].join(', ')}` },
        ]);
      const problems = [...validateDevice(profile, body), ...rangeErrors(profile, body.range), ...scaleErrors(profile, body)];
      if (problems.length) throw new ApiError(400, 'invalid_request', 'the device does not fit its instrument type', problems);
      // a standard-oot alert carries the standard's id as its device (as POST /standards refuses an instrument's id)
      if (deps.standards.get(body.id)) throw new ApiError(409, 'conflict', `${body.id} is a reference standard's id; give the instrument another id`);
      try {
        const { device, secret } = await deps.registry.createDevice(body, deps.now());
        await audit(p, 'device.create', device.id, { tenant: device.tenant, type: device.type, serial: device.serial });
        deps.publishConfig(device, true);
        return { ...(await deviceView(deps, device)), secret };
      } catch (e) {
        if (e instanceof ConflictError) throw new ApiError(409, 'conflict', e.message);
        throw e;
      }
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/devices',
    summary: 'Instruments visible to this token',
    tag: 'devices',
    roles: ALL_ROLES,
    query: DeviceQuery,
    response: Items(DeviceAnswer),
    handler: async ({ p, query }) => {
      const visible = visibleTenantIds(deps, p);
      const state = query.verification ?? query.status;
      const inRegion = (tenant: string) => !query.region || deps.registry.tenant(tenant)?.region === query.region;
      const now = deps.now().getTime();
      const devices = deps.registry
        .listDevices()
        .filter(
          (d) =>
            (!visible || visible.has(d.tenant)) && (!query.tenant || d.tenant === query.tenant) && (!query.type || d.type === query.type) && inRegion(d.tenant),
        );
      const items = (await Promise.all(devices.map((d) => deviceView(deps, d)))).filter(
        (d) => (!state || d.verification.state === state) && (query.dueWithinDays === undefined || dueWithin(d.verification, now, query.dueWithinDays)),
      );
      return { items };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id',
    summary: 'One instrument with its verification state and drift summary',
    tag: 'devices',
    roles: ALL_ROLES,
    response: DeviceAnswer,
    handler: ({ p, params }) => deviceView(deps, visibleDevice(deps, p, params.id)),
  });
  r.add({
    method: 'patch',
    path: '/api/v1/devices/:id',
    summary:
      "Change where and for what the instrument is used (site, use), its model's name or its reporting interval; null removes one. With movedAt the instrument moved then: its checks before it stay with its earlier site and use (placements). Its identity and metrology are its certificates' and are not changed here",
    tag: 'devices',
    roles: ['admin', 'operator'],
    body: DeviceChangeBody,
    response: DeviceAnswer,
    answers: [{ status: 409, description: 'the instrument was changed by another process since this one read it: read it again and retry' }],
    handler: async ({ p, params, body }) => {
      const d = visibleDevice(deps, p, params.id);
      const { movedAt: given, ...fields } = body;
      // only what differs is a change: the same request again (a retry) changes nothing and moves nothing
      const changes = Object.entries(fields).filter(([k, v]) => (v ?? undefined) !== (d as unknown as Record<string, unknown>)[k]);
      if (changes.length === 0) return deviceView(deps, d);
      const zone = zoneOf(deps, d.tenant);
      const moves = changes.some(([k]) => k === 'site' || k === 'use');
      const movedAt = given !== undefined && moves ? new Date(Date.parse(validFrom(given, zone))).toISOString() : undefined;
      if (movedAt !== undefined) {
        refuseFuture(deps, zone, [['movedAt', given]]); // a move is recorded once made
        const last = d.placements?.at(-1)?.until;
        if (last !== undefined && Date.parse(movedAt) <= Date.parse(last))
          throw new ApiError(400, 'invalid_request', 'the request body is invalid', [
            { path: 'movedAt', message: `${given} is not after the instrument's last move (${last}): moves are recorded in order` },
          ]);
      }
      const change = { ...Object.fromEntries(changes), ...(movedAt !== undefined ? { movedAt } : {}) };
      const profile = deps.profiles.get(d.type);
      if (profile) {
        // the changed record must fit its type as a new one would (a use's requirements: a gold-trading
        // scale's e); what the record already had against a profile changed since is not this change's
        const had = new Set([...validateDevice(profile, d), ...scaleErrors(profile, d)].map((e) => `${e.path}\u0000${e.message}`));
        const next = changedDevice(d, change);
        const problems = [...validateDevice(profile, next), ...scaleErrors(profile, next)].filter((e) => !had.has(`${e.path}\u0000${e.message}`));
        if (problems.length) throw new ApiError(400, 'invalid_request', 'the change does not fit the instrument type', problems);
      }
      let updated: Device | undefined;
      try {
        updated = await deps.registry.updateDevice(d.id, change);
      } catch (e) {
        if (e instanceof ConflictError) throw new ApiError(409, 'conflict', e.message);
        throw e;
      }
      if (!updated) throw notFound(`device ${d.id}`);
      await audit(p, 'device.update', d.id, {
        changes: Object.fromEntries(changes.map(([k, v]) => [k, { from: (d as unknown as Record<string, unknown>)[k] ?? null, to: v }])),
        ...(movedAt !== undefined ? { movedAt } : {}),
      });
      if (updated.use !== d.use) await deps.assurance.onUseChanged(updated, d.use, deps.now());
      return deviceView(deps, updated);
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/devices/:id/secret',
    summary: 'Rotate the MQTT secret (the old one stops working at once)',
    tag: 'devices',
    roles: ['admin', 'operator'],
    response: z.object({ id: z.string(), secret: MqttSecret }),
    handler: async ({ p, params }) => {
      const d = visibleDevice(deps, p, params.id);
      const secret = await deps.registry.rotateSecret(d.id);
      deps.sessions.disconnect(d.id); // a session opened with the old secret ends now too
      await audit(p, 'device.secret.rotate', d.id);
      return { id: d.id, secret };
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/devices/:id/certificates',
    summary: 'Add a verification or calibration certificate',
    tag: 'certificates',
    roles: ['admin', 'operator'],
    body: CertificateBody,
    status: 201,
    response: AddedCertificateAnswer,
    answers: [
      {
        status: 200,
        description: 'a retry: the certificate on record under this number says the same; answered as on record, nothing added or audited',
      },
      {
        status: 409,
        description:
          'a certificate with this number is on record for the instrument with other content: one on record is never replaced, a new one has its own number',
      },
    ],
    handler: async ({ c, p, params, body }) => {
      const d = visibleDevice(deps, p, params.id);
      const profile = deps.profiles.get(d.type);
      const bounds = profile ? certificateBoundErrors(body, instrumentScale(profile, d)) : [];
      if (bounds.length) throw new ApiError(400, 'invalid_request', 'the certificate does not fit the instrument', bounds);
      // dates alone are days of the enterprise's zone: issued from the start of that day, valid through its end
      const zone = zoneOf(deps, d.tenant);
      refuseFuture(deps, zone, [['issuedAt', body.issuedAt]]); // a certificate not yet issued
      const dated = { ...body, issuedAt: validFrom(body.issuedAt, zone), validUntil: validThrough(body.validUntil, zone) };
      // A certificate number is the issuer's, once per instrument: the same one again with the same
      // content is a retry, answered 200 with the certificate stored (nothing added, nothing audited);
      // with other content, 409 (a certificate on record is never replaced). The registry tells
      // (CertificateOnRecord), from its cache or, for two nodes adding one number at once, its unique index.
      let cert: StoredCertificate;
      let added = true;
      try {
        cert = await deps.registry.addCertificate(d.id, dated, `${p.role}:${p.name}`, deps.now());
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        if (!(e instanceof CertificateOnRecord && e.sameContent)) throw new ApiError(409, 'conflict', e.message);
        cert = e.certificate;
        added = false;
      }
      // A certificate of the kind that keeps the type in standing (a verification; a calibration for
      // a calibrated type) claiming longer than the device's interval makes the instrument due at
      // issuedAt + interval (docs/metrology.md §3.6): said in the answer and the audit entry.
      const due = profile && cert.kind === profile.standing ? effectiveVerificationDue(cert, intervalMonthsOf(profile, d)) : null;
      const warnings = due?.warning ? [due.warning] : [];
      if (!added) return c.json({ ...certificateView(cert, zone), ...(due ? { dueAt: due.dueAt } : {}), warnings }, 200);
      await audit(p, 'certificate.add', d.id, {
        kind: cert.kind,
        number: cert.number,
        validUntil: cert.validUntil,
        ...(due ? { dueAt: due.dueAt } : {}),
        ...(warnings.length ? { warnings } : {}),
      });
      await deps.assurance.onCertificate(d, cert, deps.now());
      deps.publishConfig(d, true);
      return { ...certificateView(cert, zone), ...(due ? { dueAt: due.dueAt } : {}), warnings };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/certificates',
    summary: 'Certificates of an instrument',
    tag: 'certificates',
    roles: ALL_ROLES,
    response: Items(CertificateAnswer),
    handler: ({ p, params }) => {
      const d = visibleDevice(deps, p, params.id);
      const zone = zoneOf(deps, d.tenant);
      return { items: [...deps.registry.certificatesOf(d.id)].reverse().map((c) => certificateView(c, zone)) };
    },
  });
}

/**
 * Why a certificate's correction or uncertainty cannot be the instrument's, or []: an offset or an
 * uncertainty larger than anything the instrument reads (its range's largest magnitude), in its
 * canonical unit. The schema has bounded them to 1e9 already.
 */
function certificateBoundErrors(
  c: { correction?: { offset?: number }; uncertainty?: number },
  scale: { value: number; unit: string; range: string } | undefined,
): { path: string; message: string }[] {
  if (!scale) return [];
  const errors: { path: string; message: string }[] = [];
  const offset = c.correction?.offset;
  if (offset !== undefined && Math.abs(offset) > scale.value)
    errors.push({
      path: 'correction.offset',
      message: `correction.offset ${offset} ${scale.unit} is larger than anything the instrument reads (range ${scale.range}): a correction is a small part of a reading, in ${scale.unit}`,
    });
  if (c.uncertainty !== undefined && c.uncertainty > scale.value)
    errors.push({
      path: 'uncertainty',
      message: `uncertainty ${c.uncertainty} ${scale.unit} is larger than anything the instrument reads (range ${scale.range}): U (k = 2) of its calibration, in ${scale.unit}`,
    });
  return errors;
}

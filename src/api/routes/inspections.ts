// On-site inspection records (biên bản kiểm tra): open, record instruments and findings, close,
// amend, and print. Inspectors act on the enterprises of their regions, admins on all; an
// operator reads its own enterprise's records and answers their findings.
import { z } from 'zod';
import { Refusal } from '../../inspections/inspection-service.ts';
import { FINDING_KINDS, FINDING_STATES, INSPECTION_STATES, type Inspection, type InspectionItem, type InspectionRecord } from '../../inspections/types.ts';
import type { Principal } from '../../store/tokens.ts';
import { printShop } from '../../oversight/print-shop.ts';
import { printed } from '../printed.ts';
import { sellerFavourAtPlace } from '../../inspections/seller-favour-at-place.ts';
import { placementAt } from '../../store/registry.ts';
import { Region } from './registry.ts';
import { Measured, NonNegative } from './bounds.ts';
import {
  tradeUser,
  ApiError,
  ALL_ROLES,
  Id,
  PRINT_SHOP_BUSY,
  IsoDate,
  QueryInt,
  actorOf,
  canSeeTenant,
  checkView,
  notFound,
  queryBoundIso,
  refuseFuture,
  refuseReversed,
  visibleTenantIds,
  zoneOf,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';

const Text = (max: number) => z.string().trim().min(1).max(max);

export const InspectionBody = z.strictObject({
  tenant: Id,
  site: z.string().max(200).optional(),
  /** The address of the establishment or site inspected. */
  siteAddress: Text(500).optional(),
  /** The issuing authority above the team on the record; the campaign's when absent. */
  authority: Text(200).optional(),
  /** The mobile verification campaign the record is opened within. */
  campaign: Id.optional(),
  /** The establishment's representative (đại diện cơ sở), named on the record and above its signature. */
  representative: z.strictObject({ name: Text(200), position: Text(200).optional() }).optional(),
  startedAt: IsoDate,
  inspectors: z.array(Text(200)).min(1).max(20),
  legalBasis: z.string().max(1000).optional(),
});

// |x| ≤ 1e9 here; the instrument's own range (a negative volume, a value far beyond what it reads) is the service's
const InspectionCheckBody = z.strictObject({
  indicated: Measured,
  reference: Measured,
  referenceUncertainty: NonNegative,
  unit: z.string().min(1).max(32),
  standardId: z.string().min(1).max(128),
  point: z.string().min(1).max(64).optional(),
  gas: z.string().min(1).max(32).optional(),
  /** Scales, OIML R76 change-point method: the small weights added, in the check unit. */
  deltaL: Measured.optional(),
  ts: IsoDate.optional(),
});

export const ItemBody = z.strictObject({
  device: Id,
  checks: z.array(InspectionCheckBody).max(50).optional(),
  sealsIntact: z.boolean(),
  verificationMarkValid: z.boolean(),
  certificateValid: z.boolean(),
  priceDisplayCorrect: z.boolean().optional(),
  notes: z.string().max(2000).optional(),
});

export const FindingBody = z.strictObject({
  device: Id.optional(),
  kind: z.enum(FINDING_KINDS),
  description: Text(2000),
  action: z.string().max(1000).optional(),
});
const AnswerBody = z.strictObject({ text: Text(4000) });
const CloseFindingBody = z.strictObject({ reason: Text(2000) });
const CloseBody = z.strictObject({ conclusion: z.string().max(4000).optional() });
/** A change as text, or as an object of the fields changed: either at most this many characters (the object as JSON). */
export const MAX_CHANGE_CHARS = 8000;
const MAX_CHANGE_DEPTH = 4;
/** Does `x` nest objects or arrays more than `max` levels deep? Iterative: a body nested thousands deep must not overflow the stack. */
function nestsDeeper(x: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[x, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
}
const ChangeObject = z.record(z.string(), z.unknown()).superRefine((o, ctx) => {
  const keys = Object.keys(o);
  if (keys.some((k) => k.trim() === '' || k.length > 200))
    ctx.addIssue({ code: 'custom', message: 'must name each field changed: a key is empty, only spaces, or longer than 200 characters' });
  else if (keys.length === 0)
    ctx.addIssue({ code: 'custom', message: 'must name at least one field changed, e.g. {"conclusion": "…"} (or be a text saying the change)' });
  else if (nestsDeeper(o, MAX_CHANGE_DEPTH))
    ctx.addIssue({ code: 'custom', message: `must not nest objects or lists more than ${MAX_CHANGE_DEPTH} levels deep` });
  else {
    const chars = JSON.stringify(o).length;
    if (chars > MAX_CHANGE_CHARS)
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_CHANGE_CHARS} characters written as JSON, as a text change is (this one is ${chars})` });
  }
});
const AmendmentBody = z.strictObject({
  reason: Text(2000),
  change: z.union([Text(MAX_CHANGE_CHARS), ChangeObject], {
    error: `must be a text (at most ${MAX_CHANGE_CHARS} characters) or a JSON object of the fields changed (at most ${MAX_CHANGE_CHARS} characters as JSON)`,
  }),
});
const ListQuery = z.object({
  tenant: Id.optional(),
  region: Region.optional(),
  state: z.enum(INSPECTION_STATES).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: QueryInt(1, 5000).default(500),
});
const FindingQuery = z.object({
  tenant: Id.optional(),
  region: Region.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  inspection: z.string().max(80).optional(),
  device: Id.optional(),
  state: z.enum(FINDING_STATES).optional(),
  kind: z.enum(FINDING_KINDS).optional(),
  limit: QueryInt(1, 5000).default(500),
});
const RecordQuery = z.object({ lang: z.enum(['vi', 'en']).default('vi') });

/** What the service answers (a value on SQLite, a Promise on PostgreSQL), a refusal as the API's error. */
async function answered<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw asApiError(e);
  }
}
/** A refusal of the inspector's work (record closed, unknown finding…) as the API's error; anything else as it is. */
export function asApiError(e: unknown): unknown {
  if (!(e instanceof Refusal)) return e;
  if (e.kind === 'not-found') return new ApiError(404, 'not_found', e.message);
  if (e.kind === 'conflict') return new ApiError(409, 'conflict', e.message);
  return new ApiError(400, 'invalid_request', e.message, e.details);
}

function visible(deps: ApiDeps, p: Principal, tenant: string): boolean {
  return canSeeTenant(p, tenant, deps.registry.tenant(tenant)?.region);
}

/** The inspection if this principal may see it; 404 otherwise. */
async function visibleInspection(deps: ApiDeps, p: Principal, id: string): Promise<Inspection> {
  const i = await deps.inspections.inspection(id);
  if (!i || !visible(deps, p, i.tenant)) throw notFound(`inspection ${id}`);
  return i;
}

/** An instrument examined as the API answers it: its checks' epoch-ms ts as ISO 8601 UTC strings (checkView). */
export function itemView(item: InspectionItem) {
  return { ...item, checks: item.checks.map(checkView) };
}

/**
 * A record as the API answers it (GET /api/v1/inspections/{id}, the close): its instruments as
 * itemView. recordHash reads this form as the stored one: a check's ts is hashed as its epoch ms.
 */
export function recordView(r: InspectionRecord, deps: Pick<ApiDeps, 'registry' | 'profiles'>) {
  return { ...r, items: r.items.map(itemView), sellerFavourAtPlace: placeJudgement(r, deps) };
}

/**
 * Which way the errors of the record's checks lean, per instrument type with a `sellerFavour` rule (NIST HB44
 * G-UR.4.1: the equipment at one place of business), derived as the record is answered or printed; left out
 * of its fingerprint (recordHash).
 */
export function placeJudgement(r: InspectionRecord, deps: Pick<ApiDeps, 'registry' | 'profiles'>) {
  // whom each instrument served on the day of the inspection: a scale moved to a purchasing point since
  // (PATCH /devices/{id} with movedAt) was a stall's scale on the record
  const on = Date.parse(r.startedAt);
  const userOf = tradeUser(deps);
  return sellerFavourAtPlace(
    r.items,
    (device) => deps.registry.device(device)?.type,
    (type) => deps.profiles.get(type)?.sellerFavour,
    (device) => {
      const d = deps.registry.device(device);
      return d ? userOf(d.type, placementAt(d, on).use) : 'seller';
    },
  );
}

/**
 * A record's list entry: the header with what was found. `openFindings` counts the findings not closed
 * (open or answered), as the shared contract's list always has; `answeredFindings` (MAG) those of them
 * answered by the enterprise and not closed yet, so open ones alone are `openFindings − answeredFindings`.
 */
export function listEntry(r: InspectionRecord) {
  const { items, findings, amendments, ...header } = r;
  return {
    ...header,
    instruments: items.length,
    nonConforming: items.filter((x) => x.verdict === 'fail').length,
    findings: findings.length,
    openFindings: findings.filter((f) => f.state !== 'closed').length,
    answeredFindings: findings.filter((f) => f.state === 'answered').length,
    amendments: amendments.length,
  };
}

// Long on purpose: a table of route registrations (one r.add per route), each small; splitting it would scatter one resource.
export function inspectionRoutes(r: RouteTable, deps: ApiDeps): void {
  const svc = deps.inspections;
  r.add({
    method: 'post',
    path: '/api/v1/inspections',
    summary: 'Open an on-site inspection record (biên bản kiểm tra) at an enterprise',
    tag: 'inspections',
    roles: ['admin', 'inspector'],
    body: InspectionBody,
    status: 201,
    handler: async ({ p, body }) => {
      if (!visible(deps, p, body.tenant)) throw notFound(`tenant ${body.tenant}`, 'tenant');
      // started when it happened, not ahead of the clock; numbered with the enterprise's year
      const yearZone = zoneOf(deps, body.tenant);
      refuseFuture(deps, yearZone, [['startedAt', body.startedAt]]);
      const { campaign: campaignId, ...rest } = body;
      const opening = { ...rest, yearZone };
      const campaign = campaignId === undefined ? undefined : await deps.campaigns.campaign(campaignId);
      // a campaign of a region this token does not cover is as unknown to it as on the campaign routes
      if (campaignId !== undefined && (!campaign || !(p.role === 'admin' || (p.regions ?? []).includes(campaign.region))))
        throw new ApiError(400, 'invalid_request', 'the request body is invalid', [{ path: 'campaign', message: `campaign ${campaignId} not found` }]);
      return answered(() => svc.open(opening, actorOf(p), campaign));
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/inspections',
    summary: 'Inspection records visible to this token, newest first',
    tag: 'inspections',
    roles: ALL_ROLES,
    query: ListQuery,
    handler: async ({ p, query }) => {
      refuseReversed(query, zoneOf(deps, query.tenant));
      const tenants = visibleTenantIds(deps, p);
      const items = await svc.list({
        tenants,
        tenant: query.tenant,
        regions: query.region ? [query.region] : undefined,
        state: query.state,
        // started in [from, to]; dates alone are days of the tenant's zone (else the default), both included
        from: queryBoundIso(query.from, zoneOf(deps, query.tenant), 'from'),
        to: queryBoundIso(query.to, zoneOf(deps, query.tenant), 'through'),
        limit: query.limit,
      });
      const records = await Promise.all(items.map((i) => svc.record(i.id)));
      return { items: records.map((r) => listEntry(r!)) };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/inspections/:id',
    summary: 'An inspection record: instruments and checks, findings, amendments',
    tag: 'inspections',
    roles: ALL_ROLES,
    handler: async ({ p, params }) => recordView((await svc.record((await visibleInspection(deps, p, params.id)).id))!, deps),
  });
  r.add({
    method: 'post',
    path: '/api/v1/inspections/:id/items',
    summary: 'Record an instrument examined: checks judged with the in-service (in-trade) MPE, seals, marks, certificate',
    tag: 'inspections',
    roles: ['admin', 'inspector'],
    body: ItemBody,
    status: 201,
    answers: [{ status: 409, description: 'the record is closed: correct it with an amendment (POST /inspections/{id}/amendments)' }],
    handler: async ({ p, params, body }) => {
      const i = await visibleInspection(deps, p, params.id);
      // a check made at the inspection, not ahead of the clock (it would become the instrument's newest)
      refuseFuture(
        deps,
        zoneOf(deps, i.tenant),
        (body.checks ?? []).map((x, n) => [`checks.${n}.ts`, x.ts] as const),
      );
      try {
        return itemView(await svc.addItem(i.id, body, actorOf(p)));
      } catch (e) {
        throw asApiError(e);
      }
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/inspections/:id/findings',
    summary: 'Note a finding: violation, sealed-off (the instrument is locked out until the finding is closed) or observation',
    tag: 'inspections',
    roles: ['admin', 'inspector'],
    body: FindingBody,
    status: 201,
    answers: [
      {
        status: 409,
        description:
          'the record is closed: correct it with an amendment (POST /inspections/{id}/amendments); or a sealed-off finding of an instrument sealed off already (by an open finding)',
      },
    ],
    handler: async ({ p, params, body }) => {
      const i = await visibleInspection(deps, p, params.id);
      return answered(() => svc.addFinding(i.id, body, actorOf(p)));
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/inspections/:id/close',
    summary: 'Close the record: it never changes afterwards (amendments only)',
    tag: 'inspections',
    roles: ['admin', 'inspector'],
    body: CloseBody,
    answers: [{ status: 409, description: 'the record is closed already' }],
    handler: async ({ p, params, body }) => {
      const i = await visibleInspection(deps, p, params.id);
      return recordView(await answered(() => svc.close(i.id, body.conclusion, actorOf(p))), deps);
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/inspections/:id/amendments',
    summary: 'Correct a closed record: the amendment is kept beside it',
    tag: 'inspections',
    roles: ['admin', 'inspector'],
    body: AmendmentBody,
    status: 201,
    answers: [{ status: 409, description: 'the record is still open: record the change directly; amendments correct a closed record' }],
    handler: async ({ p, params, body }) => {
      const i = await visibleInspection(deps, p, params.id);
      return answered(() => svc.amend(i.id, body, actorOf(p)));
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/inspections/:id/record.pdf',
    summary: 'The record as a PDF (Vietnamese; ?lang=en for English)',
    tag: 'inspections',
    roles: ALL_ROLES,
    query: RecordQuery,
    produces: 'application/pdf',
    answers: [PRINT_SHOP_BUSY],
    handler: async ({ c, p, params, query }) => {
      const record = (await svc.record((await visibleInspection(deps, p, params.id)).id))!;
      const tenant = deps.registry.tenant(record.tenant) ?? { id: record.tenant, name: record.tenant, region: record.region };
      const devices = new Map<string, { type: string; serial: string; site?: string }>();
      for (const id of new Set([...record.items.map((x) => x.device), ...record.findings.flatMap((f) => (f.device ? [f.device] : []))])) {
        const d = deps.registry.device(id);
        if (d) devices.set(id, { type: d.type, serial: d.serial, ...(d.site ? { site: d.site } : {}) });
      }
      // laid out on the print shop's worker thread; the Maps and the Date cross to it as they are (structured clone)
      const pdf = await printed(
        printShop.inspectionRecord(record, {
          lang: query.lang,
          tenant,
          devices,
          typeNames: new Map([...deps.profiles.values()].map((x) => [x.id, x.name])),
          standings: new Map([...deps.profiles.values()].map((x) => [x.id, x.standing])),
          sellerFavour: placeJudgement(record, deps),
          timeZone: deps.registry.tenant(record.tenant)?.timeZone ?? svc.defaultTimeZone,
          generatedAt: deps.now(),
        }),
      );
      return c.body(pdf, 200, {
        'content-type': 'application/pdf',
        'content-disposition': `attachment; filename="${record.id}${query.lang === 'vi' ? '' : `-${query.lang}`}.pdf"`,
      });
    },
  });

  r.add({
    method: 'get',
    path: '/api/v1/findings',
    summary: "Findings visible to this token (an operator: its own enterprise's), newest first",
    tag: 'inspections',
    roles: ALL_ROLES,
    query: FindingQuery,
    handler: async ({ p, query }) => {
      refuseReversed(query, zoneOf(deps, query.tenant));
      const { region, from, to, ...filter } = query;
      const tenants = visibleTenantIds(deps, p);
      if (region === undefined && from === undefined && to === undefined) return { items: await svc.findings({ tenants, ...filter }) };
      // the findings of the inspections started in [from, to] in the region (the overview's figures link here)
      const listed = await svc.list({
        tenants,
        regions: region ? [region] : undefined,
        from: queryBoundIso(from, zoneOf(deps, filter.tenant), 'from'),
        to: queryBoundIso(to, zoneOf(deps, filter.tenant), 'through'),
        limit: 1_000_000,
      });
      const inspections = listed.map((i) => i.id);
      return { items: inspections.length ? await svc.findings({ tenants, ...filter, inspections }) : [] };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/findings/:id',
    summary: 'One finding',
    tag: 'inspections',
    roles: ALL_ROLES,
    handler: async ({ p, params }) => {
      const f = await svc.finding(params.id);
      if (!f || !visible(deps, p, f.tenant)) throw notFound(`finding ${params.id}`);
      return f;
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/findings/:id/answer',
    summary: "The enterprise's answer to a finding (what it did about it)",
    tag: 'inspections',
    roles: ['admin', 'operator'],
    body: AnswerBody,
    answers: [
      {
        status: 409,
        description:
          'the finding is closed, or answered already with another text (an answer stays as given; the same text again is a retry, answered 200 with the finding)',
      },
    ],
    handler: async ({ p, params, body }) => {
      const f = await svc.finding(params.id);
      if (!f || !visible(deps, p, f.tenant)) throw notFound(`finding ${params.id}`);
      return answered(() => svc.answerFinding(f.id, body.text, actorOf(p)));
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/findings/:id/close',
    summary: 'Close a finding with the reason (a seal it placed is lifted)',
    tag: 'inspections',
    roles: ['admin', 'inspector'],
    body: CloseFindingBody,
    answers: [{ status: 409, description: 'the finding is closed already' }],
    handler: async ({ p, params, body }) => {
      const f = await svc.finding(params.id);
      if (!f || !visible(deps, p, f.tenant)) throw notFound(`finding ${params.id}`);
      return answered(() => svc.closeFinding(f.id, body.reason, actorOf(p)));
    },
  });
}

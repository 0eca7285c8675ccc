// Mobile verification campaigns (kiểm định lưu động): plan one over a region's markets, record
// the scales verified on the spot, read its tally. Inspectors of the region and admins.
import { z } from 'zod';
import type { Campaign } from '../../inspections/types.ts';
import type { Principal } from '../../store/tokens.ts';
import { ApiError, Id, IsoDate, actorOf, instantIn, notFound, refuseReversed, zoneOf, type ApiDeps, type RouteTable } from '../http.ts';
import { localDay, validThrough } from '../../oversight/period.ts';
import { Region, certificateView, deviceView } from './registry.ts';
import { asApiError } from './inspections.ts';
import { KnownRegion, Positive } from './bounds.ts';
import { scaleErrors } from '../../metrology/registration.ts';

const Text = (max: number) => z.string().trim().min(1).max(max);

export const CampaignBody = z.strictObject({
  id: Id,
  name: Text(200),
  region: KnownRegion,
  markets: z
    .array(z.strictObject({ name: Text(200), district: Text(200).optional() }))
    .min(1)
    .max(500),
  from: IsoDate,
  to: IsoDate,
  team: z.array(Text(200)).min(1).max(50),
  authority: Text(200).optional(),
});

export const VerificationBody = z.strictObject({
  market: Text(200),
  owner: z.strictObject({
    name: Text(200),
    phone: z
      .string()
      .regex(/^[0-9+ ().-]{3,32}$/, 'must be a phone number (digits, spaces, + ( ) . -)')
      .optional(),
  }),
  serial: Text(128),
  type: z.literal('scale'),
  class: z.string().min(1).max(16),
  max: Positive,
  e: Positive,
  /** `spring-dial` for a spring-dial scale (verified every 24 months, others 12). */
  construction: Text(64).optional(),
  result: z.enum(['pass', 'fail']),
  stampNumber: Text(64).optional(),
  certificateNumber: Text(128).optional(),
  validUntil: IsoDate.optional(),
  verifiedAt: IsoDate.optional(),
});

function inRegion(p: Principal, region: string): boolean {
  return p.role === 'admin' || (p.role === 'inspector' && (p.regions ?? []).includes(region));
}

async function visibleCampaign(deps: ApiDeps, p: Principal, id: string): Promise<Campaign> {
  const c = await deps.campaigns.campaign(id);
  if (!c || !inRegion(p, c.region)) throw notFound(`campaign ${id}`);
  return c;
}

const ListQuery = z.object({ region: Region.optional(), from: IsoDate.optional(), to: IsoDate.optional() });

export function campaignRoutes(r: RouteTable, deps: ApiDeps): void {
  const svc = deps.campaigns;
  r.add({
    method: 'post',
    path: '/api/v1/campaigns',
    summary: 'Plan a mobile verification campaign (kiểm định lưu động) over the markets of a region',
    tag: 'campaigns',
    roles: ['admin', 'inspector'],
    body: CampaignBody,
    status: 201,
    answers: [{ status: 409, description: 'a campaign with this id exists already' }],
    handler: async ({ p, body }) => {
      if (!inRegion(p, body.region))
        throw new ApiError(400, 'invalid_request', 'the request body is invalid', [
          { path: 'region', message: `region ${body.region} is not one of this token's regions (${(p.regions ?? []).join(', ')})` },
        ]);
      try {
        return await svc.plan(body, actorOf(p));
      } catch (e) {
        throw asApiError(e);
      }
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/campaigns',
    summary: "Campaigns of this token's regions (or one of them), newest first; with from/to, those overlapping that period",
    tag: 'campaigns',
    roles: ['admin', 'inspector'],
    query: ListQuery,
    handler: async ({ p, query }) => {
      refuseReversed(query, zoneOf(deps, null));
      const mine = p.role === 'admin' ? undefined : (p.regions ?? []);
      const regions = query.region ? (mine && !mine.includes(query.region) ? [] : [query.region]) : mine;
      // the store compares days: a date is that day, an instant its day in the zone (as the periodic report),
      // a date-time without a zone its date (a wall-clock time of the zone)
      const day = (s: string | undefined) => s && localDay(zoneOf(deps, null), instantIn(s, zoneOf(deps, null)));
      const campaigns = await svc.list(regions, day(query.from), day(query.to));
      return { items: await Promise.all(campaigns.map(async (c) => ({ ...c, ...(await tally(deps, c.id)) }))) };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/campaigns/:id',
    summary: 'A campaign with the instruments verified in it',
    tag: 'campaigns',
    roles: ['admin', 'inspector'],
    handler: async ({ p, params }) => {
      const c = await visibleCampaign(deps, p, params.id);
      return { ...c, verifications: await svc.verifications(c.id) };
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/campaigns/:id/verifications',
    summary: "Record a scale verified in the campaign; one that passes becomes a registered instrument of its market's tenant, with its certificate",
    tag: 'campaigns',
    roles: ['admin', 'inspector'],
    body: VerificationBody,
    status: 201,
    answers: [
      {
        status: 409,
        description:
          'its certificate number (certificateNumber, else stampNumber, else `<campaign>-<serial>`) is on record for the instrument with other content: give this verification its own; or no free instrument id is left for the serial at the market',
      },
    ],
    handler: async ({ p, params, body }) => {
      const c = await visibleCampaign(deps, p, params.id);
      // e, Max and the class fit together (OIML R76-1 Table 3), as on POST /devices
      const profile = deps.profiles.get(body.type);
      const problems = profile ? scaleErrors(profile, body) : [];
      if (problems.length) throw new ApiError(400, 'invalid_request', 'the scale does not fit its instrument type', problems);
      try {
        // valid until a date alone: through that day in the zone
        const dated = body.validUntil ? { ...body, validUntil: validThrough(body.validUntil, zoneOf(deps, null)) } : body;
        // a scale registered here does not take a reference standard's id (as POST /devices refuses one)
        const isStandardId = (id: string) => deps.standards.get(id) !== undefined;
        const { verification, device, certificate } = await svc.verify(c.id, dated, actorOf(p), isStandardId);
        return {
          ...verification,
          ...(device ? { instrument: await deviceView(deps, deps.registry.device(device.id) ?? device) } : {}),
          ...(certificate ? { certificate: certificateView(certificate, zoneOf(deps, device?.tenant)) } : {}),
        };
      } catch (e) {
        throw asApiError(e);
      }
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/campaigns/:id/summary',
    summary: 'Verified, passed and failed: in total, by market (every planned market) and by class',
    tag: 'campaigns',
    roles: ['admin', 'inspector'],
    handler: async ({ p, params }) => svc.summary((await visibleCampaign(deps, p, params.id)).id),
  });
}

async function tally(deps: ApiDeps, id: string) {
  const s = await deps.campaigns.summary(id);
  return s ? { verified: s.verified, passed: s.passed, failed: s.failed, marketsVisited: s.marketsVisited } : {};
}

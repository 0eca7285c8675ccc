// Mobile verification campaigns (kiểm định lưu động) and the instruments verified in them.
// Runs on SQLite (answers at once, as before) or PostgreSQL (Promises): executor.ts. Nothing is
// cached: every node reads the rows.
import type { Selectable } from 'kysely';
import type { CampaignsTable, CampaignVerificationsTable } from './schema.ts';
import { dynamicQuery, query, type Arg } from './sql.ts';
import { after, answer, isConstraintViolation, isPending, type AnyStatements, type Answer, type Awaitable, type StateExecutor } from './executor.ts';
import { summariseCampaign, summariseCampaigns, type CampaignSummary, type CampaignsSummary } from '../inspections/summary.ts';
import type { Campaign, CampaignVerification } from '../inspections/types.ts';
import { localDay } from '../oversight/period.ts';

export interface CampaignFilter {
  regions?: readonly string[];
  /** Campaigns that overlap [from, to] (ISO dates). */
  from?: string;
  to?: string;
}

function campaignFromRow(r: Selectable<CampaignsTable>): Campaign {
  const c: Campaign = {
    id: r.id,
    name: r.name,
    region: r.region,
    markets: JSON.parse(r.markets),
    from: r.starts_on,
    to: r.ends_on,
    team: JSON.parse(r.team),
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
  if (r.authority !== null) c.authority = r.authority;
  return c;
}

function verificationFromRow(r: Selectable<CampaignVerificationsTable>): CampaignVerification {
  const v: CampaignVerification = {
    id: Number(r.id),
    campaign: r.campaign,
    market: r.market,
    owner: r.owner_phone === null ? { name: r.owner_name } : { name: r.owner_name, phone: r.owner_phone },
    serial: r.serial,
    type: r.type,
    class: r.class,
    max: r.max,
    e: r.e,
    result: r.result,
    verifiedAt: r.verified_at,
    recordedBy: r.recorded_by,
  };
  if (r.stamp_number !== null) v.stampNumber = r.stamp_number;
  if (r.certificate_number !== null) v.certificateNumber = r.certificate_number;
  if (r.valid_until !== null) v.validUntil = r.valid_until;
  if (r.device !== null) v.device = r.device;
  if (r.tenant !== null) v.tenant = r.tenant;
  return v;
}

const Q = {
  insert: query('campaigns.insert', (db, arg: Arg<Selectable<CampaignsTable>>) =>
    db.insertInto('campaigns').values({
      id: arg('id'),
      name: arg('name'),
      region: arg('region'),
      markets: arg('markets'),
      starts_on: arg('starts_on'),
      ends_on: arg('ends_on'),
      team: arg('team'),
      authority: arg('authority'),
      created_at: arg('created_at'),
      created_by: arg('created_by'),
    }),
  ),
  byId: query('campaigns.by-id', (db, arg: Arg<{ id: string }>) => db.selectFrom('campaigns').selectAll().where('id', '=', arg('id'))),
  list: dynamicQuery('campaigns.list', (db, f: CampaignFilter) => {
    let q = db.selectFrom('campaigns').selectAll();
    if (f.regions) q = q.where('region', 'in', [...f.regions, '']);
    if (f.from) q = q.where('ends_on', '>=', f.from);
    if (f.to) q = q.where('starts_on', '<=', f.to);
    return q.orderBy('starts_on', 'desc').orderBy('id');
  }),
  insertVerification: query('campaign-verifications.insert', (db, arg: Arg<Omit<Selectable<CampaignVerificationsTable>, 'id'>>) =>
    db
      .insertInto('campaign_verifications')
      .values({
        campaign: arg('campaign'),
        market: arg('market'),
        owner_name: arg('owner_name'),
        owner_phone: arg('owner_phone'),
        serial: arg('serial'),
        type: arg('type'),
        class: arg('class'),
        max: arg('max'),
        e: arg('e'),
        result: arg('result'),
        stamp_number: arg('stamp_number'),
        certificate_number: arg('certificate_number'),
        valid_until: arg('valid_until'),
        device: arg('device'),
        tenant: arg('tenant'),
        verified_at: arg('verified_at'),
        recorded_by: arg('recorded_by'),
      })
      .returning('id'),
  ),
  verifications: query('campaign-verifications.of-campaign', (db, arg: Arg<{ campaign: string }>) =>
    db.selectFrom('campaign_verifications').selectAll().where('campaign', '=', arg('campaign')).orderBy('id'),
  ),
  verificationsIn: dynamicQuery('campaign-verifications.in-period', (db, f: { campaigns: readonly string[]; from: string; to: string }) =>
    db
      .selectFrom('campaign_verifications')
      .selectAll()
      .where('campaign', 'in', [...f.campaigns, ''])
      .where('verified_at', '>=', f.from)
      .where('verified_at', '<=', f.to)
      .orderBy('id'),
  ),
};

export class CampaignStore<S extends StateExecutor = StateExecutor> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(readonly db: S) {
    this.sql = db.statements(Q);
  }

  /** Plans a campaign; false when one with this id exists (here, or written first by another node). */
  create(c: Campaign): Answer<S, boolean> {
    const row = {
      id: c.id,
      name: c.name,
      region: c.region,
      markets: JSON.stringify(c.markets),
      starts_on: c.from,
      ends_on: c.to,
      team: JSON.stringify(c.team),
      authority: c.authority ?? null,
      created_at: c.createdAt,
      created_by: c.createdBy,
    };
    const taken = (e: unknown): false => {
      if (isConstraintViolation(e)) return false;
      throw e;
    };
    return answer(this.db, () =>
      after(this.sql.byId.get({ id: c.id }), (existing): Awaitable<boolean> => {
        if (existing) return false;
        try {
          const inserted = after(this.sql.insert.run(row), () => true);
          return isPending(inserted) ? inserted.catch(taken) : inserted;
        } catch (e) {
          return taken(e);
        }
      }),
    );
  }

  campaign(id: string): Answer<S, Campaign | undefined> {
    return answer(this.db, () => after(this.sql.byId.get({ id }), (r) => (r ? campaignFromRow(r) : undefined)));
  }

  list(f: CampaignFilter = {}): Answer<S, Campaign[]> {
    return answer(this.db, () => after(this.sql.list.all(f), (rows) => rows.map(campaignFromRow)));
  }

  addVerification(v: Omit<CampaignVerification, 'id'>): Answer<S, CampaignVerification> {
    const row = {
      campaign: v.campaign,
      market: v.market,
      owner_name: v.owner.name,
      owner_phone: v.owner.phone ?? null,
      serial: v.serial,
      type: v.type,
      class: v.class,
      max: v.max,
      e: v.e,
      result: v.result,
      stamp_number: v.stampNumber ?? null,
      certificate_number: v.certificateNumber ?? null,
      valid_until: v.validUntil ?? null,
      device: v.device ?? null,
      tenant: v.tenant ?? null,
      verified_at: v.verifiedAt,
      recorded_by: v.recordedBy,
    };
    return answer(this.db, () => after(this.sql.insertVerification.get(row), (r) => ({ ...v, id: Number(r!.id) })));
  }

  verifications(campaign: string): Answer<S, CampaignVerification[]> {
    return answer(this.db, () => after(this.sql.verifications.all({ campaign }), (rows) => rows.map(verificationFromRow)));
  }

  /** One campaign's tally (verified, passed, failed, by market, by class); undefined when there is no such campaign. */
  summary(id: string): Answer<S, CampaignSummary | undefined> {
    return answer(this.db, () =>
      after(this.campaign(id) as Awaitable<Campaign | undefined>, (c) =>
        c ? after(this.verifications(id) as Awaitable<CampaignVerification[]>, (v) => summariseCampaign(c, v)) : undefined,
      ),
    );
  }

  /**
   * Mobile verification in a period, for the periodic report: the campaigns in `regions` (all
   * when absent) that overlap [from, to], with the instruments verified in it.
   */
  campaignSummary(from: Date | string, to: Date | string, regions?: readonly string[], zone = 'Asia/Ho_Chi_Minh'): Answer<S, CampaignsSummary> {
    const period = { from: iso(from), to: iso(to), regions: regions ? [...regions] : null };
    // Campaign dates are days (YYYY-MM-DD) of the region's zone: compare them with the period's
    // days there (its UTC days start at 07:00 in Vietnam, and took in the day before the period).
    const day = (t: string) => localDay(zone, Date.parse(t));
    const listed = () => this.list({ regions, from: day(period.from), to: day(period.to) }) as Awaitable<Campaign[]>;
    return answer(this.db, () =>
      after(listed(), (campaigns) =>
        campaigns.length === 0
          ? summariseCampaigns(period, campaigns, [])
          : after(this.sql.verificationsIn.all({ campaigns: campaigns.map((c) => c.id), from: period.from, to: period.to }), (rows) =>
              summariseCampaigns(period, campaigns, rows.map(verificationFromRow)),
            ),
      ),
    );
  }
}

const iso = (t: Date | string) => (typeof t === 'string' ? new Date(t).toISOString() : t.toISOString());

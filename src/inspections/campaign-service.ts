// Mobile verification campaigns (kiểm định lưu động): the inspector plans one over the markets
// of a region, then records each scale verified on the spot. A scale that passes becomes a
// registered instrument of its market's tenant (market-tenant.ts) with its verification
// certificate, so from then on it is tracked like any other (verification due, alerts, reports).
// On SQLite every method answers at once (the demo history records inside one transaction); on
// PostgreSQL with Promises: the routes await them.
import type { AuditLog } from '../store/audit.ts';
import type { CampaignStore } from '../store/campaigns.ts';
import { CertificateOnRecord, type Device, type Registry, type StoredCertificate } from '../store/registry.ts';
import { after, answer, recovered, type Answer, type Awaitable, type StateExecutor } from '../store/executor.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import { validateDevice } from '../metrology/channel.ts';
import { addCalendarMonths, intervalMonthsOf } from '../metrology/verification.ts';
import { localDay, validFrom, validThrough } from '../oversight/period.ts';
import { offsetAt } from '../ingest/time-zone.ts';
import { Refusal } from './inspection-service.ts';
import { marketTenantId, marketTenantName, scaleDeviceId } from './market-tenant.ts';
import type { CampaignSummary, CampaignsSummary } from './summary.ts';
import type { Campaign, CampaignVerification, Market, VerificationResult } from './types.ts';

/** How far ahead of the server's clock a verifiedAt may be (a tablet's clock a little fast). */
const VERIFIED_AT_CLOCK_SKEW_MS = 5 * 60_000;
export interface VerificationInput {
  market: string;
  owner: { name: string; phone?: string };
  serial: string;
  type: string;
  class: string;
  max: number;
  e: number;
  /** The scale's construction where its interval depends on it: `spring-dial` (24 months, others 12). */
  construction?: string;
  result: VerificationResult;
  stampNumber?: string;
  certificateNumber?: string;
  /** The certificate's end, at most the scale's legal interval from verifiedAt; that interval's end when absent. */
  validUntil?: string;
  /**
   * When it was verified; now when absent. A date alone is the start of that day in the zone, a
   * date-time without a zone that wall-clock time there (as a certificate's issuedAt, validFrom).
   */
  verifiedAt?: string;
}

export interface CampaignServiceDeps<S extends StateExecutor = StateExecutor> {
  store: CampaignStore<S>;
  registry: Pick<Registry, 'tenant' | 'createTenant' | 'device' | 'createDevice' | 'addCertificate'>;
  audit: Pick<AuditLog, 'append'>;
  profiles: ReadonlyMap<string, InstrumentProfile>;
  publishConfig: (device: Device, force?: boolean) => void;
  now: () => Date;
  /** Zone of the campaigns' days and of a certificate's last day (MAG_DEFAULT_TIME_ZONE); Asia/Ho_Chi_Minh when absent. */
  timeZone?: string;
}

/** Another instrument or a reference standard may hold a scale's natural id (another serial or market): at most this many are tried. */
const MAX_ID_SUFFIX = 50;

export class CampaignService<S extends StateExecutor = StateExecutor> {
  private readonly zone: string;

  constructor(private readonly deps: CampaignServiceDeps<S>) {
    this.zone = deps.timeZone ?? 'Asia/Ho_Chi_Minh';
  }

  /** What `work` gives, as the store's database gives it (executor.ts `answer`). */
  private answer<T>(work: () => Awaitable<T>): Answer<S, T> {
    return answer(this.deps.store.db, work);
  }

  private audit(actor: string, action: string, target: string, details: Record<string, unknown>): void {
    this.deps.audit.append(actor, action, target, details, this.deps.now());
  }

  plan(input: Omit<Campaign, 'createdAt' | 'createdBy'>, actor: string): Answer<S, Campaign> {
    return this.answer(() => this.planned(input, actor));
  }

  private planned(input: Omit<Campaign, 'createdAt' | 'createdBy'>, actor: string): Awaitable<Campaign> {
    const duplicates = input.markets.map((m) => m.name).filter((name, i, all) => all.indexOf(name) !== i);
    if (duplicates.length)
      throw new Refusal('invalid', 'the request body is invalid', [
        { path: 'markets', message: `each market is listed once; repeated: ${duplicates.join(', ')}` },
      ]);
    // a date is that day; an instant, its day in the zone (as listings and reports compare them);
    // a date-time without a zone, its date (a wall-clock time of the zone, not the server's)
    const c: Campaign = {
      ...input,
      from: localDay(this.zone, this.instant(input.from)),
      to: localDay(this.zone, this.instant(input.to)),
      createdAt: this.deps.now().toISOString(),
      createdBy: actor,
    };
    if (c.to < c.from) throw new Refusal('invalid', 'the request body is invalid', [{ path: 'to', message: 'to must not be before from' }]);
    return after(this.deps.store.create(c) as Awaitable<boolean>, (created) => {
      if (!created) throw new Refusal('conflict', `campaign ${c.id} already exists`);
      this.audit(actor, 'campaign.create', c.id, { region: c.region, name: c.name, markets: c.markets.length, from: c.from, to: c.to, team: c.team });
      return c;
    });
  }

  /** The instant a body's date or date-time names in the zone (validFrom: a date alone, its day's start; a date-time without a zone, that wall-clock time). */
  private instant(value: string): number {
    return Date.parse(validFrom(value, this.zone));
  }

  campaign(id: string): Answer<S, Campaign | undefined> {
    return this.deps.store.campaign(id);
  }

  /** Campaigns of `regions` (all when absent) overlapping [from, to] (ISO dates or instants; their days are compared) when given. */
  list(regions?: readonly string[], from?: string, to?: string): Answer<S, Campaign[]> {
    return this.deps.store.list({ regions, from: from?.slice(0, 10), to: to?.slice(0, 10) });
  }

  verifications(id: string): Answer<S, CampaignVerification[]> {
    return this.deps.store.verifications(id);
  }

  summary(id: string): Answer<S, CampaignSummary | undefined> {
    return this.deps.store.summary(id);
  }

  /** The campaigns in `regions` (all when absent) that overlap [from, to], with the instruments verified in it (for the periodic report). */
  campaignSummary(from: Date | string, to: Date | string, regions?: readonly string[], zone?: string): Answer<S, CampaignsSummary> {
    return this.deps.store.campaignSummary(from, to, regions, zone);
  }

  /**
   * Records a verification. A pass registers the scale (or finds it, verified in an earlier
   * campaign) under its market's tenant, adds its verification certificate and publishes its
   * standing; a fail is recorded only (no certificate is issued). `isStandardId`: whether a reference
   * standard holds an id, which a scale registered here then does not take (as POST /devices refuses it).
   */
  verify(
    campaignId: string,
    input: VerificationInput,
    actor: string,
    isStandardId: (id: string) => boolean = () => false,
  ): Answer<S, { verification: CampaignVerification; device?: Device; certificate?: StoredCertificate }> {
    return this.answer(() =>
      after(this.deps.store.campaign(campaignId) as Awaitable<Campaign | undefined>, (c) => this.verifyIn(campaignId, c, input, actor, isStandardId)),
    );
  }

  private verifyIn(
    campaignId: string,
    c: Campaign | undefined,
    input: VerificationInput,
    actor: string,
    isStandardId: (id: string) => boolean,
  ): Awaitable<{ verification: CampaignVerification; device?: Device; certificate?: StoredCertificate }> {
    if (!c) throw new Refusal('not-found', `campaign ${campaignId} not found`);
    const market = c.markets.find((m) => m.name === input.market);
    if (!market)
      throw new Refusal('invalid', 'the request body is invalid', [
        { path: 'market', message: `market "${input.market}" is not in campaign ${c.id}: one of ${c.markets.map((m) => m.name).join(', ')}` },
      ]);
    const profile = this.deps.profiles.get(input.type);
    if (!profile)
      throw new Refusal('invalid', 'the request body is invalid', [
        { path: 'type', message: `unknown instrument type; one of ${[...this.deps.profiles.keys()].join(', ')}` },
      ]);
    const spec = { class: input.class, e: input.e, max: input.max, ...(input.construction ? { construction: input.construction } : {}) };
    const problems = validateDevice(profile, { id: 'scale', tenant: 'market', type: input.type, ...spec });
    if (problems.length) throw new Refusal('invalid', 'the scale does not fit its instrument type', problems);
    const at = input.verifiedAt === undefined ? this.deps.now().getTime() : this.instant(input.verifiedAt);
    // A verification is recorded on the campaign's days, and not ahead of the clock: a certificate issued
    // in the future leaves the instrument without a valid one until then, a day outside the campaign
    // counts in another period's report.
    if (input.verifiedAt !== undefined) {
      const day = localDay(this.zone, at);
      if (at > this.deps.now().getTime() + VERIFIED_AT_CLOCK_SKEW_MS)
        throw new Refusal('invalid', 'the request body is invalid', [{ path: 'verifiedAt', message: `verifiedAt ${input.verifiedAt} is in the future` }]);
      if (day < c.from || day > c.to)
        throw new Refusal('invalid', 'the request body is invalid', [
          { path: 'verifiedAt', message: `verifiedAt ${day} is outside campaign ${c.id} (${c.from} to ${c.to})` },
        ]);
    }
    // the record's time in UTC (the store compares it as a string with the period's instants)
    const verifiedAt = new Date(at).toISOString();
    if (input.result !== 'pass') return this.record(c, market, input, actor, verifiedAt);
    // The inspector issues this certificate: a validity beyond the legal interval is a mistake to
    // correct here, not a claim to cap later as for a certificate posted from elsewhere (§3.6).
    const months = intervalMonthsOf(profile, spec);
    // Issued at the zone's offset, so that it reads as its day in the zone wherever only the date is
    // shown, and verification.ts counts the interval on the zone's calendar (it takes the day from
    // the offset): verified at 01:00 on 1 April in Vietnam is 31 March in UTC.
    const offset = offsetAt(this.zone, at);
    const issuedAt = withOffset(at, offset);
    // the interval's last day on the zone's wall clock, valid through its end there (a certificate states its last day)
    const legalDay = new Date(addCalendarMonths(at + offset, months)).toISOString().slice(0, 10);
    const legalEnd = validThrough(legalDay, this.zone);
    if (input.validUntil && Date.parse(input.validUntil) > Date.parse(legalEnd)) {
      const springDial = !input.construction && profile.verificationIntervalMonthsByConstruction?.['spring-dial'];
      throw new Refusal('invalid', 'the request body is invalid', [
        {
          path: 'validUntil',
          message: `validUntil ${localDay(this.zone, Date.parse(input.validUntil))} is beyond the legal verification interval of this scale, ${months} months from verifiedAt ${localDay(this.zone, at)}: at most ${legalDay}${springDial ? ` (a spring-dial scale is verified for ${springDial} months: give "construction": "spring-dial")` : ''} (Circular 03/2024/TT-BKHCN)`,
        },
      ]);
    }
    // nor one that ends before it starts: the scale would be registered with a certificate lapsed already
    if (input.validUntil && !(Date.parse(input.validUntil) > at))
      throw new Refusal('invalid', 'the request body is invalid', [
        {
          path: 'validUntil',
          message: `validUntil ${localDay(this.zone, Date.parse(input.validUntil))} is not after verifiedAt ${localDay(this.zone, at)}: the certificate of a scale that passes runs from its verification, through at most ${legalDay}`,
        },
      ]);
    // The registry answers at once on SQLite (the demo history records inside one transaction), with Promises on PostgreSQL.
    return after(this.registerScale(c, market, input, actor, isStandardId), (device) => {
      const validUntil = input.validUntil ? new Date(input.validUntil).toISOString() : legalEnd;
      const number = input.certificateNumber ?? input.stampNumber ?? `${c.id}-${input.serial}`;
      // A number is taken once per instrument: the same verification sent again finds its certificate
      // on record (a retry); another one under that number (a second pass of the scale in this
      // campaign without a number of its own takes the default `<campaign>-<serial>` again) is refused.
      let onRecord = false;
      const added = recovered(
        () =>
          this.deps.registry.addCertificate(
            device.id,
            { kind: 'verification', number, issuedBy: c.authority ?? c.name, issuedAt, validUntil },
            actor,
            this.deps.now(),
          ),
        (e) => {
          if (!(e instanceof CertificateOnRecord)) throw e;
          if (!e.sameContent) throw new Refusal('conflict', `${e.message}; give this verification its own certificateNumber or stampNumber`);
          onRecord = true;
          return e.certificate;
        },
      );
      return after(added, (certificate) => {
        if (!onRecord) this.audit(actor, 'certificate.add', device.id, { kind: 'verification', number, validUntil, campaign: c.id });
        this.deps.publishConfig(device, true);
        return this.record(c, market, input, actor, verifiedAt, device, certificate);
      });
    });
  }

  private record(
    c: Campaign,
    market: Market,
    input: VerificationInput,
    actor: string,
    verifiedAt: string,
    device?: Device,
    certificate?: StoredCertificate,
  ): Awaitable<{ verification: CampaignVerification; device?: Device; certificate?: StoredCertificate }> {
    const added = this.deps.store.addVerification({
      campaign: c.id,
      market: market.name,
      owner: input.owner,
      serial: input.serial,
      type: input.type,
      class: input.class,
      max: input.max,
      e: input.e,
      result: input.result,
      ...(input.stampNumber ? { stampNumber: input.stampNumber } : {}),
      ...(certificate
        ? { certificateNumber: certificate.number, validUntil: certificate.validUntil }
        : input.certificateNumber
          ? { certificateNumber: input.certificateNumber }
          : {}),
      ...(device ? { device: device.id, tenant: device.tenant } : {}),
      verifiedAt,
      recordedBy: actor,
    });
    return after(added as Awaitable<CampaignVerification>, (verification) => {
      this.audit(actor, 'campaign.verification', c.id, {
        region: c.region,
        market: market.name,
        serial: input.serial,
        class: input.class,
        result: input.result,
        device: device?.id,
        tenant: device?.tenant,
      });
      return { verification, device, certificate };
    });
  }

  /**
   * The market's tenant (made on first use) and the scale in it: found by serial, else registered under
   * the first of its ids (sc-<market>-<serial>, then -2, -3, …) that no instrument and no reference
   * standard holds: a standard-oot alert carries the standard's id as its device, so an instrument with
   * that id would take the standard's alerts (POST /devices refuses one, 409).
   */
  private registerScale(c: Campaign, market: Market, input: VerificationInput, actor: string, isStandardId: (id: string) => boolean): Awaitable<Device> {
    const tenantId = marketTenantId(c.region, market);
    const created = this.deps.registry.tenant(tenantId)
      ? undefined
      : this.deps.registry.createTenant({ id: tenantId, name: marketTenantName(market), region: c.region }, this.deps.now());
    return after(created, (t) => {
      if (t) this.audit(actor, 'tenant.create', t.id, { name: t.name, region: t.region, campaign: c.id });
      for (let n = 1; n <= MAX_ID_SUFFIX; n++) {
        const id = scaleDeviceId(market, input.serial, n);
        const existing = this.deps.registry.device(id);
        if (existing && existing.tenant === tenantId && existing.serial === input.serial && existing.type === input.type) {
          // its interval follows the construction it was registered with: a verification does not change it
          if ((input.construction ?? undefined) !== existing.construction)
            throw new Refusal('invalid', 'the request body is invalid', [
              {
                path: 'construction',
                message: `scale ${existing.id} is registered ${existing.construction ? `as ${existing.construction}` : 'without a construction'}, and its verification interval follows that; received ${input.construction ? `"${input.construction}"` : 'none'}`,
              },
            ]);
          return existing;
        }
        if (existing || isStandardId(id)) continue;
        const site = market.district ? `${market.name}, ${market.district}` : market.name;
        return after(
          this.deps.registry.createDevice(
            {
              id,
              tenant: tenantId,
              type: input.type,
              serial: input.serial,
              class: input.class,
              e: input.e,
              max: input.max,
              ...(input.construction ? { construction: input.construction } : {}),
              site,
            },
            this.deps.now(),
          ),
          ({ device }) => {
            this.audit(actor, 'device.create', device.id, {
              tenant: tenantId,
              type: device.type,
              serial: device.serial,
              campaign: c.id,
              owner: input.owner.name,
            });
            return device;
          },
        );
      }
      throw new Refusal(
        'conflict',
        `no free instrument id for scale ${input.serial} at ${market.name} (${MAX_ID_SUFFIX} taken by other instruments or reference standards)`,
      );
    });
  }
}

/** ISO 8601 of instant `t` as the wall-clock time at `offset` ms east of UTC: `2026-04-01T00:00:00.000+07:00`. */
function withOffset(t: number, offset: number): string {
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${new Date(t + offset).toISOString().slice(0, 23)}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

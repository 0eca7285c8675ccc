// Gathers the facts the figures count, from the registry, the checks store, the alert book and the
// lots, inspection and campaign stores (for the periodic report, also the places of business judged
// on the period's checks), for one scope (the enterprises a token may see, narrowed to a region) and
// one period. The stores answer with Promises on PostgreSQL: everything is read here, first, so that
// the figures (figures.ts and the sections) are computed from plain data.
import type { Device, Registry, Tenant } from '../store/registry.ts';
import type { AlertTimes } from '../store/alerts.ts';
import type { CheckCount } from '../store/checks.ts';
import type { Awaitable } from '../store/executor.ts';
import type { VerificationState } from '../metrology/types.ts';
import type { CampaignsSummary, InspectionSummary } from '../inspections/summary.ts';
import { DAY_MS, monthsOf, type Period } from './period.ts';
import { READINESS_RULES, telemetryOf, type LotTally } from './readiness.ts';
import type { FleetFacts } from './figures.ts';
import { placesOfPeriod, type PlacesSource } from './places-of-period.ts';

/** The lots store's hook: lots of pre-packaged goods judged per enterprise in [from, to). */
export interface LotsSource {
  tallies(tenants: readonly string[], from: number, to: number): Awaitable<ReadonlyMap<string, LotTally>>;
}

/** The inspection service's hook: the inspections started in [from, to] of these enterprises. */
export interface InspectionsSource {
  inspectionSummary(from: Date, to: Date, regions?: readonly string[], tenants?: readonly string[]): Awaitable<InspectionSummary>;
}

/** The campaign service's hook: campaigns of these regions (all when absent) overlapping [from, to]. */
export interface CampaignsSource {
  campaignSummary(from: Date, to: Date, regions?: readonly string[], zone?: string): Awaitable<CampaignsSummary>;
}

/** Where the facts come from (the API's stores, narrowed to what is read here). */
export interface FactSources {
  registry: Pick<Registry, 'listTenants' | 'listDevices'>;
  verificationOf(device: Device, at: number): VerificationState;
  checkCounts(bounds: readonly number[], tenants: readonly string[]): Awaitable<CheckCount[]>;
  alertHistory(tenants: readonly string[], from: string, to: string): Awaitable<AlertTimes[]>;
  /** Each optional: without it, its facts (and its section of the figures) are left out. */
  lots?: LotsSource;
  inspections?: InspectionsSource;
  /** Absent for an operator's figures (campaigns are the authority's, per region). */
  campaigns?: CampaignsSource;
  /** The regions whose campaigns count when no region is asked for: an inspector's; undefined: all (an admin). */
  campaignRegions?: readonly string[];
  /**
   * The checks and what judges the places of business (places-of-period.ts): given for the periodic report;
   * the overview leaves it out (it would read every check of its twelve months at each visit, and the
   * console's overview shows GET /places of the last 90 days under its alerts).
   */
  places?: PlacesSource;
}

/** The enterprises in scope: those visible (undefined: all), in `region` when one is given. */
export function scopeTenants(registry: Pick<Registry, 'listTenants'>, visible: ReadonlySet<string> | undefined, region: string | undefined): Tenant[] {
  return registry.listTenants().filter((t) => (!visible || visible.has(t.id)) && (!region || t.region === region));
}

export async function gatherFacts(src: FactSources, tenants: readonly Tenant[], region: string | null, period: Period): Promise<FleetFacts> {
  const ids = tenants.map((t) => t.id);
  const inScope = new Set(ids);
  const months = monthsOf(period);
  const devices = src.registry.listDevices().filter((d) => inScope.has(d.tenant));
  const lookBack = period.asOf - READINESS_RULES.checkWithinDays * DAY_MS;
  const alertsFrom = Math.min(period.from, period.asOf - READINESS_RULES.alertWindowDays * DAY_MS);
  // an inspection's or a campaign's `to` is inclusive in its store: the period's last instant is to − 1 ms
  const lastInstant = new Date(period.to - 1);
  const [recent, checkCounts, alerts, lotsInPeriod, lotsRecent, inspections, campaigns, places] = await Promise.all([
    src.checkCounts([lookBack, period.asOf + 1], ids),
    months.length ? src.checkCounts([...months.map((m) => m.from), months[months.length - 1].to], ids) : [],
    src.alertHistory(ids, new Date(alertsFrom).toISOString(), new Date(period.to).toISOString()),
    src.lots?.tallies(ids, period.from, period.to),
    src.lots?.tallies(ids, period.asOf - READINESS_RULES.alertWindowDays * DAY_MS, period.asOf),
    src.inspections?.inspectionSummary(new Date(period.from), lastInstant, undefined, ids),
    src.campaigns?.campaignSummary(new Date(period.from), lastInstant, region ? [region] : src.campaignRegions, period.zone),
    // the enterprises in scope, as GET /places judges them (not only those registered by the period's end)
    src.places ? placesOfPeriod(src.places, ids, period.from, period.to) : undefined,
  ]);
  const recentChecks = new Map<string, number>();
  for (const c of recent) recentChecks.set(c.device, c.checks);
  // The fleet as the period ends: an instrument registered later is not in it (a past quarter's
  // report made today would count April's campaign scales as never verified), unless its data
  // reaches back into the period (a device's backfilled checks), and so for its enterprise.
  const checkedInPeriod = new Set(checkCounts.map((c) => c.device));
  const by = (createdAt: string) => Date.parse(createdAt) <= period.asOf;
  const instruments = devices
    .filter((d) => by(d.createdAt) || checkedInPeriod.has(d.id))
    .map((d) => {
      const v = src.verificationOf(d, period.asOf);
      return { id: d.id, tenant: d.tenant, type: d.type, state: v.state, validUntil: v.validUntil };
    });
  const withInstruments = new Set(instruments.map((i) => i.tenant));
  return {
    period,
    region,
    months,
    enterprises: tenants.filter((t) => by(t.createdAt) || withInstruments.has(t.id)).map((t) => ({ id: t.id, name: t.name, region: t.region })),
    instruments,
    checkCounts,
    recentChecks,
    alerts,
    // one score wherever it is shown (GET /readiness, the overview, the periodic report): a market
    // trader's scale the gateway never heard from is not scored on checks it cannot send
    telemetry: telemetryOf(devices),
    ...(lotsInPeriod && lotsRecent ? { lots: { inPeriod: lotsInPeriod, recent: lotsRecent } } : {}),
    ...(inspections ? { inspections } : {}),
    ...(campaigns ? { campaigns } : {}),
    ...(places ? { places } : {}),
  };
}

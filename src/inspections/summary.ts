// Summaries of the inspector's work over a period (pure): inspections with their instruments,
// checks and findings; campaigns with the instruments verified, by market and by class. The
// stores fetch the rows (InspectionStore.inspectionSummary, CampaignStore.campaignSummary) and
// the periodic report includes these figures.
import {
  FINDING_KINDS,
  FINDING_STATES,
  ITEM_REASONS,
  type Campaign,
  type CampaignVerification,
  type Finding,
  type FindingKind,
  type FindingState,
  type Inspection,
  type InspectionItem,
  type ItemReason,
} from './types.ts';

export interface Period {
  from: string;
  to: string;
  /** Regions the figures cover; null: all. */
  regions: string[] | null;
}

export interface InspectionSummary extends Period {
  inspections: number;
  open: number;
  closed: number;
  /** Distinct enterprises inspected. */
  tenants: number;
  /** Instruments examined (one per item recorded). */
  instruments: number;
  conforming: number;
  nonConforming: number;
  checks: { total: number; pass: number; fail: number };
  /** Non-conformities by reason (an instrument may have several). */
  reasons: Record<ItemReason, number>;
  findings: { total: number; byKind: Record<FindingKind, number>; byState: Record<FindingState, number> };
  byRegion: { region: string; inspections: number; instruments: number; nonConforming: number; findings: number }[];
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** The inspections started in the period, with their items and findings (already restricted to them). */
export function summariseInspections(
  period: Period,
  inspections: readonly Inspection[],
  items: readonly Pick<InspectionItem, 'inspection' | 'verdict' | 'reasons' | 'checks'>[],
  findings: readonly Pick<Finding, 'inspection' | 'kind' | 'state'>[],
): InspectionSummary {
  const regionOf = new Map(inspections.map((i) => [i.id, i.region]));
  const byRegion = new Map<string, InspectionSummary['byRegion'][number]>();
  const region = (r: string) => {
    let x = byRegion.get(r);
    if (!x) byRegion.set(r, (x = { region: r, inspections: 0, instruments: 0, nonConforming: 0, findings: 0 }));
    return x;
  };
  for (const i of inspections) region(i.region).inspections++;
  const s: InspectionSummary = {
    ...period,
    inspections: inspections.length,
    open: inspections.filter((i) => i.state === 'open').length,
    closed: inspections.filter((i) => i.state === 'closed').length,
    tenants: new Set(inspections.map((i) => i.tenant)).size,
    instruments: 0,
    conforming: 0,
    nonConforming: 0,
    checks: { total: 0, pass: 0, fail: 0 },
    reasons: zeros(ITEM_REASONS),
    findings: { total: 0, byKind: zeros(FINDING_KINDS), byState: zeros(FINDING_STATES) },
    byRegion: [],
  };
  for (const it of items) {
    const r = regionOf.get(it.inspection);
    if (r === undefined) continue;
    s.instruments++;
    region(r).instruments++;
    if (it.verdict === 'pass') s.conforming++;
    else {
      s.nonConforming++;
      region(r).nonConforming++;
    }
    for (const reason of it.reasons) s.reasons[reason]++;
    for (const c of it.checks) {
      s.checks.total++;
      s.checks[c.legal]++;
    }
  }
  for (const f of findings) {
    const r = regionOf.get(f.inspection);
    if (r === undefined) continue;
    s.findings.total++;
    s.findings.byKind[f.kind]++;
    s.findings.byState[f.state]++;
    region(r).findings++;
  }
  s.byRegion = [...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region));
  return s;
}

export interface Tally {
  verified: number;
  passed: number;
  failed: number;
}

export interface CampaignSummary extends Tally {
  campaign: string;
  name: string;
  region: string;
  from: string;
  to: string;
  marketsPlanned: number;
  /** Markets with at least one instrument verified. */
  marketsVisited: number;
  /** Passed instruments now in the registry. */
  devicesRegistered: number;
  /** Every planned market, in the plan's order (then any other market recorded), with its tally. */
  byMarket: ({ market: string; district?: string } & Tally)[];
  /** By accuracy class, sorted. */
  byClass: ({ class: string } & Tally)[];
}

function count(t: Tally, v: Pick<CampaignVerification, 'result'>): void {
  t.verified++;
  if (v.result === 'pass') t.passed++;
  else t.failed++;
}

/** One campaign's tally: verified, passed, failed, by market (planned markets listed even when none was visited) and by class. */
export function summariseCampaign(
  c: Campaign,
  verifications: readonly Pick<CampaignVerification, 'market' | 'class' | 'result' | 'device'>[],
): CampaignSummary {
  const markets = new Map<string, CampaignSummary['byMarket'][number]>();
  for (const m of c.markets) markets.set(m.name, { market: m.name, ...(m.district ? { district: m.district } : {}), verified: 0, passed: 0, failed: 0 });
  const classes = new Map<string, CampaignSummary['byClass'][number]>();
  const total: Tally = { verified: 0, passed: 0, failed: 0 };
  const devices = new Set<string>();
  for (const v of verifications) {
    count(total, v);
    let m = markets.get(v.market);
    if (!m) markets.set(v.market, (m = { market: v.market, verified: 0, passed: 0, failed: 0 }));
    count(m, v);
    let k = classes.get(v.class);
    if (!k) classes.set(v.class, (k = { class: v.class, verified: 0, passed: 0, failed: 0 }));
    count(k, v);
    if (v.result === 'pass' && v.device) devices.add(v.device);
  }
  const byMarket = [...markets.values()];
  return {
    campaign: c.id,
    name: c.name,
    region: c.region,
    from: c.from,
    to: c.to,
    ...total,
    marketsPlanned: c.markets.length,
    marketsVisited: byMarket.filter((m) => m.verified > 0).length,
    devicesRegistered: devices.size,
    byMarket,
    byClass: [...classes.values()].sort((a, b) => a.class.localeCompare(b.class)),
  };
}

export interface CampaignsSummary extends Period, Tally {
  campaigns: number;
  marketsPlanned: number;
  marketsVisited: number;
  devicesRegistered: number;
  byCampaign: ({ campaign: string; name: string; region: string } & Tally)[];
  byClass: ({ class: string } & Tally)[];
}

/** The campaigns that overlap the period, with the verifications made in it. */
export function summariseCampaigns(
  period: Period,
  campaigns: readonly Campaign[],
  verifications: readonly Pick<CampaignVerification, 'campaign' | 'market' | 'class' | 'result' | 'device'>[],
): CampaignsSummary {
  const each = campaigns.map((c) =>
    summariseCampaign(
      c,
      verifications.filter((v) => v.campaign === c.id),
    ),
  );
  const classes = new Map<string, CampaignsSummary['byClass'][number]>();
  for (const s of each) {
    for (const k of s.byClass) {
      const x = classes.get(k.class) ?? { class: k.class, verified: 0, passed: 0, failed: 0 };
      classes.set(k.class, { class: k.class, verified: x.verified + k.verified, passed: x.passed + k.passed, failed: x.failed + k.failed });
    }
  }
  const sum = (f: (s: CampaignSummary) => number) => each.reduce((a, s) => a + f(s), 0);
  return {
    ...period,
    campaigns: each.length,
    verified: sum((s) => s.verified),
    passed: sum((s) => s.passed),
    failed: sum((s) => s.failed),
    marketsPlanned: sum((s) => s.marketsPlanned),
    marketsVisited: sum((s) => s.marketsVisited),
    devicesRegistered: sum((s) => s.devicesRegistered),
    byCampaign: each.map((s) => ({ campaign: s.campaign, name: s.name, region: s.region, verified: s.verified, passed: s.passed, failed: s.failed })),
    byClass: [...classes.values()].sort((a, b) => a.class.localeCompare(b.class)),
  };
}

// The inspector's figures: what the overview shows, the periodic report prints and the readiness
// ranking scores, built once from plain facts (facts.ts gathers them from the stores) by a list
// of section providers (sections.ts). Every renderer (JSON, XLSX, PDF) draws the same sections,
// so a figure is the same number wherever it appears. Pure: no I/O, no clock.
import type { AlertTimes } from '../store/alerts.ts';
import type { CheckCount } from '../store/checks.ts';
import type { VerificationStateName } from '../metrology/types.ts';
import type { CampaignsSummary, InspectionSummary } from '../inspections/summary.ts';
import type { LotTally } from './readiness.ts';
import type { PlacesFacts } from './places-of-period.ts';
import { DAY_MS, type Month, type Period } from './period.ts';

export const VERIFICATION_STATES: readonly VerificationStateName[] = ['valid', 'due-soon', 'expired', 'none'];

/** Open-alert age buckets: [id, youngest age, oldest age) in days (an alert exactly 1 day old is in the first). */
export const AGE_BUCKETS: readonly (readonly [id: string, minDays: number, maxDays: number])[] = [
  ['under1d', 0, 1],
  ['1to7d', 1, 7],
  ['7to30d', 7, 30],
  ['over30d', 30, Infinity],
];

/** The horizons of the "due for verification" figures, days. */
export const DUE_HORIZONS = [30, 90] as const;

export interface Instrument {
  id: string;
  tenant: string;
  type: string;
  state: VerificationStateName;
  validUntil: string | null;
}

export interface Enterprise {
  id: string;
  name: string;
  region: string;
}

/** Everything the core sections count, for one scope (enterprises) and one period. */
export interface FleetFacts {
  period: Period;
  /** The `region` asked for, if any (kept in the figures' links). */
  region: string | null;
  months: Month[];
  enterprises: Enterprise[];
  /** Verification standing as of period.asOf. */
  instruments: Instrument[];
  /** Checks per device and month (period = index into months). */
  checkCounts: CheckCount[];
  /** Checks per device within the readiness look-back before asOf (READINESS_RULES.checkWithinDays). */
  recentChecks: ReadonlyMap<string, number>;
  /** Alerts open at some time since min(period.from, the readiness window's start). */
  alerts: AlertTimes[];
  /**
   * The instruments the gateway has heard from (readiness.ts telemetryOf): the readiness score counts
   * checks on schedule for these only. Absent: every instrument is expected to send its checks.
   */
  telemetry?: ReadonlySet<string>;
  /** Lots judged per enterprise in the period, and within the readiness window before asOf; absent without a lots store. */
  lots?: { inPeriod: ReadonlyMap<string, LotTally>; recent: ReadonlyMap<string, LotTally> };
  /** Inspections started in the period at the enterprises in scope; absent without the inspection store. */
  inspections?: InspectionSummary;
  /** Campaigns overlapping the period in the regions in scope; absent for an operator (campaigns are the authority's). */
  campaigns?: CampaignsSummary;
  /** The places of business judged on the period's checks (the periodic report's; the overview does not gather them). */
  places?: PlacesFacts;
}

export type CellValue = string | number | null;
export interface Figure {
  id: string;
  label: string;
  value: number | null;
  unit: 'count' | 'percent' | 'days' | 'score';
  /** The API query listing what the figure counts; null when no list filter can say it (a past state). */
  href: string | null;
}
export interface Column {
  id: string;
  label: string;
  /**
   * `pValue`: a sign test's p, printed to 2 significant digits and below 0.001 as "< 0,001";
   * `mpeFraction`: a signed fraction of the MPE, printed to 2 significant digits ("+0,56").
   */
  type: 'text' | 'count' | 'percent' | 'days' | 'date' | 'month' | 'score' | 'pValue' | 'mpeFraction';
  /**
   * The value holding the code behind this column's text (a province's ISO 3166-2 code behind its
   * name): the XLSX gives it a column of its own after this one; the PDF prints the name alone.
   */
  code?: { id: string; label: string };
}
export interface Row {
  values: Record<string, CellValue>;
  /** Column id → the API query listing what that cell counts. */
  links?: Record<string, string>;
}
export interface Table {
  id: string;
  label: string;
  columns: Column[];
  rows: Row[];
}
export interface Section {
  id: string;
  label: string;
  /** Sentences a reader needs to read the figures by (how they were judged, what was left out), printed under the heading. */
  notes?: string[];
  figures: Figure[];
  tables: Table[];
}

export interface FleetFigures {
  generatedAt: string;
  from: string;
  to: string;
  asOf: string;
  timeZone: string;
  /** The region asked for: its ISO 3166-2 code, and its name in `lang` (the code when provinces.ts has none). */
  region: string | null;
  regionName: string | null;
  lang: string;
  sections: Section[];
}

/** What a section provider is given. */
export interface FiguresContext {
  facts: FleetFacts;
  /** A label in the figures' language, `{name}`s replaced by `vars`. */
  t: (key: string, vars?: Record<string, string | number>) => string;
  /** Label of an enumerated value (`kind`, `verif`, `type` …) in the figures' language. */
  label: (group: string, value: string) => string;
  /** A region's name in the figures' language ("Bắc Giang" for VN-BG); a code without one, as given. */
  regionName: (code: string) => string;
  lang: string;
  /** True when the figures are as of now: links to lists of the current state are meaningful. */
  live: boolean;
  /** An API list query with the figures' region added. */
  href: (path: string, query?: Record<string, string | number | null | undefined>) => string;
}

/**
 * A section of the figures. Adding one is a provider in the list of sections.ts: it reads
 * ctx.facts (facts.ts gathers what it needs), and answers null when it has nothing to say.
 */
export interface SectionProvider {
  id: string;
  build(ctx: FiguresContext): Section | null;
}

export function buildFigures(providers: readonly SectionProvider[], ctx: FiguresContext, now: number): FleetFigures {
  const p = ctx.facts.period;
  return {
    generatedAt: new Date(now).toISOString(),
    from: new Date(p.from).toISOString(),
    to: new Date(p.to).toISOString(),
    asOf: new Date(p.asOf).toISOString(),
    timeZone: p.zone,
    region: ctx.facts.region,
    regionName: ctx.facts.region === null ? null : ctx.regionName(ctx.facts.region),
    lang: ctx.lang,
    sections: providers.map((s) => s.build(ctx)).filter((s): s is Section => s !== null),
  };
}

export function hrefWith(region: string | null) {
  return (path: string, query: Record<string, string | number | null | undefined> = {}): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    if (region) q.set('region', region);
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  };
}

/** Worst first: the standing of an enterprise is the worst state among its instruments. */
const STANDING_ORDER: readonly VerificationStateName[] = ['expired', 'none', 'due-soon', 'valid'];

/**
 * An enterprise's verification standing: the worst state of its instruments (expired, then none,
 * then due-soon); `none` for an enterprise without instruments (nothing verified on record).
 */
export function enterpriseStanding(states: readonly VerificationStateName[]): VerificationStateName {
  for (const s of STANDING_ORDER) if (states.includes(s)) return s;
  return 'none';
}

/** Verified (valid or due soon) and due — valid until — no later than `days` days after asOf. */
export function dueWithin(v: { state: VerificationStateName; validUntil: string | null }, asOf: number, days: number): boolean {
  if ((v.state !== 'valid' && v.state !== 'due-soon') || !v.validUntil) return false;
  const until = Date.parse(v.validUntil);
  return until >= asOf && until - asOf <= days * DAY_MS;
}

/** Median of the numbers (the mean of the middle two for an even count); null for none. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A table's region column: the province's name, its ISO 3166-2 code (values.regionCode) beside it in the XLSX. */
export const regionColumn = (ctx: FiguresContext): Column => ({
  id: 'region',
  label: ctx.t('ov.col.region'),
  type: 'text',
  code: { id: 'regionCode', label: ctx.t('ov.col.regionCode') },
});
/** A row's region values: the name the reports print, and the code. */
export const regionValues = (ctx: FiguresContext, code: string) => ({ region: ctx.regionName(code), regionCode: code });

/** Days to one decimal. */
export const days1 = (ms: number): number => Math.round((ms / DAY_MS) * 10) / 10;
/** A share as a percentage to one decimal; null without a basis. */
export const percent1 = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

/** Is the alert open (opened, not yet resolved) at instant t? */
export const openAt = (a: AlertTimes, t: number): boolean => Date.parse(a.openedAt) <= t && (a.resolvedAt === null || Date.parse(a.resolvedAt) > t);
/** Did it open within [from, to)? */
export const openedIn = (a: AlertTimes, from: number, to: number): boolean => {
  const o = Date.parse(a.openedAt);
  return o >= from && o < to;
};
/** Was it resolved within [from, to)? */
export const resolvedIn = (a: AlertTimes, from: number, to: number): boolean => {
  if (a.resolvedAt === null) return false;
  const r = Date.parse(a.resolvedAt);
  return r >= from && r < to;
};
/** Median days from opening to resolution of the alerts resolved within [from, to). */
export function medianResolveDays(alerts: readonly AlertTimes[], from: number, to: number): number | null {
  const m = median(alerts.filter((a) => resolvedIn(a, from, to)).map((a) => Date.parse(a.resolvedAt!) - Date.parse(a.openedAt)));
  return m === null ? null : days1(m);
}

// ── helpers of the section providers ──

export const iso = (t: number) => new Date(t).toISOString();
/** The period's instants as list filters. */
export const periodQuery = (ctx: FiguresContext) => ({ from: iso(ctx.facts.period.from), to: iso(ctx.facts.period.to) });
export const live = (ctx: FiguresContext, href: string) => (ctx.live ? href : null);

/** Checks and failures of devices in the period (all months), by a key of the device. */
export function checkTotals(ctx: FiguresContext, keyOf: (device: string) => string | undefined): Map<string, { checks: number; failed: number }> {
  const out = new Map<string, { checks: number; failed: number }>();
  for (const c of ctx.facts.checkCounts) {
    const k = keyOf(c.device);
    if (k === undefined) continue;
    const t = out.get(k) ?? { checks: 0, failed: 0 };
    t.checks += c.checks;
    t.failed += c.failed;
    out.set(k, t);
  }
  return out;
}

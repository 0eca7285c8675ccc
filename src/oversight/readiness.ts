// Enterprise readiness (choosing candidates for the Project 996 programme): a score 0–100 per
// enterprise from parts an inspector can check one by one, ranked within each region. The rules
// and weights are data (READINESS_RULES); docs/contract.md explains them. Pure: no I/O, no clock.
import type { AlertTimes } from '../store/alerts.ts';
import type { VerificationStateName } from '../metrology/types.ts';
import { DAY_MS } from './period.ts';
import { enterpriseStanding, type Enterprise, type Instrument } from './figures.ts';

/**
 * The readiness rules.
 * - weights: each part's share of the score; a part without a basis (no instruments, no alert to
 *   judge, no lot or no lots store) is left out and the others' weights scale up to 100.
 * - checkWithinDays: an instrument is checked on schedule when it had at least one check against a
 *   reference in the last this many days. One look-back for every type: the profiles give a legal
 *   verification interval, not an interval between checks, and 90 days is the longest check
 *   interval of the shipped fleets with room to spare. Only instruments that send telemetry are
 *   expected to send checks: one that never did (a market trader's scale registered by a
 *   verification campaign) is left out of the part, as an enterprise of such instruments only has
 *   no basis for it.
 * - alertDeadlineDays: a drift or out-of-tolerance alert is handled in time when it is resolved
 *   within this many days of opening; one still open past its deadline is late; one still open
 *   within it is not judged yet.
 * - alertWindowDays: the alerts judged are those opened in this many days before the ranking's date.
 */
export const READINESS_RULES = {
  weights: { verification: 40, checksOnSchedule: 30, alertsHandled: 20, lotsPassed: 10 },
  checkWithinDays: 90,
  alertDeadlineDays: { 'out-of-tolerance': 7, drift: 14 } as Record<string, number>,
  alertWindowDays: 365,
} as const;

export type ReadinessRules = typeof READINESS_RULES;
export type PartId = keyof ReadinessRules['weights'];
export const PART_IDS: readonly PartId[] = ['verification', 'checksOnSchedule', 'alertsHandled', 'lotsPassed'];

/** Lots of pre-packaged goods an enterprise had judged, and how many passed (the lots store's hook). */
export interface LotTally {
  lots: number;
  passed: number;
}

export interface ReadinessInput {
  asOf: number;
  enterprises: readonly Enterprise[];
  instruments: readonly Instrument[];
  /** Checks per device within the last checkWithinDays before asOf. */
  recentChecks: ReadonlyMap<string, number>;
  /**
   * The instruments that send telemetry (the gateway has heard from them: telemetryOf): the others
   * are left out of checksOnSchedule. Absent: every instrument is expected to send its checks.
   */
  telemetry?: ReadonlySet<string>;
  alerts: readonly AlertTimes[];
  /** Per enterprise; absent when there is no lots store (the part is then left out for all). */
  lots?: ReadonlyMap<string, LotTally>;
}

export interface ReadinessPart {
  /** numerator / denominator as a percentage (one decimal); null without a basis. */
  share: number | null;
  numerator: number;
  denominator: number;
  /** The part's weight as given; it counts only when share is not null. */
  weight: number;
}

export interface ReadinessItem {
  region: string;
  /** 1 = best in its region; equal scores share a rank (1, 2, 2, 4). Null without a score. */
  rank: number | null;
  tenant: string;
  name: string;
  /** 0–100, or null when no part has a basis (no instruments). */
  score: number | null;
  /** The worst verification state among its instruments. */
  standing: VerificationStateName;
  instruments: number;
  parts: Record<PartId, ReadinessPart>;
}

function part(numerator: number, denominator: number, weight: number): ReadinessPart {
  return { share: denominator > 0 ? Math.round((numerator / denominator) * 1000) / 10 : null, numerator, denominator, weight };
}

/** The instruments that send telemetry, for ReadinessInput.telemetry: those the gateway has heard from (a last-seen time). */
export function telemetryOf(devices: Iterable<{ id: string; lastSeenAt?: string | null }>): Set<string> {
  const out = new Set<string>();
  for (const d of devices) if (d.lastSeenAt) out.add(d.id);
  return out;
}

/** Handled in time, late, or not judged yet (open within its deadline / not a judged kind / outside the window). */
export function alertHandling(a: AlertTimes, asOf: number, rules: ReadinessRules = READINESS_RULES): 'in-time' | 'late' | null {
  const deadline = rules.alertDeadlineDays[a.kind];
  if (deadline === undefined) return null;
  const opened = Date.parse(a.openedAt);
  if (opened > asOf || opened <= asOf - rules.alertWindowDays * DAY_MS) return null;
  const resolved = a.resolvedAt === null ? Infinity : Date.parse(a.resolvedAt);
  if (resolved <= asOf) return resolved - opened <= deadline * DAY_MS ? 'in-time' : 'late';
  return asOf - opened > deadline * DAY_MS ? 'late' : null;
}

/** The score of each enterprise with its parts, ranked within its region (regions in code order). */
export function rankReadiness(input: ReadinessInput, rules: ReadinessRules = READINESS_RULES): ReadinessItem[] {
  const byTenant = new Map<string, Instrument[]>();
  for (const i of input.instruments) byTenant.set(i.tenant, [...(byTenant.get(i.tenant) ?? []), i]);
  const handling = new Map<string, { inTime: number; late: number }>();
  for (const a of input.alerts) {
    const h = alertHandling(a, input.asOf, rules);
    if (!h) continue;
    const c = handling.get(a.tenant) ?? { inTime: 0, late: 0 };
    if (h === 'in-time') c.inTime++;
    else c.late++;
    handling.set(a.tenant, c);
  }
  const w = rules.weights;
  const items: ReadinessItem[] = input.enterprises.map((e) => {
    const mine = byTenant.get(e.id) ?? [];
    const verified = mine.filter((i) => i.state === 'valid' || i.state === 'due-soon').length;
    const reporting = input.telemetry ? mine.filter((i) => input.telemetry!.has(i.id)) : mine;
    const checked = reporting.filter((i) => (input.recentChecks.get(i.id) ?? 0) > 0).length;
    const h = handling.get(e.id) ?? { inTime: 0, late: 0 };
    const lots = input.lots?.get(e.id) ?? { lots: 0, passed: 0 };
    const parts: Record<PartId, ReadinessPart> = {
      verification: part(verified, mine.length, w.verification),
      checksOnSchedule: part(checked, reporting.length, w.checksOnSchedule),
      alertsHandled: part(h.inTime, h.inTime + h.late, w.alertsHandled),
      lotsPassed: part(lots.passed, lots.lots, w.lotsPassed),
    };
    return {
      region: e.region,
      rank: null,
      tenant: e.id,
      name: e.name,
      score: score(parts),
      standing: enterpriseStanding(mine.map((i) => i.state)),
      instruments: mine.length,
      parts,
    };
  });
  items.sort(
    (a, b) => a.region.localeCompare(b.region) || (b.score ?? -1) - (a.score ?? -1) || a.name.localeCompare(b.name) || a.tenant.localeCompare(b.tenant),
  );
  let region = '';
  let rank = 0;
  let previous: number | null = null;
  items.forEach((it, i) => {
    if (it.region !== region) {
      region = it.region;
      rank = 0;
      previous = null;
    }
    const position = i - items.findIndex((x) => x.region === region) + 1;
    if (it.score === null) return;
    if (it.score !== previous) rank = position;
    previous = it.score;
    it.rank = rank;
  });
  return items;
}

/** Σ weight × share over the parts with a basis, scaled by the weights present; rounded to a whole point. */
function score(parts: Record<PartId, ReadinessPart>): number | null {
  let sum = 0;
  let weights = 0;
  for (const p of Object.values(parts)) {
    if (p.share === null) continue;
    sum += p.weight * p.share;
    weights += p.weight;
  }
  return weights > 0 ? Math.round(sum / weights) : null;
}

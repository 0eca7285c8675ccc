// Reverse traceability (docs/metrology.md §8): when a reference standard's own calibration finds it out of
// tolerance "as found", the checks it served since it was last known good are suspect. Pure: which
// period, which certificate bounds each check, and which decisions could change.
import { guardedDecision, legalDecision } from './decision.ts';
import type { StandardCertificate } from './traceability.ts';
import type { GuardedDecision, LegalDecision } from './types.ts';

const DECISION_ORDER: readonly GuardedDecision[] = ['pass', 'conditional-pass', 'conditional-fail', 'fail'];

export type ImpactBasis = 'requested' | 'since-last-good-calibration' | 'up-to-out-of-tolerance-finding' | 'no-calibration';

export interface ImpactPeriod {
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, inclusive */
  to: number;
  basis: ImpactBasis;
  /** The certificate whose as-found result closes the period (the latest, when it found the standard out of tolerance). */
  finding?: StandardCertificate;
}

function time(iso: string): number {
  return Date.parse(iso);
}

const isOot = (c: StandardCertificate) => c.asFound?.outOfTolerance === true;

/**
 * The period a standard's impact covers by default ("since its last calibration found in tolerance"):
 * - its latest calibration found it out of tolerance: from the latest earlier calibration that did not
 *   (the start of time when none did) up to that finding: the checks it may have spoiled;
 * - otherwise: from its latest calibration up to `now`: the checks a finding at its next calibration
 *   would put in doubt;
 * - no calibration: every check it served.
 * `requested` bounds replace the default ones they give (basis "requested").
 */
export function impactPeriod(certs: readonly StandardCertificate[], now: number, requested: { from?: number; to?: number } = {}): ImpactPeriod {
  const byIssue = certs.filter((c) => time(c.issuedAt) <= now).sort((a, b) => time(a.issuedAt) - time(b.issuedAt));
  const latest = byIssue.at(-1);
  let period: ImpactPeriod;
  if (!latest) period = { from: 0, to: now, basis: 'no-calibration' };
  else if (isOot(latest)) {
    const good = byIssue
      .slice(0, -1)
      .filter((c) => !isOot(c))
      .at(-1);
    period = { from: good ? time(good.issuedAt) : 0, to: time(latest.issuedAt), basis: 'up-to-out-of-tolerance-finding', finding: latest };
  } else period = { from: time(latest.issuedAt), to: now, basis: 'since-last-good-calibration' };
  if (requested.from === undefined && requested.to === undefined) return period;
  return { ...period, from: requested.from ?? period.from, to: requested.to ?? period.to, basis: 'requested' };
}

/**
 * The calibration that ended the interval a check was made in: the first certificate issued after the
 * check. Its as-found result tells how wrong the standard may have been when it served the check;
 * undefined while that calibration has not happened yet.
 */
export function closingCalibration(certs: readonly StandardCertificate[], ts: number): StandardCertificate | undefined {
  let best: StandardCertificate | undefined;
  for (const c of certs) {
    const issued = time(c.issuedAt);
    if (issued > ts && (best === undefined || issued < time(best.issuedAt))) best = c;
  }
  return best;
}

export interface CheckUnderReview {
  error: number;
  mpe: number;
  uncertainty: number;
  decision: GuardedDecision;
  legal: LegalDecision;
}

export interface PossibleDecisions {
  /** The guarded decisions the true error allows, from best to worst. */
  decisions: GuardedDecision[];
  legal: LegalDecision[];
  /** True when more than one decision (guarded or legal) is possible: the recorded one could change. */
  couldChange: boolean;
}

/**
 * The decisions a check could have had, had its reference been off by up to `band` (same unit as the
 * error): the true error lies in [e − band, e + band], so |e| in [max(0, |e| − band), |e| + band]. Both
 * decisions only worsen as |e| grows (decision.ts), so the two ends bound every decision in between.
 *
 * For a standard found out of tolerance, band = |asFound.error| + U of that calibration: the standard's
 * error when it served the check lay anywhere between its last good calibration and the finding, and
 * laboratories differ in the sign convention of an as-found error, so MAG takes the band both ways.
 */
export function possibleDecisions(c: CheckUnderReview, band: number): PossibleDecisions {
  const b = Math.abs(band);
  const low = Math.max(0, Math.abs(c.error) - b);
  const high = Math.abs(c.error) + b;
  const best = guardedDecision(low, c.mpe, c.uncertainty);
  const worst = guardedDecision(high, c.mpe, c.uncertainty);
  const decisions = DECISION_ORDER.slice(DECISION_ORDER.indexOf(best), DECISION_ORDER.indexOf(worst) + 1);
  const legalLow = legalDecision(low, c.mpe);
  const legalHigh = legalDecision(high, c.mpe);
  const legal: LegalDecision[] = legalLow === legalHigh ? [legalLow] : [legalLow, legalHigh];
  return { decisions, legal, couldChange: decisions.length > 1 || legal.length > 1 };
}

// Decision rules (ILAC-G8:09/2019, docs/metrology.md §4) and the uncertainty of a check.
import type { GuardedDecision, LegalDecision } from './types.ts';

/**
 * Relative slack for comparisons with a limit, so that an error written in decimal exactly on a limit
 * (20.10 L − 20.00 L against 0.10 L) counts as ON it despite binary floating point: |e| within
 * SLACK × TL of a limit is taken as equal to it. The slack is the same in legal and guarded decisions,
 * so the guarded one is never more lenient.
 */
export const DECISION_SLACK = 1e-9;

/** x ≤ limit, with x within the slack of the limit counted as on it. */
function atMost(x: number, limit: number, tl: number): boolean {
  return x <= limit + DECISION_SLACK * Math.abs(tl);
}

/** x < limit strictly, with x within the slack of the limit counted as on it (so not below it). */
function below(x: number, limit: number, tl: number): boolean {
  return x < limit - DECISION_SLACK * Math.abs(tl);
}

/** Expanded uncertainty (k = 2) of a check: U = 2·√((U_ref/2)² + (resolution/√12)²). */
export function expandedUncertainty(referenceU: number, resolution: number): number {
  const uRef = Math.abs(referenceU) / 2;
  const uRes = Math.abs(resolution) / Math.sqrt(12);
  return 2 * Math.sqrt(uRef * uRef + uRes * uRes);
}

/** Simple acceptance (w = 0): pass when |error| ≤ TL. The sign of `error` does not matter. */
export function legalDecision(absError: number, tl: number): LegalDecision {
  return atMost(Math.abs(absError), tl, tl) ? 'pass' : 'fail';
}

/**
 * Guarded, non-binary decision with guard band w (= U), ILAC-G8:09/2019 as in docs/metrology.md §4:
 * pass |e| < TL − w (strictly below the acceptance limit); conditional pass TL − w ≤ |e| ≤ TL;
 * conditional fail TL < |e| ≤ TL + w; fail |e| > TL + w. A negative w is taken as 0.
 */
export function guardedDecision(absError: number, tl: number, w: number): GuardedDecision {
  const e = Math.abs(absError);
  const g = Math.max(0, w);
  if (below(e, tl - g, tl)) return 'pass';
  if (atMost(e, tl, tl)) return 'conditional-pass';
  if (atMost(e, tl + g, tl)) return 'conditional-fail';
  return 'fail';
}

/**
 * Normalised error En = e / √(U_x² + U_ref²) (both expanded, k = 2); |En| ≤ 1 is satisfactory.
 * When both uncertainties are 0, En is 0 for e = 0 and ±Infinity otherwise.
 */
export function normalisedError(error: number, ux: number, uref: number): number {
  const d = Math.sqrt(ux * ux + uref * uref);
  if (d === 0) return error === 0 ? 0 : error > 0 ? Infinity : -Infinity;
  return error / d;
}

/** True when the guarded decision is out of tolerance (conditional fail or fail). */
export function isOutOfTolerance(decision: GuardedDecision): boolean {
  return decision === 'conditional-fail' || decision === 'fail';
}

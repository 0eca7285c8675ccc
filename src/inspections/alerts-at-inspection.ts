// MAG's alerts on an instrument as an inspection record keeps them: those unresolved when the
// instrument was entered on the record. A biên bản states the facts of the inspection, so the
// alerts are taken then (with the registry's verification standing) and stay on the record as
// they were, whatever becomes of them afterwards. Pure: the store reads the alerts.
import { ALERT_KINDS, type Alert } from '../alerts/alert-book.ts';
import type { GuardedDecision } from '../metrology/types.ts';
import type { AlertAtInspection, CheckOfAlert, InspectionItem } from './types.ts';

const DECISIONS: readonly string[] = ['pass', 'conditional-pass', 'conditional-fail', 'fail'] satisfies GuardedDecision[];

/**
 * The alerts of `alerts` unresolved at `at` (opened at or before it, not resolved by then),
 * oldest first (those opened at one instant in the order of ALERT_KINDS), each as the record keeps it: its state then (acknowledged by then, else open)
 * and, for a check's alert (out-of-tolerance, conditional), the check it speaks of.
 */
export function alertsAtInspection(alerts: readonly Alert[], at: Date): AlertAtInspection[] {
  const t = at.getTime();
  const seen = new Set<string>();
  return (
    alerts
      .filter((a) => {
        if (seen.has(a.id)) return false;
        seen.add(a.id);
        return Date.parse(a.openedAt) <= t && (a.resolvedAt === undefined || Date.parse(a.resolvedAt) > t);
      })
      // alerts opened by one check at one instant: in the order of the kinds, then of their keys
      .sort(
        (a, b) =>
          Date.parse(a.openedAt) - Date.parse(b.openedAt) ||
          ALERT_KINDS.indexOf(a.kind) - ALERT_KINDS.indexOf(b.kind) ||
          (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
      .map((a) => {
        const check = checkOf(a);
        return {
          id: a.id,
          kind: a.kind,
          ...(a.key ? { key: a.key } : {}),
          severity: a.severity,
          state: a.ackAt !== undefined && Date.parse(a.ackAt) <= t ? 'acknowledged' : 'open',
          since: a.openedAt,
          summary: a.summary,
          ...(check ? { check } : {}),
        };
      })
  );
}

/** The check a check's alert speaks of, from its evidence (alerts/assurance.ts applyCheck), if it holds one. */
function checkOf(a: Alert): CheckOfAlert | undefined {
  if (a.kind !== 'out-of-tolerance' && a.kind !== 'conditional') return undefined;
  const d = a.details;
  if (typeof d.ts !== 'string' || typeof d.error !== 'number' || typeof d.mpe !== 'number' || typeof d.unit !== 'string') return undefined;
  if (typeof d.decision !== 'string' || !DECISIONS.includes(d.decision)) return undefined;
  const text = (x: unknown) => (typeof x === 'string' && x !== '' ? x : undefined);
  const gas = text(d.gas);
  const point = text(d.point);
  const regime = d.regime === 'verification' || d.regime === 'inService' ? d.regime : undefined;
  return {
    at: d.ts,
    error: d.error,
    mpe: d.mpe,
    ...(typeof d.uncertainty === 'number' ? { uncertainty: d.uncertainty } : {}),
    unit: d.unit,
    decision: d.decision as GuardedDecision,
    ...(gas ? { gas } : {}),
    ...(point ? { point } : {}),
    ...(regime ? { regime } : {}),
  };
}

/**
 * An instrument the inspector found conforming while an out-of-tolerance alert on it was
 * unresolved: the verdict stays the inspector's (what they checked and saw at the inspection),
 * but the record says so beside it, so that "conforms" never reads as MAG having nothing against it.
 */
export function conformsWithUnresolvedOutOfTolerance(item: Pick<InspectionItem, 'verdict' | 'facts'>): boolean {
  return item.verdict === 'pass' && (item.facts.unresolvedAlerts ?? []).some((a) => a.kind === 'out-of-tolerance');
}

// Alerts of traceability (docs/contract.md §5): an instrument's check made with a standard that is not
// registered, not calibrated at the time or not fine enough (untraceable-check, one per device and
// standard); a reference standard found out of tolerance at its own calibration (standard-oot, one per
// enterprise it served).
import { unitText } from '../metrology/units.ts';
import type { AlertBook } from './alert-book.ts';
import type { StateExecutor } from '../store/executor.ts';
import type { CheckResult } from '../metrology/types.ts';

/**
 * After a check is stored: an untraceable one raises (or repeats) `untraceable-check` keyed by its
 * standard; a traceable one clears that alert. A check not judged (traceable absent) changes nothing.
 */
export function judgeCheckTraceability(alerts: Pick<AlertBook, 'raise' | 'clear'>, device: { id: string; tenant: string }, c: CheckResult, now: Date): void {
  if (c.traceable === true) {
    alerts.clear(
      device.id,
      'untraceable-check',
      c.standardId,
      `check ${c.seq} with standard ${c.standardId} is traceable (certificate ${c.standardCertificate ?? '?'})`,
      now,
    );
    return;
  }
  if (c.traceable !== false) return;
  alerts.raise({
    tenant: device.tenant,
    device: device.id,
    kind: 'untraceable-check',
    key: c.standardId,
    severity: 'warning',
    summary: `Check not traceable: ${c.traceabilityIssue ?? `standard ${c.standardId}`}`,
    details: {
      seq: c.seq,
      ts: new Date(c.ts).toISOString(),
      standardId: c.standardId,
      traceabilityKind: c.traceabilityKind,
      traceabilityIssue: c.traceabilityIssue,
      standardCertificate: c.standardCertificate,
      testUncertaintyRatio: c.testUncertaintyRatio,
      reference: c.reference,
      mpe: c.mpe,
      unit: c.unit,
      decision: c.decision,
      gas: c.gas,
      point: c.point,
    },
    at: now,
    throttle: true,
  });
}

/** What a standard-oot alert tells one enterprise: its instruments the standard served in the suspect period. */
export interface StandardOotEvidence {
  tenant: string;
  standard: string;
  standardName: string;
  certificate: string;
  issuedBy: string;
  issuedAt: string;
  asFound: { error: number; outOfTolerance: boolean };
  /** The standard's unit (asFound.error and uncertainty are in it). */
  unit: string;
  uncertainty: number;
  from: string;
  to: string;
  /**
   * The day the suspect period starts, the day of the calibration that starts it in the enterprise's
   * zone (`from` is the instant); absent when no calibration does (the period starts at the first check).
   */
  since?: string;
  checks: number;
  instruments: string[];
  /** Checks whose decision could change given the as-found error. */
  couldChange: number;
}

/**
 * A standard found out of tolerance: one alert per enterprise it served (device = the standard's id, key
 * = the enterprise: an alert needs a device, and a standard's id never names an instrument, see the
 * standards route), critical when a decision could change, else a warning.
 */
export function raiseStandardOot<S extends StateExecutor>(alerts: Pick<AlertBook<S>, 'raise'>, e: StandardOotEvidence, now: Date) {
  const sign = e.asFound.error > 0 ? '+' : '';
  return alerts.raise({
    tenant: e.tenant,
    device: e.standard,
    kind: 'standard-oot',
    key: e.tenant,
    severity: e.couldChange > 0 ? 'critical' : 'warning',
    summary: `Reference standard ${e.standard} found out of tolerance at its calibration ${e.certificate} (as found ${sign}${e.asFound.error} ${unitText(e.unit)}): ${e.checks} checks of ${e.instruments.length} instruments since ${e.since ?? e.from.slice(0, 10)} are suspect, ${e.couldChange} could change their decision`,
    details: { ...e },
    at: now,
  });
}

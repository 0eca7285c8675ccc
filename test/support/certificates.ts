// The verification certificate test fixtures register with a device. The gateway caps a certificate
// at its type's legal interval (issuedAt + verificationIntervalMonths, docs/metrology.md §3.6), so a fixed
// "valid until 2099" would lapse; this one is honest: issued (interval − 2) calendar months ago and
// valid for exactly the interval, so the instrument is `valid` (due in about two months, beyond the
// 30-day due-soon window) and backfilled checks and readings of the last ~10 months (gas detectors:
// ~4 months) fall under it.
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { addCalendarMonths } from '../../src/metrology/index.ts';
import { loadProfiles } from '../../src/metrology/profile-loader.ts';

let intervals: Map<string, number> | undefined;

/** The legal verification interval of an instrument type, months (devices/*.json). */
export function legalIntervalMonths(type: string): number {
  intervals ??= new Map([...loadProfiles(join(PACKAGE_ROOT, 'devices'))].map(([id, p]) => [id, p.verificationIntervalMonths]));
  const months = intervals.get(type);
  if (months === undefined) throw new Error(`no instrument profile ${type} in devices/`);
  return months;
}

/** The POST /devices/{id}/certificates body of a verification in force now, within the type's legal interval. */
export function currentVerification(
  deviceId: string,
  type: string,
  now = Date.now(),
): { kind: 'verification'; number: string; issuedBy: string; issuedAt: string; validUntil: string } {
  const months = legalIntervalMonths(type);
  // Whole seconds: the gateway echoes the dates as ISO strings, tests compare them.
  const issued = addCalendarMonths(Math.floor(now / 1000) * 1000, 2 - months);
  return {
    kind: 'verification',
    number: `V-${deviceId}`,
    issuedBy: 'QUATEST 1',
    issuedAt: new Date(issued).toISOString(),
    validUntil: new Date(addCalendarMonths(issued, months)).toISOString(),
  };
}

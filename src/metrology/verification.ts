// Legal verification standing of a device at a point in time.
import type { InstrumentProfile } from './profile.ts';
import type { Certificate, DeviceMetrology, VerificationState } from './types.ts';

const DAY_MS = 86_400_000;

/**
 * Verification state at `at` (epoch ms) from the device's certificates of `kind` (profile `standing`):
 * verification certificates (calibration certificates are ignored), or, for a type outside the legal
 * verification list, calibration certificates (verification certificates are ignored).
 *
 * Each verification certificate is due at its effective date: its validUntil, or the end of the day issuedAt +
 * the type's legal interval when `intervalMonths` is given and the certificate claims longer
 * (effectiveVerificationDue).
 * Among verification certificates issued at or before `at`, the one with the latest due date decides:
 * - `expired` when at > due date,
 * - `due-soon` when due date − at ≤ dueSoonDays days (still a valid verification),
 * - `valid` otherwise.
 * `none` when no verification certificate was issued by `at`: also when certificates exist but are all issued
 * later (a reading backfilled from before the first verification was not taken under a verification);
 * validUntil is then null. validUntil is the effective due date. Certificates with unparseable dates are ignored.
 * With `kind` calibration the state carries `basis: 'calibration'`, so that what is said of it says calibration.
 */
export function verificationState(
  certs: readonly Certificate[],
  at: number,
  dueSoonDays: number,
  intervalMonths?: number,
  kind: Certificate['kind'] = 'verification',
): VerificationState {
  let best: { until: number; iso: string } | undefined;
  for (const c of certs) {
    if (c.kind !== kind) continue;
    const d = parsedDates(c);
    if (!Number.isFinite(d.issued) || !Number.isFinite(d.until) || d.issued > at) continue;
    const capped = intervalMonths !== undefined && beyondInterval(d, intervalMonths);
    const until = capped ? d.legal! : d.until;
    if (best === undefined || until > best.until) best = { until, iso: capped ? d.legalIso! : d.untilIso };
  }
  const state: VerificationState['state'] =
    best === undefined ? 'none' : at > best.until ? 'expired' : best.until - at <= dueSoonDays * DAY_MS ? 'due-soon' : 'valid';
  const validUntil = best === undefined ? null : best.iso;
  return kind === 'calibration' ? { state, validUntil, basis: 'calibration' } : { state, validUntil };
}

/**
 * The interval of a device's certificates, months: its construction's where the type sets one (a
 * spring-dial scale's 24), else the type's. What caps a certificate claiming longer, wherever the
 * device's standing is judged (readings, the device, lots, certificates posted, campaigns).
 */
export function intervalMonthsOf(
  profile: Pick<InstrumentProfile, 'verificationIntervalMonths' | 'verificationIntervalMonthsByConstruction'>,
  device: Pick<DeviceMetrology, 'construction'>,
): number {
  const byConstruction = device.construction === undefined ? undefined : profile.verificationIntervalMonthsByConstruction?.[device.construction];
  return byConstruction ?? profile.verificationIntervalMonths;
}

/**
 * A device's standing at `at` by its type's rule: the kind of certificate that keeps the type in
 * standing, capped at the device's interval (its construction's where the type sets one), the
 * type's due-soon window else `dueSoonDays`. What its readings, its lots and the reports judge.
 */
export function standingOf(
  certs: readonly Certificate[],
  at: number,
  profile: Pick<InstrumentProfile, 'dueSoonDays' | 'standing' | 'verificationIntervalMonths' | 'verificationIntervalMonthsByConstruction'> | undefined,
  device: Pick<DeviceMetrology, 'construction'>,
  dueSoonDays: number,
): VerificationState {
  return verificationState(certs, at, profile?.dueSoonDays ?? dueSoonDays, profile && intervalMonthsOf(profile, device), profile?.standing);
}

/** What keeps an instrument in standing, for what is said of it: "verification" or "calibration". */
export function standingWord(v: Pick<VerificationState, 'basis'>): 'verification' | 'calibration' {
  return v.basis ?? 'verification';
}

/**
 * `months` calendar months after `epochMs` (UTC, same time of day); a day the target month lacks is
 * clamped to its last day (31 January + 1 month = 28/29 February).
 */
export function addCalendarMonths(epochMs: number, months: number): number {
  const d = new Date(epochMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(y, m, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/**
 * When a verification certificate makes the instrument due: its validUntil, unless that lies beyond the
 * type's legal verification interval (profile `verificationIntervalMonths`), in which case the instrument
 * is due at the end of the legal day, the day of issuedAt + interval (the longest validity the law allows: a
 * certificate states its last day, valid through it), and the certificate gets a warning (a validity
 * longer than the law allows is an error on the certificate, not an extension). Null for unparseable dates.
 */
export function effectiveVerificationDue(
  cert: Certificate,
  intervalMonths: number,
): { dueAt: string; legalDueAt: string; capped: boolean; warning?: string } | null {
  // a calibrated type's interval is the enterprise's calibration interval, not a legal one
  const interval = cert.kind === 'calibration' ? 'calibration interval' : 'legal verification interval';
  const d = parsedDates(cert);
  if (!Number.isFinite(d.issued) || !Number.isFinite(d.until)) return null;
  legalDueOf(d, intervalMonths);
  const legalDueAt = d.legalIso!;
  if (!beyondInterval(d, intervalMonths)) return { dueAt: new Date(d.until).toISOString(), legalDueAt, capped: false };
  return {
    dueAt: legalDueAt,
    legalDueAt,
    capped: true,
    warning: `certificate ${cert.number} is valid until ${dayAt(d.until, d.offset)}, longer than the ${interval} of ${intervalMonths} months: the instrument is due on ${dayAt(d.legal!, d.offset)} (issued ${dayAt(d.issued, d.offset)} + ${intervalMonths} months)`,
  };
}

/**
 * A validity ending later than the day of issuedAt + interval. That day itself is within: a
 * certificate states its last day, valid through its end (a date alone is read so in the tenant's
 * zone), so "issued 15/03/2026, valid until 15/03/2027" is a 12-month certificate, not 12 months
 * and a day. The zone is not known here, so the day is taken as it ends furthest from the start of
 * issuedAt + interval: 24 h, and 12 h more for a zone behind the issuedAt's offset (an issuedAt
 * given as a date alone in UTC, −12:00 at most).
 */
function beyondInterval(d: ParsedDates, intervalMonths: number): boolean {
  // An issuedAt that states its offset (what the API writes for a date alone in the enterprise's zone)
  // names the day: a validity past that day's end is beyond, whatever issuedAt's time of day (an hour's
  // slack for a daylight-saving change in between). Otherwise the day is guessed as above.
  if (d.zoned) return d.until > legalDueOf(d, intervalMonths) + HOUR_MS;
  return d.until >= legalStartOf(d, intervalMonths) + LAST_DAY_MS;
}

const HOUR_MS = 3_600_000;

/** The legal due day's span after its UTC midnight, in the zone furthest behind UTC. */
const LAST_DAY_MS = DAY_MS + 12 * 3_600_000;

function legalStartOf(d: ParsedDates, intervalMonths: number): number {
  legalDueOf(d, intervalMonths);
  return d.legalStart!;
}

/**
 * The last millisecond of the legal day, the day of issuedAt + interval at issuedAt's offset (its day
 * in the enterprise's zone: the API writes a date alone with the zone's offset; an issuedAt in UTC
 * or without a zone, as stored before, is taken in UTC). Computed once per interval (this runs for
 * every reading).
 */
function legalDueOf(d: ParsedDates, intervalMonths: number): number {
  if (d.legalFor !== intervalMonths) {
    d.legalFor = intervalMonths;
    // the months are counted on the wall clock at the offset: 1 April 00:00 +07:00 is 31 March in UTC
    const wall = addCalendarMonths(d.issued + d.offset, intervalMonths);
    d.legalStart = wall - d.offset;
    d.legal = Math.floor(wall / DAY_MS) * DAY_MS + DAY_MS - 1 - d.offset;
    d.legalIso = new Date(d.legal).toISOString();
  }
  return d.legal!;
}

/** The date (YYYY-MM-DD) of instant `t` at `offset` ms east of UTC. */
function dayAt(t: number, offset: number): string {
  return new Date(t + offset).toISOString().slice(0, 10);
}

/** The offset an ISO 8601 date-time states (ms east of UTC); 0 for `Z`, a date alone or none (read as UTC here). */
function offsetOf(iso: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  if (!m || !/T|\s\d/.test(iso)) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000);
}

interface ParsedDates {
  issued: number;
  /** issuedAt states a numeric offset (+07:00), so its day is known; not for Z, a date alone or none. */
  zoned: boolean;
  /** issuedAt's offset from UTC, ms (0 for UTC, a date alone or none). */
  offset: number;
  until: number;
  untilIso: string;
  /** legalFor: the interval, months; legalStart: issuedAt + legalFor months; legal: the end of that day at `offset` (legalDueOf). */
  legalFor?: number;
  legalStart?: number;
  legal?: number;
  legalIso?: string;
}

/**
 * A certificate's dates, parsed once per certificate object (this runs for every reading; the
 * registry keeps its certificates as the same objects until they change). Keyed by the object and
 * checked against its strings, so a certificate edited in place is parsed again.
 */
const parsed = new WeakMap<Certificate, ParsedDates & { issuedAt: string; validUntil: string }>();
function parsedDates(c: Certificate): ParsedDates {
  const hit = parsed.get(c);
  if (hit && hit.issuedAt === c.issuedAt && hit.validUntil === c.validUntil) return hit;
  const until = Date.parse(c.validUntil);
  const d = {
    issued: Date.parse(c.issuedAt),
    offset: offsetOf(c.issuedAt),
    zoned: /T.*[+-]\d{2}:?\d{2}$/.test(c.issuedAt),
    until,
    untilIso: Number.isFinite(until) ? new Date(until).toISOString() : '',
    issuedAt: c.issuedAt,
    validUntil: c.validUntil,
  };
  parsed.set(c, d);
  return d;
}

/** True for the states under which the device counts as verified (valid, due-soon). */
export function isVerified(state: VerificationState): boolean {
  return state.state === 'valid' || state.state === 'due-soon';
}

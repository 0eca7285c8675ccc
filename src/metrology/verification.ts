// Legal verification standing of a device at a point in time.
import type { Certificate, VerificationState } from './types.ts';

const DAY_MS = 86_400_000;

/**
 * Verification state at `at` (epoch ms) from the device's certificates (calibration certificates are ignored).
 *
 * Among verification certificates issued at or before `at`, the one with the latest validUntil decides:
 * - `expired` when at > validUntil,
 * - `due-soon` when validUntil − at ≤ dueSoonDays days (still a valid verification),
 * - `valid` otherwise.
 * `none` when no verification certificate was issued by `at`: also when certificates exist but are all issued
 * later (a reading backfilled from before the first verification was not taken under a verification);
 * validUntil is then null. Certificates with unparseable dates are ignored.
 */
export function verificationState(certs: readonly Certificate[], at: number, dueSoonDays: number): VerificationState {
  let best: ParsedDates | undefined;
  for (const c of certs) {
    if (c.kind !== 'verification') continue;
    const d = parsedDates(c);
    if (!Number.isFinite(d.issued) || !Number.isFinite(d.until) || d.issued > at) continue;
    if (best === undefined || d.until > best.until) best = d;
  }
  if (best === undefined) return { state: 'none', validUntil: null };
  const validUntil = best.untilIso;
  if (at > best.until) return { state: 'expired', validUntil };
  if (best.until - at <= dueSoonDays * DAY_MS) return { state: 'due-soon', validUntil };
  return { state: 'valid', validUntil };
}

interface ParsedDates {
  issued: number;
  until: number;
  untilIso: string;
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
  const d = { issued: Date.parse(c.issuedAt), until, untilIso: Number.isFinite(until) ? new Date(until).toISOString() : '', issuedAt: c.issuedAt, validUntil: c.validUntil };
  parsed.set(c, d);
  return d;
}

/** True for the states under which the device counts as verified (valid, due-soon). */
export function isVerified(state: VerificationState): boolean {
  return state.state === 'valid' || state.state === 'due-soon';
}

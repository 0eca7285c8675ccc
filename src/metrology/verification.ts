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
  let bestUntil = -Infinity;
  let best: Certificate | undefined;
  for (const c of certs) {
    if (c.kind !== 'verification') continue;
    const issued = Date.parse(c.issuedAt);
    const until = Date.parse(c.validUntil);
    if (!Number.isFinite(issued) || !Number.isFinite(until) || issued > at) continue;
    if (until > bestUntil) {
      bestUntil = until;
      best = c;
    }
  }
  if (best === undefined) return { state: 'none', validUntil: null };
  const validUntil = new Date(bestUntil).toISOString();
  if (at > bestUntil) return { state: 'expired', validUntil };
  if (bestUntil - at <= dueSoonDays * DAY_MS) return { state: 'due-soon', validUntil };
  return { state: 'valid', validUntil };
}

/** True for the states under which the device counts as verified (valid, due-soon). */
export function isVerified(state: VerificationState): boolean {
  return state.state === 'valid' || state.state === 'due-soon';
}

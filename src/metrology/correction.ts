// Calibration corrections: corrected = indicated × (1 + gain) + offset, from the latest valid calibration certificate.
import type { Certificate } from './types.ts';

function time(iso: string): number {
  return Date.parse(iso);
}

/**
 * The calibration certificate in force at `at` (epoch ms): kind "calibration", issuedAt ≤ at ≤ validUntil;
 * the latest issued wins (ties: the later validUntil). Certificates with unparseable dates are ignored.
 */
export function latestCalibration(certs: readonly Certificate[], at: number): Certificate | undefined {
  let best: Certificate | undefined;
  let bestIssued = -Infinity;
  let bestUntil = -Infinity;
  for (const c of certs) {
    if (c.kind !== 'calibration') continue;
    const issued = time(c.issuedAt);
    const until = time(c.validUntil);
    if (!Number.isFinite(issued) || !Number.isFinite(until)) continue;
    if (issued > at || at > until) continue;
    if (issued > bestIssued || (issued === bestIssued && until > bestUntil)) {
      best = c;
      bestIssued = issued;
      bestUntil = until;
    }
  }
  return best;
}

/** indicated × (1 + gain) + offset (canonical unit); the indication unchanged without a certificate or correction. */
export function applyCorrection(indicated: number, cert?: Certificate): number {
  const gain = cert?.correction?.gain ?? 0;
  const offset = cert?.correction?.offset ?? 0;
  return indicated * (1 + gain) + offset;
}

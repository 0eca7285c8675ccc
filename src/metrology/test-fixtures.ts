// Shared fixtures for the metrology unit tests: the real profiles from devices/.
import { fileURLToPath } from 'node:url';
import { loadProfiles } from './profile-loader.ts';
import type { InstrumentProfile } from './profile.ts';
import type { Certificate, DeviceMetrology } from './types.ts';

export const DEVICES_DIR = fileURLToPath(new URL('../../devices/', import.meta.url));
export const profiles = loadProfiles(DEVICES_DIR);

export function profile(id: string): InstrumentProfile {
  const p = profiles.get(id);
  if (!p) throw new Error(`no profile ${id}`);
  return p;
}

export function device(type: string, extra: Partial<DeviceMetrology> = {}): DeviceMetrology {
  return { id: `dev-${type}`, tenant: 't1', type, ...extra };
}

export const T0 = Date.parse('2026-06-01T00:00:00Z');
export const DAY = 86_400_000;

export function verificationCert(issuedAt: string, validUntil: string, number = 'V-1'): Certificate {
  return { kind: 'verification', number, issuedBy: 'QUATEST 1', issuedAt, validUntil };
}

/** A verification valid for a year around T0. */
export const validVerification = verificationCert('2026-01-15T00:00:00Z', '2027-01-15T00:00:00Z');

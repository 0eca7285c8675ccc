// The weighing instrument of a lot of prepackages: registered, weighing, verified, and fine enough
// (in-service MPE at the load ≤ T/5, UK SI 2006/659 Sch. 2 para 1.3). MPEs worked out by hand
// from the profiles' bands (OIML R76 for the scale, MID MI-006 category X for the checkweigher).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { instrumentFitness } from './lot-instrument.ts';
import { loadProfiles } from './profile-loader.ts';
import type { DeviceMetrology, VerificationState } from './types.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const valid: VerificationState = { state: 'valid', validUntil: '2027-01-01T00:00:00.000Z' };
const at = (type: string, device: Partial<DeviceMetrology>, verification: VerificationState = valid) => ({
  id: 'w-1',
  device: { id: 'w-1', tenant: 'north', type, ...device },
  profile: profiles.get(type)!,
  verification,
});
const rice = { nominal: 500, unit: 'g' };

describe('the fitness of a weighing instrument for a lot', () => {
  it('a scale of class III with e = 0.5 g: gross load 512.4 g = 1024.8e, MPE 1e = 0.5 g, 1 g in service ≤ T/5 = 3 g', () => {
    expect(instrumentFitness(at('scale', { class: 'III', e: 0.0005, max: 6 }), { ...rice, averageTare: 12.4 }, 15)).toEqual({
      id: 'w-1',
      suitable: true,
      mpe: 1,
      limit: 3,
      reason: 'Instrument w-1 (class III, e = 0.5 g), in service at the load 512.4 g: MPE 1 g is within T/5 = 3 g.',
    });
  });

  it('a market scale with e = 50 g is too coarse: 500 g = 10e, 0.5e = 25 g, 50 g in service > 3 g', () => {
    const f = instrumentFitness(at('scale', { class: 'III' }), rice, 15);
    expect(f).toMatchObject({ suitable: false, mpe: 50, limit: 3 });
    expect(f.reason).toBe('Instrument w-1 (class III, e = 50 g), in service at the load 500 g: MPE 50 g exceeds T/5 = 3 g; use a finer instrument.');
  });

  it('a volume lot weighed: 1 L × 1.03 g/mL = 1030 g = 5150e at e = 0.2 g, XIII 1.5e = 0.3 g, 0.6 g in service = 0.6/1.03 mL', () => {
    const milk = { nominal: 1, unit: 'L', measuredUnit: 'g', density: 1.03 };
    // T = 1.5 % of 1000 mL = 15 mL = 0.015 L; T/5 = 0.003 L; MPE 0.6 g / 1.03 g/mL = 0.582524 mL = 0.000582524 L
    const f = instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.0002, max: 3 }), milk, 0.015);
    expect(f).toMatchObject({ suitable: true, limit: 0.003 });
    expect(f.mpe).toBeCloseTo(0.000582524, 9);
    expect(f.reason).toMatch(/^Instrument w-1 \(class XIII, e = 0.2 g\), in service at the load 1030 g: MPE 0.000582524\d* L is within T\/5 = 0.003 L.$/);
  });

  it('is not fit without a valid verification, when it does not weigh, when the load exceeds Max, or when the lot is measured by volume', () => {
    const expired = instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.0001 }, { state: 'expired', validUntil: '2026-01-01T00:00:00.000Z' }), rice, 15);
    expect(expired).toEqual({
      id: 'w-1',
      suitable: false,
      reason:
        'Instrument w-1 has no valid verification when the packages were weighed (expired, valid until 2026-01-01): its indications are not legal evidence.',
    });
    // the day on the enterprise's calendar: 20:00Z on 31 December is 03:00 on 1 January in Vietnam
    const vietnam = (t: number) => new Date(t + 7 * 3_600_000).toISOString().slice(0, 10);
    const lateEvening = at('checkweigher', { class: 'XIII', e: 0.0001 }, { state: 'expired', validUntil: '2025-12-31T20:00:00.000Z' });
    expect(instrumentFitness(lateEvening, rice, 15, vietnam).reason).toContain('(expired, valid until 2026-01-01)');
    expect(instrumentFitness(lateEvening, rice, 15).reason).toContain('(expired, valid until 2025-12-31)'); // UTC days without a zone
    expect(instrumentFitness(at('barometer', {}), rice, 15).reason).toMatch(/^Instrument w-1 is a .*, not a weighing instrument\.$/);
    expect(instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.0001, max: 0.5 }), { ...rice, averageTare: 12.4 }, 15).reason).toBe(
      'The load 512.4 g exceeds the maximum capacity of instrument w-1 (0.5 kg).',
    );
    // Max as its readings are judged: the registered range, else 0…max, else the type's 0–6 kg (devices/checkweigher.json)
    const tenKg = { nominal: 10, unit: 'kg' };
    const over = 'The load 10 kg exceeds the maximum capacity of instrument w-1 (6 kg).';
    expect(instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.005 }), tenKg, 0.15).reason).toBe(over);
    expect(instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.005, range: { min: 0, max: 6 }, max: 15 }), tenKg, 0.15).reason).toBe(over);
    expect(instrumentFitness(at('checkweigher', { e: 0.0001 }), { nominal: 1, unit: 'L' }, 0.015).reason).toMatch(/measured in L, not weighed/);
    expect(instrumentFitness({ id: null }, rice, 15)).toMatchObject({ id: null, suitable: false });
    expect(instrumentFitness({ id: 'ghost' }, rice, 15).reason).toBe('Instrument ghost is not a registered instrument.');
  });
});

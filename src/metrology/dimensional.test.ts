// The profile projector (devices/profile-projector.json) through the metrology core: its ±(A + L/K) MPE,
// checks against a stage micrometer and a gauge block in mm and µm, and its standing by calibration.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCheck } from './check.ts';
import { maximumPermissibleError } from './mpe.ts';
import { parseProfile } from './profile.ts';
import { evaluateReading } from './reading.ts';
import { DEVICES_DIR, T0, device, profile, verificationCert } from './test-fixtures.ts';
import type { Certificate, CheckInput } from './types.ts';
import { verificationState } from './verification.ts';

const projector = profile('profile-projector');
const pj = device('profile-projector');
const calibration: Certificate = {
  kind: 'calibration',
  number: 'HC-2026-0412',
  issuedBy: 'VMI',
  issuedAt: '2026-01-15T00:00:00Z',
  validUntil: '2027-01-15T00:00:00Z',
  uncertainty: 0.0004,
};
const ctx = { profile: projector, device: pj, certificates: [calibration] };

function ok<T>(r: { ok: true; result: T } | { ok: false; errors: unknown }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.result;
}

function check(extra: Partial<CheckInput> = {}): CheckInput {
  return { seq: 1, ts: T0, indicated: 50.002, reference: 50, referenceUncertainty: 0.0003, unit: 'mm', standardId: 'GB-50MM-K1', point: 'GB-50mm', ...extra };
}

// Profile default: (3 + L/50) µm, L in mm (a maker's "(3 + 0.02 L) µm"), canonical unit mm.
describe('profile projector MPE ±(A + L/K)', () => {
  it('at a 50 mm gauge block: 3 + 50/50 = 4 µm = 0.004 mm, in both regimes (inServiceFactor 1)', () => {
    expect(maximumPermissibleError(projector, pj, 50, { regime: 'inService' })).toBeCloseTo(0.004, 12);
    expect(maximumPermissibleError(projector, pj, 50, { regime: 'verification' })).toBeCloseTo(0.004, 12);
  });

  it('along the stage micrometer: 1 mm → 3.02 µm, 10 mm → 3.2 µm; at the 200 mm end of travel 3 + 4 = 7 µm', () => {
    expect(maximumPermissibleError(projector, pj, 1, { regime: 'inService' })).toBeCloseTo(0.00302, 12);
    expect(maximumPermissibleError(projector, pj, 10, { regime: 'inService' })).toBeCloseTo(0.0032, 12);
    expect(maximumPermissibleError(projector, pj, 200, { regime: 'inService' })).toBeCloseTo(0.007, 12);
  });
});

// U = 2·√((U_ref/2)² + (d/√12)²), d = 0.001 mm: with U_ref = 0.0003 mm,
// 2·√(0.00015² + 0.00028868²) = 2·√(2.25e-8 + 8.3333e-8) = 2·0.00032532 = 0.00065064 mm.
describe('checks of a profile projector against a 50 mm gauge block', () => {
  it('50.002 mm: error 2 µm within MPE − U = 4 − 0.65 = 3.35 µm → pass', () => {
    const r = ok(evaluateCheck(ctx, check()));
    expect(r.unit).toBe('mm');
    expect(r.error).toBeCloseTo(0.002, 12);
    expect(r.mpe).toBeCloseTo(0.004, 12);
    expect(r.uncertainty).toBeCloseTo(0.00065064, 8);
    expect([r.legal, r.decision, r.regime, r.standardId]).toEqual(['pass', 'pass', 'inService', 'GB-50MM-K1']);
  });

  it('the same check sent in µm (50 002 vs 50 000 µm, U_ref 0.3 µm) gives the same result in mm', () => {
    const r = ok(evaluateCheck(ctx, check({ indicated: 50_002, reference: 50_000, referenceUncertainty: 0.3, unit: 'um' })));
    expect(r.indicated).toBeCloseTo(50.002, 9);
    expect(r.error).toBeCloseTo(0.002, 9);
    expect(r.mpe).toBeCloseTo(0.004, 12);
    expect(r.uncertainty).toBeCloseTo(0.00065064, 8);
    expect(r.decision).toBe('pass');
    // "µm" as people write it is an alias of the UCUM "um".
    expect(ok(evaluateCheck(ctx, check({ indicated: 50_002, reference: 50_000, referenceUncertainty: 0.3, unit: 'µm' }))).error).toBeCloseTo(0.002, 9);
  });

  // A 0.1 µm counter (registered resolution 0.0001 mm): U = 2·√(0.00015² + (0.0001/√12)²) = 2·√(2.25e-8 + 8.333e-10)
  // = 0.00030551 mm, so TL − U = 3.69 µm and TL + U = 4.31 µm. (On the default 1 µm counter 3.8 µm is no display value.)
  it('0.1 µm counter, error 3.8 µm: within 4 µm but inside the guard band (> 3.69) → conditional pass; 4.2 µm: within 4 + 0.31 → conditional fail; 5 µm → fail', () => {
    const fine = { ...ctx, device: device('profile-projector', { resolution: 0.0001 }) };
    const cp = ok(evaluateCheck(fine, check({ indicated: 50.0038 })));
    expect(cp.uncertainty).toBeCloseTo(0.00030551, 8);
    expect(cp.decision).toBe('conditional-pass');
    const cf = ok(evaluateCheck(fine, check({ indicated: 49.9958 })));
    expect([cf.legal, cf.decision]).toEqual(['fail', 'conditional-fail']);
    expect(ok(evaluateCheck(fine, check({ indicated: 50.005 }))).decision).toBe('fail');
    expect(evaluateCheck(ctx, check({ indicated: 50.0038 })).ok).toBe(false);
  });

  it('a calibration certificate in force shows the calibration view beside the judged error', () => {
    const r = ok(evaluateCheck(ctx, check()));
    expect(r.calibrationCertificate).toBe('HC-2026-0412');
    // √(U² + U_cal²) = √(0.00065064² + 0.0004²) = √(4.2333e-7 + 1.6e-7) = √(5.8333e-7) = 0.00076376 mm
    expect(r.correctedUncertainty).toBeCloseTo(0.00076376, 8);
  });

  it('a length unit that is not accepted is refused with the accepted ones', () => {
    const r = evaluateCheck(ctx, check({ unit: 'in' }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]!.message).toMatch(/unit "in" is not accepted for profile-projector: one of mm, um, cm \(or µm, μm\)/);
  });
});

describe('a calibrated type: standing by calibration certificates', () => {
  const reading = { seq: 1, ts: T0, quantity: 'length', value: 12.702, unit: 'mm', axis: 'X' } as Parameters<typeof evaluateReading>[1];

  it('a projector with a calibration certificate in force sends ok readings, not unverified ones', () => {
    const r = evaluateReading(ctx, reading);
    expect(r.ok && [r.status, r.verification]).toEqual(['ok', { state: 'valid', validUntil: '2027-01-15T00:00:00.000Z', basis: 'calibration' }]);
    expect(r.ok && r.tags).toEqual({ axis: 'X' });
  });

  it('its calibration lapsed, its readings are unverified; a verification certificate does not stand in for it', () => {
    const lapsed = { ...calibration, validUntil: '2026-05-01T00:00:00Z' };
    const r = evaluateReading({ ...ctx, certificates: [lapsed, verificationCert('2026-01-15T00:00:00Z', '2027-01-15T00:00:00Z')] }, reading);
    expect(r.ok && [r.status, r.verification.state]).toEqual(['unverified', 'expired']);
  });

  it('verificationState counts the certificates of the kind asked for', () => {
    expect(verificationState([calibration], T0, 30)).toEqual({ state: 'none', validUntil: null });
    expect(verificationState([calibration], T0, 30, undefined, 'calibration')).toEqual({
      state: 'valid',
      validUntil: '2027-01-15T00:00:00.000Z',
      basis: 'calibration',
    });
    // a calibrated type with no calibration yet: none, still said of its calibration
    expect(verificationState([], T0, 30, undefined, 'calibration')).toEqual({ state: 'none', validUntil: null, basis: 'calibration' });
    // Due 2027-01-15; 2026-12-20 is 26 days before: due soon.
    expect(verificationState([calibration], Date.parse('2026-12-20T00:00:00Z'), 30, undefined, 'calibration').state).toBe('due-soon');
  });

  it('other types keep their standing by verification', () => {
    expect(profile('barometer').standing).toBe('verification');
    expect(projector.standing).toBe('calibration');
  });
});

describe('the lengthDependent rule in a profile', () => {
  const json = () => JSON.parse(readFileSync(join(DEVICES_DIR, 'profile-projector.json'), 'utf8')) as Record<string, any>;

  it('refuses rule units that are not lengths, or not UCUM, naming the field', () => {
    const bad = json();
    bad.mpe = { verification: { ...bad.mpe.verification, unit: 'g' }, inService: { ...bad.mpe.verification, lengthUnit: 'µm' } };
    bad.sources['/mpe/inService'] = { source: 'test', basis: 'practice' };
    expect(() => parseProfile(bad, 'devices/profile-projector.json')).toThrow(
      /mpe\.verification\.unit: "g" does not convert to the canonical unit "mm"\n {2}mpe\.inService\.lengthUnit: "µm" is not a UCUM code \(µm is "um"\)/,
    );
  });

  it('wants K > 0', () => {
    const bad = json();
    bad.mpe.verification.k = 0;
    expect(() => parseProfile(bad, 'x.json')).toThrow(/mpe\.verification\.k: must be a finite number > 0/);
  });
});

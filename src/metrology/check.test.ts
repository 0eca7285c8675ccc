import { describe, expect, it } from 'vitest';
import { evaluateCheck } from './check.ts';
import type { Certificate, CheckInput } from './types.ts';
import { T0, device, profile, validVerification } from './test-fixtures.ts';

const fuelCtx = { profile: profile('fuel-dispenser'), device: device('fuel-dispenser'), certificates: [validVerification] };

function check(extra: Partial<CheckInput> = {}): CheckInput {
  return { seq: 77, ts: T0, indicated: 20.06, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-20L-07', ...extra };
}

function ok(r: ReturnType<typeof evaluateCheck>) {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.result;
}

describe('evaluateCheck, fuel dispenser with a 20 L proving measure', () => {
  it('CONTRACT example: 20.06 L vs 20.000 L, in service: e = 0.06 L, MPE 0.15 L, U = 0.0070 L → pass', () => {
    const r = ok(evaluateCheck(fuelCtx, check()));
    expect(r.unit).toBe('L');
    expect(r.error).toBeCloseTo(0.06, 12);
    expect(r.relativeError).toBeCloseTo(0.003, 12); // 0.06 / 20
    expect(r.mpe).toBeCloseTo(0.15, 12);
    expect(r.uncertainty).toBeCloseTo(0.0070238, 6);
    // En = 0.06 / √(U_x² + U_ref²), U_x = 2·0.01/√12 = 0.0057735 → √(3.333e-5 + 1.6e-5) = 0.0070238 → 8.542
    expect(r.en).toBeCloseTo(8.542, 2);
    expect(r.regime).toBe('inService');
    expect(r.legal).toBe('pass');
    expect(r.decision).toBe('pass');
    expect(r.standardId).toBe('PM-20L-07');
  });

  it('verification regime, error exactly at the MPE (20.10 vs 20.00, MPE 0.1): legal pass, conditional pass', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 20.1, regime: 'verification' })));
    expect(r.mpe).toBeCloseTo(0.1, 12);
    expect(r.legal).toBe('pass');
    expect(r.decision).toBe('conditional-pass');
  });

  it('verification, 20.105 L: e = 0.105 > 0.1 but ≤ 0.1 + U (0.1070) → legal fail, conditional fail', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 20.105, regime: 'verification' })));
    expect(r.legal).toBe('fail');
    expect(r.decision).toBe('conditional-fail');
  });

  it('verification, 19.85 L: |e| = 0.15 > 0.1 + U → fail', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 19.85, regime: 'verification' })));
    expect(r.error).toBeCloseTo(-0.15, 12);
    expect(r.decision).toBe('fail');
  });

  it('converts mL to the canonical L before anything else', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 20060, reference: 20000, referenceUncertainty: 4, unit: 'mL' })));
    expect(r.indicated).toBeCloseTo(20.06, 12);
    expect(r.error).toBeCloseTo(0.06, 12);
    expect(r.uncertainty).toBeCloseTo(0.0070238, 6);
  });

  it('at the MMQ point (5 L) the MPE is Emin = 0.05 L, × 1.5 in service = 0.075 L', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 5.07, reference: 5, point: 'MMQ' })));
    expect(r.mpe).toBeCloseTo(0.075, 12);
    expect(r.point).toBe('MMQ');
    // |e| = 0.07; TL − U = 0.075 − 0.0070 = 0.0680 < 0.07 ≤ 0.075 → conditional pass (legal pass)
    expect(r.decision).toBe('conditional-pass');
    expect(r.legal).toBe('pass');
  });

  it('applies the calibration certificate in force: corrected = 20.06 × (1 + 0) − 0.05 = 20.01', () => {
    const cal: Certificate = {
      kind: 'calibration', number: 'C-9', issuedBy: 'VMI', issuedAt: '2026-03-01T00:00:00Z', validUntil: '2027-03-01T00:00:00Z',
      correction: { offset: -0.05 }, uncertainty: 0.01,
    };
    const r = ok(evaluateCheck({ ...fuelCtx, certificates: [validVerification, cal] }, check()));
    expect(r.indicated).toBeCloseTo(20.06, 12);
    expect(r.corrected).toBeCloseTo(20.01, 12);
    expect(r.error).toBeCloseTo(0.01, 12);
  });

  it('rejects a unit of another dimension with the accepted units', () => {
    const r = evaluateCheck(fuelCtx, check({ unit: 'kg' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: 'unit', message: expect.stringMatching(/"kg" is not accepted for fuel-dispenser: one of L, mL/) }]);
  });

  it('rejects a negative reference uncertainty and an unknown regime', () => {
    const r = evaluateCheck(fuelCtx, check({ referenceUncertainty: -1, regime: 'lenient' as never }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path).sort()).toEqual(['referenceUncertainty', 'regime']);
  });
});

describe('evaluateCheck, gas detector', () => {
  const ctx = { profile: profile('gas-detector'), device: device('gas-detector'), certificates: [] };
  it('CO bump at 50 ppm (alias "ppm" → [ppm]): e = 4 ppm, MPE max(5, 5) = 5 ppm, U = 2·√(1² + (1/√12)²) = 2.0817 → conditional pass', () => {
    const r = ok(evaluateCheck(ctx, check({ gas: 'CO', indicated: 54, reference: 50, referenceUncertainty: 2, unit: 'ppm' })));
    expect(r.unit).toBe('[ppm]');
    expect(r.gas).toBe('CO');
    expect(r.mpe).toBe(5);
    expect(r.uncertainty).toBeCloseTo(2.0817, 4);
    expect(r.decision).toBe('conditional-pass'); // 5 − 2.08 = 2.92 < 4 ≤ 5
    expect(r.legal).toBe('pass');
  });
  it('requires the gas, and the unit must fit the gas (%LEL is not a CO unit)', () => {
    const noGas = evaluateCheck(ctx, check({ unit: 'ppm' }));
    expect(noGas.ok).toBe(false);
    if (!noGas.ok) expect(noGas.errors[0]!.path).toBe('gas');
    const wrongUnit = evaluateCheck(ctx, check({ gas: 'CO', unit: '%LEL' }));
    expect(wrongUnit.ok).toBe(false);
    if (!wrongUnit.ok) expect(wrongUnit.errors[0]!.message).toMatch(/not accepted for gas-detector \(CO\)/);
  });
  it('CH4 in %LEL (alias) and zero gas: relative error is 0 by convention when the reference is 0', () => {
    const r = ok(evaluateCheck(ctx, check({ gas: 'CH4', indicated: 1, reference: 0, referenceUncertainty: 0, unit: '%LEL' })));
    expect(r.unit).toBe('%{LEL}');
    expect(r.relativeError).toBe(0);
    expect(r.mpe).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { evaluateCheck, onDisplayStep } from './check.ts';
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

// Fuel dispenser defaults (devices/fuel-dispenser.json): ĐLVN 10 A = 0.3 %, MMQ 5 L, in trade × 1.5.
// At 20 L: verification MPE = 0.3 % × 20 = 0.06 L, in trade 0.09 L (0.45 %).
// U = 2·√((U_ref/2)² + (0.01/√12)²) = 2·√(0.002² + 0.0028868²) = 2·√(4e-6 + 8.3333e-6) = 0.0070238 L.
describe('evaluateCheck, fuel dispenser with a 20 L proving measure (ĐLVN 10 by default)', () => {
  it('CONTRACT example: 20.06 L vs 20.000 L, in trade: e = 0.06 L, MPE 0.09 L, U = 0.0070238 L → pass', () => {
    const r = ok(evaluateCheck(fuelCtx, check()));
    expect(r.unit).toBe('L');
    expect(r.error).toBeCloseTo(0.06, 12);
    expect(r.relativeError).toBeCloseTo(0.003, 12); // 0.06 / 20
    expect(r.mpe).toBeCloseTo(0.09, 12);
    expect(r.uncertainty).toBeCloseTo(0.0070238, 6);
    expect(r.en).toBeCloseTo(8.542, 2); // En = e / U = 0.06 / 0.0070238
    expect(r.regime).toBe('inService');
    expect(r.legal).toBe('pass'); // 0.06 ≤ 0.09
    expect(r.decision).toBe('pass'); // 0.06 < TL − U = 0.0829762
    expect(r.standardId).toBe('PM-20L-07');
    expect(r.correctedError).toBeUndefined(); // no calibration certificate: no calibration view
  });

  it('answers the figures as an inspector computes them, without binary noise: error 0.06, MPE 0.09, relative 0.003', () => {
    // as doubles 20.06 − 20 = 0.05999999999999872 and 1.5 × 0.003 × 20 = 0.09000000000000001 (decimal.ts)
    const r = ok(evaluateCheck(fuelCtx, check()));
    expect([r.error, r.mpe, r.relativeError]).toEqual([0.06, 0.09, 0.003]);
    // in mL: 20060 − 20000 = 60 mL → 0.06 L
    expect(ok(evaluateCheck(fuelCtx, check({ indicated: 20060, reference: 20000, referenceUncertainty: 4, unit: 'mL' }))).error).toBe(0.06);
  });

  it('a dispenser 0.4 % short fails at verification (±0.3 %) and passes in trade (±0.45 %); 0.5 % short fails in trade', () => {
    // 19.92 vs 20: e = −0.08 L (−0.4 %). Verification: 0.08 > TL + U = 0.06 + 0.0070238 = 0.0670238 → fail.
    const v = ok(evaluateCheck(fuelCtx, check({ indicated: 19.92, regime: 'verification' })));
    expect(v.mpe).toBeCloseTo(0.06, 12);
    expect([v.legal, v.decision]).toEqual(['fail', 'fail']);
    // In trade: 0.08 < TL − U = 0.09 − 0.0070238 = 0.0829762 → pass.
    const t = ok(evaluateCheck(fuelCtx, check({ indicated: 19.92 })));
    expect([t.legal, t.decision]).toEqual(['pass', 'pass']);
    // 19.90: 0.10 > 0.09 + 0.0070238 = 0.0970238 → fail (R117 class 0.5 in trade, ±0.15 L, passed it).
    const short = ok(evaluateCheck(fuelCtx, check({ indicated: 19.9 })));
    expect([short.legal, short.decision]).toEqual(['fail', 'fail']);
    const r117 = ok(evaluateCheck({ ...fuelCtx, device: device('fuel-dispenser', { class: '0.5' }) }, check({ indicated: 19.9 })));
    expect([r117.mpe, r117.legal]).toEqual([expect.closeTo(0.15, 12), 'pass']);
  });

  it('verification, error exactly at the MPE (20.06 vs 20.00, MPE 0.06): legal pass, conditional pass', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ regime: 'verification' })));
    expect(r.mpe).toBeCloseTo(0.06, 12);
    expect(r.legal).toBe('pass');
    expect(r.decision).toBe('conditional-pass');
  });

  it('verification, 20.07 L with U_ref = 0.02 L (0.1 %, the ĐLVN 10 limit): e = 0.07 > 0.06 but ≤ 0.06 + U (0.0808) → legal fail, conditional fail', () => {
    // U = 2·√((0.02/2)² + (0.01/√12)²) = 2·√(1e-4 + 8.3333e-6) = 0.0208167 L; TL + U = 0.0808167 L.
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 20.07, referenceUncertainty: 0.02, regime: 'verification' })));
    expect(r.uncertainty).toBeCloseTo(0.0208167, 6);
    expect(r.legal).toBe('fail');
    expect(r.decision).toBe('conditional-fail');
  });

  it('converts mL to the canonical L before anything else', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 20060, reference: 20000, referenceUncertainty: 4, unit: 'mL' })));
    expect(r.indicated).toBeCloseTo(20.06, 12);
    expect(r.error).toBeCloseTo(0.06, 12);
    expect(r.uncertainty).toBeCloseTo(0.0070238, 6);
  });

  it('at the MMQ point (5 L) the MPE is Emin = 2·5·0.3/100 = 0.03 L, × 1.5 in trade = 0.045 L', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 5.04, reference: 5, point: 'MMQ' })));
    expect(r.mpe).toBeCloseTo(0.045, 12);
    expect(r.point).toBe('MMQ');
    // |e| = 0.04; TL − U = 0.045 − 0.0070238 = 0.0379762 ≤ 0.04 ≤ 0.045 → conditional pass (legal pass)
    expect(r.decision).toBe('conditional-pass');
    expect(r.legal).toBe('pass');
  });

  it('refuses a test volume below the MMQ with the field and the reason (not a valid test, OIML R117)', () => {
    const r = evaluateCheck(fuelCtx, check({ indicated: 2.01, reference: 2 }));
    expect(r).toEqual({
      ok: false,
      errors: [{ path: 'reference', message: expect.stringMatching(/2 L is below the minimum measured quantity MMQ = 5 L: not a valid test/) }],
    });
    // The device's own MMQ (2 L) admits it; exactly the MMQ, sent in mL, is a valid test.
    expect(evaluateCheck({ ...fuelCtx, device: device('fuel-dispenser', { mmq: 2 }) }, check({ indicated: 2.01, reference: 2 })).ok).toBe(true);
    expect(evaluateCheck(fuelCtx, check({ indicated: 5010, reference: 5000, referenceUncertainty: 2, unit: 'mL' })).ok).toBe(true);
  });

  it('judges the indication as shown; the calibration correction is reported beside it with its own U', () => {
    const cal: Certificate = {
      kind: 'calibration',
      number: 'C-9',
      issuedBy: 'VMI',
      issuedAt: '2026-03-01T00:00:00Z',
      validUntil: '2027-03-01T00:00:00Z',
      correction: { offset: -0.05 },
      uncertainty: 0.01,
    };
    const r = ok(evaluateCheck({ ...fuelCtx, certificates: [validVerification, cal] }, check()));
    expect(r.indicated).toBeCloseTo(20.06, 12);
    expect(r.error).toBeCloseTo(0.06, 12); // as shown: 20.06 − 20
    expect(r.corrected).toBeCloseTo(20.01, 12); // 20.06 × (1 + 0) − 0.05
    expect(r.correctedError).toBeCloseTo(0.01, 12);
    // √(U² + U_cal²) = √(0.0070238² + 0.01²) = √(4.93337e-5 + 1e-4) = 0.0122202
    expect(r.correctedUncertainty).toBeCloseTo(0.0122202, 6);
    expect(r.calibrationCertificate).toBe('C-9');
    expect(r.uncertainty).toBeCloseTo(0.0070238, 6); // the judged U has no calibration term
  });

  it('a correction never turns a legal fail into a pass (docs/metrology.md §4)', () => {
    // 20.12 in trade: e = 0.12 > 0.09 + U → fail. The certificate's −0.10 L would make it 0.02 (a pass).
    const cal: Certificate = {
      kind: 'calibration',
      number: 'C-10',
      issuedBy: 'VMI',
      issuedAt: '2026-03-01T00:00:00Z',
      validUntil: '2027-03-01T00:00:00Z',
      correction: { offset: -0.1 },
    };
    const r = ok(evaluateCheck({ ...fuelCtx, certificates: [validVerification, cal] }, check({ indicated: 20.12 })));
    expect([r.legal, r.decision]).toEqual(['fail', 'fail']);
    expect(r.correctedError).toBeCloseTo(0.02, 12);
    expect(r.correctedUncertainty).toBeCloseTo(0.0070238, 6); // no U on the certificate: √(U² + 0)
  });

  it('rejects a unit of another dimension with the accepted units', () => {
    const r = evaluateCheck(fuelCtx, check({ unit: 'kg' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: 'unit', message: expect.stringMatching(/"kg" is not accepted for fuel-dispenser: one of L, mL/) }]);
  });

  it('rejects a negative reference uncertainty, an unknown regime and change-point weights on a dispenser', () => {
    const r = evaluateCheck(fuelCtx, check({ referenceUncertainty: -1, regime: 'lenient' as never, deltaL: 0.001 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path).sort()).toEqual(['deltaL', 'referenceUncertainty', 'regime']);
  });
});

// Scale class III, e = 0.02 kg, Max 60 kg (3000e); a 10 kg test weight (500e) with U_ref = 1 g.
// Verification MPE at 500e = 0.5e = 0.01 kg (OIML R76), in service 2 × 0.01 = 0.02 kg.
describe('evaluateCheck, scale: the R76 change-point method lets a healthy scale pass', () => {
  const ctx = { profile: profile('scale'), device: device('scale', { class: 'III', e: 0.02, max: 60 }), certificates: [validVerification] };
  const weigh = (extra: Partial<CheckInput>) =>
    check({ indicated: 10, reference: 10, referenceUncertainty: 0.001, unit: 'kg', standardId: 'W-10KG-M1', regime: 'verification', ...extra });

  it('without change-point weights the rounding term alone exceeds 0.5e: a perfect indication cannot pass', () => {
    // U = 2·√((0.001/2)² + (0.02/√12)²) = 2·√(2.5e-7 + 3.33333e-5) = 0.0115902 kg > MPE 0.01 → TL − U < 0 ≤ |e| = 0.
    const r = ok(evaluateCheck(ctx, weigh({})));
    expect(r.mpe).toBeCloseTo(0.01, 12);
    expect(r.uncertainty).toBeCloseTo(0.0115902, 6);
    expect(r.decision).toBe('conditional-pass');
  });

  it('with deltaL: E = I + ½e − ΔL − L = 10 + 0.01 − 0.008 − 10 = 0.002 kg, U = U_ref = 0.001 kg → pass', () => {
    const r = ok(evaluateCheck(ctx, weigh({ deltaL: 0.008 })));
    expect(r.error).toBeCloseTo(0.002, 12);
    expect(r.uncertainty).toBe(0.001); // the rounding error is removed: U_ref only
    expect(r.deltaL).toBeCloseTo(0.008, 12);
    expect([r.legal, r.decision]).toEqual(['pass', 'pass']); // 0.002 < TL − U = 0.009
    // In grams, the same check; in service the MPE doubles to 0.02 kg.
    const g = ok(evaluateCheck(ctx, weigh({ indicated: 10000, reference: 10000, referenceUncertainty: 1, deltaL: 8, unit: 'g', regime: 'inService' })));
    expect(g.error).toBeCloseTo(0.002, 12);
    expect(g.mpe).toBeCloseTo(0.02, 12);
    expect(g.decision).toBe('pass');
  });

  it('refuses change-point weights outside [0, e] and echoes an adjustment', () => {
    const r = evaluateCheck(ctx, weigh({ deltaL: 0.03 }));
    expect(r).toEqual({ ok: false, errors: [{ path: 'deltaL', message: expect.stringMatching(/must lie in \[0, e = 0.02 kg\]/) }] });
    expect(ok(evaluateCheck(ctx, weigh({ deltaL: 0.01, adjusted: true }))).adjusted).toBe(true);
  });
});

// OIML R76 tabulates MPEs from zero to Max (R76-1 Table 6): above Max, or beyond the class's last band, there is
// no MPE, and such a check is refused like a test volume below a dispenser's MMQ, never judged.
describe("evaluateCheck, scale: a test load must lie within Max and within the class's load bands", () => {
  // Class III, e = 5 g, Max = 15 kg: n = 15 / 0.005 = 3000 (Table 3 fits). 15 kg = 3000e ≤ 10000e → 1.5e =
  // 7.5 g at verification, 2 × 7.5 = 15 g in service.
  const ctx = { profile: profile('scale'), device: device('scale', { class: 'III', e: 0.005, max: 15 }), certificates: [validVerification] };
  const weigh = (reference: number, extra: Partial<CheckInput> = {}) =>
    evaluateCheck(ctx, check({ indicated: reference, reference, referenceUncertainty: 0.001, unit: 'kg', standardId: 'W-SET-M1', ...extra }));

  it('refuses a 20 kg test load on a 15 kg scale (the old code judged it with 1.5e = 7.5 g), naming the load, Max and unit', () => {
    expect(weigh(20)).toEqual({
      ok: false,
      errors: [
        {
          path: 'reference',
          message:
            'test load 20 kg is above the maximum capacity Max = 15 kg (registered): not a valid test of this scale (OIML R76 defines no MPE above Max); test at or below Max',
        },
      ],
    });
    // one scale interval above Max (15.005 kg) is as invalid
    expect(weigh(15.005)).toMatchObject({
      ok: false,
      errors: [{ path: 'reference', message: expect.stringMatching(/^test load 15\.005 kg is above the maximum capacity Max = 15 kg/) }],
    });
  });

  it('a test at Max is valid, in kg and in g (15000 g → 15 kg): 1.5e = 7.5 g at verification, 15 g in service', () => {
    const atMax = ok(weigh(15, { regime: 'verification' }));
    expect(atMax.mpe).toBeCloseTo(0.0075, 12);
    expect(atMax.legal).toBe('pass'); // error 0
    const inGrams = ok(weigh(15000, { referenceUncertainty: 1, unit: 'g' }));
    expect(inGrams.reference).toBe(15);
    expect(inGrams.mpe).toBeCloseTo(0.015, 12);
  });

  it("without a registered Max the type's 150 kg applies, and the refusal says so", () => {
    const bare = { ...ctx, device: device('scale', { class: 'III' }) }; // e = 0.05 kg, Max 150 kg = 3000e
    const r = evaluateCheck(bare, check({ indicated: 200, reference: 200, referenceUncertainty: 0.01, unit: 'kg', standardId: 'W-SET-M1' }));
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          path: 'reference',
          message: expect.stringMatching(
            /^test load 200 kg is above the maximum capacity Max = 150 kg \(the type's default; device dev-scale was registered without its Max\): not a valid test/,
          ),
        },
      ],
    });
  });

  it("refuses a load within Max but beyond the class's last band instead of extrapolating it", () => {
    // Class IIII registered without e or Max (before registration judged the defaults): e = 0.05 kg, Max 150 kg.
    // 60 kg = 1200e > 1000e: no MPE (the old code gave 1.5e = 0.075 kg). 50 kg = 1000e → 1.5e = 0.075 kg, × 2 in service.
    const iiii = { ...ctx, device: device('scale', { class: 'IIII' }) };
    const load = (reference: number) =>
      evaluateCheck(iiii, check({ indicated: reference, reference, referenceUncertainty: 0.01, unit: 'kg', standardId: 'W-SET-M1' }));
    expect(load(60)).toEqual({
      ok: false,
      errors: [
        {
          path: 'reference',
          message: expect.stringMatching(
            /^load 60 kg is 1200e \(e = 0\.05 kg\), beyond the last load band of class IIII \(1000e = 50 kg\): OIML R76 defines no MPE there\. .*; not a valid test$/,
          ),
        },
      ],
    });
    expect(ok(load(50)).mpe).toBeCloseTo(0.15, 12);
  });
});

// A class II balance of a gold shop: Max 220 g, e = d = 0.01 g (n = 22 000, OIML R76-1 Table 3: 100 to 100 000).
// Checked in grams with the change-point method (U = U_ref = 0.5 mg); every number of the result in kg.
// R76-1 Table 6, class II: 0.5e up to 5 000e, 1e for 5 000e < m ≤ 20 000e, 1.5e up to 100 000e; in service 2 ×.
describe('evaluateCheck, class II balance (Max 220 g, e = 0.01 g): the MPE of its load band, in grams', () => {
  const ctx = { profile: profile('scale'), device: device('scale', { class: 'II', e: 0.00001, max: 0.22 }), certificates: [validVerification] };
  const weigh = (indicated: number, reference: number, deltaL: number, regime: 'verification' | 'inService') =>
    evaluateCheck(ctx, check({ indicated, reference, deltaL, referenceUncertainty: 0.0005, unit: 'g', standardId: 'W-F1-SET', regime }));

  it('at 100 g = 10 000e: E = 100.01 + 0.005 − 0.004 − 100 = +0.011 g; fails verification (1e = 0.01 g), passes in service (2e = 0.02 g)', () => {
    const v = ok(weigh(100.01, 100, 0.004, 'verification'));
    expect(v.reference).toBeCloseTo(0.1, 15);
    expect(v.error).toBeCloseTo(0.000011, 15);
    expect(v.mpe).toBeCloseTo(0.00001, 15);
    expect(v.uncertainty).toBeCloseTo(0.0000005, 15); // U_ref alone (change point)
    // |E| = 0.011 g > TL + U = 0.01 + 0.0005 = 0.0105 g
    expect([v.legal, v.decision]).toEqual(['fail', 'fail']);
    const s = ok(weigh(100.01, 100, 0.004, 'inService'));
    expect(s.mpe).toBeCloseTo(0.00002, 15);
    // |E| = 0.011 g < TL − U = 0.02 − 0.0005 = 0.0195 g
    expect([s.legal, s.decision]).toEqual(['pass', 'pass']);
  });

  it('at 200 g = 20 000e, the band limit: R76 says m ≤ 20 000e is 1e, so E = 199.99 + 0.005 − 0.007 − 200 = −0.012 g fails verification', () => {
    const v = ok(weigh(199.99, 200, 0.007, 'verification'));
    expect(v.error).toBeCloseTo(-0.000012, 15);
    expect(v.mpe).toBeCloseTo(0.00001, 15); // 1e = 0.01 g, not 1.5e = 0.015 g (which would pass it)
    expect([v.legal, v.decision]).toEqual(['fail', 'fail']); // 0.012 > 0.01 + 0.0005
    // one e further, L = 200.01 g = 20 001e is in the 1.5e band: E = 200.00 + 0.005 − 0.007 − 200.01 = −0.012 g
    // again, and |E| = 0.012 < TL − U = 0.015 − 0.0005 = 0.0145 g: pass
    const next = ok(weigh(200, 200.01, 0.007, 'verification'));
    expect(next.error).toBeCloseTo(-0.000012, 15);
    expect(next.mpe).toBeCloseTo(0.000015, 15);
    expect([next.legal, next.decision]).toEqual(['pass', 'pass']);
  });
});

// A class I analytical balance: Max 220 g, e = 1 mg, d = 0.1 mg (n = 220 000 ≥ 50 000; class I has no largest n).
// Its last load band is open (devices/scale.json): above 200 000e the MPE is 1.5e whatever the load.
describe('evaluateCheck, class I balance (Max 220 g, e = 1 mg, d = 0.1 mg): the open last band', () => {
  const ctx = {
    profile: profile('scale'),
    device: device('scale', { class: 'I', e: 0.000001, resolution: 0.0000001, max: 0.22 }),
    certificates: [validVerification],
  };
  const weigh = (indicated: number, reference: number, regime: 'verification' | 'inService') =>
    evaluateCheck(ctx, check({ indicated, reference, referenceUncertainty: 0.0003, unit: 'g', standardId: 'W-E2-200G', regime }));

  it('210 g = 210 000e → 1.5e = 1.5 mg (3 mg in service); 210.0012 g shown: E = 1.2 mg, U = 2·√(0.15² + (0.1/√12)²) = 0.305505 mg', () => {
    // without change-point weights the display step d = 0.1 mg enters U: (0.1/√12)² = 0.000833 mg², 0.15² = 0.0225 mg²
    const v = ok(weigh(210.0012, 210, 'verification'));
    expect(v.error).toBeCloseTo(0.0000012, 15);
    expect(v.mpe).toBeCloseTo(0.0000015, 15);
    expect(v.uncertainty * 1e6).toBeCloseTo(0.305505, 6);
    // TL − U = 1.5 − 0.3055 = 1.1945 mg ≤ |E| = 1.2 mg ≤ TL: legal pass, conditional pass
    expect([v.legal, v.decision]).toEqual(['pass', 'conditional-pass']);
    const s = ok(weigh(210.0012, 210, 'inService'));
    expect(s.mpe).toBeCloseTo(0.000003, 15);
    expect([s.legal, s.decision]).toEqual(['pass', 'pass']); // 1.2 < 3 − 0.3055 mg
  });

  it('at Max (220 g = 220 000e) still 1.5e; above Max refused on Max, not on a load band', () => {
    expect(ok(weigh(220, 220, 'verification')).mpe).toBeCloseTo(0.0000015, 15);
    expect(weigh(220.001, 220.001, 'verification')).toMatchObject({
      ok: false,
      errors: [{ path: 'reference', message: expect.stringMatching(/^test load 0\.220001 kg is above the maximum capacity Max = 0\.22 kg \(registered\)/) }],
    });
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
  it('CH4 in %LEL (alias) and zero gas: relative error is null when the reference is 0 (error / 0 is undefined)', () => {
    // error = 1 − 0 = 1 %LEL; MPE max(3, 10 % × 0) = 3 %LEL.
    const r = ok(evaluateCheck(ctx, check({ gas: 'CH4', indicated: 1, reference: 0, referenceUncertainty: 0, unit: '%LEL' })));
    expect(r.unit).toBe('%{LEL}');
    expect(r.error).toBe(1);
    expect(r.relativeError).toBeNull();
    expect(r.mpe).toBe(3);
    // a fraction elsewhere: 52 vs 50 ppm CO → 2 / 50 = 0.04 (4 %), not 4
    expect(ok(evaluateCheck(ctx, check({ gas: 'CO', indicated: 52, reference: 50, referenceUncertainty: 2, unit: 'ppm' }))).relativeError).toBeCloseTo(
      0.04,
      12,
    );
  });
});

// The indication judged is the one the display shows (docs/metrology.md §4): it lies on the channel's display
// step, its resolution (scale: d). One between steps is refused on `indicated`, never rounded.
describe('evaluateCheck, the indication must be a value the display shows', () => {
  const refusal = (r: ReturnType<typeof evaluateCheck>) => {
    if (r.ok) throw new Error('expected a refusal');
    return r.errors;
  };

  it('dispenser (d = 0.01 L), 20.0649 L vs 20 L at verification: refused (judged, it would be e = 0.0649 > 0.06)', () => {
    const errors = refusal(evaluateCheck(fuelCtx, check({ indicated: 20.0649, regime: 'verification' })));
    expect(errors).toEqual([
      {
        path: 'indicated',
        message:
          'indicated 20.0649 L is not a value the display shows: its steps are 0.01 L (the default resolution of instrument type fuel-dispenser; the device was registered without its own). ' +
          "Send the indication as shown; if this instrument's display is finer, its resolution must be given when the device is registered (POST /api/v1/devices `resolution`; a registered device cannot be updated)",
      },
    ]);
    // The display showed 20.06: e = 0.06 L, exactly the 0.3 % limit → legal pass, conditional pass (U = 0.0070238 L).
    const shown = ok(evaluateCheck(fuelCtx, check({ indicated: 20.06, regime: 'verification' })));
    expect([shown.error, shown.mpe]).toEqual([expect.closeTo(0.06, 12), expect.closeTo(0.06, 12)]);
    expect([shown.legal, shown.decision]).toEqual(['pass', 'conditional-pass']);
  });

  it('scale (e = d = 0.05 kg), change-point I = 25.013 kg, ΔL = 0.01 kg, L = 25 kg: refused (judged, E = 0.028 > 0.025)', () => {
    // 25 kg = 500e → verification MPE 0.5e = 0.025 kg (OIML R76, class III).
    const ctx = { profile: profile('scale'), device: device('scale', { class: 'III' }), certificates: [validVerification] };
    const weigh = (indicated: number) =>
      evaluateCheck(
        ctx,
        check({ indicated, reference: 25, referenceUncertainty: 0.001, deltaL: 0.01, unit: 'kg', standardId: 'W-25KG-M1', regime: 'verification' }),
      );
    const errors = refusal(weigh(25.013));
    expect(errors).toEqual([
      {
        path: 'indicated',
        message: expect.stringMatching(
          /^indicated 25\.013 kg is not a value the display shows: its steps are 0\.05 kg \(the default resolution of instrument type scale;/,
        ),
      },
    ]);
    // The display showed 25.00: E = I + ½e − ΔL − L = 25.00 + 0.025 − 0.01 − 25 = 0.015 kg; U = U_ref = 0.001 kg;
    // 0.015 < TL − U = 0.024 → pass, legal pass.
    const shown = ok(weigh(25));
    expect(shown.error).toBeCloseTo(0.015, 12);
    expect(shown.mpe).toBeCloseTo(0.025, 12);
    expect(shown.uncertainty).toBe(0.001);
    expect([shown.legal, shown.decision]).toEqual(['pass', 'pass']);
  });

  it('compares after the conversion to the canonical unit: 20060 mL is on a 0.01 L step, 20064.9 mL is not', () => {
    const r = ok(evaluateCheck(fuelCtx, check({ indicated: 20060, reference: 20000, referenceUncertainty: 4, unit: 'mL' })));
    expect(r.indicated).toBeCloseTo(20.06, 12);
    const errors = refusal(evaluateCheck(fuelCtx, check({ indicated: 20064.9, reference: 20000, referenceUncertainty: 4, unit: 'mL' })));
    expect(errors).toEqual([
      { path: 'indicated', message: expect.stringMatching(/^indicated 20064\.9 mL \(20\.0649 L\) is not a value the display shows: its steps are 0\.01 L /) },
    ]);
  });

  it('tolerates the binary noise of a conversion or a decimal step, not a tenth of a step', () => {
    expect(onDisplayStep(20.060000000000002, 0.01)).toBe(true); // 20060 × 0.001
    expect(onDisplayStep(0.3, 0.1)).toBe(true); // 0.3 / 0.1 = 2.9999999999999996
    expect(onDisplayStep(1013.2700000000001, 0.01)).toBe(true);
    expect(onDisplayStep(-0.1, 0.1)).toBe(true);
    expect(onDisplayStep(20.061, 0.01)).toBe(false);
    expect(onDisplayStep(25.013, 0.05)).toBe(false);
  });

  it("a device's registered resolution is its step: a 0.001 L display shows 20.065 L; the message names the registration", () => {
    const fine = { ...fuelCtx, device: device('fuel-dispenser', { resolution: 0.001 }) };
    // U = 2·√(0.002² + (0.001/√12)²) = 2·√(4e-6 + 8.3333e-8) = 0.0040415 L; 0.065 > 0.06 + U = 0.0640415 → fail.
    const r = ok(evaluateCheck(fine, check({ indicated: 20.065, regime: 'verification' })));
    expect(r.uncertainty).toBeCloseTo(0.0040415, 6);
    expect([r.legal, r.decision]).toEqual(['fail', 'fail']);
    const errors = refusal(evaluateCheck(fine, check({ indicated: 20.0649 })));
    expect(errors[0]!.message).toMatch(/its steps are 0\.001 L \(the resolution registered for device dev-fuel-dispenser\)/);
  });

  it('a scale registered with e and no d shows steps of e', () => {
    const ctx = { profile: profile('scale'), device: device('scale', { class: 'III', e: 0.02, max: 60 }), certificates: [validVerification] };
    const errors = refusal(evaluateCheck(ctx, check({ indicated: 10.01, reference: 10, referenceUncertainty: 0.001, unit: 'kg', standardId: 'W-10KG-M1' })));
    expect(errors).toEqual([
      {
        path: 'indicated',
        message: expect.stringMatching(/its steps are 0\.02 kg \(the scale interval e registered for device dev-scale, its display step d/),
      },
    ]);
    // d = 0.01 kg registered beside e = 0.02 kg: 10.01 kg is shown.
    const withD = { ...ctx, device: device('scale', { class: 'III', e: 0.02, resolution: 0.01, max: 60 }) };
    expect(evaluateCheck(withD, check({ indicated: 10.01, reference: 10, referenceUncertainty: 0.001, unit: 'kg', standardId: 'W-10KG-M1' })).ok).toBe(true);
  });

  it('a gas detector steps per gas (devices/gas-detector.json): CO 1 ppm, H2S 0.1 ppm, O2 0.1 %', () => {
    const ctx = { profile: profile('gas-detector'), device: device('gas-detector'), certificates: [] };
    const gasCheck = (gas: string, indicated: number, reference: number, unit: string) =>
      evaluateCheck(ctx, check({ gas, indicated, reference, referenceUncertainty: 0.2, unit }));
    // 10.5 ppm is an H2S display value, not a CO one.
    expect(gasCheck('H2S', 10.5, 10, 'ppm').ok).toBe(true);
    expect(refusal(gasCheck('CO', 50.5, 50, 'ppm'))).toEqual([
      {
        path: 'indicated',
        message:
          "indicated 50.5 ppm is not a value the display shows: its steps are 1 ppm (the CO channel's resolution of instrument type gas-detector). " +
          "Send the indication as shown; if this instrument's display is finer, a device of this multi-channel type cannot register its own resolution: the type's profile (devices/gas-detector.json) sets it",
      },
    ]);
    expect(gasCheck('CO', 51, 50, 'ppm').ok).toBe(true);
    // Converted: 5200 ppb of H2S = 5.2 ppm, on its 0.1 ppm step; 5250 ppb = 5.25 ppm is not.
    expect(gasCheck('H2S', 5200, 5000, 'ppb').ok).toBe(true);
    expect(refusal(gasCheck('H2S', 5250, 5000, 'ppb'))[0]!.message).toMatch(
      /^indicated 5250 ppb \(5\.25 ppm\) is not a value the display shows: its steps are 0\.1 ppm/,
    );
    expect(gasCheck('O2', 20.9, 20.9, '%').ok).toBe(true);
    expect(refusal(gasCheck('O2', 20.95, 20.9, '%'))[0]!.path).toBe('indicated');
  });
});

// Water meter (devices/water-meter.json): class 2 by default, MPE by the flow zone of the test named in
// `point` (OIML R49-1:2013 §4.2): Q1 5 %, Q2–Q4 2 % of the reference volume; in service the same; the
// canonical unit is L, the display step 0.05 L, so (res/√12)² = 0.0025/12 = 0.000208333 L².
describe('evaluateCheck, water meter: the test point names the flow zone, which sets the MPE', () => {
  const ctx = { profile: profile('water-meter'), device: device('water-meter'), certificates: [validVerification] };
  const water = (extra: Partial<CheckInput>) => check({ unit: 'L', standardId: 'TANK-100L-01', ...extra });
  const refusal = (r: ReturnType<typeof evaluateCheck>) => {
    if (r.ok) throw new Error('expected a refusal');
    return r.errors;
  };

  it('Q3, 101.5 L against a 100 L proving tank (U_ref 0.1 L): e = +1.5 L, MPE 2 % × 100 = 2 L, U = 0.1040833 L → pass', () => {
    // U = 2·√(0.05² + 0.000208333) = 2·√0.002708333 = 2 × 0.0520417 = 0.1040833 L; 1.5 < TL − U = 1.8959167.
    const r = ok(evaluateCheck(ctx, water({ indicated: 101.5, reference: 100, referenceUncertainty: 0.1, point: 'Q3' })));
    expect([r.unit, r.point, r.regime]).toEqual(['L', 'Q3', 'inService']);
    expect([r.error, r.mpe, r.relativeError]).toEqual([1.5, 2, 0.015]);
    expect(r.uncertainty).toBeCloseTo(0.1040833, 6);
    expect([r.legal, r.decision]).toEqual(['pass', 'pass']);
  });

  it('Q1, 10.45 L against 10 L (U_ref 0.02 L): e = +0.45 L, MPE 5 % × 10 = 0.5 L, U = 0.0351188 L → pass; with U_ref 0.1 L conditional pass', () => {
    // U = 2·√(0.01² + 0.000208333) = 2·√0.000308333 = 2 × 0.0175594 = 0.0351188 L; 0.45 < TL − U = 0.4648812.
    const r = ok(evaluateCheck(ctx, water({ indicated: 10.45, reference: 10, referenceUncertainty: 0.02, point: 'Q1', regime: 'verification' })));
    expect([r.error, r.mpe]).toEqual([0.45, 0.5]);
    expect(r.uncertainty).toBeCloseTo(0.0351188, 6);
    expect([r.legal, r.decision]).toEqual(['pass', 'pass']);
    // U_ref 0.1 L: U = 0.1040833 L, TL − U = 0.3959167 ≤ 0.45 ≤ 0.5 → conditional pass (legal pass).
    const wide = ok(evaluateCheck(ctx, water({ indicated: 10.45, reference: 10, referenceUncertainty: 0.1, point: 'Q1' })));
    expect([wide.legal, wide.decision]).toEqual(['pass', 'conditional-pass']);
  });

  it('Q2, 10.25 L against 10 L: e = +0.25 L, MPE 2 % × 10 = 0.2 L (upper zone) → fail, beyond TL + U = 0.2351188', () => {
    const r = ok(evaluateCheck(ctx, water({ indicated: 10.25, reference: 10, referenceUncertainty: 0.02, point: 'Q2' })));
    expect([r.error, r.mpe]).toEqual([0.25, 0.2]);
    expect([r.legal, r.decision]).toEqual(['fail', 'fail']);
    // the same volumes at Q1 (lower zone, 0.5 L) pass: the zone, not the volume, sets the MPE
    expect(ok(evaluateCheck(ctx, water({ indicated: 10.25, reference: 10, referenceUncertainty: 0.02, point: 'Q1' }))).legal).toBe('pass');
  });

  it('a check in m3 is converted to L: 0.1015 m3 against 0.1 m3 (U_ref 0.0001 m3) is the 101.5 L / 100 L check', () => {
    const r = ok(evaluateCheck(ctx, water({ indicated: 0.1015, reference: 0.1, referenceUncertainty: 0.0001, unit: 'm3', point: 'Q3' })));
    expect([r.unit, r.indicated, r.reference, r.error, r.mpe]).toEqual(['L', 101.5, 100, 1.5, 2]);
    expect(r.uncertainty).toBeCloseTo(0.1040833, 6);
    expect(r.decision).toBe('pass');
  });

  it('a check at a point its class does not list, or without one, is refused on `point`, naming Q1, Q2, Q3, Q4', () => {
    expect(refusal(evaluateCheck(ctx, water({ indicated: 101.5, reference: 100, referenceUncertainty: 0.1, point: 'Qmax' })))).toEqual([
      {
        path: 'point',
        message:
          'point "Qmax" is not a test point of water-meter class 2: one of Q1, Q2, Q3, Q4; its MPE is set by the test point, not by the reference value; not a valid test',
      },
    ]);
    const none = refusal(evaluateCheck(ctx, water({ indicated: 101.5, reference: 100, referenceUncertainty: 0.1 })));
    expect(none).toEqual([
      { path: 'point', message: expect.stringMatching(/^a check of water-meter \(class 2\) must name its test point: `point` one of Q1, Q2, Q3, Q4/) },
    ]);
  });
});

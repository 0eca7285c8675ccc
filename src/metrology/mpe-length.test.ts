import { describe, expect, it } from 'vitest';
import { LengthDependentMpeRuleSchema, lengthDependentMpe, lengthRuleUnitProblems, type LengthDependentMpeRule } from './mpe-length.ts';

// A maker's "(3 + 0.02 L) µm, L in mm" is A = 3 µm, K = 50 (0.02 L = L/50).
const projector: LengthDependentMpeRule = { kind: 'lengthDependent', a: 3, k: 50, unit: 'um', lengthUnit: 'mm' };

describe('±(A + L/K)', () => {
  it('at L = 50 mm on a mm channel: 3 + 50/50 = 4 µm = 0.004 mm', () => {
    expect(lengthDependentMpe(projector, 50, 'mm')).toBeCloseTo(0.004, 12);
  });

  it('at L = 0 only A remains: 3 µm = 0.003 mm; at 200 mm: 3 + 4 = 7 µm', () => {
    expect(lengthDependentMpe(projector, 0, 'mm')).toBeCloseTo(0.003, 12);
    expect(lengthDependentMpe(projector, 200, 'mm')).toBeCloseTo(0.007, 12);
  });

  it('the sign of the length does not matter (a negative stage travel): L = −100 mm → 5 µm', () => {
    expect(lengthDependentMpe(projector, -100, 'mm')).toBeCloseTo(0.005, 12);
  });

  it('on a µm channel the same rule gives µm: L = 25 000 µm = 25 mm → 3 + 0.5 = 3.5 µm', () => {
    expect(lengthDependentMpe(projector, 25_000, 'um')).toBeCloseTo(3.5, 9);
  });

  it('a calibration-laboratory form with L in m: (0.5 + L/2) µm, L = 0.3 m on a mm channel (300 mm) → 0.65 µm', () => {
    const cmm = { kind: 'lengthDependent' as const, a: 0.5, k: 2, unit: 'um', lengthUnit: 'm' };
    expect(lengthDependentMpe(cmm, 300, 'mm')).toBeCloseTo(0.00065, 12);
  });

  it('refuses units that are not lengths, naming the field', () => {
    expect(lengthRuleUnitProblems({ ...projector, unit: 'g' }, 'mm', 'mpe.verification')).toEqual([
      '  mpe.verification.unit: "g" does not convert to the canonical unit "mm"',
    ]);
    expect(lengthRuleUnitProblems({ ...projector, lengthUnit: 'µm' }, 'mm', 'mpe.verification')).toEqual([
      '  mpe.verification.lengthUnit: "µm" is not a UCUM code (µm is "um")',
    ]);
    expect(lengthRuleUnitProblems(projector, 'mm', 'mpe.verification')).toEqual([]);
    expect(() => lengthDependentMpe({ ...projector, unit: 'g' }, 1, 'mm')).toThrow(/must convert to the canonical unit "mm"/);
  });

  it('the schema wants K > 0 and A ≥ 0', () => {
    expect(LengthDependentMpeRuleSchema.safeParse({ ...projector, k: 0 }).success).toBe(false);
    expect(LengthDependentMpeRuleSchema.safeParse({ ...projector, a: -1 }).success).toBe(false);
    expect(LengthDependentMpeRuleSchema.safeParse(projector).success).toBe(true);
  });
});

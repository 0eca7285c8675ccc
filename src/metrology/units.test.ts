import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { conversionFactor, resolveUnit, scaled, toCanonical, unitText } from './units.ts';

describe('UCUM conversion', () => {
  it('converts the wire units of the profiles to their canonical units', () => {
    expect(toCanonical(101.342, 'kPa', 'hPa')).toBeCloseTo(1013.42, 10);
    expect(toCanonical(1013.42, 'mbar', 'hPa')).toBeCloseTo(1013.42, 10);
    expect(toCanonical(101342, 'Pa', 'hPa')).toBeCloseTo(1013.42, 10);
    expect(toCanonical(20060, 'mL', 'L')).toBeCloseTo(20.06, 10);
    expect(toCanonical(1500, 'g', 'kg')).toBeCloseTo(1.5, 12);
    expect(toCanonical(1.2, 't', 'kg')).toBeCloseTo(1200, 9);
    expect(toCanonical(0.0001, '%', '[ppm]')).toBeCloseTo(1, 9);
    expect(toCanonical(400, 'ug/L', 'mg/L')).toBeCloseTo(0.4, 12);
  });

  it('gives the decimal result exactly where a decimal factor allows: whole pascals → hectopascals, millilitres → litres', () => {
    // 101,327 Pa is 1013.27 hPa; × 0.01 gave 1013.2700000000001 (0.01 is not exact in binary)
    expect(toCanonical(101327, 'Pa', 'hPa')).toBe(1013.27);
    expect(toCanonical(20070, 'mL', 'L')).toBe(20.07);
    // every whole pascal from 1,000 to 1,100 hPa and every whole millilitre to 50 L reads as its decimal
    for (let pa = 100_000; pa <= 110_000; pa++)
      expect(String(toCanonical(pa, 'Pa', 'hPa'))).toBe(String(Number(`${Math.trunc(pa / 100)}.${String(pa % 100).padStart(2, '0')}`)));
    for (let ml = 1; ml <= 50_000; ml += 7)
      expect(String(toCanonical(ml, 'mL', 'L'))).toBe(String(Number(`${Math.trunc(ml / 1000)}.${String(ml % 1000).padStart(3, '0')}`)));
    // factors that are not the inverse of an integer multiply, as before
    expect(scaled(760, conversionFactor('mm[Hg]', 'hPa')!)).toBe(760 * conversionFactor('mm[Hg]', 'hPa')!);
    expect(scaled(2, 10)).toBe(20);
  });

  it('is undefined for different dimensions, non-UCUM spellings and offset units', () => {
    expect(conversionFactor('L', 'kg')).toBeUndefined();
    expect(conversionFactor('ppm', '[ppm]')).toBeUndefined(); // alias, must be resolved first
    expect(conversionFactor('Cel', 'K')).toBeUndefined();
    expect(conversionFactor('no-such-unit', 'L')).toBeUndefined();
  });

  it('resolves profile aliases', () => {
    const aliases = { ppm: '[ppm]', '%LEL': '%{LEL}' };
    expect(resolveUnit('ppm', aliases)).toBe('[ppm]');
    expect(resolveUnit('%LEL', aliases)).toBe('%{LEL}');
    expect(resolveUnit('hPa', aliases)).toBe('hPa');
    expect(resolveUnit('toString', aliases)).toBe('toString');
  });

  it('round-trips: value → other unit → back is the value', () => {
    const pairs: [string, string][] = [
      ['hPa', 'kPa'],
      ['hPa', 'mbar'],
      ['hPa', 'Pa'],
      ['hPa', 'mm[Hg]'],
      ['L', 'mL'],
      ['L', 'm3'],
      ['kg', 'g'],
      ['kg', 't'],
      ['[ppm]', '%'],
      ['[ppm]', '[ppb]'],
      ['mg/L', 'g/L'],
      ['mg/L', 'ug/L'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.double({ min: -1e6, max: 1e6, noNaN: true }), ([a, b], v) => {
        const there = toCanonical(v, a, b)!;
        const back = toCanonical(there, b, a)!;
        return Math.abs(back - v) <= 1e-9 * Math.max(1, Math.abs(v));
      }),
    );
  });
});

describe('unitText: a UCUM code as people write the unit', () => {
  it('drops the brackets of arbitrary units and turns annotations into words; plain codes unchanged', () => {
    expect(unitText('[ppm]')).toBe('ppm');
    expect(unitText('%{LEL}')).toBe('% LEL');
    expect(unitText('{count}')).toBe('count');
    for (const code of ['mg/L', 'hPa', 'L', 'kg', 'mm', '%']) expect(unitText(code)).toBe(code);
  });
});

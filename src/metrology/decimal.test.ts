import { describe, expect, it } from 'vitest';
import { decimalPlaces, decimalSum, significant, statedUncertainty } from './decimal.ts';

describe('decimalPlaces: the decimals of a number as written', () => {
  it.each([
    [20.06, 2],
    [-20.06, 2],
    [20, 0],
    [0.0025, 4],
    [1e-7, 7],
    [1.5e-7, 8],
    [1e21, 0],
    [123.456, 3],
  ])('%s has %s', (x, places) => expect(decimalPlaces(x)).toBe(places));
});

describe('decimalSum: sums of written decimals without binary noise', () => {
  it('20.06 − 20 = 0.06 exactly as written, where the float difference is 0.05999999999999872', () => {
    expect(20.06 - 20).not.toBe(0.06); // the noise this removes
    expect(decimalSum(20.06, -20)).toBe(0.06);
  });

  it('the R76 change-point indication P = I + ½e − ΔL: 1.005 + 0.0025 − 0.0015 = 1.006 (4 places)', () => {
    expect(1.005 + 0.0025 - 0.0015).not.toBe(1.006);
    expect(decimalSum(1.005, 0.0025, -0.0015)).toBe(1.006);
  });

  it('keeps what was written: 1000.0001 − 1000 = 0.0001; 0.1 + 0.2 = 0.3', () => {
    expect(decimalSum(1000.0001, -1000)).toBe(0.0001);
    expect(decimalSum(0.1, 0.2)).toBe(0.3);
  });

  it('beyond 15 places a double holds no decimals to keep: the float sum as it is', () => {
    expect(decimalSum(1e-16, 0.5)).toBe(1e-16 + 0.5);
  });
});

describe('significant: products to 12 significant digits', () => {
  it('the in-trade MPE 1.5 × 0.3 % × 20 L = 0.09 L (the float product is 0.09000000000000001)', () => {
    expect(1.5 * 0.003 * 20).not.toBe(0.09);
    expect(significant(1.5 * 0.003 * 20)).toBe(0.09);
  });
});

describe('statedUncertainty (GUM, JCGM 100:2008 §7.2.6: U to at most two significant digits)', () => {
  it('states U with two significant digits, whatever its magnitude', () => {
    // U = 2·√((U_ref/2)² + (resolution/√12)²) with U_ref 2 ppm and a 1 ppm display: 2·√(1 + 1/12) = 2.0817 ppm
    expect(statedUncertainty(2 * Math.sqrt(1 + 1 / 12))).toBe(2.1);
    // the dispenser's check: 2·√((0.01/2)² + (0.01/√12)²) = 0.011547 L
    expect(statedUncertainty(0.011547)).toBe(0.012);
    expect(statedUncertainty(0.0306)).toBe(0.031);
    expect(statedUncertainty(28.05)).toBe(28); // GUM's own example of rounding down
    expect(statedUncertainty(0.007)).toBe(0.007);
    expect(statedUncertainty(0)).toBe(0);
  });
});

// Package weights typed on a lot's page: read by the reader's notation, refused when they could be read two ways.
import { describe, expect, it } from 'vitest';

type Reading = { ok: true; values: number[] } | { ok: false; problem: string; piece?: string };
type Lot = { nominal: number; unit: string; measuredUnit?: string; density?: number; averageTare?: number };
const m = (await import(new URL('./package-values.js', import.meta.url).href)) as {
  readPackageValues(text: string, lang: 'vi' | 'en'): Reading;
  nominalMeasured(lot: Lot): number | undefined;
  implausiblePackages(values: number[], lot: Lot, kind: 'net' | 'gross'): { expected?: number; low?: number; high?: number; suspect: number[] };
};

describe('readPackageValues in Vietnamese', () => {
  it('reads the comma as the decimal mark: three packages, not six', () => {
    expect(m.readPackageValues('501,2\n499,8\n500,5', 'vi')).toEqual({ ok: true, values: [501.2, 499.8, 500.5] });
  });

  it('separates by spaces, newlines and semicolons', () => {
    expect(m.readPackageValues(' 501,2 ; 499,8\t500\r\n\n', 'vi')).toEqual({ ok: true, values: [501.2, 499.8, 500] });
  });

  it('reads a point as the thousands separator beside a decimal comma', () => {
    expect(m.readPackageValues('1.234,5 12.345.678,25', 'vi')).toEqual({ ok: true, values: [1234.5, 12345678.25] });
  });

  it('refuses a point without a decimal comma, asking for the comma: never guessed', () => {
    expect(m.readPackageValues('501,2\n501.2', 'vi')).toEqual({ ok: false, problem: 'point', piece: '501.2' });
    expect(m.readPackageValues('1.234', 'vi')).toEqual({ ok: false, problem: 'point', piece: '1.234' });
  });

  it('refuses what is no number and a negative figure', () => {
    expect(m.readPackageValues('501,2 abc', 'vi')).toMatchObject({ ok: false, problem: 'number', piece: 'abc' });
    expect(m.readPackageValues('501,,2', 'vi')).toMatchObject({ ok: false, problem: 'number' });
    expect(m.readPackageValues('12.34,5', 'vi')).toMatchObject({ ok: false, problem: 'number' });
    expect(m.readPackageValues('-3', 'vi')).toMatchObject({ ok: false, problem: 'negative', piece: '-3' });
    expect(m.readPackageValues('  \n ', 'vi')).toMatchObject({ ok: false, problem: 'empty' });
  });
});

describe('readPackageValues in English', () => {
  it('reads the point as the decimal mark, commas separating values', () => {
    expect(m.readPackageValues('501.2, 499.8;500.5\n.5', 'en')).toEqual({ ok: true, values: [501.2, 499.8, 500.5, 0.5] });
  });

  it('refuses a decimal comma left in a figure only by splitting it, so the preview shows two values', () => {
    expect(m.readPackageValues('501,2', 'en')).toEqual({ ok: true, values: [501, 2] });
    expect(m.readPackageValues('501..2', 'en')).toMatchObject({ ok: false, problem: 'number' });
  });
});

describe('implausiblePackages', () => {
  const lot = { nominal: 500, unit: 'g' };

  it('flags 0 and values further than half of Qn from Qn', () => {
    expect(m.implausiblePackages([501.2, 0, 249, 750, 751, 2], lot, 'net')).toEqual({ expected: 500, low: 250, high: 750, suspect: [1, 2, 4, 5] });
  });

  it('centres gross values on Qn plus the average tare', () => {
    expect(m.implausiblePackages([520, 260], { ...lot, averageTare: 20 }, 'gross')).toMatchObject({ expected: 520, suspect: [1] });
  });

  it('converts Qn to the measured unit, through the density between mass and volume', () => {
    expect(m.nominalMeasured({ nominal: 0.5, unit: 'kg', measuredUnit: 'g' })).toBe(500);
    expect(m.nominalMeasured({ nominal: 1, unit: 'L', measuredUnit: 'g', density: 0.92 })).toBeCloseTo(920);
    expect(m.nominalMeasured({ nominal: 1, unit: 'L', measuredUnit: 'g' })).toBeUndefined();
    // Qn unknown: only 0 is asked about
    expect(m.implausiblePackages([0, 5000], { nominal: 1, unit: 'L', measuredUnit: 'g' }, 'net').suspect).toEqual([0]);
  });
});

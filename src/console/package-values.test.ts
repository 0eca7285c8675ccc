// Package weights typed on a lot's page: read by the reader's notation, refused when they could be read two ways.
import { describe, expect, it } from 'vitest';

type Reading = { ok: true; values: number[] } | { ok: false; problem: string; piece?: string };
type Lot = { nominal: number; unit: string; measuredUnit?: string; density?: number; averageTare?: number };
const m = (await import(new URL('./package-values.js', import.meta.url).href)) as {
  readPackageValues(text: string, lang: 'vi' | 'en'): Reading;
  nominalMeasured(lot: Lot): number | undefined;
  implausiblePackages(values: number[], lot: Lot, kind: 'net' | 'gross'): { expected?: number; low?: number; high?: number; suspect: number[] };
  readDecimal(text: string, lang: 'vi' | 'en', opts?: { negative?: boolean }): { ok: true; value: number } | { ok: false; problem: string; piece?: string };
  figureForInput(x: number, lang: 'vi' | 'en'): string;
  implausibleIndication(indicated: number, reference: number): boolean;
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

describe('readDecimal: one figure of a form field', () => {
  it('reads a Vietnamese decimal comma, which a number input of a browser set to English dropped (20,06 recorded as 2006)', () => {
    expect(m.readDecimal('20,06', 'vi')).toEqual({ ok: true, value: 20.06 });
    expect(m.readDecimal(' 0,05 ', 'vi')).toEqual({ ok: true, value: 0.05 });
    expect(m.readDecimal('1.234,5', 'vi')).toEqual({ ok: true, value: 1234.5 });
    expect(m.readDecimal('30', 'vi')).toEqual({ ok: true, value: 30 });
  });

  it('refuses a lone point in Vietnamese, asking for the comma, and a comma in English, asking for the point', () => {
    expect(m.readDecimal('20.06', 'vi')).toEqual({ ok: false, problem: 'point', piece: '20.06' });
    expect(m.readDecimal('20.06', 'en')).toEqual({ ok: true, value: 20.06 });
    expect(m.readDecimal('20,06', 'en')).toEqual({ ok: false, problem: 'comma', piece: '20,06' });
    expect(m.readDecimal('1,234.5', 'en')).toEqual({ ok: false, problem: 'comma', piece: '1,234.5' });
  });

  it('holds one figure: two, or what is no number, are refused rather than read as one', () => {
    expect(m.readDecimal('20 06', 'vi')).toMatchObject({ ok: false, problem: 'number' });
    expect(m.readDecimal('20;06', 'en')).toMatchObject({ ok: false, problem: 'number' });
    expect(m.readDecimal('20,0,6', 'vi')).toMatchObject({ ok: false, problem: 'number' });
    expect(m.readDecimal('abc', 'en')).toMatchObject({ ok: false, problem: 'number' });
    expect(m.readDecimal('  ', 'vi')).toEqual({ ok: false, problem: 'empty' });
  });

  it('takes a figure below 0 only where the field may hold one (an indication, an offset)', () => {
    expect(m.readDecimal('-0,5', 'vi')).toEqual({ ok: false, problem: 'negative', piece: '-0,5' });
    expect(m.readDecimal('-0,5', 'vi', { negative: true })).toEqual({ ok: true, value: -0.5 });
    expect(m.readDecimal('−0.5', 'en', { negative: true })).toEqual({ ok: true, value: -0.5 });
    expect(m.readDecimal('-0', 'vi')).toEqual({ ok: true, value: 0 });
  });
});

describe('figureForInput', () => {
  it("writes a prefilled figure in the reader's notation, without thousands separators, so that it reads back", () => {
    expect(m.figureForInput(0.004, 'vi')).toBe('0,004');
    expect(m.figureForInput(0.1, 'en')).toBe('0.1');
    expect(m.figureForInput(12345.5, 'en')).toBe('12345.5');
    expect(m.figureForInput(0.1 + 0.2, 'vi')).toBe('0,3');
    for (const lang of ['vi', 'en'] as const)
      for (const x of [0.004, 20.06, -1234567.25, 1e-7, 30])
        expect(m.readDecimal(m.figureForInput(x, lang), lang, { negative: true })).toEqual({ ok: true, value: x });
  });
});

describe('implausibleIndication', () => {
  it('asks about an indication more than twice or less than half of its reference, or of the other sign', () => {
    expect(m.implausibleIndication(2006, 20)).toBe(true);
    expect(m.implausibleIndication(9.9, 20)).toBe(true);
    expect(m.implausibleIndication(-20, 20)).toBe(true);
    expect(m.implausibleIndication(20.12, 20)).toBe(false);
    expect(m.implausibleIndication(39, 20)).toBe(false);
    expect(m.implausibleIndication(0.3, 0)).toBe(false); // a zero point: no ratio
  });
});

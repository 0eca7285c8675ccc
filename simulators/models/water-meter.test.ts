import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../src/metrology/check.ts';
import { loadProfiles } from '../../src/metrology/profile-loader.ts';
import type { CheckResult } from '../../src/metrology/types.ts';
import { build, DAY, days, payloads, START } from '../test-helpers.ts';
import type { FaultSpecInput } from '../faults.ts';

const profile = loadProfiles(new URL('../../devices/', import.meta.url).pathname).get('water-meter')!;

/** The gateway's own judgement of a model's check, for a meter registered with that class. */
function judge(check: Record<string, any>, meterClass: '1' | '2'): CheckResult {
  const device = { id: 'dev-1', tenant: 't1', type: 'water-meter', class: meterClass, construction: 'mechanical' };
  const r = evaluateCheck({ profile, device, certificates: [] }, { ...check, ts: Date.parse(check.ts) } as Parameters<typeof evaluateCheck>[1]);
  if (!r.ok) throw new Error(`check refused: ${JSON.stringify(r.errors)}`);
  return r.result;
}

const checksOf = (o: Parameters<typeof build>[1], untilDays: number) => payloads(build('water-meter', o).model.next(START + untilDays * DAY), 'checks');

describe('water meter', () => {
  it("reads the register: monotone, on the 0.05 L display step, growing with a household's consumption", () => {
    const { model } = build('water-meter', { readingMs: 3_600_000 });
    const r = payloads(model.next(START + 120 * DAY), 'readings');
    expect(r).toHaveLength(120 * 24);
    expect(r[0]).toMatchObject({ quantity: 'volume', unit: 'L' });
    for (let i = 0; i < r.length; i++) {
      expect(Math.abs(r[i].value / 0.05 - Math.round(r[i].value / 0.05))).toBeLessThan(1e-6);
      if (i > 0) expect(r[i].value).toBeGreaterThanOrEqual(r[i - 1].value);
    }
    // 550 L a day on average (× 1.003, the register's error at Q2), each day's total scattered by 25 %: over 120
    // days the mean's standard error is 0.25 × 550 / √120 ≈ 12.6 L a day, so within ±50 L.
    const perDay = (r.at(-1)!.value - 1_234_567.85) / 120;
    expect(perDay).toBeGreaterThan(500);
    expect(perDay).toBeLessThan(600);
    // the daily pattern in Vietnam's local time (UTC+7): the evening peak (17–20 h) draws far more than the night (0–3 h)
    const byLocalHour = new Array(24).fill(0);
    for (let i = 1; i < r.length; i++) byLocalHour[(new Date(r[i].ts).getUTCHours() + 7 - 1 + 24) % 24] += r[i].value - r[i - 1].value;
    const evening = byLocalHour[17] + byLocalHour[18] + byLocalHour[19];
    const night = byLocalHour[0] + byLocalHour[1] + byLocalHour[2];
    expect(evening).toBeGreaterThan(5 * night);
  });

  it('reads in m³ when the logger does, the same register', () => {
    const inL = payloads(build('water-meter').model.next(START + 3 * DAY), 'readings');
    const inM3 = payloads(build('water-meter', { params: { readingUnit: 'm3' } }).model.next(START + 3 * DAY), 'readings');
    expect(inM3[0].unit).toBe('m3');
    for (const [i, x] of inM3.entries()) expect(x.value).toBeCloseTo(inL[i].value / 1000, 9);
  });

  it('a stuck (seized) meter: the register stands still while the fault lasts, then moves on', () => {
    const { model } = build('water-meter', { faults: [{ kind: 'stuck', afterDays: 10, forDays: 5 }] });
    const r = payloads(model.next(START + 20 * DAY), 'readings');
    const during = r.filter((x) => days(x.ts) > 10 && days(x.ts) < 15);
    expect(during.length).toBeGreaterThan(100);
    expect(new Set(during.map((x) => x.value)).size).toBe(1);
    const after = r.filter((x) => days(x.ts) > 16);
    expect(after.at(-1)!.value).toBeGreaterThan(during[0].value + 1000);
    for (let i = 1; i < r.length; i++) expect(r[i].value).toBeGreaterThanOrEqual(r[i - 1].value);
  });

  it('checks each session at Q1 (10 L), Q2 and Q3 (100 L), in time order, each stamped when its volume has passed', () => {
    const c = checksOf({ checkMs: 7 * DAY }, 30);
    expect(c.map((x) => x.point)).toEqual(['Q1', 'Q2', 'Q3', 'Q1', 'Q2', 'Q3', 'Q1', 'Q2', 'Q3', 'Q1', 'Q2', 'Q3']);
    expect(c[0]).toMatchObject({ reference: 10, referenceUncertainty: 0.01, unit: 'L', standardId: 'PM-10L-04', regime: 'inService' });
    expect(c[1]).toMatchObject({ reference: 100, referenceUncertainty: 0.05, standardId: 'PT-100L-01' });
    expect(c[2]).toMatchObject({ reference: 100, standardId: 'PT-100L-01' });
    // 10 L at Q1 = 25 L/h takes 24 min; then 10 min, 100 L at Q2 = 40 L/h 150 min; then 10 min, 100 L at Q3 = 2500 L/h 2.4 min
    const t = c.slice(0, 3).map((x) => Date.parse(x.ts) - START);
    expect(t).toEqual([7 * DAY + 24 * 60_000, 7 * DAY + (24 + 10 + 150) * 60_000, 7 * DAY + (24 + 10 + 150 + 10 + 2.4) * 60_000]);
    expect(c.map((x) => x.seq)).toEqual(c.map((_, i) => i + 1));
  });

  it('a healthy meter passes every check a year long, judged by the gateway as class 2 and as class 1', () => {
    const c = checksOf({ checkMs: 3 * DAY }, 365);
    expect(c.length).toBe(3 * 121);
    for (const meterClass of ['2', '1'] as const) {
      const judged = c.map((x) => judge(x, meterClass));
      expect(judged.filter((j) => j.decision !== 'pass').map((j) => `${j.point} ${j.error}`)).toEqual([]);
    }
    // Class 2 by hand: at Q1 MPE = 5 % × 10 L = 0.5 L and U = 2·√((0.01/2)² + (0.05/√12)²) = 2·√(0.000025 + 0.000208333)
    // = 0.030551 L (the 10 L measure's U and the 0.05 L display step); at Q2 and Q3 MPE = 2 % × 100 L = 2 L and
    // U = 2·√((0.05/2)² + 0.000208333) = 2·√0.000833333 = 0.057735 L. Class 1: 3 % × 10 L = 0.3 L, 1 % × 100 L = 1 L.
    const [q1, q2, q3] = c.slice(0, 3).map((x) => judge(x, '2'));
    expect(q1.mpe).toBeCloseTo(0.5, 12);
    expect(q1.uncertainty).toBeCloseTo(0.030551, 6);
    expect(q2.mpe).toBeCloseTo(2, 12);
    expect(q3.mpe).toBeCloseTo(2, 12);
    expect(q2.uncertainty).toBeCloseTo(0.057735, 6);
    expect(judge(c[0], '1').mpe).toBeCloseTo(0.3, 12);
    expect(judge(c[1], '1').mpe).toBeCloseTo(1, 12);
    // the healthy error curve: +0.8 % at Q1 (≈ +0.08 L on 10 L), +0.3 % at Q2 (+0.3 L), −0.2 % at Q3 (−0.2 L), ageing slowly
    const mean = (point: string) => {
      const e = c.filter((x) => x.point === point && days(x.ts) < 60).map((x) => x.indicated - x.reference);
      return e.reduce((a, b) => a + b, 0) / e.length;
    };
    expect(mean('Q1')).toBeCloseTo(0.08, 1);
    expect(mean('Q2')).toBeCloseTo(0.3, 1);
    expect(mean('Q3')).toBeCloseTo(-0.2, 1);
  });

  // A worn meter under-registers at low flow. Its Q1 error, 10 L × (0.008 − 0.1 · years):
  //   day 0–90:    +0.08 L … −0.17 L, inside ±0.5 L less U 0.031 L (class 2): pass;
  //   day 300–365: −0.74 L … −0.92 L, beyond −0.5 L: legal fail;
  // at Q2 and Q3 the curve is the healthy one (≤ 0.4 L of 2 L): pass throughout.
  // The same with the fleet's drift fault on the Q1 channel, −0.03 % of the 10 L a day on the healthy curve:
  //   day 300: 10 × (0.008 − 0.005 · 300/365.25) − 0.0003 · 300 · 10 = 0.08 − 0.04 − 0.9 = −0.86 L: fail.
  const drifted: [string, Parameters<typeof build>[1]][] = [
    [
      'its own wear (params: Q1 driftPerYear −0.1)',
      {
        params: {
          testPoints: [
            { point: 'Q1', flowRate: 25, volume: 10, standardId: 'PM-10L-04', uncertainty: 0.01, error: 0.008, driftPerYear: -0.1, repeatability: 0.003 },
            { point: 'Q2', flowRate: 40, volume: 100, standardId: 'PT-100L-01', uncertainty: 0.05, error: 0.003, driftPerYear: -0.002 },
            { point: 'Q3', flowRate: 2500, volume: 100, standardId: 'PT-100L-01', uncertainty: 0.05, error: -0.002, driftPerYear: -0.001 },
          ],
        },
      },
    ],
    ['a drift fault on channel Q1', { faults: [{ kind: 'drift', channel: 'Q1', relativePerDay: -0.0003 }] as FaultSpecInput[] }],
  ];
  it.each(drifted)('a meter drifting at Q1 by %s: its Q1 checks pass at first, then fail; Q2 and Q3 still pass', (_, o) => {
    const judged = checksOf({ ...o, checkMs: 5 * DAY }, 365).map((x) => ({ day: days(x.ts), ...judge(x, '2') }));
    const q1 = judged.filter((j) => j.point === 'Q1');
    expect(q1.filter((j) => j.day < 90).every((j) => j.decision === 'pass')).toBe(true);
    const late = q1.filter((j) => j.day >= 300);
    expect(late.length).toBeGreaterThan(10);
    for (const j of late) {
      expect(j.legal).toBe('fail');
      expect(j.error).toBeLessThan(-0.5);
    }
    expect(judged.filter((j) => j.point !== 'Q1' && j.decision !== 'pass')).toEqual([]);
  });
});

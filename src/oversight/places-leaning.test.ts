// Places of business over a period, with the dispenser's and the scale's rule (devices/*.json: +1, at least
// 5 non-zero errors, one-sided sign test p ≤ 0.05, mean ≥ 0.5 of the MPE on the favoured side).
import { describe, expect, it } from 'vitest';
import type { SellerFavourRule } from '../metrology/seller-favour.ts';
import { type PlaceInstrument, placesLeaning } from './places-leaning.ts';

const RULE: SellerFavourRule = { errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5 };
const instruments: Record<string, PlaceInstrument & { use?: string }> = {
  // a station on the national road: three nozzles
  'dt-1': { tenant: 'xang-dt', site: 'Cửa hàng số 3, QL1A', type: 'fuel-dispenser' },
  'dt-2': { tenant: 'xang-dt', site: 'Cửa hàng số 3, QL1A', type: 'fuel-dispenser' },
  'dt-3': { tenant: 'xang-dt', site: 'Cửa hàng số 3, QL1A', type: 'fuel-dispenser' },
  // the same company's other station: one nozzle, fair
  'dt-9': { tenant: 'xang-dt', site: 'Cửa hàng số 7', type: 'fuel-dispenser' },
  // a coffee buyer with no site registered, and his barometer (no rule)
  'cf-1': { tenant: 'cafe-dl', type: 'scale', use: 'purchasing' },
  'cf-b': { tenant: 'cafe-dl', type: 'barometer' },
};
const T = Date.parse('2026-10-01T00:00:00Z');
const judge = (checks: { device: string; ts?: number; error: number; mpe: number }[]) =>
  placesLeaning(
    checks.map((c, i) => ({ ts: T + i * 3_600_000, ...c })),
    (d) => instruments[d],
    (t) => (t === 'barometer' ? undefined : RULE),
    (_type, use) => (use === 'purchasing' ? 'buyer' : 'seller'),
  );

describe('placesLeaning', () => {
  it("judges each place on all its instruments' checks: a station whose three nozzles each lean a little its way", () => {
    // 20 L in trade, MPE 0.09 L. dt-1, dt-2: +0.05 L twice each; dt-3: +0.05 once. 5 of 5 over: p = 1/32;
    // mean 0.05/0.09 = 0.5556 MPE ≥ 0.5: a finding for the place, while no nozzle has 5 checks of its own.
    // Station 7: +0.05, −0.05, +0.02, −0.03, +0.01 (3 of 5 over, p = (10 + 5 + 1)/32 = 1/2): no finding.
    const m = 0.09;
    const places = judge([
      { device: 'dt-9', error: 0.05, mpe: m },
      { device: 'dt-1', error: 0.05, mpe: m },
      { device: 'dt-9', error: -0.05, mpe: m },
      { device: 'dt-2', error: 0.05, mpe: m },
      { device: 'dt-1', error: 0.05, mpe: m },
      { device: 'dt-9', error: 0.02, mpe: m },
      { device: 'dt-3', error: 0.05, mpe: m },
      { device: 'dt-9', error: -0.03, mpe: m },
      { device: 'dt-2', error: 0.05, mpe: m },
      { device: 'dt-9', error: 0.01, mpe: m },
    ]);
    expect(places.map((p) => [p.site, p.finding])).toEqual([
      ['Cửa hàng số 3, QL1A', true],
      ['Cửa hàng số 7', false],
    ]);
    expect(places[0]).toMatchObject({
      tenant: 'xang-dt',
      type: 'fuel-dispenser',
      favoured: 'seller',
      instruments: 3,
      checks: 5,
      onSellerSide: 5,
      pValue: 1 / 32,
    });
    expect(places[0]!.meanErrorMpe).toBeCloseTo(0.05 / 0.09, 12);
    expect(places[1]).toMatchObject({ instruments: 1, checks: 5, onSellerSide: 3, onBuyerSide: 2, pValue: 0.5 });
  });

  it("a buyer's scale without a site is its enterprise's place, judged for the buyer; types without a rule and unknown instruments are left out", () => {
    // −0.07 kg against 0.1 kg, six times: 6 of 6 on the buyer's side, p = 1/64, mean −0.7 MPE
    const places = judge([
      ...Array.from({ length: 6 }, () => ({ device: 'cf-1', error: -0.07, mpe: 0.1 })),
      { device: 'cf-b', error: 0.2, mpe: 0.3 },
      { device: 'gone', error: 0.06, mpe: 0.09 },
    ]);
    expect(places).toHaveLength(1);
    expect(places[0]).toMatchObject({ tenant: 'cafe-dl', site: null, type: 'scale', favoured: 'buyer', onBuyerSide: 6, pValue: 1 / 64, finding: true });
    expect(places[0]!.meanErrorMpe).toBeCloseTo(-0.7, 12);
  });

  it('counts the checks of an instrument that moved where and for what it was in service at their time', () => {
    // A market stall's 60 kg scale, moved on 1 November to a cassava buyer's point (use purchasing). At the
    // stall, +0.06 kg five times (MPE 0.1 kg): 5 of 5 on the seller's side, p = 1/32, mean +0.6 MPE, a
    // finding for the market. At the purchasing point, −0.07 kg six times: 6 of 6 on the buyer's side,
    // p = 1/64, mean −0.7 MPE. Judged all at the present site for the buyer they would be 6 of 11 below,
    // p = (462 + 330 + 165 + 55 + 11 + 1)/2048 = 1/2: both findings lost.
    const moved = Date.parse('2026-11-01T00:00:00+07:00');
    instruments['sc-7'] = {
      tenant: 'cho-lh',
      type: 'scale',
      site: 'Điểm thu mua mì Tân Châu',
      use: 'purchasing',
      placements: [{ until: new Date(moved).toISOString(), site: 'Chợ Long Hoa, sạp 12' }],
    };
    const day = 86_400_000;
    const places = judge([
      ...Array.from({ length: 5 }, (_, i) => ({ device: 'sc-7', ts: moved - (i + 1) * day, error: 0.06, mpe: 0.1 })),
      ...Array.from({ length: 6 }, (_, i) => ({ device: 'sc-7', ts: moved + i * day, error: -0.07, mpe: 0.1 })),
    ]);
    expect(places.map((p) => [p.site, p.favoured, p.checks, p.pValue, p.finding])).toEqual([
      ['Điểm thu mua mì Tân Châu', 'buyer', 6, 1 / 64, true],
      ['Chợ Long Hoa, sạp 12', 'seller', 5, 1 / 32, true],
    ]);
    expect(places.map((p) => p.instruments)).toEqual([1, 1]);
    expect(places[1]!.meanErrorMpe).toBeCloseTo(0.6, 12);
    // a check at the very instant of the move is the new placement's
    expect(judge([{ device: 'sc-7', ts: moved, error: -0.07, mpe: 0.1 }])[0]).toMatchObject({ site: 'Điểm thu mua mì Tân Châu', favoured: 'buyer' });
  });

  it('orders findings first, then the most one-sided', () => {
    const m = 0.09;
    // station 7: 4 of 4 over, p = 1/16 (too few for a finding); station 3: 3 of 3, p = 1/8
    const places = judge([
      ...[0.06, 0.06, 0.06].map((error) => ({ device: 'dt-1', error, mpe: m })),
      ...[0.06, 0.06, 0.06, 0.06].map((error) => ({ device: 'dt-9', error, mpe: m })),
    ]);
    expect(places.map((p) => [p.site, p.pValue, p.finding])).toEqual([
      ['Cửa hàng số 7', 1 / 16, false],
      ['Cửa hàng số 3, QL1A', 1 / 8, false],
    ]);
    expect(judge([])).toEqual([]);
  });
});

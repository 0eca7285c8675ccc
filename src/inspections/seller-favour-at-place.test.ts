// The place of business across its instruments, as an inspector's record shows it (NIST HB44 G-UR.4.1),
// with the fuel dispenser's rule (devices/fuel-dispenser.json: +1, at least 5, p ≤ 0.05, mean ≥ 0.5 MPE).
import { describe, expect, it } from 'vitest';
import type { SellerFavourRule } from '../metrology/seller-favour.ts';
import type { CheckResult } from '../metrology/types.ts';
import { sellerFavourAtPlace } from './seller-favour-at-place.ts';

const RULE: SellerFavourRule = { errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5 };
const check = (error: number, mpe = 0.09) => ({ error, mpe }) as CheckResult;
const item = (device: string, ...errors: number[]) => ({ device, checks: errors.map((e) => check(e)) });
const types: Record<string, string> = { 'fd-1': 'fuel-dispenser', 'fd-2': 'fuel-dispenser', 'fd-3': 'fuel-dispenser', 'br-1': 'barometer' };
const judge = (items: ReturnType<typeof item>[]) =>
  sellerFavourAtPlace(
    items,
    (d) => types[d],
    (t) => (t === 'fuel-dispenser' ? RULE : undefined),
  );

describe('sellerFavourAtPlace', () => {
  it("a station's three dispensers, six checks all over by 0.05-0.06 L at 20 L in trade (MPE 0.09 L): leaning to the station", () => {
    // k = m = 6: p = 1/64 = 0.015625; mean e/MPE = (0.05 + 0.06 + 0.05 + 0.06 + 0.05 + 0.06) / 6 / 0.09 = 0.055 / 0.09 = 0.6111
    const [fuel] = judge([item('fd-1', 0.05, 0.06), item('fd-2', 0.05, 0.06), item('fd-3', 0.05, 0.06)]);
    expect(fuel).toMatchObject({ type: 'fuel-dispenser', instruments: 3, checksCounted: 6, onSellerSide: 6, onBuyerSide: 0, finding: true, rule: RULE });
    expect(fuel!.pValue).toBe(1 / 64);
    expect(fuel!.meanErrorMpe).toBeCloseTo(0.055 / 0.09, 12);
  });

  it('each dispenser within tolerance and none with enough checks of its own: the place is judged on all of them', () => {
    // five dispensers, one check each, +0.05 L: 5 of 5, p = 1/32; mean 0.5556 MPE
    const many = ['a', 'b', 'c', 'd', 'e'].map((d) => ({ device: d, checks: [check(0.05)] }));
    const [fuel] = sellerFavourAtPlace(
      many,
      () => 'fuel-dispenser',
      () => RULE,
    );
    expect(fuel).toMatchObject({ instruments: 5, checksCounted: 5, onSellerSide: 5, finding: true });
    expect(fuel!.pValue).toBe(1 / 32);
  });

  it('no finding when the errors split, when they are small, or when too few checks are not zero', () => {
    // 4 over, 2 under: p = (C(6,4) + C(6,5) + C(6,6)) / 64 = 22/64
    const split = judge([item('fd-1', 0.06, -0.06), item('fd-2', 0.06, 0.06), item('fd-3', 0.06, -0.06)])[0]!;
    expect([split.onSellerSide, split.onBuyerSide, split.pValue, split.finding]).toEqual([4, 2, 22 / 64, false]);
    // all six over but by 0.01 L: mean 0.111 MPE < 0.5
    const small = judge([item('fd-1', 0.01, 0.01), item('fd-2', 0.01, 0.01), item('fd-3', 0.01, 0.01)])[0]!;
    expect([small.pValue, small.finding]).toEqual([1 / 64, false]);
    // four over and two exact zeros: m = 4 < 5
    const zeros = judge([item('fd-1', 0.06, 0), item('fd-2', 0.06, 0.06), item('fd-3', 0.06, 0)])[0]!;
    expect([zeros.checksCounted, zeros.finding]).toEqual([4, false]);
  });

  it("a market's stall scales and its produce buyer's scale are judged apart, each for its user's favour", () => {
    // MPE 0.1 kg at every check (the test's figure). Three stall scales +0.06 kg twice each: 6 of 6 for
    // the sellers, p = 1/64, mean 0.6 MPE. The buyer's scale −0.07 kg five times:
    // 5 of 5 for the buyer, p = 1/32, mean −0.7 MPE. Pooled they would be 6 over and 5 under, p = 0.5: nothing.
    const scale = (error: number) => ({ error, mpe: 0.1 }) as CheckResult;
    const items = [
      { device: 'st-1', checks: [scale(0.06), scale(0.06)] },
      { device: 'buyer', checks: [-0.07, -0.07, -0.07, -0.07, -0.07].map(scale) },
      { device: 'st-2', checks: [scale(0.06), scale(0.06)] },
      { device: 'st-3', checks: [scale(0.06), scale(0.06)] },
    ];
    const [stalls, buyer] = sellerFavourAtPlace(
      items,
      () => 'scale',
      () => RULE,
      (d) => (d === 'buyer' ? 'buyer' : 'seller'),
    );
    expect(stalls).toMatchObject({
      type: 'scale',
      favoured: 'seller',
      instruments: 3,
      checks: 6,
      onSellerSide: 6,
      onBuyerSide: 0,
      pValue: 1 / 64,
      finding: true,
    });
    expect(stalls!.meanErrorMpe).toBeCloseTo(0.6, 12);
    expect(buyer).toMatchObject({
      type: 'scale',
      favoured: 'buyer',
      instruments: 1,
      checks: 5,
      onSellerSide: 0,
      onBuyerSide: 5,
      pValue: 1 / 32,
      finding: true,
    });
    expect(buyer!.meanErrorMpe).toBeCloseTo(-0.7, 12);
    // the same checks with every scale taken for a seller's: one group, 6 of 11 on the seller's side
    const [pooled] = sellerFavourAtPlace(
      items,
      () => 'scale',
      () => RULE,
    );
    expect(pooled).toMatchObject({ instruments: 4, checksCounted: 11, onSellerSide: 6, finding: false });
  });

  it('leaves out types without a rule, instruments without checks and instruments no longer registered', () => {
    expect(judge([item('br-1', 0.2, 0.2, 0.2, 0.2, 0.2), item('fd-1'), item('gone', 0.06)])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { channelFor, isFieldErrors } from './channel.ts';
import { maximumCapacity, maximumPermissibleError as mpe, minimumVolumeDeviation, MpeNotDefinedError } from './mpe.ts';
import type { InstrumentProfile } from './profile.ts';
import type { Regime } from './types.ts';
import { device, profile, profiles } from './test-fixtures.ts';

const fuel = profile('fuel-dispenser');
const scale = profile('scale');
const breath = profile('breath-alcohol-analyser');
const gas = profile('gas-detector');
const baro = profile('barometer');

describe('fuel dispenser: ĐLVN 10 by default, OIML R117 classes per device, Emin from the R117/MID table', () => {
  const d = device('fuel-dispenser'); // class DLVN10 (A = 0.3) and MMQ 5 L from the profile

  it('default ĐLVN 10 at 20 L: 0.3 % × 20 L = 0.06 L (Emin 2·5·0.3/100 = 0.03 L smaller); in trade 1.5 × 0.06 = 0.09 L (0.45 %)', () => {
    // Sources: ĐLVN 10 ±0.3 % at verification; Circular 15/2015/TT-BKHCN (am. 08/2018): 1.5 × in trade.
    expect(mpe(fuel, d, 20, { regime: 'verification' })).toBeCloseTo(0.06, 12);
    expect(mpe(fuel, d, 20, { regime: 'inService' })).toBeCloseTo(0.09, 12);
  });

  it('at the MMQ (5 L): 0.3 %·5 = 0.015 L < Emin = 2·MMQ·A/100 = 2·5·0.3/100 = 0.03 L; in trade 0.045 L', () => {
    expect(mpe(fuel, d, 5, { regime: 'verification', point: 'MMQ' })).toBeCloseTo(0.03, 12);
    expect(mpe(fuel, d, 5, { regime: 'inService', point: 'MMQ' })).toBeCloseTo(0.045, 12);
  });

  it('R117 class 0.5 stays available per device: 0.5 % × 20 L = 0.1 L, in trade 0.15 L; class 0.3 at 20 L = 0.06 L; "1" finds "1.0"', () => {
    expect(mpe(fuel, device('fuel-dispenser', { class: '0.5' }), 20, { regime: 'verification' })).toBeCloseTo(0.1, 12);
    expect(mpe(fuel, device('fuel-dispenser', { class: '0.5' }), 20, { regime: 'inService' })).toBeCloseTo(0.15, 12);
    expect(mpe(fuel, device('fuel-dispenser', { class: '0.3' }), 20, { regime: 'verification' })).toBeCloseTo(0.06, 12);
    expect(mpe(fuel, device('fuel-dispenser', { class: '1' }), 20, { regime: 'verification' })).toBeCloseTo(0.2, 12);
  });

  it('Emin for 1 L ≤ MMQ < 2 L is twice the table MPE at 2 L, not 2·MMQ·A/100 (EU MID MI-005)', () => {
    // class 0.5, MMQ 1 L: 2 × (0.5/100 × 2 L) = 0.02 L = 20 mL (the MMQ ≥ 2 L formula would give 2·1·0.5/100 = 0.01 L);
    // at V = 1 L: max(0.5 % × 1 = 0.005, 0.02) = 0.02 L.
    expect(mpe(fuel, device('fuel-dispenser', { class: '0.5', mmq: 1 }), 1, { regime: 'verification' })).toBeCloseTo(0.02, 12);
    // default A = 0.3, MMQ 1.5 L: 2 × (0.3/100 × 2 L) = 0.012 L; at V = 1.5 L: max(0.0045, 0.012) = 0.012 L.
    expect(mpe(fuel, device('fuel-dispenser', { mmq: 1.5 }), 1.5, { regime: 'verification' })).toBeCloseTo(0.012, 12);
    // MMQ 2 L, class 0.5: 2·2·0.5/100 = 0.02 L: the two rows meet at 2 L.
    expect(mpe(fuel, device('fuel-dispenser', { class: '0.5', mmq: 2 }), 2, { regime: 'verification' })).toBeCloseTo(0.02, 12);
  });

  it('the Emin table reproduces every class 0.5 row of the NSAI (MID) table: 4 mL, 4 %, 8 mL, 2 %, 20 mL, 1 %', () => {
    const rule = fuel.mpe!.verification;
    if (rule.kind !== 'accuracyClass') throw new Error('accuracyClass expected');
    const cases: [mmq: number, emin: number, how: string][] = [
      [0.05, 0.004, '8 × 0.005 × 0.1 L'],
      [0.15, 0.006, '8 × 0.005 × 0.15 L = 4 % of the MMQ'],
      [0.3, 0.008, '4 × 0.005 × 0.4 L'],
      [0.5, 0.01, '4 × 0.005 × 0.5 L = 2 % of the MMQ'],
      [1, 0.02, '2 × 0.005 × 2 L'],
      [3, 0.03, '2 × 0.005 × 3 L = 1 % of the MMQ'],
    ];
    for (const [mmq, emin, how] of cases) expect(minimumVolumeDeviation(rule.emin, 0.5, mmq), how).toBeCloseTo(emin, 12);
  });

  it('device mpe override: max(0.05, 0.004 × 20) = 0.08 L; in service × 1.5 = 0.12 L', () => {
    const o = device('fuel-dispenser', { mpe: { absolute: 0.05, relative: 0.004 } });
    expect(mpe(fuel, o, 20, { regime: 'verification' })).toBeCloseTo(0.08, 12);
    expect(mpe(fuel, o, 20, { regime: 'inService' })).toBeCloseTo(0.12, 12);
    expect(mpe(fuel, o, 5, { regime: 'verification' })).toBeCloseTo(0.05, 12); // 0.004 × 5 = 0.02 < 0.05
  });

  it('an unknown class is an error naming the classes', () => {
    expect(() => mpe(fuel, device('fuel-dispenser', { class: '0.7' }), 20, { regime: 'verification' })).toThrow(/class "0.7".*DLVN10, 0.3, 0.5, 1.0, 1.5/);
  });
});

describe('scale, OIML R76 class III with e = 0.5 kg (Max 5000 kg = 10000e)', () => {
  const d = device('scale', { class: 'III', e: 0.5, max: 5000 });
  const cases: [load: number, mpeVerification: number, note: string][] = [
    [100, 0.25, '200e ≤ 500e → 0.5e = 0.25 kg'],
    [250, 0.25, '500e exactly, band limit inclusive → 0.5e'],
    [250.5, 0.5, '501e → 1e = 0.5 kg'],
    [1000, 0.5, '2000e exactly → 1e'],
    [1000.5, 0.75, '2001e → 1.5e = 0.75 kg'],
    [5000, 0.75, '10000e → 1.5e'],
  ];
  for (const [load, expected, note] of cases) {
    it(`${load} kg: ${note}; in service 2 × ${expected} = ${2 * expected} kg`, () => {
      expect(mpe(scale, d, load, { regime: 'verification' })).toBeCloseTo(expected, 12);
      expect(mpe(scale, d, load, { regime: 'inService' })).toBeCloseTo(2 * expected, 12);
    });
  }

  it('class IIII, e = 1 kg: 50e → 0.5 kg, 200e → 1 kg, 1000e → 1.5 kg, 51e → 1 kg', () => {
    const d4 = device('scale', { class: 'IIII', e: 1, max: 1000 });
    expect(mpe(scale, d4, 50, { regime: 'verification' })).toBeCloseTo(0.5, 12);
    expect(mpe(scale, d4, 51, { regime: 'verification' })).toBeCloseTo(1, 12);
    expect(mpe(scale, d4, 200, { regime: 'verification' })).toBeCloseTo(1, 12);
    expect(mpe(scale, d4, 1000, { regime: 'verification' })).toBeCloseTo(1.5, 12);
  });

  it('without a device class the profile default (III) applies, e falls back to the resolution (0.05 kg)', () => {
    // 10 kg = 200e with e = 0.05 → 0.5e = 0.025 kg
    expect(mpe(scale, device('scale'), 10, { regime: 'verification' })).toBeCloseTo(0.025, 12);
  });

  it('beyond the last band there is no MPE (R76 stops at 10000e for III, 1000e for IIII): it throws, never extrapolates', () => {
    // III, e = 0.5 kg: 5000.5 kg = 10001e > 10000e (the old code answered 1.5e = 0.75 kg).
    expect(() => mpe(scale, d, 5000.5, { regime: 'verification' })).toThrow(MpeNotDefinedError);
    expect(() => mpe(scale, d, 5000.5, { regime: 'inService' })).toThrow(
      'load 5000.5 kg is 10001e (e = 0.5 kg), beyond the last load band of class III (10000e = 5000 kg): OIML R76 defines no MPE there',
    );
    // IIII on the type's defaults (e = 0.05 kg, Max 150 kg = 3000e): 50 kg = 1000e → 1.5e = 0.075 kg;
    // 60 kg = 1200e > 1000e → none.
    const defaults = device('scale', { class: 'IIII' });
    expect(mpe(scale, defaults, 50, { regime: 'verification' })).toBeCloseTo(0.075, 12);
    expect(() => mpe(scale, defaults, 60, { regime: 'verification' })).toThrow(
      /60 kg is 1200e \(e = 0\.05 kg\), beyond the last load band of class IIII \(1000e = 50 kg\)/,
    );
  });

  it('a device MPE override has no bands: it answers at any load', () => {
    // max(0.1, 0 × 6000) = 0.1 kg at 6000 kg = 12000e
    expect(mpe(scale, device('scale', { class: 'III', e: 0.5, max: 5000, mpe: { absolute: 0.1 } }), 6000, { regime: 'verification' })).toBe(0.1);
  });

  it("Max of a scale is its registered range or max, else the type's 150 kg; other rules have none", () => {
    const maxOf = (p: typeof scale, d: ReturnType<typeof device>) => {
      const ch = channelFor(p, d, {});
      if (isFieldErrors(ch)) throw new Error(JSON.stringify(ch));
      return maximumCapacity(ch);
    };
    expect(maxOf(scale, device('scale', { max: 15 }))).toBe(15);
    expect(maxOf(scale, device('scale', { range: { min: 0, max: 30 } }))).toBe(30);
    expect(maxOf(scale, device('scale'))).toBe(150);
    expect(maxOf(fuel, device('fuel-dispenser'))).toBeUndefined();
  });
});

// OIML R76-1:2006 Table 6, classes II and I (devices/scale.json; the band limits are inclusive: "m ≤ 20 000e").
// Masses in the canonical kg: 0.01 g = 1e-5 kg, 1 mg = 1e-6 kg.
describe("scale, class II: a jeweller's balance, Max 220 g, e = 0.01 g (n = 0.22 kg / 1e-5 kg = 22 000)", () => {
  const d = device('scale', { class: 'II', e: 0.00001, max: 0.22 });
  const cases: [loadKg: number, mpeVerificationKg: number, note: string][] = [
    [0.01, 0.000005, '10 g = 1 000e ≤ 5 000e → 0.5e = 0.005 g'],
    [0.05, 0.000005, '50 g = 5 000e exactly, band limit inclusive → 0.5e = 0.005 g'],
    [0.05001, 0.00001, '50.01 g = 5 001e → 1e = 0.01 g'],
    [0.1, 0.00001, '100 g = 10 000e (5 000e < m ≤ 20 000e) → 1e = 0.01 g'],
    [0.2, 0.00001, '200 g = 20 000e exactly: R76 "5 000e < m ≤ 20 000e" → 1e = 0.01 g, not 1.5e'],
    [0.20001, 0.000015, '200.01 g = 20 001e → 1.5e = 0.015 g'],
    [0.22, 0.000015, '220 g (Max) = 22 000e → 1.5e = 0.015 g'],
  ];
  for (const [load, expected, note] of cases) {
    it(`${note}; in service 2 × ${Number((expected * 1000).toPrecision(6))} g = ${Number((2 * expected * 1000).toPrecision(6))} g`, () => {
      expect(mpe(scale, d, load, { regime: 'verification' })).toBeCloseTo(expected, 15);
      expect(mpe(scale, d, load, { regime: 'inService' })).toBeCloseTo(2 * expected, 15);
    });
  }

  it("class II's last band is closed at 100 000e: 1.00001 kg = 100 001e (e = 0.01 g) has no MPE", () => {
    // not a registrable scale (n ≤ 100 000, registration.ts); the MPE alone: 1 kg = 100 000e → 1.5e = 1.5e-5 kg
    const wide = device('scale', { class: 'II', e: 0.00001, max: 1 });
    expect(mpe(scale, wide, 1, { regime: 'verification' })).toBeCloseTo(0.000015, 15);
    expect(() => mpe(scale, wide, 1.00001, { regime: 'verification' })).toThrow(MpeNotDefinedError);
    expect(() => mpe(scale, wide, 1.00001, { regime: 'verification' })).toThrow(/beyond the last load band of class II \(100000e = 1 kg\)/);
  });
});

describe('scale, class I: an analytical balance, Max 220 g, e = 1 mg, d = 0.1 mg (n = 0.22 kg / 1e-6 kg = 220 000)', () => {
  const d = device('scale', { class: 'I', e: 0.000001, resolution: 0.0000001, max: 0.22 });
  const cases: [loadKg: number, mpeVerificationKg: number, note: string][] = [
    [0.05, 0.0000005, '50 g = 50 000e exactly, band limit inclusive → 0.5e = 0.5 mg'],
    [0.050001, 0.000001, '50.001 g = 50 001e → 1e = 1 mg'],
    [0.2, 0.000001, '200 g = 200 000e exactly → 1e = 1 mg'],
    [0.21, 0.0000015, '210 g = 210 000e > 200 000e → 1.5e = 1.5 mg'],
  ];
  for (const [load, expected, note] of cases) {
    it(`${note}; in service 2 × ${expected * 1e6} mg = ${2 * expected * 1e6} mg`, () => {
      expect(mpe(scale, d, load, { regime: 'verification' })).toBeCloseTo(expected, 15);
      expect(mpe(scale, d, load, { regime: 'inService' })).toBeCloseTo(2 * expected, 15);
    });
  }

  it('the last band of class I is open (no upToE): 1.5e at any load above 200 000e, never "beyond the last band"', () => {
    // 1 kg = 1 000 000e, 100 kg = 10⁸e: still 1.5e = 1.5 mg (Max is the check's limit, not the MPE's: check.ts)
    expect(mpe(scale, d, 1, { regime: 'verification' })).toBeCloseTo(0.0000015, 15);
    expect(mpe(scale, d, 100, { regime: 'inService' })).toBeCloseTo(0.000003, 15);
    const rule = scale.mpe!.verification;
    if (rule.kind !== 'scaleIntervals') throw new Error('scaleIntervals expected');
    expect(rule.classes.I!.at(-1)).toEqual({ mpeE: 1.5 });
  });
});

describe('breath alcohol analyser, piecewise (OIML R126 via secondary source)', () => {
  const d = device('breath-alcohol-analyser');
  it('below 0.400 mg/L: ±0.020 mg/L absolute (0.150 and 0.399)', () => {
    expect(mpe(breath, d, 0.15, { regime: 'verification' })).toBeCloseTo(0.02, 12);
    expect(mpe(breath, d, 0.399, { regime: 'verification' })).toBeCloseTo(0.02, 12);
  });
  it('from 0.400 mg/L: 5 % (0.400 → 0.020, 1.000 → 0.050, 2.000 → 0.100)', () => {
    expect(mpe(breath, d, 0.4, { regime: 'verification' })).toBeCloseTo(0.02, 12);
    expect(mpe(breath, d, 1.0, { regime: 'verification' })).toBeCloseTo(0.05, 12);
    expect(mpe(breath, d, 2.0, { regime: 'inService' })).toBeCloseTo(0.1, 12); // inServiceFactor 1
  });
});

describe('gas detector, max(absolute, relative) per gas', () => {
  const d = device('gas-detector');
  it('CO at 30 ppm: max(5, 10 %·30 = 3) = 5 ppm (absolute limb)', () => {
    expect(mpe(gas, d, 30, { regime: 'verification', gas: 'CO' })).toBe(5);
  });
  it('CO at 100 ppm: max(5, 10 %·100 = 10) = 10 ppm (relative limb)', () => {
    expect(mpe(gas, d, 100, { regime: 'verification', gas: 'CO' })).toBeCloseTo(10, 12);
  });
  it('H2S at 25 ppm: max(2, 2.5) = 2.5 ppm; O2 at 20.9 %: 0.5 %; CH4 at 50 %LEL: max(3, 5) = 5 %LEL', () => {
    expect(mpe(gas, d, 25, { regime: 'inService', gas: 'H2S' })).toBeCloseTo(2.5, 12);
    expect(mpe(gas, d, 20.9, { regime: 'inService', gas: 'O2' })).toBe(0.5);
    expect(mpe(gas, d, 50, { regime: 'inService', gas: 'CH4' })).toBeCloseTo(5, 12);
  });
  it('an unknown or missing gas is an error', () => {
    expect(() => mpe(gas, d, 10, { regime: 'verification', gas: 'NO2' })).toThrow(/NO2.*CO, H2S, O2, CH4/);
    expect(() => mpe(gas, d, 10, { regime: 'verification' })).toThrow(/gas is required/);
  });
});

describe('water meter: by test point, the flow zone of the test (OIML R49-1:2013 §4.2, MID MI-001)', () => {
  const water = profile('water-meter');
  const d = device('water-meter'); // class 2 from the profile

  it('class 2: upper zone (Q2, Q3, Q4) 2 % of the reference volume, lower zone (Q1) 5 %; the volume does not choose the zone', () => {
    expect(mpe(water, d, 100, { regime: 'verification', point: 'Q3' })).toBeCloseTo(2, 12); // 2 % × 100 L
    expect(mpe(water, d, 10, { regime: 'verification', point: 'Q1' })).toBeCloseTo(0.5, 12); // 5 % × 10 L
    expect(mpe(water, d, 10, { regime: 'verification', point: 'Q2' })).toBeCloseTo(0.2, 12); // 2 % × 10 L
    expect(mpe(water, d, 200, { regime: 'verification', point: 'Q4' })).toBeCloseTo(4, 12); // 2 % × 200 L
    expect(mpe(water, d, 100, { regime: 'verification', point: 'Q1' })).toBeCloseTo(5, 12); // 100 L at Q1: 5 %
  });

  it('class 1: 3 % at Q1, 1 % at Q2–Q4; in service the same as verification (factor 1); "q3" names Q3', () => {
    const c1 = device('water-meter', { class: '1' });
    expect(mpe(water, c1, 100, { regime: 'verification', point: 'Q3' })).toBeCloseTo(1, 12);
    expect(mpe(water, c1, 10, { regime: 'verification', point: 'Q1' })).toBeCloseTo(0.3, 12);
    expect(mpe(water, d, 100, { regime: 'inService', point: 'Q3' })).toBeCloseTo(2, 12);
    expect(mpe(water, d, 100, { regime: 'verification', point: ' q3 ' })).toBeCloseTo(2, 12);
  });

  it('a point its class does not list, or none, has no MPE: MpeNotDefinedError on `point`, naming the points', () => {
    const thrown = (point: string | undefined): MpeNotDefinedError => {
      try {
        mpe(water, d, 100, { regime: 'verification', ...(point === undefined ? {} : { point }) });
      } catch (e) {
        return e as MpeNotDefinedError;
      }
      throw new Error('no error thrown');
    };
    for (const point of ['Qmax', undefined]) {
      const e = thrown(point);
      expect(e).toBeInstanceOf(MpeNotDefinedError);
      expect(e.field).toBe('point');
      expect(e.message).toMatch(/water-meter.*class 2.*one of Q1, Q2, Q3, Q4/);
    }
    expect(thrown('Qmax').message).toMatch(/^point "Qmax" is not a test point/);
  });

  it("a device's own MPE replaces the rule, test points included: max(0, 0.03 × 100) = 3 L at any point", () => {
    const own = device('water-meter', { mpe: { relative: 0.03 } });
    expect(mpe(water, own, 100, { regime: 'verification', point: 'Q1' })).toBeCloseTo(3, 12);
    expect(mpe(water, own, 100, { regime: 'verification' })).toBeCloseTo(3, 12);
  });
});

describe('barometer, by class', () => {
  it('default ±0.3 hPa; class A ±0.1 hPa; device override 0.15 hPa', () => {
    expect(mpe(baro, device('barometer'), 1013, { regime: 'verification' })).toBe(0.3);
    expect(mpe(baro, device('barometer', { class: 'A' }), 1013, { regime: 'inService' })).toBe(0.1);
    expect(mpe(baro, device('barometer', { mpe: { absolute: 0.15 } }), 1013, { regime: 'inService' })).toBe(0.15);
  });
});

describe('properties', () => {
  // a rule by test point (water meter) has an MPE only at a point its class lists: one selector per point
  const pointsOf = (p: InstrumentProfile): (string | undefined)[] => {
    const rule = p.mpe?.verification;
    return rule?.kind === 'byTestPoint' ? Object.keys(rule.classes[rule.defaultClass]!) : [undefined];
  };
  type Selector = { id: string; gas?: string; point?: string };
  const selectors: Selector[] = [...profiles.values()].flatMap((p): Selector[] =>
    p.channels
      ? Object.keys(p.channels).map((g) => ({ id: p.id, gas: g }))
      : pointsOf(p).map((point) => (point === undefined ? { id: p.id } : { id: p.id, point })),
  );

  // A scale's rule (R76 / R51) stops at its class's last band: beyond it there is no MPE (thrown, above).
  const lastBand = (id: string): number => {
    const rule = profile(id).mpe?.verification;
    if (rule?.kind !== 'scaleIntervals') return Infinity;
    const bands = rule.classes[rule.defaultClass]!;
    return (bands[bands.length - 1]!.upToE ?? Infinity) * profile(id).resolution!; // an open last band never ends
  };

  it('MPE is never negative, for every type, channel, regime and reference (including negative ones) the rule covers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...selectors),
        fc.constantFrom<Regime>('verification', 'inService'),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (sel, regime, ref) => {
          const opts = { regime, ...(sel.gas ? { gas: sel.gas } : {}), ...(sel.point ? { point: sel.point } : {}) };
          if (Math.abs(ref) > lastBand(sel.id)) {
            expect(() => mpe(profile(sel.id), device(sel.id), ref, opts)).toThrow(MpeNotDefinedError);
            return true;
          }
          const m = mpe(profile(sel.id), device(sel.id), ref, opts);
          return m >= 0 && Number.isFinite(m);
        },
      ),
    );
  });

  it('the in-service MPE is inServiceFactor × the verification MPE, and MPE is even in the reference', () => {
    fc.assert(
      fc.property(fc.constantFrom(...selectors), fc.double({ min: 0, max: 1e4, noNaN: true }), (sel, ref) => {
        if (ref > lastBand(sel.id)) return true; // no MPE there (above)
        const p = profile(sel.id);
        const o = { ...(sel.gas ? { gas: sel.gas } : {}), ...(sel.point ? { point: sel.point } : {}) };
        const v = mpe(p, device(sel.id), ref, { regime: 'verification', ...o });
        const s = mpe(p, device(sel.id), ref, { regime: 'inService', ...o });
        const neg = mpe(p, device(sel.id), -ref, { regime: 'verification', ...o });
        return Math.abs(s - v * p.inServiceFactor) <= 1e-12 * Math.max(1, s) && neg === v;
      }),
    );
  });
});

// OIML R76-1 Table 3 (as read from third-party copies, not the OIML publication) and the never-negative range,
// with the figures worked by hand.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { loadProfiles } from './profile-loader.ts';
import { rangeErrors, scaleErrors } from './registration.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const scale = profiles.get('scale')!;
const barometer = profiles.get('barometer')!;
const checkweigher = profiles.get('checkweigher')!;

describe('a scale registration against OIML R76-1 Table 3', () => {
  it('accepts n = max/e within the class: III 30 kg / 5 g = 6 000 (500 ≤ n ≤ 10 000), IIII 30 kg / 50 g = 600 (100 ≤ n ≤ 1 000)', () => {
    expect(scaleErrors(scale, { class: 'III', e: 0.005, max: 30 })).toEqual([]);
    expect(scaleErrors(scale, { class: 'IIII', e: 0.05, max: 30 })).toEqual([]);
  });

  it('refuses n above the class: III 30 kg / 1 g = 30 000 > 10 000', () => {
    expect(scaleErrors(scale, { class: 'III', e: 0.001, max: 30 })).toEqual([
      { path: 'max', message: expect.stringContaining('max/e = 30 kg / 0.001 kg = 30000 verification scale intervals; class III has from 100 to 10 000') },
    ]);
  });

  it('refuses n below the class: III with e = 5 g needs n ≥ 500, and 2 kg / 5 g = 400', () => {
    expect(scaleErrors(scale, { class: 'III', e: 0.005, max: 2 })[0]?.message).toContain('= 400 verification scale intervals; class III has from 500');
  });

  it('refuses an e finer than the class: IIII needs e ≥ 5 g, and 1 g is finer', () => {
    expect(scaleErrors(scale, { class: 'IIII', e: 0.001, max: 0.5 }).map((x) => x.path)).toContain('e');
  });

  it('refuses an e larger than max, whatever the class', () => {
    expect(scaleErrors(scale, { class: 'III', e: 50, max: 30 })[0]).toMatchObject({
      path: 'e',
      message: expect.stringContaining('e 50 kg is larger than max 30 kg'),
    });
  });
});

// Classes II and I (OIML R76-1 Table 3), in kg: 1 mg = 0.000001 kg, 0.01 g = 0.00001 kg, 0.1 g = 0.0001 kg.
describe('a class II or class I balance against OIML R76-1 Table 3', () => {
  it("accepts a jeweller's class II balance: Max 220 g, e = 0.01 g → n = 0.22 / 0.00001 = 22 000 (1 mg ≤ e ≤ 50 mg: 100 ≤ n ≤ 100 000)", () => {
    expect(scaleErrors(scale, { class: 'II', e: 0.00001, max: 0.22 })).toEqual([]);
    // e = 0.1 g: n from 5 000; 600 g / 0.1 g = 6 000 fits
    expect(scaleErrors(scale, { class: 'II', e: 0.0001, max: 0.6 })).toEqual([]);
  });

  it('refuses class II with e = 0.1 g and Max 200 g: n = 0.2 / 0.0001 = 2 000 < 5 000 (e ≥ 0.1 g), naming Table 3', () => {
    expect(scaleErrors(scale, { class: 'II', e: 0.0001, max: 0.2 })).toEqual([
      {
        path: 'max',
        message:
          'max/e = 0.2 kg / 0.0001 kg = 2000 verification scale intervals; class II has from 5 000 to 100 000 (from 5 000 when e ≥ 0.1 g) (OIML R76-1 Table 3): check max, e and the class',
      },
    ]);
  });

  it('refuses class II above 100 000: 2 kg / 0.01 g = 200 000; and an e below 1 mg (0.5 mg), naming d', () => {
    expect(scaleErrors(scale, { class: 'II', e: 0.00001, max: 2 })[0]?.message).toContain(
      '= 200000 verification scale intervals; class II has from 100 to 100 000',
    );
    expect(scaleErrors(scale, { class: 'II', e: 0.0000005, max: 0.02 })).toEqual([
      {
        path: 'e',
        message:
          'e 5e-7 kg is finer than class II allows: at least 0.000001 kg (0.001 g; OIML R76-1 Table 3); give e in kg; e is the verification scale interval, not the display step d: register d as `resolution` beside e',
      },
    ]);
  });

  it('accepts a class I balance, Max 220 g, e = 1 mg, d = 0.1 mg: n = 0.22 / 0.000001 = 220 000 ≥ 50 000; and 1 kg (n = 1 000 000: no maximum)', () => {
    expect(scaleErrors(scale, { class: 'I', e: 0.000001, resolution: 0.0000001, max: 0.22 })).toEqual([]);
    expect(scaleErrors(scale, { class: 'I', e: 0.000001, max: 1 })).toEqual([]);
  });

  it('refuses class I with n = 20 g / 1 mg = 20 000 < 50 000', () => {
    expect(scaleErrors(scale, { class: 'I', e: 0.000001, max: 0.02 })).toEqual([
      {
        path: 'max',
        message:
          'max/e = 0.02 kg / 0.000001 kg = 20000 verification scale intervals; class I has at least 50 000 and no maximum (fewer when d < 0.1 mg) (OIML R76-1 Table 3): check max, e and the class',
      },
    ]);
    // d = 0.1 mg (not below it): still 50 000
    expect(scaleErrors(scale, { class: 'I', e: 0.000001, resolution: 0.0000001, max: 0.02 })).toHaveLength(1);
  });

  it('lets n fall below 50 000 for a class I balance with d < 0.1 mg (Table 3 note): 20 g, e = 1 mg, d = 0.01 mg', () => {
    expect(scaleErrors(scale, { class: 'I', e: 0.000001, resolution: 0.00000001, max: 0.02 })).toEqual([]);
  });

  it('refuses class I with e = 0.1 mg (Table 3: e ≥ 1 mg), though n = 0.22 / 0.0000001 = 2 200 000 fits', () => {
    // a balance reading to 0.1 mg has e = 1 mg; 0.1 mg is its d, registered as resolution
    expect(scaleErrors(scale, { class: 'I', e: 0.0000001, max: 0.22 })).toEqual([
      {
        path: 'e',
        message:
          'e 1e-7 kg is finer than class I allows: at least 0.000001 kg (0.001 g; OIML R76-1 Table 3); give e in kg; e is the verification scale interval, not the display step d: register d as `resolution` beside e',
      },
    ]);
  });
});

// What is judged is what the checks will use (channel.ts): the registration's e and Max, else the type's
// defaults (devices/scale.json: e = resolution 0.05 kg, Max 150 kg).
describe('a scale weighing gold: e no coarser than Circular 22/2013/TT-BKHCN allows for its Max (devices/scale.json tradeUses)', () => {
  // Max ≤ 200 g: e ≤ 1 mg; ≤ 3 kg: e ≤ 10 mg; ≤ 10 kg: e ≤ 100 mg; beyond: e ≤ 1 g (kg: 1 mg = 0.000001)
  const gold = (e: number, max: number, cls = 'II', resolution?: number) =>
    scaleErrors(scale, { class: cls, e, max, use: 'gold-trading', ...(resolution ? { resolution } : {}) });

  it('accepts e = 1 mg at Max 200 g (the band includes its limit), e = 10 mg at Max 500 g, e = 0.1 g at Max 5 kg', () => {
    expect(gold(0.000001, 0.2, 'I')).toEqual([]); // class I, n = 200 000
    expect(gold(0.00001, 0.5)).toEqual([]); // class II, n = 50 000
    expect(gold(0.0001, 5)).toEqual([]); // class II, e ≥ 0.1 g: n = 50 000
  });

  it('refuses e = 10 mg at Max 200 g: at most 1 mg there, the basis cited', () => {
    expect(gold(0.00001, 0.2)).toEqual([
      {
        path: 'e',
        message:
          'e 0.00001 kg is too coarse for gold-trading: a scale of Max 0.2 kg (capacities up to 0.2 kg) must have e at most 0.000001 kg (1 mg) (Circular 22/2013/TT-BKHCN Article 4(1); devices/scale.json tradeUses); register a finer scale, or check e and max',
      },
    ]);
  });

  it('refuses e = 0.1 g at Max 500 g (10 mg there) and e = 2 g at Max 15 kg (1 g beyond 10 kg); the same scales pass without the use', () => {
    expect(gold(0.0001, 0.5)[0]?.message).toContain('(capacities above 0.2 and up to 3 kg) must have e at most 0.00001 kg (10 mg)');
    expect(gold(0.002, 15, 'III')[0]?.message).toContain('(capacities above 10 kg) must have e at most 0.001 kg (1000 mg)');
    expect(scaleErrors(scale, { class: 'II', e: 0.0001, max: 0.5 })).toEqual([]);
    expect(scaleErrors(scale, { class: 'III', e: 0.002, max: 15 })).toEqual([]);
  });
});

describe("a checkweigher's X class (no R76-1 Table 3 row): Max/e within the class's MPE table", () => {
  it('XIII ends at 10 000 e: 1 kg / 0.1 g = 10 000 is accepted, 3 kg / 0.1 g = 30 000 refused; XII (to 100 000 e) takes it', () => {
    expect(scaleErrors(checkweigher, { class: 'XIII', e: 0.0001, max: 1 })).toEqual([]);
    expect(scaleErrors(checkweigher, { class: 'XIII', e: 0.0001, max: 3 })).toEqual([
      {
        path: 'max',
        message:
          'max/e = 3 kg / 0.0001 kg = 30000 scale intervals; the MPE table of class XIII ends at 10000 e, so loads near Max could never be judged: check max, e and the class',
      },
    ]);
    expect(scaleErrors(checkweigher, { class: 'XII', e: 0.0001, max: 3 })).toEqual([]);
    // XIV ends at 1 000 e: the type's Max of 6 kg with e = 1 g is 6 000 e, refused on e (no max given)
    expect(scaleErrors(checkweigher, { class: 'XIV', e: 0.001 })).toEqual([
      { path: 'e', message: expect.stringContaining('= 6000 scale intervals; the MPE table of class XIV ends at 1000 e') },
    ]);
  });
});

describe("a scale registration without e or Max is judged on the type's defaults", () => {
  it('refuses class IIII with neither: 150 kg / 0.05 kg = 3 000 > 1 000, and says both came from the type', () => {
    expect(scaleErrors(scale, { class: 'IIII' })).toEqual([
      {
        path: 'e',
        message:
          "max/e = 150 kg / 0.05 kg = 3000 verification scale intervals; class IIII has from 100 to 1 000 (OIML R76-1 Table 3): check max, e and the class; e 0.05 kg and Max 150 kg are the defaults of type scale (devices/scale.json), not given by the registration: register the scale's e and max as marked on it",
      },
    ]);
  });

  it('accepts class III with neither (3 000 within 500…10 000) and the default class likewise', () => {
    expect(scaleErrors(scale, { class: 'III' })).toEqual([]);
    expect(scaleErrors(scale, {})).toEqual([]);
  });

  it('names only the default that took part: IIII with e = 0.1 kg and no Max is 150 / 0.1 = 1 500 > 1 000', () => {
    const [problem] = scaleErrors(scale, { class: 'IIII', e: 0.1 });
    expect(problem?.path).toBe('e');
    expect(problem?.message).toContain('= 1500 verification scale intervals; class IIII has from 100 to 1 000');
    expect(problem?.message).toContain('; Max 150 kg is the default of type scale (devices/scale.json), not given by the registration');
    expect(problem?.message).not.toContain('e 0.1 kg');
    // 30 kg / 0.1 kg = 300: fits, nothing from the type
    expect(scaleErrors(scale, { class: 'IIII', e: 0.1, max: 30 })).toEqual([]);
  });

  it('a registered resolution serves as e (as for the checks): III with d = 1 g and no Max is 150 / 0.001 = 150 000 > 10 000', () => {
    const [problem] = scaleErrors(scale, { class: 'III', resolution: 0.001 });
    expect(problem?.message).toMatch(/= 150000 verification scale intervals; .*; Max 150 kg is the default of type scale/);
  });

  it('range wins over max, as for the checks: range 0–30 kg with max 300 kg and e = 0.1 kg is IIII n = 300', () => {
    expect(scaleErrors(scale, { class: 'IIII', e: 0.1, max: 300, range: { min: 0, max: 30 } })).toEqual([]);
  });
});

describe('a registered range of a quantity that is never negative', () => {
  it('refuses a min below 0 for a barometer (absolute pressure), accepts one from 0', () => {
    expect(rangeErrors(barometer, { min: -5, max: 1100 }).map((x) => x.path)).toEqual(['range.min']);
    expect(rangeErrors(barometer, { min: 500, max: 1100 })).toEqual([]);
  });
});

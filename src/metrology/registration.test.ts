// OIML R76-1 Table 3 (as read from a third-party copy: unconfirmed) and the never-negative range,
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

// What is judged is what the checks will use (channel.ts): the registration's e and Max, else the type's
// defaults (devices/scale.json: e = resolution 0.05 kg, Max 150 kg).
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

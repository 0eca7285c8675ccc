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

describe('a registered range of a quantity that is never negative', () => {
  it('refuses a min below 0 for a barometer (absolute pressure), accepts one from 0', () => {
    expect(rangeErrors(barometer, { min: -5, max: 1100 }).map((x) => x.path)).toEqual(['range.min']);
    expect(rangeErrors(barometer, { min: 500, max: 1100 })).toEqual([]);
  });
});

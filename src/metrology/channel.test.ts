// A device registration against its type (validateDevice): here, the per-device MPE override, whose
// `relative` is a fraction while the profiles' rules write `percent`.
import { describe, expect, it } from 'vitest';
import { validateDevice } from './channel.ts';
import { maximumPermissibleError } from './mpe.ts';
import { device, profile } from './test-fixtures.ts';

const fuel = profile('fuel-dispenser');

describe('a device MPE override: relative is a fraction, at most 0.2', () => {
  it('refuses 0.3 written for 0.3 % (it would allow ±30 %), with the hint', () => {
    expect(validateDevice(fuel, device('fuel-dispenser', { mpe: { relative: 0.3 } }))).toEqual([
      {
        path: 'mpe.relative',
        message: 'mpe.relative 0.3 would allow ±30 % of the reference: it is a fraction, not a percent (0.003 for 0.3 %), and at most 0.2 (20 %)',
      },
    ]);
  });

  it('accepts 0.003 (0.3 %) and the limit 0.2 itself', () => {
    expect(validateDevice(fuel, device('fuel-dispenser', { mpe: { relative: 0.003 } }))).toEqual([]);
    expect(validateDevice(fuel, device('fuel-dispenser', { mpe: { relative: 0.2 } }))).toEqual([]);
  });

  it('the override replaces the class rule entirely: no Emin at the MMQ', () => {
    // At the 5 L MMQ the type's rule gives max(0.3 % × 5, Emin 2·5·0.3/100) = max(0.015, 0.03) = 0.03 L;
    // the override 0.003 gives 0.003 × 5 = 0.015 L: Emin is not applied.
    expect(maximumPermissibleError(fuel, device('fuel-dispenser'), 5, { regime: 'verification' })).toBeCloseTo(0.03, 12);
    expect(maximumPermissibleError(fuel, device('fuel-dispenser', { mpe: { relative: 0.003 } }), 5, { regime: 'verification' })).toBeCloseTo(0.015, 12);
  });
});

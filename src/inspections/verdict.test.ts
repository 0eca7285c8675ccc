// The verdict on an instrument examined during an inspection (Circular 15/2015/TT-BKHCN: in-trade
// error, seals, verification mark and certificate, price display of a dispenser).
import { describe, expect, it } from 'vitest';
import { itemVerdict } from './verdict.ts';

const sound = { sealsIntact: true, verificationMarkValid: true, certificateValid: true };

describe('itemVerdict', () => {
  it('conforms when every check passes and seals, mark and certificate are in order', () => {
    expect(itemVerdict(sound, [{ legal: 'pass' }, { legal: 'pass' }])).toEqual({ verdict: 'pass', reasons: [] });
    expect(itemVerdict({ ...sound, priceDisplayCorrect: true }, [])).toEqual({ verdict: 'pass', reasons: [] });
  });

  it('does not conform for each reason found, in the order of the record', () => {
    expect(itemVerdict(sound, [{ legal: 'pass' }, { legal: 'fail' }])).toEqual({ verdict: 'fail', reasons: ['check-fail'] });
    expect(itemVerdict({ sealsIntact: false, verificationMarkValid: false, certificateValid: false, priceDisplayCorrect: false }, [{ legal: 'fail' }])).toEqual(
      {
        verdict: 'fail',
        reasons: ['check-fail', 'seals-broken', 'verification-mark-invalid', 'certificate-invalid', 'price-display-wrong'],
      },
    );
  });

  it('leaves the price display out when it was not examined (not a dispenser)', () => {
    expect(itemVerdict({ ...sound, priceDisplayCorrect: undefined }, [])).toEqual({ verdict: 'pass', reasons: [] });
  });
});

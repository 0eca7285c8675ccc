import { describe, expect, it } from 'vitest';
import { evaluateReading, plausibleChangeLimit } from './reading.ts';
import type { ReadingInput } from './types.ts';
import { DAY, T0, device, profile, validVerification, verificationCert } from './test-fixtures.ts';

const HOUR = 3_600_000;
const baro = { profile: profile('barometer'), device: device('barometer'), certificates: [validVerification] };

function reading(extra: Partial<ReadingInput> & Record<string, unknown> = {}): ReadingInput {
  return { seq: 1, ts: T0, quantity: 'pressure', value: 1013.42, unit: 'hPa', ...extra } as ReadingInput;
}

function ok(r: ReturnType<typeof evaluateReading>) {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}

describe('evaluateReading, barometer', () => {
  it('kPa is converted to hPa; status ok under a valid verification', () => {
    const r = ok(evaluateReading(baro, reading({ value: 101.342, unit: 'kPa' })));
    expect(r.value).toBeCloseTo(1013.42, 10);
    expect(r.raw).toBe(101.342);
    expect(r.unit).toBe('hPa');
    expect(r.rawUnit).toBe('kPa');
    expect(r.status).toBe('ok');
    expect(r.flags).toEqual([]);
    expect(r.verification.state).toBe('valid');
  });

  it('the range limits are inclusive (1100 hPa given as 110 kPa is in range); 1100.5 hPa is out of range', () => {
    expect(ok(evaluateReading(baro, reading({ value: 110, unit: 'kPa' }))).status).toBe('ok');
    expect(ok(evaluateReading(baro, reading({ value: 1100.5 }))).status).toBe('out-of-range');
  });

  it('unverified with no certificate or an expired one; due-soon still counts as verified', () => {
    expect(ok(evaluateReading({ ...baro, certificates: [] }, reading())).status).toBe('unverified');
    const expiring = verificationCert('2025-06-10T00:00:00Z', '2026-06-10T00:00:00Z');
    expect(ok(evaluateReading({ ...baro, certificates: [expiring] }, reading())).status).toBe('ok'); // 9 days left: due-soon
    expect(ok(evaluateReading({ ...baro, certificates: [expiring] }, reading({ ts: T0 + 10 * DAY }))).status).toBe('unverified');
  });

  it('given the legal interval (barometer: 12 months), a certificate claiming longer stops at the end of the day issuedAt + 12 months', () => {
    // Issued 2025-05-15, "valid" to 2027-05-15: due through 2026-05-15 (UTC); T0 = 2026-06-01 is after it.
    const long = verificationCert('2025-05-15T00:00:00Z', '2027-05-15T00:00:00Z');
    const r = ok(evaluateReading({ ...baro, certificates: [long], verificationIntervalMonths: baro.profile.verificationIntervalMonths }, reading()));
    expect(r.status).toBe('unverified');
    expect(r.verification).toEqual({ state: 'expired', validUntil: '2026-05-15T23:59:59.999Z' });
    expect(ok(evaluateReading({ ...baro, certificates: [long] }, reading())).status).toBe('ok'); // not given: the certificate's word
  });

  it('WMO time consistency: 4 hPa in 30 min > 3 hPa/1 h is implausible; 8 hPa in 2.5 h ≤ 9 hPa/3 h is not', () => {
    const prev = { ts: T0 - 0.5 * HOUR, value: 1013 };
    expect(ok(evaluateReading({ ...baro, previous: prev }, reading({ value: 1017 }))).status).toBe('implausible');
    expect(ok(evaluateReading({ ...baro, previous: prev }, reading({ value: 1016 }))).status).toBe('ok'); // exactly 3: inclusive
    const prev25 = { ts: T0 - 2.5 * HOUR, value: 1005 };
    expect(ok(evaluateReading({ ...baro, previous: prev25 }, reading({ value: 1013 }))).status).toBe('ok');
    // beyond 12 h the change is not judged; out-of-order readings neither
    expect(ok(evaluateReading({ ...baro, previous: { ts: T0 - 13 * HOUR, value: 950 } }, reading())).status).toBe('ok');
    expect(ok(evaluateReading({ ...baro, previous: { ts: T0 + HOUR, value: 950 } }, reading())).status).toBe('ok');
  });

  it('plausibleChangeLimit picks the smallest window that contains the interval', () => {
    const p = profile('barometer').plausibility!;
    expect(plausibleChangeLimit(p, 10 * 60_000)).toBe(3);
    expect(plausibleChangeLimit(p, HOUR)).toBe(3);
    expect(plausibleChangeLimit(p, HOUR + 1)).toBe(6);
    expect(plausibleChangeLimit(p, 12 * HOUR)).toBe(36);
    expect(plausibleChangeLimit(p, 12 * HOUR + 1)).toBeUndefined();
  });

  it('precedence out-of-range > implausible > unverified; every flag is listed', () => {
    const r = ok(evaluateReading({ ...baro, certificates: [], previous: { ts: T0 - HOUR, value: 1013 } }, reading({ value: 1200 })));
    expect(r.status).toBe('out-of-range');
    expect(r.flags).toEqual(['out-of-range', 'implausible', 'unverified']);
    const r2 = ok(evaluateReading({ ...baro, certificates: [], previous: { ts: T0 - HOUR, value: 1000 } }, reading()));
    expect(r2.status).toBe('implausible');
    expect(r2.flags).toEqual(['implausible', 'unverified']);
  });

  it('rejects a quantity or unit that does not fit the type', () => {
    const r = evaluateReading(baro, reading({ quantity: 'temperature', unit: 'Cel' }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.path)).toEqual(['quantity', 'unit']);
      expect(r.errors[0]!.message).toMatch(/expected "pressure"/);
      expect(r.errors[1]!.message).toMatch(/one of hPa, kPa, Pa, mbar/);
    }
  });
});

describe('evaluateReading, gas detector', () => {
  const ctx = { profile: profile('gas-detector'), device: device('gas-detector'), certificates: [validVerification] };
  it('ppm alias, gas as a tag', () => {
    const r = ok(evaluateReading(ctx, reading({ quantity: 'concentration', value: 12, unit: 'ppm', gas: 'CO' })));
    expect(r.value).toBe(12);
    expect(r.unit).toBe('[ppm]');
    expect(r.tags).toEqual({ gas: 'CO' });
  });
  it('O2 given in %vol; CH4 out of range above 100 %LEL', () => {
    expect(ok(evaluateReading(ctx, reading({ quantity: 'concentration', value: 20.9, unit: '%vol', gas: 'O2' }))).unit).toBe('%');
    expect(ok(evaluateReading(ctx, reading({ quantity: 'concentration', value: 120, unit: '%LEL', gas: 'CH4' }))).status).toBe('out-of-range');
  });
  it('gas is required and must be a known channel', () => {
    const r = evaluateReading(ctx, reading({ quantity: 'concentration', value: 1, unit: 'ppm' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toEqual({ path: 'gas', message: expect.stringMatching(/required.*CO, H2S, O2, CH4/) });
    const r2 = evaluateReading(ctx, reading({ quantity: 'concentration', value: 1, unit: 'ppm', gas: 'NH3' }));
    expect(r2.ok).toBe(false);
  });
});

describe('evaluateReading, fuel dispenser transaction and scale', () => {
  const fuel = { profile: profile('fuel-dispenser'), device: device('fuel-dispenser'), certificates: [validVerification] };
  const tx = {
    quantity: 'volume',
    value: 25.3,
    unit: 'L',
    nozzle: '2',
    product: 'RON95',
    unitPrice: 20000,
    amount: 506000,
    totalizerStart: 1000,
    totalizerEnd: 1025.3,
  };
  it('nozzle and product are tags; totalizers are carried as fields', () => {
    const r = ok(evaluateReading(fuel, reading(tx)));
    expect(r.tags).toEqual({ nozzle: '2', product: 'RON95' });
    expect(r.fields).toMatchObject({ unitPrice: 20000, amount: 506000, totalizerStart: 1000, totalizerEnd: 1025.3 });
  });
  it('totalizers given in mL are converted with the value', () => {
    const r = ok(evaluateReading(fuel, reading({ ...tx, value: 25300, unit: 'mL', totalizerStart: 1_000_000, totalizerEnd: 1_025_300 })));
    expect(r.value).toBeCloseTo(25.3, 12);
    expect(r.fields.totalizerEnd).toBeCloseTo(1025.3, 9);
  });
  it('missing transaction fields are listed, each with its path', () => {
    const r = evaluateReading(fuel, reading({ quantity: 'volume', value: 25.3, unit: 'L', nozzle: '2' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toEqual(['product', 'unitPrice', 'amount', 'totalizerStart', 'totalizerEnd']);
  });
  it('scale: grams to kg, optional tare, range from the device Max', () => {
    const ctx = { profile: profile('scale'), device: device('scale', { class: 'III', e: 0.05, max: 60 }), certificates: [validVerification] };
    const r = ok(evaluateReading(ctx, reading({ quantity: 'mass', value: 12500, unit: 'g', tare: 300 })));
    expect(r.value).toBeCloseTo(12.5, 12);
    expect(r.fields.tare).toBeCloseTo(0.3, 12);
    expect(ok(evaluateReading(ctx, reading({ quantity: 'mass', value: 61, unit: 'kg' }))).status).toBe('out-of-range');
    const bad = evaluateReading(ctx, reading({ quantity: 'mass', value: 1, unit: 'kg', tare: 'x' as unknown as number }));
    expect(bad.ok).toBe(false);
  });
});

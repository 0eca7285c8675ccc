import { describe, expect, it } from 'vitest';
import { applyCorrection, latestCalibration } from './correction.ts';
import { addCalendarMonths, effectiveVerificationDue, intervalMonthsOf, verificationState } from './verification.ts';
import type { Certificate } from './types.ts';
import { DAY, profile, verificationCert } from './test-fixtures.ts';

function cal(number: string, issuedAt: string, validUntil: string, correction?: Certificate['correction']): Certificate {
  return { kind: 'calibration', number, issuedBy: 'VMI', issuedAt, validUntil, ...(correction ? { correction } : {}) };
}

describe('applyCorrection', () => {
  it('indicated × (1 + gain) + offset: 10 × 1.01 − 0.2 = 9.9', () => {
    expect(applyCorrection(10, cal('C', '2026-01-01', '2027-01-01', { gain: 0.01, offset: -0.2 }))).toBeCloseTo(9.9, 12);
  });
  it('no certificate, or no correction: unchanged', () => {
    expect(applyCorrection(1013.42)).toBe(1013.42);
    expect(applyCorrection(1013.42, cal('C', '2026-01-01', '2027-01-01'))).toBe(1013.42);
  });
});

describe('latestCalibration', () => {
  const older = cal('old', '2025-06-01T00:00:00Z', '2027-06-01T00:00:00Z', { offset: 1 });
  const newer = cal('new', '2026-03-01T00:00:00Z', '2027-03-01T00:00:00Z', { offset: 2 });
  const future = cal('future', '2026-09-01T00:00:00Z', '2027-09-01T00:00:00Z', { offset: 3 });
  const expired = cal('expired', '2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z', { offset: 4 });
  const verification = verificationCert('2026-05-01T00:00:00Z', '2027-05-01T00:00:00Z');
  const certs = [older, newer, future, expired, verification];

  it('the latest issued that is valid at the check time; ignores future, expired and verification certificates', () => {
    expect(latestCalibration(certs, Date.parse('2026-06-01T00:00:00Z'))?.number).toBe('new');
    expect(latestCalibration(certs, Date.parse('2026-02-01T00:00:00Z'))?.number).toBe('old');
    expect(latestCalibration(certs, Date.parse('2026-04-15T00:00:00Z'))?.number).toBe('expired'); // in force then
    expect(latestCalibration(certs, Date.parse('2026-10-01T00:00:00Z'))?.number).toBe('future');
    expect(latestCalibration(certs, Date.parse('2025-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('verificationState (dueSoonDays 30)', () => {
  const v = verificationCert('2026-01-15T00:00:00Z', '2027-01-15T00:00:00Z');
  const until = Date.parse('2027-01-15T00:00:00Z');

  it('valid more than 30 days before validUntil', () => {
    expect(verificationState([v], until - 31 * DAY, 30)).toEqual({ state: 'valid', validUntil: '2027-01-15T00:00:00.000Z' });
  });
  it('due-soon within 30 days, inclusive, up to and including validUntil', () => {
    expect(verificationState([v], until - 30 * DAY, 30).state).toBe('due-soon');
    expect(verificationState([v], until, 30).state).toBe('due-soon');
  });
  it('expired after validUntil', () => {
    expect(verificationState([v], until + 1, 30)).toEqual({ state: 'expired', validUntil: '2027-01-15T00:00:00.000Z' });
  });
  it('none without verification certificates (calibration certificates do not count)', () => {
    expect(verificationState([], until, 30)).toEqual({ state: 'none', validUntil: null });
    expect(verificationState([cal('C', '2026-01-01', '2027-12-01')], until, 30).state).toBe('none');
  });
  it('the latest validUntil among certificates issued by then decides (a renewal supersedes an expiring one)', () => {
    const renewal = verificationCert('2027-01-10T00:00:00Z', '2028-01-10T00:00:00Z', 'V-2');
    expect(verificationState([v, renewal], until + DAY, 30)).toEqual({ state: 'valid', validUntil: '2028-01-10T00:00:00.000Z' });
    // before the renewal was issued, the old one was due soon
    expect(verificationState([v, renewal], Date.parse('2027-01-05T00:00:00Z'), 30).state).toBe('due-soon');
  });
  it('a reading from before the first certificate was issued is "none" (not verified yet)', () => {
    expect(verificationState([v], Date.parse('2026-01-01T00:00:00Z'), 30)).toEqual({ state: 'none', validUntil: null });
  });
});

describe('the legal verification interval caps a certificate that claims longer (profile verificationIntervalMonths)', () => {
  // A fuel dispenser (12 months) verified on 2026-01-15 with a certificate "valid" for 24 months.
  const long = verificationCert('2026-01-15T00:00:00Z', '2028-01-15T00:00:00Z', 'V-24');

  it('is due at the end of the day issuedAt + 12 months, 2027-01-15 (UTC: issuedAt in UTC), with a warning on the certificate', () => {
    const due = effectiveVerificationDue(long, 12)!;
    expect(due).toMatchObject({ dueAt: '2027-01-15T23:59:59.999Z', legalDueAt: '2027-01-15T23:59:59.999Z', capped: true });
    expect(due.warning).toMatch(
      /certificate V-24 is valid until 2028-01-15, longer than the legal verification interval of 12 months: the instrument is due on 2027-01-15/,
    );
  });

  it('a certificate within the interval is due at its own validUntil, without a warning', () => {
    const due = effectiveVerificationDue(verificationCert('2026-01-15T00:00:00Z', '2027-01-10T00:00:00Z'), 12)!;
    expect(due).toEqual({ dueAt: '2027-01-10T00:00:00.000Z', legalDueAt: '2027-01-15T23:59:59.999Z', capped: false });
  });

  it('the verification state uses the legal date when given the interval', () => {
    const at = Date.parse('2027-06-01T00:00:00Z');
    expect(verificationState([long], at, 30, 12)).toEqual({ state: 'expired', validUntil: '2027-01-15T23:59:59.999Z' });
    expect(verificationState([long], at, 30)).toEqual({ state: 'valid', validUntil: '2028-01-15T00:00:00.000Z' }); // without it: the certificate's word
    expect(verificationState([long], Date.parse('2027-01-01T00:00:00Z'), 30, 12).state).toBe('due-soon'); // 14 days before 2027-01-15
    expect(verificationState([long], Date.parse('2027-01-15T23:00:00Z'), 30, 12).state).toBe('due-soon'); // its last day
    expect(verificationState([long], Date.parse('2027-01-16T00:00:00Z'), 30, 12).state).toBe('expired');
  });

  // What the API stores for "issuedAt": "2026-04-01" of an enterprise in Vietnam (period.ts validFrom):
  // the start of 1 April there, 2026-03-31T17:00Z, with its offset.
  const vn = verificationCert('2026-04-01T00:00:00.000+07:00', '2028-03-31T16:59:59.999Z', 'V-VN');

  it('an issuedAt with an offset: the interval ends with the same day there (1 April 2027 in Vietnam, 16:59:59.999Z), not at 17:00Z the day before', () => {
    const due = effectiveVerificationDue(vn, 12)!;
    expect(due).toMatchObject({ dueAt: '2027-04-01T16:59:59.999Z', capped: true });
    // the days are those of Vietnam: in UTC it was issued on 31 March
    expect(due.warning).toMatch(
      /valid until 2028-03-31, longer than the legal verification interval of 12 months: the instrument is due on 2027-04-01 \(issued 2026-04-01 \+ 12 months\)/,
    );
    expect(verificationState([vn], Date.parse('2027-04-01T16:59:59.999Z'), 30, 12).state).toBe('due-soon'); // 23:59:59 on 1 April 2027 in Vietnam
    expect(verificationState([vn], Date.parse('2027-04-01T17:00:00Z'), 30, 12).state).toBe('expired'); // 00:00 on 2 April
  });

  it('counts from the start of the day of issue in its zone: a market scale weighing at 05:00 on 1 April (22:00Z on 31 March) is verified', () => {
    expect(verificationState([vn], Date.parse('2026-03-31T22:00:00Z'), 30, 12).state).toBe('valid');
    expect(verificationState([vn], Date.parse('2026-03-31T16:59:59Z'), 30, 12).state).toBe('none'); // 23:59:59 on 31 March
  });

  it('a validity through the legal day itself is not capped, one through the day after is', () => {
    // "valid until 2027-04-01" in Vietnam: the API stores that day's last millisecond
    expect(effectiveVerificationDue(verificationCert('2026-04-01T00:00:00.000+07:00', '2027-04-01T16:59:59.999Z'), 12)).toEqual({
      dueAt: '2027-04-01T16:59:59.999Z',
      legalDueAt: '2027-04-01T16:59:59.999Z',
      capped: false,
    });
    expect(effectiveVerificationDue(verificationCert('2026-04-01T00:00:00.000+07:00', '2027-04-02T16:59:59.999Z'), 12)).toMatchObject({
      dueAt: '2027-04-01T16:59:59.999Z',
      capped: true,
    });
    // issued at 14:00 there: the legal day is still 1 April 2027, and through 2 April is one day too long
    expect(effectiveVerificationDue(verificationCert('2026-04-01T14:00:00+07:00', '2027-04-02T16:59:59.999Z'), 12)).toMatchObject({
      dueAt: '2027-04-01T16:59:59.999Z',
      capped: true,
    });
    expect(effectiveVerificationDue(verificationCert('2026-04-01T14:00:00+07:00', '2027-04-01T16:59:59.999Z'), 12)).toMatchObject({ capped: false });
  });

  it('adds calendar months, clamping to the last day of a shorter month', () => {
    expect(new Date(addCalendarMonths(Date.parse('2026-01-31T08:30:00Z'), 1)).toISOString()).toBe('2026-02-28T08:30:00.000Z');
    expect(new Date(addCalendarMonths(Date.parse('2027-02-28T00:00:00Z'), 12)).toISOString()).toBe('2028-02-28T00:00:00.000Z');
    expect(new Date(addCalendarMonths(Date.parse('2028-01-31T00:00:00Z'), 1)).toISOString()).toBe('2028-02-29T00:00:00.000Z'); // leap year
    expect(new Date(addCalendarMonths(Date.parse('2026-11-15T00:00:00Z'), 24)).toISOString()).toBe('2028-11-15T00:00:00.000Z');
  });
});

describe('the interval of a device: its construction where its type sets one (devices/scale.json, Circular 03/2024/TT-BKHCN)', () => {
  it('a spring-dial scale 24 months, any other scale 12, a type without constructions its own', () => {
    expect(intervalMonthsOf(profile('scale'), { construction: 'spring-dial' })).toBe(24);
    expect(intervalMonthsOf(profile('scale'), {})).toBe(12);
    expect(intervalMonthsOf(profile('gas-detector'), { construction: 'spring-dial' })).toBe(6);
    // a 24-month certificate issued 2025-01-10, on 2026-03-01: in force for the spring-dial scale, due 2026-01-10 for another
    const cert = verificationCert('2025-01-10T00:00:00Z', '2027-01-10T00:00:00Z');
    const at = Date.parse('2026-03-01T00:00:00Z');
    expect(verificationState([cert], at, 30, intervalMonthsOf(profile('scale'), { construction: 'spring-dial' }))).toEqual({
      state: 'valid',
      validUntil: '2027-01-10T00:00:00.000Z',
    });
    expect(verificationState([cert], at, 30, intervalMonthsOf(profile('scale'), {}))).toEqual({ state: 'expired', validUntil: '2026-01-10T23:59:59.999Z' });
  });
});

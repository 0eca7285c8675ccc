// Months and days of the authority's zone as instants (Hà Nội is UTC+7, without daylight saving;
// Berlin has it, so its months are 23 or 25 hours off a plain day count at the changes).
import { effectiveVerificationDue, verificationState } from '../metrology/verification.ts';
import { describe, expect, it } from 'vitest';
import {
  asOfReading,
  canonicalTime,
  validFrom,
  validThrough,
  lastTwelveMonths,
  monthsOf,
  periodBound,
  previousQuarter,
  startOfLocalDay,
  timeProblem,
} from './period.ts';

describe('periods in a time zone', () => {
  it('starts a Hà Nội day at 17:00 UTC the day before', () => {
    expect(new Date(startOfLocalDay('Asia/Ho_Chi_Minh', 2026, 1, 1)).toISOString()).toBe('2025-12-31T17:00:00.000Z');
    expect(new Date(startOfLocalDay('Asia/Ho_Chi_Minh', 2026, 13, 1)).toISOString()).toBe('2026-12-31T17:00:00.000Z'); // month 13 carries
    expect(new Date(startOfLocalDay('Europe/Berlin', 2026, 4, 1)).toISOString()).toBe('2026-03-31T22:00:00.000Z'); // summer time
  });

  it('reads a date-only `to` as the whole day, a date-time as the instant', () => {
    const zone = 'Asia/Ho_Chi_Minh';
    expect(new Date(periodBound('2026-01-01', zone, 'from')).toISOString()).toBe('2025-12-31T17:00:00.000Z');
    expect(new Date(periodBound('2026-03-31', zone, 'to')).toISOString()).toBe('2026-03-31T17:00:00.000Z');
    expect(new Date(periodBound('2026-03-31T12:00:00Z', zone, 'to')).toISOString()).toBe('2026-03-31T12:00:00.000Z');
  });

  it('cuts a period into its calendar months, the first and last clipped', () => {
    const zone = 'Asia/Ho_Chi_Minh';
    const months = monthsOf({ from: periodBound('2026-01-15', zone, 'from'), to: periodBound('2026-03-10', zone, 'to'), zone });
    expect(months.map((m) => [m.key, new Date(m.from).toISOString(), new Date(m.to).toISOString()])).toEqual([
      ['2026-01', '2026-01-14T17:00:00.000Z', '2026-01-31T17:00:00.000Z'],
      ['2026-02', '2026-01-31T17:00:00.000Z', '2026-02-28T17:00:00.000Z'],
      ['2026-03', '2026-02-28T17:00:00.000Z', '2026-03-10T17:00:00.000Z'],
    ]);
  });

  it('gives the overview the current month and the eleven before, and reports the last full quarter by default', () => {
    const now = Date.parse('2026-01-05T03:00:00Z'); // 5 January, 10:00 in Hà Nội
    const p = lastTwelveMonths(now, 'Asia/Ho_Chi_Minh');
    expect(new Date(p.from).toISOString()).toBe('2025-01-31T17:00:00.000Z'); // 1 February 2025, local midnight
    expect(monthsOf(p)).toHaveLength(12);
    expect(previousQuarter(now, 'Asia/Ho_Chi_Minh')).toEqual({ from: '2025-10-01', to: '2025-12-31' });
    expect(previousQuarter(Date.parse('2026-05-20T00:00:00Z'), 'Asia/Ho_Chi_Minh')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    // 31 December 18:00 UTC is already 1 January in Hà Nội: the fourth quarter has ended there
    expect(previousQuarter(Date.parse('2025-12-31T18:00:00Z'), 'Asia/Ho_Chi_Minh')).toEqual({ from: '2025-10-01', to: '2025-12-31' });
  });
});

describe('validThrough: a certificate valid until a day is valid through that day in its zone', () => {
  it('through its 23:59:59.999 (Vietnam, UTC+7: 16:59:59.999Z); a date-time as given', () => {
    const zone = 'Asia/Ho_Chi_Minh';
    expect(validThrough('2027-03-31', zone)).toBe('2027-03-31T16:59:59.999Z');
    expect(validThrough('2027-03-31T10:00:00+07:00', zone)).toBe('2027-03-31T10:00:00+07:00');
    expect(validThrough('2027-03-31', 'UTC')).toBe('2027-03-31T23:59:59.999Z');
    // "valid until 31/03/2027", read on its last day at 10:00 in Hà Nội (03:00Z): still valid; at 00:30 on 1 April, expired
    const cert = {
      kind: 'verification' as const,
      number: 'V-1',
      issuedBy: 'TĐC',
      issuedAt: '2026-04-01',
      validUntil: validThrough('2027-03-31', zone),
    };
    expect(verificationState([cert], Date.parse('2027-03-31T03:00:00Z'), 30, 12).state).toBe('due-soon');
    expect(verificationState([cert], Date.parse('2027-03-31T17:30:00Z'), 30, 12).state).toBe('expired');
    // issued 01/04/2026 and valid until 31/03/2027 or through 01/04/2027: twelve months, not capped
    expect(effectiveVerificationDue({ ...cert, validUntil: validThrough('2027-04-01', zone) }, 12)).toMatchObject({ capped: false });
    expect(effectiveVerificationDue({ ...cert, validUntil: validThrough('2027-04-02', zone) }, 12)).toMatchObject({ capped: true });
  });
});

describe('validFrom: a certificate issued on a day counts from the start of that day in its zone', () => {
  const zone = 'Asia/Ho_Chi_Minh';
  it('a date alone: its 00:00 there, written with the offset so that it still reads as its day', () => {
    expect(validFrom('2026-04-01', zone)).toBe('2026-04-01T00:00:00.000+07:00');
    expect(Date.parse(validFrom('2026-04-01', zone))).toBe(Date.parse('2026-03-31T17:00:00Z'));
    expect(validFrom('2026-04-01', 'UTC')).toBe('2026-04-01T00:00:00.000+00:00');
    // Berlin on the day clocks go forward (29 March 2026): midnight is still +01:00
    expect(validFrom('2026-03-29', 'Europe/Berlin')).toBe('2026-03-29T00:00:00.000+01:00');
    expect(validFrom('2026-07-01', 'America/New_York')).toBe('2026-07-01T00:00:00.000-04:00');
  });

  it("a date-time with a zone is the same instant at the zone's offset; one without a zone is that wall-clock time in the zone (not the server's)", () => {
    expect(validFrom('2026-04-01T09:30:00Z', zone)).toBe('2026-04-01T16:30:00.000+07:00');
    expect(validFrom('2026-03-31T20:00:00Z', zone)).toBe('2026-04-01T03:00:00.000+07:00'); // 1 April in Vietnam
    expect(validFrom('2026-04-01T09:30:00+09:00', zone)).toBe('2026-04-01T07:30:00.000+07:00');
    expect(validFrom('2026-04-01T09:30:00.000+07:00', zone)).toBe('2026-04-01T09:30:00.000+07:00');
    expect(validFrom('not a date', zone)).toBe('not a date');
    expect(validFrom('2026-04-01T09:30:00', zone)).toBe('2026-04-01T09:30:00.000+07:00');
    expect(validFrom('2026-04-01 09:30', zone)).toBe('2026-04-01T09:30:00.000+07:00');
    expect(validThrough('2027-03-31T23:00:00', zone)).toBe('2027-03-31T23:00:00.000+07:00');
    expect(validThrough('2027-03-31 23:00:00.5', 'UTC')).toBe('2027-03-31T23:00:00.500+00:00');
    // a report's bound too: 08:00 in Hà Nội, not in the server's zone
    expect(periodBound('2026-04-01T08:00', zone, 'from')).toBe(Date.parse('2026-04-01T01:00:00Z'));
  });

  it('the legal interval of a certificate issued "2026-04-01" in Vietnam ends with 1 April 2027 there', () => {
    const cert = {
      kind: 'verification' as const,
      number: 'V-2',
      issuedBy: 'TĐC',
      issuedAt: validFrom('2026-04-01', zone),
      validUntil: validThrough('2028-04-01', zone),
    };
    expect(effectiveVerificationDue(cert, 12)).toMatchObject({ capped: true, dueAt: validThrough('2027-04-01', zone) });
    // a reading at 05:00 on the day of issue (22:00Z the day before) is under it
    expect(verificationState([cert], Date.parse('2026-03-31T22:00:00Z'), 30, 12).state).toBe('valid');
  });

  it('a certificate issued at an instant in UTC ends its legal interval on that day in Vietnam, not in UTC', () => {
    // issued 2026-06-01T00:00:00Z = 07:00 on 1 June in Vietnam; 6 months (a gas detector) → valid through
    // 1 December there: 23:59:59.999 +07:00 = 2026-12-01T16:59:59.999Z (it was 23:59:59.999Z, 7 h more).
    const cert = {
      kind: 'verification' as const,
      number: 'G-6',
      issuedBy: 'TĐC',
      issuedAt: validFrom('2026-06-01T00:00:00Z', zone),
      validUntil: validThrough('2027-06-01', zone),
    };
    const due = effectiveVerificationDue(cert, 6);
    expect(due).toMatchObject({ capped: true, dueAt: '2026-12-01T16:59:59.999Z' });
    expect(due!.warning).toContain('the instrument is due on 2026-12-01 (issued 2026-06-01 + 6 months)');
    expect(verificationState([cert], Date.parse('2026-12-01T17:00:00Z'), 30, 6).state).toBe('expired');
  });
});

describe("asOfReading: when a report's figures stand, as a reader takes it", () => {
  const zone = 'Asia/Ho_Chi_Minh';
  it("reads a period's exclusive end, 00:00 on 1 April, as the end of 31 March", () => {
    expect(asOfReading(periodBound('2026-03-31', zone, 'to'), zone)).toEqual({ endOf: '2026-03-31' });
    expect(asOfReading(Date.parse('2025-12-31T17:00:00Z'), zone)).toEqual({ endOf: '2025-12-31' });
  });

  it('reads any other instant (a report taken before its period ended) as its day and time in the zone', () => {
    expect(asOfReading(Date.parse('2026-03-15T05:00:37Z'), zone)).toEqual({ day: '2026-03-15', time: '12:00' });
    expect(asOfReading(Date.parse('2026-03-31T16:59:59.999Z'), zone)).toEqual({ day: '2026-03-31', time: '23:59' });
  });

  it("takes the zone's own midnight: Berlin's in summer time is 22:00 UTC", () => {
    expect(asOfReading(Date.parse('2026-06-30T22:00:00Z'), 'Europe/Berlin')).toEqual({ endOf: '2026-06-30' });
    expect(asOfReading(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toEqual({ day: '2026-07-01', time: '02:00' });
  });
});

describe('timeProblem: a date or date-time the API takes, or why not (Date.parse moved 2026-02-30 to 2 March)', () => {
  it('takes real calendar days and times of 1970–9999, with or without seconds and a zone', () => {
    for (const ok of [
      '2024-02-29', // 2024 is a leap year
      '2000-02-29', // so is 2000 (divisible by 400)
      '2026-12-31T23:59:59+07:00',
      '2026-12-31T23:59:59.999999999Z',
      '2026-01-01T06:00',
      '2026-01-01 06:00',
      '2026-01-01T06:00+0700',
      '2026-01-01T06:00-12:00',
      '1970-01-01',
      '9999-12-31',
      '9999-12-31T23:59:59.999Z',
    ])
      expect(timeProblem(ok), ok).toBeUndefined();
  });

  it('names what is wrong: the day, the year, the time, the zone, the form', () => {
    expect(timeProblem('2026-02-29')).toBe('is not a calendar date: February 2026 has 28 days');
    expect(timeProblem('1900-02-29')).toBe('must have a year from 1970 to 9999');
    expect(timeProblem('2100-02-29')).toBe('is not a calendar date: February 2100 has 28 days'); // divisible by 100, not by 400
    expect(timeProblem('2026-04-31')).toBe('is not a calendar date: April 2026 has 30 days');
    expect(timeProblem('2026-00-10')).toBe('is not a calendar date: months run from 01 to 12');
    expect(timeProblem('2026-01-00')).toBe('is not a calendar date: January 2026 has 31 days');
    expect(timeProblem('0001-01-01')).toBe('must have a year from 1970 to 9999'); // Date.UTC read it as 1901
    expect(timeProblem('1969-12-31')).toBe('must have a year from 1970 to 9999');
    expect(timeProblem('2026-01-01T24:00')).toMatch(/^is not a time of day: hours run from 00 to 23/);
    expect(timeProblem('2026-01-01T10:60')).toBe('is not a time of day: minutes and seconds run from 00 to 59');
    expect(timeProblem('2026-01-01T10:00:60Z')).toBe('is not a time of day: minutes and seconds run from 00 to 59');
    expect(timeProblem('2026-01-01T10:00+14:30')).toBe('has a zone offset that no zone has: offsets run from -12:00 to +14:00');
    expect(timeProblem('2026-01-01T10:00-13:00')).toBe('has a zone offset that no zone has: offsets run from -12:00 to +14:00');
    expect(timeProblem('9999-12-31T23:00-05:00')).toBe('must be at most 9999-12-31T23:59:59.999Z'); // UTC's year 10000
    for (const garbled of [
      'Thu 2026-01-01',
      '2026-01-01 (Thu)',
      '99999-01-01',
      '+002026-01-01',
      '2026-1-1',
      '01/02/2026',
      '2026-01-01T06',
      '2026-01-01T06:00+07',
      ' 2026-01-01',
      '2026-01-01Z',
      '',
    ])
      expect(timeProblem(garbled), garbled).toMatch(/^must be an ISO 8601 date \(YYYY-MM-DD: 2026-03-31\) or date-time/);
  });

  it('writes the time with T, Z and ±hh:mm, as the rest of the code reads it', () => {
    expect(canonicalTime('2026-01-01 06:00z')).toBe('2026-01-01T06:00Z');
    expect(canonicalTime('2026-01-01t06:00:05.5+0700')).toBe('2026-01-01T06:00:05.5+07:00');
    expect(canonicalTime('2026-01-01')).toBe('2026-01-01');
    // as written, so a certificate's validUntil with a zone is stored as sent
    expect(canonicalTime('2026-12-31T23:59:59+07:00')).toBe('2026-12-31T23:59:59+07:00');
    expect(validFrom(canonicalTime('2026-01-01 06:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-01-01T13:00:00.000+07:00');
  });

  it('"no end" (9999-12-31) west of UTC stays a year-9999 instant (toISOString wrote +010000-…)', () => {
    expect(validThrough('9999-12-31', 'America/New_York')).toBe('9999-12-31T23:59:59.999Z');
    expect(validThrough('9999-12-31', 'Asia/Ho_Chi_Minh')).toBe('9999-12-31T16:59:59.999Z');
  });
});

// Wall-clock times → instants with Intl. Expected instants are computed by hand from the zones'
// rules (IANA tz database): Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving time since
// 1975); Europe/Berlin is UTC+1 (CET) and UTC+2 (CEST) from the last Sunday of March 01:00 UTC
// to the last Sunday of October 01:00 UTC — in 2026, 29 March and 25 October.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTimeZone, offsetAt, utcFields, zonedToInstant } from './time-zone.ts';

const local = (s: string) => Date.parse(s + 'Z'); // the wall-clock time's fields, as if UTC
const HOUR = 3_600_000;

describe('zonedToInstant', () => {
  it('Asia/Ho_Chi_Minh: local − 7 h, all year', () => {
    // 2026-12-03 10:00 at UTC+7 is 03:00 UTC; 2026-07-01 00:30 at UTC+7 is 2026-06-30 17:30 UTC
    expect(zonedToInstant('Asia/Ho_Chi_Minh', local('2026-12-03T10:00:00'))).toEqual({ kind: 'instant', ms: Date.parse('2026-12-03T03:00:00Z') });
    expect(zonedToInstant('Asia/Ho_Chi_Minh', local('2026-07-01T00:30:00.250'))).toEqual({ kind: 'instant', ms: Date.parse('2026-06-30T17:30:00.250Z') });
    expect(offsetAt('Asia/Ho_Chi_Minh', Date.parse('2026-03-29T01:00:00Z'))).toBe(7 * HOUR);
  });

  it('Europe/Berlin: − 1 h in winter, − 2 h in summer', () => {
    // 2026-01-15 12:00 CET (UTC+1) = 11:00 UTC; 2026-07-01 12:00 CEST (UTC+2) = 10:00 UTC
    expect(zonedToInstant('Europe/Berlin', local('2026-01-15T12:00:00'))).toEqual({ kind: 'instant', ms: Date.parse('2026-01-15T11:00:00Z') });
    expect(zonedToInstant('Europe/Berlin', local('2026-07-01T12:00:00'))).toEqual({ kind: 'instant', ms: Date.parse('2026-07-01T10:00:00Z') });
  });

  it('Europe/Berlin, 29 March 2026: 01:59:59 is CET, 02:00–02:59 do not exist, 03:00 is CEST', () => {
    // clocks go from 02:00 CET (01:00 UTC) to 03:00 CEST
    expect(zonedToInstant('Europe/Berlin', local('2026-03-29T01:59:59'))).toEqual({ kind: 'instant', ms: Date.parse('2026-03-29T00:59:59Z') });
    expect(zonedToInstant('Europe/Berlin', local('2026-03-29T02:00:00'))).toEqual({ kind: 'skipped' });
    expect(zonedToInstant('Europe/Berlin', local('2026-03-29T02:30:00'))).toEqual({ kind: 'skipped' });
    expect(zonedToInstant('Europe/Berlin', local('2026-03-29T03:00:00'))).toEqual({ kind: 'instant', ms: Date.parse('2026-03-29T01:00:00Z') });
  });

  it('Europe/Berlin, 25 October 2026: 02:00–02:59 happen twice (CEST, then CET)', () => {
    // clocks go from 03:00 CEST (01:00 UTC) back to 02:00 CET: 02:30 is 00:30 UTC and 01:30 UTC
    expect(zonedToInstant('Europe/Berlin', local('2026-10-25T01:59:59'))).toEqual({ kind: 'instant', ms: Date.parse('2026-10-24T23:59:59Z') });
    expect(zonedToInstant('Europe/Berlin', local('2026-10-25T02:30:00'))).toEqual({
      kind: 'repeated',
      earlier: Date.parse('2026-10-25T00:30:00Z'),
      later: Date.parse('2026-10-25T01:30:00Z'),
    });
    expect(zonedToInstant('Europe/Berlin', local('2026-10-25T03:00:00'))).toEqual({ kind: 'instant', ms: Date.parse('2026-10-25T02:00:00Z') });
  });

  it('every instant is found again from the wall-clock time the zone shows at it', () => {
    const zones = ['Asia/Ho_Chi_Minh', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2060-01-01T00:00:00Z') }), (zone, t) => {
        const at = zonedToInstant(zone, t + offsetAt(zone, t));
        expect(at.kind === 'instant' ? [at.ms] : at.kind === 'repeated' ? [at.earlier, at.later] : []).toContain(t);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isTimeZone', () => {
  it('knows IANA names and refuses the rest', () => {
    for (const z of ['Asia/Ho_Chi_Minh', 'Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT-7']) expect(isTimeZone(z), z).toBe(true);
    for (const z of ['', 'Mars/Olympus_Mons', '+07:00', 'GMT+7 ', 'Asia/Ho Chi Minh', '../etc/passwd']) expect(isTimeZone(z), z).toBe(false);
  });
});

describe('utcFields', () => {
  it('keeps years below 100 (Date.UTC would read 50 as 1950)', () => {
    expect(new Date(utcFields(50, 3, 1, 0, 0, 0, 0)).toISOString()).toBe('0050-03-01T00:00:00.000Z');
  });
});

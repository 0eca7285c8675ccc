// Periods of the inspector's figures: calendar months and days in the authority's time zone
// (MAG_DEFAULT_TIME_ZONE, Asia/Ho_Chi_Minh by default), as instants. Pure: the time is an argument.
import { offsetAt, zonedToInstant } from '../ingest/time-zone.ts';

export const DAY_MS = 86_400_000;

/** [from, to) in epoch ms, the figures taken as of `asOf` (≤ to), months and days in `zone`. */
export interface Period {
  from: number;
  to: number;
  asOf: number;
  zone: string;
}

/** A calendar month of the zone, clipped to the period: from ≤ t < to. */
export interface Month {
  /** YYYY-MM */
  key: string;
  from: number;
  to: number;
}

/** The zone's calendar date (year, month 1–12, day) at instant t. */
export function localDate(zone: string, t: number): { year: number; month: number; day: number } {
  const d = new Date(t + offsetAt(zone, t));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant the zone's day year-month-day starts (month may run past 12 or below 1: it carries).
 * A midnight the zone skips (clocks forward at 00:00) starts the day at the first minute that exists.
 */
export function startOfLocalDay(zone: string, year: number, month: number, day: number): number {
  const local = utcOf(year, month - 1, day);
  for (let shift = 0; shift <= 3 * 3_600_000; shift += 60_000) {
    const r = zonedToInstant(zone, local + shift);
    if (r.kind === 'instant') return r.ms;
    if (r.kind === 'repeated') return r.earlier;
  }
  throw new Error(`no start of ${year}-${month}-${day} in ${zone}`);
}

/** The calendar months overlapping [from, to), each clipped to it; oldest first. */
export function monthsOf(p: Pick<Period, 'from' | 'to' | 'zone'>): Month[] {
  const out: Month[] = [];
  if (!(p.to > p.from)) return out;
  let { year, month } = localDate(p.zone, p.from);
  for (;;) {
    const start = startOfLocalDay(p.zone, year, month, 1);
    if (start >= p.to) return out;
    const end = startOfLocalDay(p.zone, year, month + 1, 1);
    out.push({ key: `${year}-${String(month).padStart(2, '0')}`, from: Math.max(start, p.from), to: Math.min(end, p.to) });
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

/** The overview's period: the current month and the eleven before it, up to now. */
export function lastTwelveMonths(now: number, zone: string): Period {
  const { year, month } = localDate(zone, now);
  return { from: startOfLocalDay(zone, year, month - 11, 1), to: now, asOf: now, zone };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Epoch ms of a UTC calendar time (month 0–11; it carries as Date.UTC's does). Not Date.UTC, which
 * reads years 0–99 as 1900–1999: 0001-01-01 became 1901.
 */
function utcOf(year: number, month0: number, day: number, h = 0, min = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  d.setUTCHours(h, min, s, ms);
  return d.getTime();
}

/** The years a time given to the API may name: epoch ms are counted from 1970 (and the stores' ISO strings end with 9999). */
export const FIRST_YEAR = 1970;
export const LAST_YEAR = 9999;
/** 9999-12-31T23:59:59.999Z: later instants are written +010000-… by toISOString and sort before every other ISO string. */
export const LAST_INSTANT = 253_402_300_799_999;

/** A date alone or a date-time as the API takes them (ISO 8601): T or a space between date and time, seconds and a zone optional. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|([+-])(\d{2}):?(\d{2}))?)?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const TIME_FORMS = 'must be an ISO 8601 date (YYYY-MM-DD: 2026-03-31) or date-time (2026-03-31T08:30, 2026-03-31T08:30:00+07:00, 2026-03-31T01:30:00Z)';

/** Days of a month of the proleptic Gregorian calendar (month 1–12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Why `value` is not a time the API reads, as a phrase that follows the field's name ("is not a
 * calendar date: February 2026 has 28 days"); undefined when it is one. Accepted: a date alone
 * (YYYY-MM-DD) or a date-time (T or a space, hh:mm, seconds and up to 9 decimals optional, a zone
 * `Z` or ±hh:mm / ±hhmm optional), a real calendar day and time of a year from FIRST_YEAR to
 * LAST_YEAR, nothing before or after. Not Date.parse, which moves 2026-02-30 to 2 March, reads
 * "Thu 2026-01-01" and takes years of five digits.
 */
export function timeProblem(value: string): string | undefined {
  const m = ISO_TIME.exec(value);
  if (!m) return TIME_FORMS;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < FIRST_YEAR || year > LAST_YEAR) return `must have a year from ${FIRST_YEAR} to ${LAST_YEAR}`;
  if (month < 1 || month > 12) return 'is not a calendar date: months run from 01 to 12';
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) return `is not a calendar date: ${MONTHS[month - 1]} ${year} has ${days} days`;
  if (m[4] === undefined) return undefined;
  if (Number(m[4]) > 23) return 'is not a time of day: hours run from 00 to 23 (the end of a day is 00:00 of the next)';
  if (Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return 'is not a time of day: minutes and seconds run from 00 to 59';
  if (m[9] !== undefined) {
    const minutes = Number(m[10]) * 60 + Number(m[11]);
    if (Number(m[11]) > 59 || minutes > (m[9] === '+' ? 14 * 60 : 12 * 60)) return 'has a zone offset that no zone has: offsets run from -12:00 to +14:00';
  }
  if (m[8] !== undefined && Date.parse(canonicalTime(value)) > LAST_INSTANT) return 'must be at most 9999-12-31T23:59:59.999Z';
  return undefined;
}

/**
 * A time timeProblem accepts, written as the rest of the code reads it: T between date and time,
 * `Z` upper case, an offset ±hh:mm (validFrom and validThrough keep an instant with a zone as given).
 */
export function canonicalTime(value: string): string {
  const m = ISO_TIME.exec(value);
  if (!m || m[4] === undefined) return value;
  const zone = m[8] === undefined ? '' : m[9] === undefined ? 'Z' : `${m[9]}${m[10]}:${m[11]}`;
  const seconds = m[6] === undefined ? '' : `:${m[6]}${m[7] === undefined ? '' : `.${m[7]}`}`;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}${seconds}${zone}`;
}

/**
 * A period bound as given in a query string: a date-time is that instant; a date alone is a day
 * of the zone, from its start (`from`) or through its end (`to`: the start of the next day), so
 * from=2026-01-01&to=2026-03-31 is the first quarter, both days included.
 */
export function periodBound(value: string, zone: string, side: 'from' | 'to'): number {
  const m = DATE_ONLY.exec(value);
  if (!m) return Date.parse(inZone(value, zone)); // a date-time without a zone: the zone's wall clock
  return startOfLocalDay(zone, Number(m[1]), Number(m[2]), Number(m[3]) + (side === 'to' ? 1 : 0));
}

/**
 * A certificate's `validUntil` as given: a date alone (as printed on the certificate) is valid
 * through that day of the zone (its last millisecond), ISO 8601; a date-time without a zone is
 * that wall-clock time in the zone; with a zone, that instant. Read as UTC midnight, "valid until
 * 2027-03-31" lapsed at 07:00 on its last day in Vietnam, with the instrument's readings
 * unverified and its config locked out for the rest of the day.
 */
export function validThrough(value: string, zone: string): string {
  // 9999-12-31 (no end) west of UTC ends in UTC's year 10000, which toISOString writes +010000-…
  return DATE_ONLY.test(value) ? new Date(Math.min(periodBound(value, zone, 'to') - 1, LAST_INSTANT)).toISOString() : inZone(value, zone);
}

/**
 * A certificate's `issuedAt` as given: a date alone is the start of that day in the zone, written
 * with the zone's offset (`2026-04-01` → `2026-04-01T00:00:00.000+07:00`), so that it still reads
 * as its day wherever only the date is shown and the certificate's interval ends on the same day
 * of the zone (verification.ts takes the day from the offset: it has no zone); a date-time
 * without a zone is that wall-clock time in the zone; with a zone, the same instant written with the
 * zone's offset (its day in the zone is the certificate's day). Read as UTC midnight,
 * a certificate issued on 1 April counted from 07:00 in Vietnam: a market scale's readings from
 * 05:00 that day were unverified.
 */
export function validFrom(value: string, zone: string): string {
  const m = DATE_ONLY.exec(value);
  if (!m) {
    const local = inZone(value, zone);
    if (local !== value) return local;
    // An instant with a zone (Z, +00:00): the same instant at the enterprise's offset. The legal interval
    // ends on the day of issuedAt + months in the enterprise's zone, and verification.ts reads that day
    // from issuedAt's offset: a gas detector's certificate issued at 2026-06-01T00:00:00Z (07:00 in
    // Vietnam) was due at the end of 1 December UTC, 07:00 on 2 December in Vietnam.
    const t = Date.parse(value);
    return Number.isFinite(t) && ZONED.test(value) ? withOffset(t, offsetAt(zone, t)) : value;
  }
  const start = startOfLocalDay(zone, Number(m[1]), Number(m[2]), Number(m[3]));
  return withOffset(start, offsetAt(zone, start));
}

/** A date-time that states its zone: `Z` or a numeric offset. */
const ZONED = /T.*(?:Z|[+-]\d{2}:?\d{2})$/i;

const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/;

/** A date-time without a zone as that wall-clock time in the zone (with its offset; a skipped time: the same time after the shift, a repeated one: the earlier); anything else as given. */
function inZone(value: string, zone: string): string {
  const m = ZONELESS.exec(value);
  if (!m) return value;
  const local = utcOf(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(3, '0')));
  const r = zonedToInstant(zone, local);
  const t = r.kind === 'instant' ? r.ms : r.kind === 'repeated' ? r.earlier : local - offsetAt(zone, local - DAY_MS);
  return withOffset(t, offsetAt(zone, t));
}

/** ISO 8601 of instant `t` as the wall-clock time at `offset` ms east of UTC: `2026-04-01T00:00:00.000+07:00`. */
function withOffset(t: number, offset: number): string {
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  return `${new Date(t + offset).toISOString().slice(0, 23)}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A date alone (YYYY-MM-DD), as against a date-time. */
export function isDateOnly(value: string): boolean {
  return DATE_ONLY.test(value);
}

/** The zone's date of an instant as YYYY-MM-DD. */
export function localDay(zone: string, t: number): string {
  const d = localDate(zone, t);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** The last calendar quarter that has ended by `now`, as days of the zone (both included). */
export function previousQuarter(now: number, zone: string): { from: string; to: string } {
  const { year, month } = localDate(zone, now);
  const q = Math.floor((month - 1) / 3); // the current quarter, 0–3
  const y = q === 0 ? year - 1 : year;
  const first = q === 0 ? 10 : (q - 1) * 3 + 1;
  const lastDay = new Date(Date.UTC(y, first + 2, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return { from: `${y}-${pad(first)}-01`, to: `${y}-${pad(first + 2)}-${pad(lastDay)}` };
}

/** The zone's wall clock at instant t: its day (YYYY-MM-DD) and time to the minute (HH:mm). */
export function localDateTime(zone: string, t: number): { day: string; time: string } {
  const d = new Date(t + offsetAt(zone, t));
  return { day: d.toISOString().slice(0, 10), time: d.toISOString().slice(11, 16) };
}

/**
 * How the moment a report's figures stand at reads. A period's end is exclusive: the first
 * quarter's is 00:00 on 1 April, which a reader takes for 1 April itself, so an instant at the
 * start of a day of the zone reads as the end of the day before (`endOf: '2026-03-31'`); any other
 * (a report taken before its period ended: now) as its day and time in the zone.
 */
export function asOfReading(asOf: number, zone: string): { endOf: string } | { day: string; time: string } {
  const { year, month, day } = localDate(zone, asOf);
  if (startOfLocalDay(zone, year, month, day) === asOf) return { endOf: localDay(zone, asOf - 1) };
  return localDateTime(zone, asOf);
}

/** A day (YYYY-MM-DD) as Vietnamese official papers write it, and British English too: 31/03/2026. */
export function numericDate(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

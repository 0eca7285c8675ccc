// The fields of docs/contract.md §2 whose rules go beyond a type: times, tag values and nozzles.
// Each rule is a plain function answering the value or the reason it is refused, phrased to
// follow the field's name ("ts looks like …", "product holds …"); payloads.ts wraps them as zod
// schemas and field-errors.ts adds the field's name and what was received.
import { utcFields, zonedToInstant } from './time-zone.ts';

/** A refusal: why the value is not accepted, phrased after the field's name. */
export interface Refusal {
  refused: string;
}

const refuse = (refused: string): Refusal => ({ refused });
export const isRefusal = (x: unknown): x is Refusal => typeof x === 'object' && x !== null && 'refused' in x;

// ── times ──

/**
 * Epoch numbers below this are taken for seconds, not milliseconds: 1e11 ms is 1973-03-03,
 * 1e11 s the year 5138, so no reading of today is ambiguous.
 */
export const EPOCH_SECONDS_BELOW = 1e11;
/** Epoch numbers below this are before 2000-01-01 even as seconds (946,684,800 s): an unset clock. */
const UNSET_CLOCK_SECONDS_BELOW = 946_684_800;
/** Epoch numbers from this on are taken for microseconds or nanoseconds (1e14 ms is the year 5138). */
export const EPOCH_MICROSECONDS_FROM = 1e14;

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

const iso = (ms: number) => new Date(ms).toISOString();

/** What a time may be, for messages. */
export function acceptedTimes(timeZone: string): string {
  return `ISO 8601 with a zone (2026-11-21T08:00:00Z, 2026-11-21T15:00:00+07:00), a local time without a zone (2026-11-21 15:00:00, read in the tenant's time zone ${timeZone}) or epoch milliseconds (1795248000000 for 2026-11-21T08:00:00Z)`;
}

/** An epoch number → ms, or why it is refused. */
function epochMs(n: number): number | Refusal {
  if (!Number.isFinite(n)) return refuse('must be a finite number of epoch milliseconds');
  if (n < 0) return refuse('is before 1970: send epoch milliseconds or ISO 8601 with a zone');
  // Before 2000 read as seconds too (0, a few hours of uptime): neither reading fits, the clock is unset.
  if (n < UNSET_CLOCK_SECONDS_BELOW)
    return refuse(
      `is before the year 2000 read as epoch seconds or milliseconds: the device's clock looks unset; send the reading's time as epoch milliseconds or ISO 8601 with a zone`,
    );
  if (n < EPOCH_SECONDS_BELOW) {
    const asSeconds = Number.isFinite(n * 1000) ? ` (${iso(Math.round(n * 1000))})` : '';
    return refuse(
      `looks like epoch seconds${asSeconds}, not milliseconds (${iso(Math.trunc(n))}): send epoch milliseconds (${Math.round(n * 1000)}) or ISO 8601 with a zone`,
    );
  }
  if (n >= EPOCH_MICROSECONDS_FROM)
    return refuse(`looks like epoch microseconds or nanoseconds, not milliseconds (as milliseconds it is after the year 5000): send epoch milliseconds`);
  if (!Number.isInteger(n)) return refuse('must be a whole number of epoch milliseconds');
  return n;
}

/**
 * A device's time (`ts`) → epoch ms, or why it is refused. A string without a zone is a
 * wall-clock time in `timeZone` (the tenant's); one that the zone skips or repeats (daylight
 * saving time) is refused, since either instant could be wrong and a repeated one would
 * overwrite a reading of the same series.
 */
export function wireTime(v: unknown, timeZone: string): number | Refusal {
  if (typeof v === 'number') return epochMs(v);
  if (typeof v !== 'string') return refuse(`must be ${acceptedTimes(timeZone)}`);
  const m = ISO_TIME.exec(v);
  if (!m) return refuse(`must be ${acceptedTimes(timeZone)}`);
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const daysInMonth = month >= 1 && month <= 12 ? new Date(utcFields(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate() : 0;
  if (day < 1 || day > daysInMonth) return refuse(`is not a date of the calendar (month ${month}, day ${day})`);
  if (hour > 23 || minute > 59 || second > 59) return refuse(`is not a time of day (hours 00–23, minutes and seconds 00–59)`);
  const local = utcFields(year, month, day, hour, minute, second, ms);
  const zone = m[8];
  if (zone !== undefined) {
    if (zone === 'Z' || zone === 'z') return local;
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = digits.length > 3 ? Number(digits.slice(3, 5)) : 0;
    if (oh > 23 || om > 59) return refuse(`has an impossible UTC offset ${zone}`);
    return local - (zone[0] === '-' ? -1 : 1) * (oh * 3_600_000 + om * 60_000);
  }
  const at = zonedToInstant(timeZone, local);
  if (at.kind === 'instant') return at.ms;
  if (at.kind === 'skipped')
    return refuse(`is a local time that does not exist in the tenant's time zone ${timeZone} (clocks went forward over it): send the time with its UTC offset`);
  return refuse(
    `is a local time that happens twice in the tenant's time zone ${timeZone} (at ${iso(at.earlier)} and ${iso(at.later)}, clocks went back): send the time with its UTC offset`,
  );
}

// ── tag values (stored as InfluxDB tags: product, nozzle, gas, test point, …) ──

/** Longest tag value accepted, in characters (Unicode code points). */
export const TAG_VALUE_MAX = 128;

export const TAG_VALUE_ACCEPTED = `text of 1 to ${TAG_VALUE_MAX} characters in any script, spaces, commas and quotes included, without control characters`;

const CONTROL = /\p{Cc}/u;
/** With the u flag a surrogate pair is one code point: only an unpaired half matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const codePoint = (c: string) => 'U+' + c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');

/** A tag value as sent, or why it cannot be one. */
export function tagValue(v: unknown): string | Refusal {
  return typeof v === 'string' && isPlainTag(v) ? v : tagValueByRules(v);
}

/** tagValue, each rule in turn (tagValue answers the same, faster for printable ASCII: property-tested). */
export function tagValueByRules(v: unknown): string | Refusal {
  if (typeof v !== 'string') return refuse(`must be ${TAG_VALUE_ACCEPTED}`);
  if (v.length === 0) return refuse(`must not be empty: ${TAG_VALUE_ACCEPTED}`);
  if (LONE_SURROGATE.test(v)) return refuse('holds an unpaired UTF-16 surrogate, which is not text: send UTF-8 text');
  let n = 0;
  for (const c of v) {
    n++;
    if (CONTROL.test(c)) return refuse(`holds the control character ${codePoint(c)} at character ${n}: send ${TAG_VALUE_ACCEPTED}`);
  }
  if (n > TAG_VALUE_MAX) return refuse(`is ${n} characters long: at most ${TAG_VALUE_MAX} are accepted`);
  // InfluxDB 1.x reads a backslash before the separator after a tag as escaping it, doubled or not.
  if (v.endsWith('\\')) return refuse('ends with a backslash, which InfluxDB cannot store at the end of a tag value');
  return v;
}

/**
 * Printable ASCII of 1 to TAG_VALUE_MAX characters not ending with a backslash: a tag value as it
 * is, by the rules below, without a regular expression per character (a fuel dispenser's
 * transaction has its gas, nozzle and product checked several times over on the hot path).
 */
function isPlainTag(v: string): boolean {
  const n = v.length;
  if (n === 0 || n > TAG_VALUE_MAX || v.charCodeAt(n - 1) === 0x5c) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** A fuel-dispenser nozzle: its number or its name, stored as text (docs/contract.md §2). */
export function nozzle(v: unknown): string | Refusal {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return String(v);
    return refuse(`must be a nozzle number (a whole number from 0) or a nozzle name, ${TAG_VALUE_ACCEPTED}`);
  }
  if (typeof v === 'string') return tagValue(v);
  return refuse(`must be a nozzle number (a whole number from 0) or a nozzle name, ${TAG_VALUE_ACCEPTED}`);
}

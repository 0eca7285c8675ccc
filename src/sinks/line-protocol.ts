// InfluxDB line protocol (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/)
// for docs/contract.md §3 points, with millisecond timestamps. Shared by the v1 and v2 adapters.
//
// Escaping follows the official clients (influxdb-client-js, Telegraf):
// - measurement: `,` and space are backslash-escaped;
// - tag keys, tag values, field keys: `,`, `=` and space are backslash-escaped; any other
//   character, of any script, is written as it is (UTF-8);
// - string field values are double-quoted with `"` and `\` backslash-escaped;
// - other backslashes are written as they are: InfluxDB 1.x unescapes only `\,`, `\=`, `\ `
//   (so `a\,b` is written `a\\,b` and stored as `a\,b`), and keeps `\n` as those two characters.
//   A backslash at the END of a measurement, tag key/value or field key would escape the
//   separator after it, and InfluxDB 1.6 refuses it whether doubled or not (measured), so
//   such a point is a SinkRejectedError.
// - a control character (newline, tab, NUL, …) in a measurement, tag key/value or field key is
//   a SinkRejectedError: a raw newline ends the line, and InfluxDB has no escape for any of them
//   (it would store `\n` written for a newline as a backslash and an n). Devices' tag values
//   never hold one (ingest refuses them, wire-fields.ts).
// Tags with an empty key or value are left out (InfluxDB does not store empty tags).
// Tags and fields are written in key order, which InfluxDB recommends for write speed.
// Numbers are floats, except the INTEGER_FIELDS (`seq`), written with the `i` suffix.
// Anything that line protocol cannot carry (NaN, ±Infinity, a non-integer `seq`, a point
// without fields, a non-integer timestamp) is a SinkRejectedError naming the point, so the
// forwarder isolates and dead-letters that point instead of retrying it forever.

import { INTEGER_FIELDS, SinkRejectedError, type Point } from './sink.ts';

const MEASUREMENT_SPECIAL = /[, ]/;
const KEY_SPECIAL = /[, =]/;
const STRING_SPECIAL = /["\\]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function escapeWith(s: string, withEquals: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    switch (c) {
      case ',':
        out += '\\,';
        break;
      case ' ':
        out += '\\ ';
        break;
      case '=':
        out += withEquals ? '\\=' : '=';
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** Escapes a measurement name. */
export function escapeMeasurement(s: string): string {
  return MEASUREMENT_SPECIAL.test(s) ? escapeWith(s, false) : s;
}

/** Escapes a tag key, tag value or field key. */
export function escapeKey(s: string): string {
  return KEY_SPECIAL.test(s) ? escapeWith(s, true) : s;
}

/** A string field value, quoted. */
export function quoteString(s: string): string {
  return STRING_SPECIAL.test(s) ? '"' + s.replace(/["\\]/g, '\\$&') + '"' : '"' + s + '"';
}

function describe(p: Point, index: number): string {
  const device = p.tags?.device;
  return `point ${index} (${String(p.measurement)}${device ? ` device=${device}` : ''} ts=${String(p.ts)})`;
}

function fieldValue(p: Point, index: number, key: string, value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new SinkRejectedError(`${describe(p, index)}: field "${key}" is ${value}; InfluxDB cannot store NaN or Infinity`);
    }
    if (INTEGER_FIELDS.has(key)) {
      if (!Number.isSafeInteger(value)) {
        throw new SinkRejectedError(`${describe(p, index)}: integer field "${key}" is ${value}, not a safe integer`);
      }
      return value + 'i';
    }
    return String(value);
  }
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw new SinkRejectedError(`${describe(p, index)}: field "${key}" has unsupported type ${value === null ? 'null' : typeof value}`);
}

/** `s` unless it ends with a backslash (it would escape the separator after it) or holds a control character. */
function checkEnd(p: Point, index: number, what: string, s: string, tagKey?: string): string {
  const endsWithBackslash = s.charCodeAt(s.length - 1) === 92;
  if (!endsWithBackslash && !CONTROL.test(s)) return s;
  const label = tagKey === undefined ? what : `${what} ${tagKey}`;
  const problem = endsWithBackslash ? 'ends with a backslash' : 'holds a control character';
  throw new SinkRejectedError(`${describe(p, index)}: ${label} ${JSON.stringify(s)} ${problem}, which line protocol cannot carry`);
}

const ZEROS = '000000000';

/**
 * String(n) for a safe integer, without V8's double-to-text conversion for values beyond its
 * small integers (2^30): an epoch-millisecond time is one, and String() of it cost ~0.3 µs, a
 * twentieth of a gateway's time per reading. It is written as two small integers, the last nine
 * digits zero-padded. Anything but a safe integer is String(n).
 */
export function integerText(n: number): string {
  if (n >= 0 && n < 0x40000000 && (n | 0) === n) return String(n);
  if (!Number.isSafeInteger(n) || n < 0) return String(n);
  const high = Math.floor(n / 1e9);
  const low = String(n - high * 1e9);
  return String(high) + (low.length < 9 ? ZEROS.slice(low.length) + low : low);
}

/** One line (no trailing newline). Throws SinkRejectedError for a point line protocol cannot carry. */
export function pointToLine(p: Point, index = 0): string {
  if (p.line !== undefined) return p.line;
  if (typeof p.measurement !== 'string' || (p.measurement as string) === '') {
    throw new SinkRejectedError(`${describe(p, index)}: measurement is empty`);
  }
  if (!Number.isSafeInteger(p.ts)) {
    throw new SinkRejectedError(`${describe(p, index)}: ts must be an integer of epoch milliseconds`);
  }
  let line = escapeMeasurement(checkEnd(p, index, 'measurement', p.measurement));
  const tagKeys = Object.keys(p.tags ?? {}).sort();
  for (const k of tagKeys) {
    const v = p.tags[k];
    if (k === '' || v === undefined || v === null || v === '') continue;
    line += ',' + escapeKey(checkEnd(p, index, 'tag key', k)) + '=' + escapeKey(checkEnd(p, index, 'tag', String(v), k));
  }
  const fieldKeys = Object.keys(p.fields ?? {}).sort();
  let sep = ' ';
  for (const k of fieldKeys) {
    const v = p.fields[k];
    if (v === undefined) continue;
    if (k === '') throw new SinkRejectedError(`${describe(p, index)}: a field key is empty`);
    line += sep + escapeKey(checkEnd(p, index, 'field key', k)) + '=' + fieldValue(p, index, k, v);
    sep = ',';
  }
  if (sep === ' ') throw new SinkRejectedError(`${describe(p, index)}: a point needs at least one field`);
  return line + ' ' + integerText(p.ts);
}

/**
 * `measurement,tag=value,…` of a point, tags in key order, escaped as `pointToLine` does: the
 * start of every line of that series (producers cache it per series).
 */
export function seriesKey(measurement: Point['measurement'], tags: Record<string, string>): string {
  // The fields and ts of a throwaway point are irrelevant: only the part before the first unescaped space is kept.
  const line = pointToLine({ measurement, tags, fields: { _: 0 }, ts: 0 });
  return line.slice(0, line.length - ' _=0 0'.length);
}

/** Line protocol for `points`, one line each, `\n`-separated, ms timestamps. */
export function toLineProtocol(points: Point[]): string {
  if (points.length === 1) return pointToLine(points[0], 0);
  // a fuel transaction's two points (its reading and its transaction): no array to join
  if (points.length === 2) return `${pointToLine(points[0], 0)}\n${pointToLine(points[1], 1)}`;
  const lines = new Array<string>(points.length);
  for (let i = 0; i < points.length; i++) lines[i] = pointToLine(points[i], i);
  return lines.join('\n');
}

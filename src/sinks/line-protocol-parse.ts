// Over 400 lines: one character-level reader of every escaping rule of the format, kept together
// with the limits it proves against the writer.
// Reads InfluxDB line protocol back into docs/contract.md §3 points: the inverse of `pointToLine`
// (line-protocol.ts), used by the embedded sink for every line it stores and for dead letters.
//
// `parseLine(pointToLine(p))` equals `p` (tags with an empty value left out, as pointToLine
// leaves them out), and `pointToLine(parseLine(line)) === line` for every line pointToLine
// writes, with these limits, which come from the writer, not from this reader:
// - In a measurement, tag key/value or field key a backslash escapes only `,`, space (and `=`
//   outside the measurement), as InfluxDB 1.x reads it; any other backslash is a character of
//   its own, `\n` included (two characters, as InfluxDB stores them). `\\` is NOT an escaped
//   backslash there (pointToLine never doubles one): it is a literal backslash, and the second
//   backslash may escape what follows (`a\\,b` is `a\,b`). So text of any script, with
//   backslashes anywhere but at the end, reads back exactly as it was written: the embedded
//   store keeps a tag value as InfluxDB does.
// - Numbers are written with String(n), so -0 comes back as 0. `-0` written by hand reads as
//   -0 for a float and as 0 for an integer (`-0i`).
// - Integer fields (`1i`, and InfluxDB's unsigned `1u`) come back as plain numbers, like floats:
//   Point does not tell them apart (INTEGER_FIELDS does).
// - The measurement is not checked against MEASUREMENTS (a dead letter may carry any name).
// Beyond what pointToLine writes, it accepts what InfluxDB accepts in those places: the
// booleans t/T/true/True/TRUE and f/F/false/False/FALSE; floats as `1`, `1.`, `.5`, `-1.5e-3`,
// `1E+21`; a backslash in a string field value that is not before `"` or `\` kept as written.
// It refuses what pointToLine never writes and a Point cannot hold: an empty measurement, tag
// key/value or field key, an unescaped `=` in a tag value, a line without fields or without a
// timestamp, a timestamp or integer outside the safe integer range (nanosecond timestamps:
// a Point's ts is milliseconds), a repeated tag or field key, and anything after the timestamp.
//
// One left-to-right scan with charCodeAt/indexOf; a segment without a backslash is sliced,
// never rebuilt; integers, timestamps and decimals without exponent whose digits fit in 2^53
// are computed from the digits without a slice (see parseNumberAt).

//
// Over 400 lines on purpose: one hand-written scanner (the embedded sink reads every stored
// line through it), its escaping rules and their inverse properties documented in one place.
import type { Measurement, Point } from './sink.ts';

/**
 * A malformed line. `column` is 1-based, in UTF-16 code units, from the start of the point's
 * line; `line` (parseLines only) is the 1-based number of the text line where the point starts.
 */
export class LineProtocolSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'LineProtocolSyntaxError';
  }
}

const NL = 10;
const SP = 32;
const DQ = 34;
const COMMA = 44;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const EQ = 61;
const BS = 92;
const LOWER_E = 101;
const UPPER_E = 69;
const LOWER_I = 105;
const LOWER_U = 117;

/** Exact powers of ten (10^22 is the largest a double holds exactly). */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

// Scanner state. Parsing is synchronous, so module-level state is safe, and it spares an
// object per segment.
/** Set by scanKey: the segment it scanned holds a backslash (so it needs unescaping). */
let escaped = false;
/** Where the current line starts in the text (for columns). */
let lineStart = 0;
/** parseLines is running: messages name the line number. */
let multi = false;
/** After parsePoint: the index just past the timestamp. */
let pos = 0;

function fail(s: string, at: number, problem: string): never {
  const column = at - lineStart + 1;
  let line: number | undefined;
  if (multi) {
    line = 1;
    for (let i = s.indexOf('\n'); i !== -1 && i < lineStart; i = s.indexOf('\n', i + 1)) line++;
  }
  let end = s.indexOf('\n', lineStart);
  if (end === -1) end = s.length;
  const text = end - lineStart > 160 ? s.slice(lineStart, lineStart + 160) + '…' : s.slice(lineStart, end);
  const where = line === undefined ? `column ${column}` : `line ${line}, column ${column}`;
  throw new LineProtocolSyntaxError(`invalid line protocol at ${where}: ${problem}; in ${JSON.stringify(text)}`, column, line);
}

/**
 * Scans a measurement, tag key, tag value or field key from `i` and returns the index of the
 * character that ends it: an unescaped `,` or space, an unescaped `=` when `equalsEnds`, a
 * newline, or the end of the text. A backslash escapes a following `,`, `=` or space; any
 * other backslash is a character of its own.
 */
function scanKey(s: string, i: number, equalsEnds: boolean): number {
  const len = s.length;
  escaped = false;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c > EQ) {
      if (c === BS) {
        escaped = true;
        const n = s.charCodeAt(i + 1);
        i += n === COMMA || n === SP || n === EQ ? 2 : 1;
      } else {
        i++;
      }
    } else if (c === COMMA || c === SP || c === NL || (c === EQ && equalsEnds)) {
      return i;
    } else {
      i++;
    }
  }
  return len;
}

/** The text of a segment holding backslashes: `\,` `\ ` (`\=` unless a measurement) decoded, other backslashes kept. */
function unescapeKey(s: string, start: number, end: number, measurement: boolean): string {
  // charCodeAt, not indexOf: indexOf would run on past `end` through the rest of a batch.
  let out = '';
  let from = start;
  for (let b = start; b < end; b++) {
    if (s.charCodeAt(b) !== BS) continue;
    const n = s.charCodeAt(b + 1);
    let decoded: string | undefined;
    if (n === COMMA) decoded = ',';
    else if (n === SP) decoded = ' ';
    else if (n === EQ) decoded = measurement ? undefined : '=';
    if (decoded !== undefined) {
      out += s.slice(from, b) + decoded;
      from = b + 2;
      b++;
    }
  }
  return out + s.slice(from, end);
}

/** The text of a quoted string value (between the quotes) holding backslashes: `\"` and `\\` decoded, others kept. */
function unescapeString(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let b = start; b < end; b++) {
    if (s.charCodeAt(b) !== BS) continue;
    const n = s.charCodeAt(b + 1);
    if (n === DQ || n === BS) {
      out += s.slice(from, b);
      from = b + 1; // keep the escaped character, drop the backslash
      b++;
    }
  }
  return out + s.slice(from, end);
}

/** `key` → `value` on `obj`, refusing a repeated key; `__proto__` becomes an own property. */
function put(obj: Record<string, unknown>, key: string, value: unknown, s: string, at: number, what: string): void {
  if (obj[key] !== undefined && Object.hasOwn(obj, key)) fail(s, at, `${what} ${JSON.stringify(key)} appears twice`);
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The raw text of a field value from `i` to the next `,`, space or newline, for messages. */
function rawValue(s: string, i: number): string {
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === COMMA || c === SP || c === NL) break;
    j++;
  }
  return JSON.stringify(j - i > 40 ? s.slice(i, i + 40) + '…' : s.slice(i, j));
}

function isValueEnd(c: number): boolean {
  // NaN (end of text) counts as an end too
  return c === COMMA || c === SP || c === NL || c !== c;
}

/** Sets `pos` past the number at `i` and returns it. Floats, or integers with an `i`/`u` suffix. */
function parseNumberAt(s: string, i: number, key: string): number {
  const start = i;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === MINUS) {
    neg = true;
    c = s.charCodeAt(++i);
  }
  // Integer part, accumulated: exact while below 2^53, and >= 2^53 once the true value is.
  let m = 0;
  const intStart = i;
  while (c >= ZERO && c <= NINE) {
    m = m * 10 + (c - ZERO);
    c = s.charCodeAt(++i);
  }
  const intDigits = i - intStart;
  if (c === LOWER_I || c === LOWER_U) {
    if (intDigits === 0) fail(s, start, `field ${JSON.stringify(key)} has an invalid integer ${rawValue(s, start)}`);
    if (c === LOWER_U && neg) fail(s, start, `field ${JSON.stringify(key)} has a negative unsigned integer ${rawValue(s, start)}`);
    if (!isValueEnd(s.charCodeAt(i + 1))) fail(s, start, `field ${JSON.stringify(key)} has an invalid integer ${rawValue(s, start)}`);
    if (m > Number.MAX_SAFE_INTEGER) {
      fail(s, start, `integer field ${JSON.stringify(key)} is ${rawValue(s, start)}, outside the safe integer range of a JavaScript number`);
    }
    pos = i + 1;
    return neg && m !== 0 ? -m : m;
  }
  let fracDigits = 0;
  if (c === DOT) {
    c = s.charCodeAt(++i);
    const fracStart = i;
    while (c >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      c = s.charCodeAt(++i);
    }
    fracDigits = i - fracStart;
  }
  if (intDigits + fracDigits === 0) fail(s, start, `field ${JSON.stringify(key)} has an invalid value ${rawValue(s, start)}`);
  let exponent = false;
  if (c === LOWER_E || c === UPPER_E) {
    exponent = true;
    c = s.charCodeAt(++i);
    if (c === PLUS || c === MINUS) c = s.charCodeAt(++i);
    const expStart = i;
    while (c >= ZERO && c <= NINE) c = s.charCodeAt(++i);
    if (i === expStart) fail(s, start, `field ${JSON.stringify(key)} has a number with an empty exponent ${rawValue(s, start)}`);
  }
  if (!isValueEnd(c)) {
    const what = c === LOWER_I || c === LOWER_U ? 'integer (digits only before the suffix)' : 'value';
    fail(s, start, `field ${JSON.stringify(key)} has an invalid ${what} ${rawValue(s, start)}`);
  }
  pos = i;
  // Clinger's fast path: digits and power of ten both exact doubles, so one division is
  // correctly rounded, the same double as Number(text).
  if (!exponent && fracDigits <= 22 && m <= Number.MAX_SAFE_INTEGER) {
    const v = fracDigits === 0 ? m : m / POW10[fracDigits];
    return neg ? -v : v;
  }
  return Number(s.slice(start, i));
}

/** Sets `pos` past the boolean at `i` and returns it. */
function parseBooleanAt(s: string, i: number, key: string): boolean {
  let j = i;
  while (!isValueEnd(s.charCodeAt(j))) j++;
  pos = j;
  switch (s.slice(i, j)) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  return fail(s, i, `field ${JSON.stringify(key)} has an invalid value ${rawValue(s, i)}`);
}

/** Sets `pos` past the closing quote of the string value whose opening quote is at `i`. */
function parseStringAt(s: string, i: number, key: string): string {
  const start = i + 1;
  let hasBackslash = false;
  let q = s.indexOf('"', start);
  // Look for backslashes only up to the next quote (indexOf('\\') would search the rest of a
  // batch): one before it may escape it, and then the closing quote is further on.
  for (let j = start; ; ) {
    if (q === -1) fail(s, i, `the string value of field ${JSON.stringify(key)} has no closing quote`);
    let b = j;
    while (b < q && s.charCodeAt(b) !== BS) b++;
    if (b === q) break;
    hasBackslash = true;
    const n = s.charCodeAt(b + 1);
    j = n === DQ || n === BS ? b + 2 : b + 1;
    if (q < j) q = s.indexOf('"', j);
  }
  pos = q + 1;
  return hasBackslash ? unescapeString(s, start, q) : s.slice(start, q);
}

/**
 * The point whose line starts at `lineStart`; sets `pos` just past its timestamp.
 * One function of ~90 lines on purpose: a single pass over the line's characters with the
 * scanner's position in module state (no allocation per token), read by the embedded sink for
 * every stored line; split, each part would pass the position back and forth.
 */
function parsePoint(s: string): Point {
  const len = s.length;
  const start = lineStart;

  // measurement
  let i = scanKey(s, start, false);
  if (i === start) fail(s, start, start >= len || s.charCodeAt(start) === NL ? 'the line is empty' : 'the measurement is empty');
  const measurement = (escaped ? unescapeKey(s, start, i, true) : s.slice(start, i)) as Measurement;

  // tags
  const tags: Record<string, string> = {};
  let c = s.charCodeAt(i);
  while (c === COMMA) {
    const keyStart = i + 1;
    const keyEnd = scanKey(s, keyStart, true);
    if (keyEnd === keyStart) fail(s, keyStart, 'a tag key is empty');
    const keyEscaped = escaped;
    if (s.charCodeAt(keyEnd) !== EQ) {
      fail(s, keyEnd, `tag key ${JSON.stringify(s.slice(keyStart, keyEnd))} has no "=" and value`);
    }
    const key = keyEscaped ? unescapeKey(s, keyStart, keyEnd, false) : s.slice(keyStart, keyEnd);
    const valueStart = keyEnd + 1;
    i = scanKey(s, valueStart, true);
    c = s.charCodeAt(i);
    if (i === valueStart) fail(s, valueStart, `tag ${JSON.stringify(key)} has an empty value`);
    if (c === EQ) fail(s, i, `the value of tag ${JSON.stringify(key)} has an unescaped "="`);
    if (c !== COMMA && c !== SP) fail(s, i, `the line ends after tag ${JSON.stringify(key)}, without fields`);
    put(tags, key, escaped ? unescapeKey(s, valueStart, i, false) : s.slice(valueStart, i), s, keyStart, 'tag key');
  }
  if (c !== SP) fail(s, i, 'the line ends after the measurement, without fields');

  // fields
  const fields: Record<string, number | string | boolean> = {};
  i++;
  for (;;) {
    const keyStart = i;
    const keyEnd = scanKey(s, keyStart, true);
    if (keyEnd === keyStart) {
      fail(s, keyStart, keyStart >= len || s.charCodeAt(keyStart) === NL ? 'the line has no fields' : 'a field key is empty');
    }
    if (s.charCodeAt(keyEnd) !== EQ) {
      fail(s, keyEnd, `field key ${JSON.stringify(s.slice(keyStart, keyEnd))} has no "=" and value`);
    }
    const key = escaped ? unescapeKey(s, keyStart, keyEnd, false) : s.slice(keyStart, keyEnd);
    const valueStart = keyEnd + 1;
    const first = s.charCodeAt(valueStart);
    let value: number | string | boolean;
    if (first === DQ) value = parseStringAt(s, valueStart, key);
    else if (first === 116 || first === 102 || first === 84 || first === 70)
      value = parseBooleanAt(s, valueStart, key); // t f T F
    else if (isValueEnd(first)) fail(s, valueStart, `field ${JSON.stringify(key)} has no value`);
    else value = parseNumberAt(s, valueStart, key);
    put(fields, key, value, s, keyStart, 'field key');
    i = pos;
    c = s.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === SP) break;
    if (c === NL || i >= len) fail(s, i, 'the line has no timestamp');
    fail(s, i, `unexpected ${JSON.stringify(s[i])} after the value of field ${JSON.stringify(key)}`);
  }

  // timestamp: integer epoch milliseconds
  const tsStart = ++i;
  let neg = false;
  c = s.charCodeAt(i);
  if (c === MINUS) {
    neg = true;
    c = s.charCodeAt(++i);
  }
  let ts = 0;
  const digitsStart = i;
  while (c >= ZERO && c <= NINE) {
    ts = ts * 10 + (c - ZERO);
    c = s.charCodeAt(++i);
  }
  if (i === digitsStart || (i < len && c !== NL)) {
    if (tsStart >= len || s.charCodeAt(tsStart) === NL) fail(s, tsStart, 'the line has no timestamp after the space');
    let end = tsStart;
    while (end < len && s.charCodeAt(end) !== NL) end++;
    fail(s, tsStart, `the timestamp ${JSON.stringify(s.slice(tsStart, end))} is not an integer`);
  }
  if (ts > Number.MAX_SAFE_INTEGER) {
    fail(s, tsStart, `the timestamp ${s.slice(tsStart, i)} is outside the safe integer range (it must be epoch milliseconds)`);
  }
  pos = i;
  return { measurement, tags, fields, ts: neg && ts !== 0 ? -ts : ts };
}

/**
 * The point of one line as `pointToLine` writes it (no trailing newline; a string field value
 * may hold raw newlines). Throws LineProtocolSyntaxError naming the problem and the column.
 */
export function parseLine(line: string): Point {
  multi = false;
  lineStart = 0;
  const p = parsePoint(line);
  if (pos !== line.length) fail(line, pos, 'a newline after the timestamp (parseLine reads one line; parseLines reads several)');
  return p;
}

/**
 * The points of `text`, one a line as `toLineProtocol` writes them, `\n`-separated; empty lines
 * are skipped. A newline inside a quoted string field value belongs to the value (pointToLine
 * writes string values' newlines raw), so lines are found while parsing, not by `split`.
 * Throws LineProtocolSyntaxError naming the line and the column.
 */
export function parseLines(text: string): Point[] {
  const points: Point[] = [];
  eachPoint(text, (p) => points.push(p));
  return points;
}

/** Parses the points of `text` in order, handing each with the start and end of its line. */
function eachPoint(text: string, onPoint: (p: Point, start: number, end: number) => void): void {
  const len = text.length;
  multi = true;
  try {
    let i = 0;
    while (i < len) {
      if (text.charCodeAt(i) === NL) {
        i++;
        continue;
      }
      lineStart = i;
      onPoint(parsePoint(text), i, pos);
      i = pos + 1; // pos is at the newline or the end
    }
  } finally {
    multi = false;
    lineStart = 0;
  }
}

/**
 * `text` cut into its lines, each one point (the forwarder's isolation of a refused line). Like
 * parseLines, a newline inside a quoted string value stays in its line. Text that does not parse
 * is cut at every newline instead, so that each piece can still be tried and dead-lettered.
 */
export function splitLines(text: string): string[] {
  const byNewline = () => text.split('\n').filter((l) => l !== '');
  if (text.indexOf('"') === -1) return byNewline();
  const out: string[] = [];
  try {
    eachPoint(text, (_p, start, end) => out.push(text.slice(start, end)));
  } catch {
    return byNewline();
  }
  return out;
}

// The common reading parsed straight from the payload's bytes, past JSON.parse.
//
// Under a flood of plain readings, `payload.toString()` + `JSON.parse` was the largest single cost
// of ingest (~0.5 µs of a gateway's ~6 µs per message). A plain reading is small and regular:
// `{"seq":…,"ts":…,"quantity":"…","value":…,"unit":"…"}`, keys in any order, `ts` in epoch
// milliseconds. This reads exactly that and nothing else: any other key, a repeated key, a string
// with an escape or a byte outside printable ASCII, a value of an unexpected JSON type, or
// anything that is not strict JSON gives undefined, and the caller parses the payload with
// JSON.parse (and the schema words the errors) as before. Where it answers, it answers what
// JSON.parse would (property-tested against it); plainReading() then validates the result
// exactly as it validates JSON.parse's.
import type { ReadingPayload } from './payloads.ts';

const SEQ = 1;
const TS = 2;
const QUANTITY = 4;
const VALUE = 8;
const UNIT = 16;
const ALL = SEQ | TS | QUANTITY | VALUE | UNIT;

/** Which key starts at `i` (its bytes up to the closing quote at `end`), or 0 for any other key. */
function keyAt(b: Buffer, i: number, end: number): number {
  const n = end - i;
  if (n === 2) return b[i] === 0x74 && b[i + 1] === 0x73 ? TS : 0; // ts
  if (n === 3) {
    if (b[i] === 0x73 && b[i + 1] === 0x65 && b[i + 2] === 0x71) return SEQ; // seq
    return 0;
  }
  if (n === 4) return b[i] === 0x75 && b[i + 1] === 0x6e && b[i + 2] === 0x69 && b[i + 3] === 0x74 ? UNIT : 0; // unit
  if (n === 5) return b[i] === 0x76 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x75 && b[i + 4] === 0x65 ? VALUE : 0; // value
  if (n === 8) {
    // quantity
    const q = b[i] === 0x71 && b[i + 1] === 0x75 && b[i + 2] === 0x61 && b[i + 3] === 0x6e;
    return q && b[i + 4] === 0x74 && b[i + 5] === 0x69 && b[i + 6] === 0x74 && b[i + 7] === 0x79 ? QUANTITY : 0;
  }
  return 0;
}

function skipWhitespace(b: Buffer, i: number): number {
  while (i < b.length) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** End (exclusive) of a JSON number starting at `i`, or -1 if none is there (RFC 8259 §6). */
function numberEnd(b: Buffer, i: number): number {
  if (b[i] === 0x2d) i++; // -
  if (b[i] === 0x30)
    i++; // a leading 0 stands alone
  else if (b[i] >= 0x31 && b[i] <= 0x39) while (b[i] >= 0x30 && b[i] <= 0x39) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    if (!(b[i] >= 0x30 && b[i] <= 0x39)) return -1;
    while (b[i] >= 0x30 && b[i] <= 0x39) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!(b[i] >= 0x30 && b[i] <= 0x39)) return -1;
    while (b[i] >= 0x30 && b[i] <= 0x39) i++;
  }
  return i;
}

/** 10^0 … 10^15, each exactly a double. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * Value of the JSON number b[i..end) (valid per numberEnd). Without an exponent and with at most
 * 15 digits it is computed here: the digits as an integer and 10^(fraction digits) are both exact
 * doubles, and IEEE division rounds their quotient correctly, so it is the double Number() gives
 * (the classic fast path of decimal conversion). Anything else goes through Number().
 */
function numberValue(b: Buffer, i: number, end: number): number {
  let k = i;
  const negative = b[k] === 0x2d;
  if (negative) k++;
  let m = 0;
  let digits = 0;
  let fraction = -1;
  for (; k < end; k++) {
    const c = b[k];
    if (c === 0x2e) {
      fraction = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39) return Number(b.toString('latin1', i, end)); // an exponent
    m = m * 10 + (c - 0x30);
    digits++;
    if (fraction >= 0) fraction++;
  }
  if (digits > 15) return Number(b.toString('latin1', i, end));
  const v = fraction > 0 ? m / POW10[fraction] : m;
  return negative ? -v : v;
}

/** Strings seen as quantity or unit (a fleet uses a handful): read without a new string each time. */
const knownStrings: string[] = [];
const MAX_KNOWN_STRINGS = 32;

/** b[i..end) (printable ASCII) as a string: one of knownStrings when it is one. */
function plainString(b: Buffer, i: number, end: number): string {
  const n = end - i;
  for (let s = 0; s < knownStrings.length; s++) {
    const known = knownStrings[s];
    if (known.length !== n) continue;
    let k = 0;
    while (k < n && known.charCodeAt(k) === b[i + k]) k++;
    if (k === n) return known;
  }
  const str = b.toString('latin1', i, end);
  if (knownStrings.length < MAX_KNOWN_STRINGS) knownStrings.push(str);
  return str;
}

/** End (exclusive, at the closing quote) of a string of printable ASCII without escapes starting after the quote at `i`, or -1. */
function plainStringEnd(b: Buffer, i: number): number {
  while (i < b.length) {
    const c = b[i];
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20 || c > 0x7e) return -1;
    i++;
  }
  return -1;
}

/**
 * `{seq, ts, quantity, value, unit}` if the payload is exactly a JSON object of those five keys
 * (numbers for seq, ts and value; strings of printable ASCII without escapes for quantity and
 * unit), else undefined. It checks JSON, not the contract: plainReading() does that.
 */
export function plainReadingFromBytes(b: Buffer): ReadingPayload | undefined {
  let seen = 0;
  let seq = 0;
  let ts = 0;
  let value = 0;
  let quantity = '';
  let unit = '';
  let i = skipWhitespace(b, 0);
  if (b[i] !== 0x7b) return undefined; // {
  i++;
  for (;;) {
    i = skipWhitespace(b, i);
    if (b[i] !== 0x22) return undefined;
    const keyEnd = plainStringEnd(b, i + 1);
    if (keyEnd < 0) return undefined;
    const key = keyAt(b, i + 1, keyEnd);
    if (key === 0 || (seen & key) !== 0) return undefined;
    seen |= key;
    i = skipWhitespace(b, keyEnd + 1);
    if (b[i] !== 0x3a) return undefined; // :
    i = skipWhitespace(b, i + 1);
    if (key === QUANTITY || key === UNIT) {
      if (b[i] !== 0x22) return undefined;
      const end = plainStringEnd(b, i + 1);
      if (end < 0) return undefined;
      const s = plainString(b, i + 1, end);
      if (key === QUANTITY) quantity = s;
      else unit = s;
      i = end + 1;
    } else {
      const end = numberEnd(b, i);
      if (end < 0) return undefined;
      const v = numberValue(b, i, end);
      if (key === SEQ) seq = v;
      else if (key === TS) ts = v;
      else value = v;
      i = end;
    }
    i = skipWhitespace(b, i);
    if (b[i] === 0x2c) {
      i++;
      continue;
    }
    if (b[i] !== 0x7d) return undefined; // }
    break;
  }
  if (seen !== ALL || skipWhitespace(b, i + 1) !== b.length) return undefined;
  return { seq, ts, quantity, value, unit };
}

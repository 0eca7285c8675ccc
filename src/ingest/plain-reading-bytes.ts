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
//
// A gas detector's reading adds `gas`, a fuel dispenser's transaction `nozzle`, `product`,
// `unitPrice`, `amount`, `totalizerStart` and `totalizerEnd` (strings and numbers as above): read
// here too, since in a mixed fleet those were the messages that still paid for JSON.parse.
import type { ReadingPayload } from './payloads.ts';

const SEQ = 1;
const TS = 2;
const QUANTITY = 4;
const VALUE = 8;
const UNIT = 16;
const REQUIRED = SEQ | TS | QUANTITY | VALUE | UNIT;
// optional keys: a gas detector's channel, a fuel dispenser's transaction fields
const GAS = 32;
const NOZZLE = 64;
const PRODUCT = 128;
const UNIT_PRICE = 256;
const AMOUNT = 512;
const TOTALIZER_START = 1024;
const TOTALIZER_END = 2048;
/** Keys whose value is a string (the rest are numbers). */
const STRING_KEYS = QUANTITY | UNIT | GAS | NOZZLE | PRODUCT;

/** Whether b[i..i + key.length) spells `key` (ASCII). */
function spells(b: Buffer, i: number, key: string): boolean {
  for (let k = 0; k < key.length; k++) if (b[i + k] !== key.charCodeAt(k)) return false;
  return true;
}

/** Which key starts at `i` (its bytes up to the closing quote at `end`), or 0 for any other key. */
function keyAt(b: Buffer, i: number, end: number): number {
  const n = end - i;
  if (n === 2) return b[i] === 0x74 && b[i + 1] === 0x73 ? TS : 0; // ts
  if (n === 3) {
    if (b[i] === 0x73 && b[i + 1] === 0x65 && b[i + 2] === 0x71) return SEQ; // seq
    if (b[i] === 0x67 && b[i + 1] === 0x61 && b[i + 2] === 0x73) return GAS; // gas
    return 0;
  }
  if (n === 4) return b[i] === 0x75 && b[i + 1] === 0x6e && b[i + 2] === 0x69 && b[i + 3] === 0x74 ? UNIT : 0; // unit
  if (n === 5) return b[i] === 0x76 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x75 && b[i + 4] === 0x65 ? VALUE : 0; // value
  if (n === 8) {
    // quantity
    const q = b[i] === 0x71 && b[i + 1] === 0x75 && b[i + 2] === 0x61 && b[i + 3] === 0x6e;
    return q && b[i + 4] === 0x74 && b[i + 5] === 0x69 && b[i + 6] === 0x74 && b[i + 7] === 0x79 ? QUANTITY : 0;
  }
  if (n === 6) return spells(b, i, 'nozzle') ? NOZZLE : spells(b, i, 'amount') ? AMOUNT : 0;
  if (n === 7) return spells(b, i, 'product') ? PRODUCT : 0;
  if (n === 9) return spells(b, i, 'unitPrice') ? UNIT_PRICE : 0;
  if (n === 12) return spells(b, i, 'totalizerEnd') ? TOTALIZER_END : 0;
  if (n === 14) return spells(b, i, 'totalizerStart') ? TOTALIZER_START : 0;
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

/** Strings seen as quantity, unit, gas, nozzle or product (a fleet uses a handful): read without a new string each time. */
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
 * `{seq, ts, quantity, value, unit}`, with whichever of `gas`, `nozzle`, `product` (strings) and
 * `unitPrice`, `amount`, `totalizerStart`, `totalizerEnd` (numbers) it holds, if the payload is
 * exactly a JSON object of those keys (numbers for seq, ts, value and the transaction's figures;
 * strings of printable ASCII without escapes for the rest), else undefined. It checks JSON, not
 * the contract: plainReading() and plainTransactionFields() do that.
 */
// Long on purpose: one pass over the bytes, each key's value read in place (no helper object per key).
export function plainReadingFromBytes(b: Buffer): ReadingPayload | undefined {
  let seen = 0;
  let seq = 0;
  let ts = 0;
  let value = 0;
  let quantity = '';
  let unit = '';
  let gas = '';
  let nozzle = '';
  let product = '';
  let unitPrice = 0;
  let amount = 0;
  let totalizerStart = 0;
  let totalizerEnd = 0;
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
    if ((key & STRING_KEYS) !== 0) {
      if (b[i] !== 0x22) return undefined;
      const end = plainStringEnd(b, i + 1);
      if (end < 0) return undefined;
      const s = plainString(b, i + 1, end);
      if (key === QUANTITY) quantity = s;
      else if (key === UNIT) unit = s;
      else if (key === GAS) gas = s;
      else if (key === NOZZLE) nozzle = s;
      else product = s;
      i = end + 1;
    } else {
      const end = numberEnd(b, i);
      if (end < 0) return undefined;
      const v = numberValue(b, i, end);
      if (key === SEQ) seq = v;
      else if (key === TS) ts = v;
      else if (key === VALUE) value = v;
      else if (key === UNIT_PRICE) unitPrice = v;
      else if (key === AMOUNT) amount = v;
      else if (key === TOTALIZER_START) totalizerStart = v;
      else totalizerEnd = v;
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
  if ((seen & REQUIRED) !== REQUIRED || skipWhitespace(b, i + 1) !== b.length) return undefined;
  const r: ReadingPayload = { seq, ts, quantity, value, unit };
  if (seen === REQUIRED) return r;
  // the keys sent, added in one fixed order (few object shapes; JSON.parse's key order matters to no reader)
  if ((seen & GAS) !== 0) r.gas = gas;
  if ((seen & NOZZLE) !== 0) r.nozzle = nozzle;
  if ((seen & PRODUCT) !== 0) r.product = product;
  const t = r as ReadingPayload & Record<string, unknown>;
  if ((seen & UNIT_PRICE) !== 0) t.unitPrice = unitPrice;
  if ((seen & AMOUNT) !== 0) t.amount = amount;
  if ((seen & TOTALIZER_START) !== 0) t.totalizerStart = totalizerStart;
  if ((seen & TOTALIZER_END) !== 0) t.totalizerEnd = totalizerEnd;
  return r;
}

// Decoding Modbus registers into numbers: pure, no I/O.
//
// A Modbus register is one 16-bit word, sent most significant byte first (Modbus Application
// Protocol Specification V1.1b3, §4.2 Data Encoding: big-endian).
// The protocol says nothing about values wider than one register: 32-bit integers and IEEE 754
// floats span two registers, and each vendor picks which word comes first (and a few swap the
// bytes inside each word as well). Hence `wordOrder` and `swapBytes` in the mapping:
//
//   bytes of the value, most significant first:  A B C D
//   wordOrder "high-first", swapBytes false  →  registers [AB, CD]   ("ABCD", big-endian)
//   wordOrder "low-first",  swapBytes false  →  registers [CD, AB]   ("CDAB", word-swapped)
//   wordOrder "high-first", swapBytes true   →  registers [BA, DC]   ("BADC")
//   wordOrder "low-first",  swapBytes true   →  registers [DC, BA]   ("DCBA", little-endian)

export type RegisterType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';
export type WordOrder = 'high-first' | 'low-first';

export interface RegisterEncoding {
  type: RegisterType;
  /** Which register of a 32-bit value holds its most significant word. Default high-first. */
  wordOrder?: WordOrder;
  /** The device sends each register low byte first. Default false. */
  swapBytes?: boolean;
}

export interface Scaling {
  /** engineering value = raw × scale + offset */
  scale?: number;
  offset?: number;
  /** Round the engineering value to this many decimals (the instrument's display resolution). */
  decimals?: number;
}

/** How many 16-bit registers a value of this type occupies. */
export function registerCount(type: RegisterType): 1 | 2 {
  return type === 'int16' || type === 'uint16' ? 1 : 2;
}

/**
 * The raw number held in `words` (16-bit register values as read, 0…65535), before scaling.
 * Throws if there are not exactly as many words as the type needs.
 */
export function decodeRegisters(words: readonly number[], enc: RegisterEncoding): number {
  const n = registerCount(enc.type);
  if (words.length !== n) throw new Error(`${enc.type} needs ${n} register(s), got ${words.length}`);
  for (const w of words) if (!Number.isInteger(w) || w < 0 || w > 0xffff) throw new Error(`register value ${w} is not a 16-bit word`);
  const ordered = n === 2 && enc.wordOrder === 'low-first' ? [words[1], words[0]] : [...words];
  const buf = Buffer.alloc(2 * n);
  ordered.forEach((w, i) => {
    if (enc.swapBytes) buf.writeUInt16LE(w, 2 * i);
    else buf.writeUInt16BE(w, 2 * i);
  });
  switch (enc.type) {
    case 'int16':
      return buf.readInt16BE(0);
    case 'uint16':
      return buf.readUInt16BE(0);
    case 'int32':
      return buf.readInt32BE(0);
    case 'uint32':
      return buf.readUInt32BE(0);
    case 'float32':
      return shortestFloat32Decimal(buf.readFloatBE(0));
  }
}

/** Bit `bit` (0 = least significant) of a 16-bit register: a status flag such as "weight stable". */
export function bitOf(raw: number, bit: number): boolean {
  return ((raw >>> bit) & 1) === 1;
}

/**
 * The shortest decimal that is the same float32 as `x`: the number the instrument meant.
 * A float32 holds about 7 significant digits; 1013.42 stored as float32 reads back as
 * 1013.4199829101562 in double precision, and would be published as such otherwise.
 */
export function shortestFloat32Decimal(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x; // 9 significant digits always round-trip a float32; not reached
}

/**
 * raw × scale + offset, rounded to `decimals` if given, else to 12 significant digits: enough for
 * any 32-bit register (10 digits) and short of the binary noise of the multiplication
 * (101325 × 0.01 is 1013.2500000000001 in double precision).
 */
export function scaleValue(raw: number, s: Scaling): number {
  const v = raw * (s.scale ?? 1) + (s.offset ?? 0);
  if (!Number.isFinite(v)) return v;
  if (s.decimals !== undefined) return roundTo(v, s.decimals);
  return Number(v.toPrecision(12));
}

function roundTo(v: number, decimals: number): number {
  // Through 15 significant digits first, so the decimal the user sees is rounded, not its binary
  // neighbour: 1.005 × 100 is 100.49999999999999 in double precision, 100.5 after toPrecision(15).
  // Halves round away from zero. An integer divided by a power of ten is the double nearest the decimal.
  const f = 10 ** decimals;
  const shifted = Number((Math.abs(v) * f).toPrecision(15));
  return (Math.sign(v) * Math.round(shifted)) / f;
}

// Register decoding: word orders, byte swaps, signed types, IEEE 754 floats, scale and offset.
// Every register pattern below is computed by hand in the comment beside it.
import { describe, expect, it } from 'vitest';
import { bitOf, decodeRegisters, registerCount, scaleValue, shortestFloat32Decimal } from './registers.ts';

describe('decodeRegisters', () => {
  it('reads 16-bit registers as unsigned or two-complement signed', () => {
    // 10134 = 2·4096 + 7·256 + 9·16 + 6 = 0x2796 (pressure 1013.4 hPa × 10)
    expect(decodeRegisters([0x2796], { type: 'uint16' })).toBe(10134);
    // −125 as int16 = 65536 − 125 = 65411 = 0xFF83 (a temperature of −12.5 °C × 10)
    expect(decodeRegisters([0xff83], { type: 'int16' })).toBe(-125);
    expect(decodeRegisters([0xff83], { type: 'uint16' })).toBe(65411);
    // a byte-swapping device sends 0x2796 as 0x9627
    expect(decodeRegisters([0x9627], { type: 'uint16', swapBytes: true })).toBe(10134);
  });

  it('puts the high word first or last as the mapping says (uint32 pressure in Pa)', () => {
    // 101325 Pa = 1·65536 + 35789, 35789 = 0x8BCD → bytes A B C D = 00 01 8B CD
    expect(decodeRegisters([0x0001, 0x8bcd], { type: 'uint32', wordOrder: 'high-first' })).toBe(101325); // ABCD
    expect(decodeRegisters([0x0001, 0x8bcd], { type: 'uint32' })).toBe(101325); // high-first is the default
    expect(decodeRegisters([0x8bcd, 0x0001], { type: 'uint32', wordOrder: 'low-first' })).toBe(101325); // CDAB
    expect(decodeRegisters([0x0100, 0xcd8b], { type: 'uint32', swapBytes: true })).toBe(101325); // BADC
    expect(decodeRegisters([0xcd8b, 0x0100], { type: 'uint32', wordOrder: 'low-first', swapBytes: true })).toBe(101325); // DCBA
    // the wrong order gives a wildly different number: 0x8BCD0001 = 35789·65536 + 1
    expect(decodeRegisters([0x8bcd, 0x0001], { type: 'uint32' })).toBe(2_345_467_905);
  });

  it('reads int32 as two-complement', () => {
    // −100000: 2^32 − 100000 = 0xFFFE7960 (100000 = 0x186A0; 0x1_0000_0000 − 0x186A0 = 0xFFFE_7960)
    expect(decodeRegisters([0xfffe, 0x7960], { type: 'int32' })).toBe(-100000);
    expect(decodeRegisters([0x7960, 0xfffe], { type: 'int32', wordOrder: 'low-first' })).toBe(-100000);
    expect(decodeRegisters([0xfffe, 0x7960], { type: 'uint32' })).toBe(4_294_867_296);
  });

  it('reads IEEE 754 float32 in all four byte orders', () => {
    // 1013.25 = 1111110101.01 b = 1.11111010101 b × 2^9 → sign 0, exponent 127 + 9 = 136 = 1000 1000 b,
    // fraction 1111 1010 1010 0000 0000 000 b → 0 10001000 11111010101000000000000 = 0x447D5000
    expect(decodeRegisters([0x447d, 0x5000], { type: 'float32' })).toBe(1013.25); // ABCD
    expect(decodeRegisters([0x5000, 0x447d], { type: 'float32', wordOrder: 'low-first' })).toBe(1013.25); // CDAB
    expect(decodeRegisters([0x7d44, 0x0050], { type: 'float32', swapBytes: true })).toBe(1013.25); // BADC
    expect(decodeRegisters([0x0050, 0x7d44], { type: 'float32', wordOrder: 'low-first', swapBytes: true })).toBe(1013.25); // DCBA
  });

  it('reads the worked example of a vendor manual, least significant word first', () => {
    // Vaisala Indigo 520 User Guide M212287EN-A, p. 76, worked example: 30.56 %RH read as an IEEE 754
    // binary32 in two registers, least significant word first, value 0x41F47AE1. 0x41F47AE1 = 0 10000011 1110100 0111 1010 1110 0001 b:
    // exponent 131 − 127 = 4, fraction 0x747AE1 = 7633633; (1 + 7633633 / 2^23) × 2^4 = 30.559999… → 30.56.
    // Least significant word first: registers [0x7AE1, 0x41F4].
    expect(decodeRegisters([0x7ae1, 0x41f4], { type: 'float32', wordOrder: 'low-first' })).toBe(30.56);
  });

  it('gives the decimal the instrument meant, not the float32 binary expansion', () => {
    // 1013.42 lies in [512, 1024): the float32 step there is 2^(9−23) = 2^−14. 1013.42 × 16384 =
    // 16603873.28 → 16603873 = 0xFD5AE1; minus the implicit 0x800000 → fraction 0x7D5AE1;
    // with exponent 136: 0x44000000 | 0x7D5AE1 = 0x447D5AE1, exactly 16603873 / 16384 = 1013.4199829101562.
    expect(decodeRegisters([0x447d, 0x5ae1], { type: 'float32' })).toBe(1013.42);
    expect(shortestFloat32Decimal(16603873 / 16384)).toBe(1013.42);
    // the next float32 up, 16603874 / 16384 = 1013.4200439453125, is a different reading. Its half-step
    // neighbourhood is ±2^−15 ≈ ±0.0000305, so 8 digits (1013.4200) fall back on 1013.42's float and
    // 1013.4201 (0.0000561 away) is past it; 9 digits are needed: 1013.42004 (0.0000039 away).
    expect(shortestFloat32Decimal(16603874 / 16384)).toBe(1013.42004);
  });

  it('passes NaN through (a sensor fault some devices signal as quiet NaN 0x7FC00000)', () => {
    expect(decodeRegisters([0x7fc0, 0x0000], { type: 'float32' })).toBeNaN();
  });

  it('refuses the wrong number of registers and values that are not 16-bit words', () => {
    expect(() => decodeRegisters([0x447d], { type: 'float32' })).toThrow('float32 needs 2 register(s), got 1');
    expect(() => decodeRegisters([0x10000], { type: 'uint16' })).toThrow('not a 16-bit word');
    expect(registerCount('int16')).toBe(1);
    expect(registerCount('uint32')).toBe(2);
  });
});

describe('bitOf', () => {
  it('reads one flag of a status word', () => {
    // 0x0009 = 0000 0000 0000 1001 b: bits 0 and 3 set
    expect(bitOf(0x0009, 0)).toBe(true);
    expect(bitOf(0x0009, 1)).toBe(false);
    expect(bitOf(0x0009, 3)).toBe(true);
    // 0x8000: only bit 15
    expect(bitOf(0x8000, 15)).toBe(true);
    expect(bitOf(0x8000, 14)).toBe(false);
  });
});

describe('scaleValue', () => {
  it('applies raw × scale + offset without binary noise', () => {
    // hPa × 100 in a uint32: 101342 × 0.01 = 1013.42 (1013.4200000000001 in plain double arithmetic)
    expect(scaleValue(101342, { scale: 0.01 })).toBe(1013.42);
    // hPa × 10 in a uint16: 10134 × 0.1 = 1013.4 (1013.4000000000001 in plain double arithmetic)
    expect(scaleValue(10134, { scale: 0.1 })).toBe(1013.4);
    // kelvin × 100 to °C: 29315 × 0.01 − 273.15 = 293.15 − 273.15 = 20
    expect(scaleValue(29315, { scale: 0.01, offset: -273.15 })).toBe(20);
    expect(scaleValue(-125, { scale: 0.1 })).toBe(-12.5);
    expect(scaleValue(42, {})).toBe(42);
  });

  it('rounds to the display resolution when decimals is given, halves away from zero', () => {
    // a weighing indicator with 3 decimals: 123456 × 0.001 = 123.456 → 2 decimals: 123.46
    expect(scaleValue(123456, { scale: 0.001, decimals: 2 })).toBe(123.46);
    // 1.005 is 1.00499999999999989… in binary; rounded as the decimal it was written as: 1.01
    expect(scaleValue(1.005, { decimals: 2 })).toBe(1.01);
    expect(scaleValue(-1.005, { decimals: 2 })).toBe(-1.01);
    expect(scaleValue(1013.42, { decimals: 0 })).toBe(1013);
  });
});

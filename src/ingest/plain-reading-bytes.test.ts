// The byte-level reader of plain readings must agree with JSON.parse wherever it answers, and
// answer for the common reading (else the shortcut is never taken).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { plainReadingFromBytes } from './plain-reading-bytes.ts';

const KEYS = ['seq', 'ts', 'quantity', 'value', 'unit'] as const;
/** Keys a gas detector's reading or a fuel dispenser's transaction adds, read by the byte reader too. */
const OPTIONAL_STRING_KEYS = ['gas', 'nozzle', 'product'] as const;
const OPTIONAL_NUMBER_KEYS = ['unitPrice', 'amount', 'totalizerStart', 'totalizerEnd'] as const;
const OPTIONAL_KEYS = [...OPTIONAL_STRING_KEYS, ...OPTIONAL_NUMBER_KEYS];
const jsonNumber = fc.oneof(
  fc.nat(),
  fc.integer({ min: 0, max: 2 ** 44 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.tuple(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.integer({ min: 0, max: 16 })).map(([m, k]) => m / 10 ** k), // short decimals: the computed path
  fc.constantFrom(-0, 2 ** 53, 2 ** 53 + 1, 1e21, 1.5e-7, 123456789012345, 1234567890123456, 99999999999999999),
);
const anyJsonValue = fc.oneof(
  jsonNumber,
  fc.string({ maxLength: 12 }),
  fc.constantFrom('hPa', 'pressure', 'é', 'a\\"b', 'µg/m3'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 2 }),
  fc.constant({}),
);
const numberMostly = fc.oneof({ weight: 8, arbitrary: jsonNumber }, { weight: 2, arbitrary: anyJsonValue });
const stringMostly = fc.oneof(
  { weight: 8, arbitrary: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('hPa', 'pressure', '%vol', '[in_i]')) },
  { weight: 2, arbitrary: anyJsonValue },
);
/**
 * Text near the plain reading: the five keys and some of the optional ones in any order, one of
 * them perhaps dropped, repeated or joined by another, values of their type or any other, numbers
 * spelt in ways JSON allows or not, odd whitespace.
 */
const nearReadingText = fc
  .tuple(
    fc.shuffledSubarray([...KEYS, ...OPTIONAL_KEYS], { minLength: 5, maxLength: 12 }),
    fc.constantFrom('none', 'drop', 'repeat', 'add'),
    fc.constantFrom('gas', 'extra', '__proto__', 'se\\u0071', 'Seq', 'quantitx', 'nozzlE', 'totalizer', 'tare'),
    fc.record({
      seq: numberMostly,
      ts: numberMostly,
      value: numberMostly,
      quantity: stringMostly,
      unit: stringMostly,
      gas: stringMostly,
      nozzle: stringMostly,
      product: stringMostly,
      unitPrice: numberMostly,
      amount: numberMostly,
      totalizerStart: numberMostly,
      totalizerEnd: numberMostly,
      other: anyJsonValue,
    }),
    fc.array(fc.constantFrom('', ' ', '\n', '\t ', '\r\n'), { minLength: 4, maxLength: 4 }),
    fc.constantFrom('', '', '', '0', 'e5', 'E-2', 'e', '.', '.0', '-', '+', '00'),
    fc.constantFrom('', '', '', '0', '-', '+', '-0', '.', '00'),
  )
  .map(([order, change, other, values, ws, numberTail, numberHead]) => {
    const keys: string[] = [...order];
    if (change === 'drop') keys.pop();
    if (change === 'repeat') keys.push(keys[0]);
    if (change === 'add') keys.splice(2, 0, other);
    const body = keys
      .map((k, i) => {
        const x = (values as Record<string, unknown>)[k] ?? values.other;
        const v = typeof x === 'number' && i % 2 === 0 ? numberHead + JSON.stringify(x) + numberTail : JSON.stringify(x);
        return `${ws[i % 3]}"${k}"${ws[(i + 1) % 3]}:${ws[(i + 2) % 3]}${v}`;
      })
      .join(',');
    return `${ws[3]}{${body}}${ws[0]}`;
  });
/** Plain readings with valid values in any key order, as devices write them. */
const readingText = fc
  .tuple(
    fc.shuffledSubarray([...KEYS], { minLength: 5, maxLength: 5 }),
    fc.nat(),
    fc.integer({ min: 0, max: 2 ** 43 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom('pressure', 'mass', 'x'),
    fc.constantFrom('hPa', 'kg', '[in_i]'),
  )
  .map(([order, seq, ts, value, q, u]) => {
    const v: Record<string, unknown> = { seq, ts, quantity: q, value, unit: u };
    return `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(v[k])}`).join(',')}}`;
  });

/** Gas detectors' readings and fuel dispensers' transactions with valid values, in any key order. */
const transactionText = fc
  .tuple(
    fc.shuffledSubarray([...KEYS, ...OPTIONAL_KEYS], { minLength: 12, maxLength: 12 }),
    fc.boolean(),
    fc.record({
      seq: fc.nat(),
      ts: fc.integer({ min: 0, max: 2 ** 43 }),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      quantity: fc.constantFrom('volume', 'concentration'),
      unit: fc.constantFrom('L', 'ppm', 'mL'),
      gas: fc.constantFrom('CO', 'H2S', 'O2'),
      nozzle: fc.constantFrom('1', '2', '12'),
      product: fc.constantFrom('RON95', 'DO', 'E5'),
      unitPrice: fc.nat(),
      amount: fc.nat(),
      totalizerStart: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
      totalizerEnd: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })).map(([m, k]) => m / 10 ** k),
    }),
  )
  .map(([order, gasOnly, v]) => {
    const keys = gasOnly ? order.filter((k) => !OPTIONAL_KEYS.includes(k as never) || k === 'gas') : order.filter((k) => k !== 'gas');
    return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
  });

function jsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

describe('plainReadingFromBytes', () => {
  it('answers only for what JSON.parse reads as the five keys and known optional ones, and answers the same', () => {
    fc.assert(
      fc.property(fc.oneof(nearReadingText, readingText, transactionText, fc.string({ maxLength: 40 })), (text) => {
        const fast = plainReadingFromBytes(Buffer.from(text, 'utf8')) as Record<string, unknown> | undefined;
        if (fast === undefined) return;
        const slow = jsonParse(text) as Record<string, unknown> | undefined;
        expect(slow).toBeDefined();
        for (const k of KEYS) expect(Object.keys(slow!)).toContain(k);
        for (const k of Object.keys(slow!)) expect([...KEYS, ...OPTIONAL_KEYS]).toContain(k);
        expect(Object.keys(fast).sort()).toEqual(Object.keys(slow!).sort());
        expect(fast).toEqual(slow);
        for (const k of Object.keys(slow!)) expect(Object.is(fast[k], slow![k])).toBe(true); // -0 stays -0
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads every valid plain reading, whatever the key order', () => {
    fc.assert(
      fc.property(readingText, (text) => {
        expect(plainReadingFromBytes(Buffer.from(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 5000 },
    );
  });

  it("reads a gas detector's reading and a fuel dispenser's transaction, whatever the key order", () => {
    fc.assert(
      fc.property(transactionText, (text) => {
        const fast = plainReadingFromBytes(Buffer.from(text)) as Record<string, unknown>;
        const slow = JSON.parse(text) as Record<string, unknown>;
        expect(fast).toEqual(slow);
        expect(Object.keys(fast).sort()).toEqual(Object.keys(slow).sort());
      }),
      { numRuns: 5000 },
    );
    const tx =
      '{"seq":7,"ts":1790000000000,"quantity":"volume","value":23.45,"unit":"L","nozzle":"1","product":"RON95","unitPrice":23450,"amount":549903,"totalizerStart":1234567.89,"totalizerEnd":1234591.34}';
    expect(plainReadingFromBytes(Buffer.from(tx))).toEqual(JSON.parse(tx));
  });

  it('leaves to JSON.parse what it does not read', () => {
    const ok = '{"seq":1,"ts":1790000000000,"quantity":"pressure","value":1013.2,"unit":"hPa"}';
    expect(plainReadingFromBytes(Buffer.from(ok))).toEqual({ seq: 1, ts: 1790000000000, quantity: 'pressure', value: 1013.2, unit: 'hPa' });
    for (const text of [
      ok.replace('1790000000000', '"2026-11-21T08:00:00Z"'), // ISO time: the schema converts it
      ok.replace('}', ',"tare":0.5}'), // another key
      ok.replace('}', ',"gas":5}'), // an optional key of another type
      ok.replace('}', ',"nozzle":1}'), // a nozzle sent as a number: the schema's to judge
      ok.replace('}', ',"amount":"12"}'),
      ok.replace('"hPa"', '"h\\u0050a"'), // an escape
      ok.replace('"hPa"', '"µg/m3"'), // beyond ASCII
      ok.replace('}', ',"seq":2}'), // a repeated key
      ok.replace('1013.2', '01013.2'), // not JSON
      ok + 'x',
      ok.slice(0, -1),
    ]) {
      expect(plainReadingFromBytes(Buffer.from(text)), text).toBeUndefined();
    }
  });
});

// The ingest fast paths (plainReading, plainTransactionFields, plainCheck) must never accept what the
// schema refuses, and must hand on the same reading or fields the schema would.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TransactionFieldsSchema, payloadSchemas, plainCheck, plainReading, plainTransactionFields } from './payloads.ts';

const ReadingSchema = payloadSchemas('Asia/Ho_Chi_Minh').reading;
const CheckSchema = payloadSchemas('Asia/Ho_Chi_Minh').check;

/** Text as tags come: short words, any characters (controls, a trailing backslash, lone surrogates), or too long. */
const tagText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('CO', 'CH4', 'a\\', 'x'.repeat(128), 'x'.repeat(129), 'a\u0000b', '\uD800', 'vòi 1'),
);

const anyValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    -1,
    0,
    -0,
    2 ** 53,
    2 ** 53 - 1,
    8.64e15,
    8.64e15 + 1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e11 - 1,
    1e11,
    1e14 - 1,
    1e14,
    1_764_785_000,
  ),
  fc.string({ maxLength: 70 }),
  fc.constantFrom('', 'hPa', 'x'.repeat(32), 'x'.repeat(33), 'y'.repeat(64), 'y'.repeat(65), '2026-11-21T08:00:00Z'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);

/** Mostly `valid`, sometimes anything: so that the fast paths' acceptance is exercised as often as their refusals. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: anyValue });

/** Both: every key present (most often accepted), or any of them dropped. */
function nearly<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T, required: (keyof T)[]) {
  return fc.oneof(fc.record(fields, { requiredKeys: required as never[] }), fc.record(fields, { requiredKeys: [] }));
}

/** Readings near the common shape, with any field possibly replaced, dropped or added. */
const candidate = nearly(
  {
    seq: mostly(fc.nat()),
    ts: fc.oneof(fc.integer({ min: 0, max: 2 ** 42 }), fc.integer({ min: 1e11, max: 2 ** 42 }), anyValue),
    quantity: mostly(fc.constantFrom('pressure', 'temperature')),
    value: mostly(fc.double({ noNaN: true, noDefaultInfinity: true })),
    unit: mostly(fc.constantFrom('hPa', 'kPa', 'Cel')),
    gas: mostly(tagText),
    nozzle: fc.oneof(tagText, fc.nat(), anyValue),
    product: mostly(tagText),
    tare: mostly(fc.double()),
    extra: anyValue,
  },
  ['seq', 'ts', 'quantity', 'value', 'unit'],
);

/** Transaction fields near the accepted ones, with any of them possibly replaced or dropped. */
const transactionCandidate = nearly(
  {
    nozzle: mostly(fc.oneof(tagText, fc.nat(), fc.constantFrom(1, 2, '1', 'A', -1, 1.5))),
    product: mostly(fc.oneof(tagText, fc.constantFrom('RON95', 'DO'))),
    unitPrice: mostly(fc.double({ min: 0, noNaN: true })),
    amount: mostly(fc.double({ min: -1, noNaN: true })),
    totalizerStart: mostly(fc.double({ min: 0, noNaN: true })),
    totalizerEnd: mostly(fc.constantFrom(0, -0, 1234567.89, -0.01)),
    extra: anyValue,
  },
  ['nozzle', 'product', 'unitPrice', 'amount', 'totalizerStart', 'totalizerEnd'],
);

describe('plainReading, the fast path past ReadingSchema', () => {
  it('accepts only what the schema accepts, and yields the same reading', () => {
    fc.assert(
      fc.property(fc.oneof(candidate, anyValue), (raw) => {
        const fast = plainReading(raw);
        if (fast === undefined) return;
        const slow = ReadingSchema.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the common reading (so the shortcut is actually used)', () => {
    const raw = { seq: 1, ts: 1_790_000_000_000, quantity: 'pressure', value: 1013.2, unit: 'hPa', note: 'kept' };
    expect(plainReading(raw)).toBe(raw);
    expect(plainReading({ ...raw, ts: '2026-11-21T08:00:00Z' })).toBeUndefined(); // ISO time: the schema converts it
    expect(plainReading({ ...raw, ts: 1_790_000_000 })).toBeUndefined(); // epoch seconds: the schema says so
    // optional fields the schema hands on as they are: a gas detector's, a fuel dispenser's
    for (const withTags of [
      { ...raw, gas: 'CO' },
      { ...raw, nozzle: '1', product: 'RON95' },
      { ...raw, tare: 0.5 },
    ])
      expect(plainReading(withTags)).toBe(withTags);
    expect(plainReading({ ...raw, nozzle: 1 })).toBeUndefined(); // a nozzle number: the schema makes it text
    expect(plainReading({ ...raw, gas: 'C\u0000O' })).toBeUndefined(); // refused by the schema, which says why
  });
});

describe('plainTransactionFields, the fast path past TransactionFieldsSchema', () => {
  it('accepts only what the schema accepts, and yields the same fields', () => {
    fc.assert(
      fc.property(transactionCandidate, (raw) => {
        const fast = plainTransactionFields(raw);
        if (fast === undefined) return;
        const slow = TransactionFieldsSchema.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(fast).toStrictEqual(slow.data);
      }),
      { numRuns: 20_000 },
    );
  });

  it("takes a dispenser's transaction, its nozzle as a number or a name", () => {
    const fields = { unitPrice: 23_450, amount: 469_000, totalizerStart: 1234567.89, totalizerEnd: 1234587.89 };
    expect(plainTransactionFields({ seq: 1, nozzle: '1', product: 'RON95', ...fields })).toStrictEqual({ nozzle: '1', product: 'RON95', ...fields });
    expect(plainTransactionFields({ nozzle: 2, product: 'DO', ...fields })).toStrictEqual({ nozzle: '2', product: 'DO', ...fields });
    expect(plainTransactionFields({ nozzle: '1', product: 'DO', ...fields, amount: -1 })).toBeUndefined();
  });
});

/** Checks near the accepted ones, with any field possibly replaced, dropped or added. */
const checkCandidate = nearly(
  {
    seq: mostly(fc.nat()),
    ts: mostly(fc.integer({ min: 1e11, max: 2 ** 42 })),
    indicated: mostly(fc.double({ noNaN: true, noDefaultInfinity: true })),
    reference: mostly(fc.double({ noNaN: true, noDefaultInfinity: true })),
    referenceUncertainty: mostly(fc.double({ min: -1, max: 10, noNaN: true })),
    unit: mostly(fc.constantFrom('hPa', 'ppm', 'L')),
    standardId: mostly(fc.constantFrom('REF-1', 'x'.repeat(128), 'x'.repeat(129))),
    gas: mostly(tagText),
    regime: mostly(fc.constantFrom('verification', 'inService', 'other')),
    point: mostly(tagText),
    deltaL: mostly(fc.double()),
    adjusted: mostly(fc.boolean()),
    extra: anyValue,
  },
  ['seq', 'ts', 'indicated', 'reference', 'referenceUncertainty', 'unit', 'standardId'],
);

describe('plainCheck, the fast path past the check schema', () => {
  it('accepts only what the schema accepts, and yields the same check', () => {
    fc.assert(
      fc.property(fc.oneof(checkCandidate, anyValue), (raw) => {
        const fast = plainCheck(raw);
        if (fast === undefined) return;
        const slow = CheckSchema.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(fast).toStrictEqual(slow.data);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the common check, and leaves to the schema a time as text', () => {
    const raw = {
      seq: 9,
      ts: 1_790_000_000_000,
      standardId: 'REF-BENCH-barometer',
      indicated: 1013.21,
      reference: 1013.2,
      referenceUncertainty: 0.04,
      unit: 'hPa',
      note: 'dropped',
    };
    expect(plainCheck(raw)).toStrictEqual({
      seq: 9,
      ts: 1_790_000_000_000,
      standardId: 'REF-BENCH-barometer',
      indicated: 1013.21,
      reference: 1013.2,
      referenceUncertainty: 0.04,
      unit: 'hPa',
    });
    expect(plainCheck({ ...raw, gas: 'CO', point: 'Qmax', regime: 'inService', deltaL: 0.1, adjusted: true })).toMatchObject({
      gas: 'CO',
      point: 'Qmax',
      regime: 'inService',
      deltaL: 0.1,
      adjusted: true,
    });
    expect(plainCheck({ ...raw, ts: '2026-11-21T08:00:00Z' })).toBeUndefined();
  });
});

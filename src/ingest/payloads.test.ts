// The ingest fast path (plainReading) must never accept what the reading schema refuses, and must
// hand on the same reading the schema would.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { payloadSchemas, plainReading } from './payloads.ts';

const ReadingSchema = payloadSchemas('Asia/Ho_Chi_Minh').reading;

const anyValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, -0, 2 ** 53, 2 ** 53 - 1, 8.64e15, 8.64e15 + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e11 - 1, 1e11, 1e14 - 1, 1e14, 1_764_785_000),
  fc.string({ maxLength: 70 }),
  fc.constantFrom('', 'hPa', 'x'.repeat(32), 'x'.repeat(33), 'y'.repeat(64), 'y'.repeat(65), '2026-11-21T08:00:00Z'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);

/** Readings near the common shape, with any field possibly replaced, dropped or added. */
const candidate = fc.record(
  {
    seq: fc.oneof(fc.nat(), anyValue),
    ts: fc.oneof(fc.integer({ min: 0, max: 2 ** 42 }), fc.integer({ min: 1e11, max: 2 ** 42 }), anyValue),
    quantity: fc.oneof(fc.constantFrom('pressure', 'temperature'), anyValue),
    value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), anyValue),
    unit: fc.oneof(fc.constantFrom('hPa', 'kPa', 'Cel'), anyValue),
    gas: anyValue,
    tare: anyValue,
    extra: anyValue,
  },
  { requiredKeys: [] },
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
      { numRuns: 5000 },
    );
  });

  it('takes the common reading (so the shortcut is actually used)', () => {
    const raw = { seq: 1, ts: 1_790_000_000_000, quantity: 'pressure', value: 1013.2, unit: 'hPa', note: 'kept' };
    expect(plainReading(raw)).toBe(raw);
    expect(plainReading({ ...raw, ts: '2026-11-21T08:00:00Z' })).toBeUndefined(); // ISO time: the schema converts it
    expect(plainReading({ ...raw, gas: 'CH4' })).toBeUndefined(); // optional fields: the schema checks them
    expect(plainReading({ ...raw, ts: 1_790_000_000 })).toBeUndefined(); // epoch seconds: the schema says so
  });
});

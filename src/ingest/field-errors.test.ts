// Every message a device gets for a payload names the field, what is accepted and what was
// received; none is zod's default ("Invalid input", "Too big: …"). This walks every field of every
// payload schema (readings, checks, transactions, SenML, status, batches) through wrong values of
// every kind, so each check of each schema yields its issue.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { PARSE_OPTIONS, acceptedForm, describeIssues } from './field-errors.ts';
import { SenmlPackSchema, StatusSchema, TransactionFieldsSchema, payloadSchemas } from './payloads.ts';

const { reading, check } = payloadSchemas('Asia/Ho_Chi_Minh');
const BatchLike = z.object({ readings: z.array(z.unknown(), { error: 'must be a JSON array of readings' }) });

/** zod 4's English messages begin so (zod/v4/locales/en). */
const ZOD_DEFAULT = /^(Invalid|Too (big|small)|Unrecognized|Expected)/;

const WRONG: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e20,
  1_764_785_000,
  1e15,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  ' ',
  'text',
  '-1',
  'x'.repeat(200),
  '2026-02-30T00:00:00Z',
  '2026-11-21',
  '2026-03-29 02:30:00',
  'RON\n95',
  'ends\\',
  '\ud800',
  [],
  [1],
  {},
  { a: 1 },
  'verification',
  'inService',
  'Xăng E5 RON 92-II',
];

const cases: [string, z.ZodType, Record<string, unknown>, string][] = [
  [
    'reading',
    reading,
    { seq: 1, ts: 1_795_000_000_000, quantity: 'pressure', value: 1013.2, unit: 'hPa', gas: 'CO', nozzle: 1, product: 'RON95', tare: 0 },
    'the reading',
  ],
  [
    'check',
    check,
    {
      seq: 1,
      ts: '2026-11-21T08:00:00Z',
      indicated: 1,
      reference: 1,
      referenceUncertainty: 0,
      unit: 'L',
      standardId: 'S',
      gas: 'CO',
      regime: 'inService',
      point: 'Qmax',
    },
    'the check',
  ],
  ['transaction', TransactionFieldsSchema, { nozzle: 1, product: 'RON95', unitPrice: 1, amount: 1, totalizerStart: 0, totalizerEnd: 1 }, 'the transaction'],
  ['status', StatusSchema, { state: 'online' }, 'the status'],
  ['batch', BatchLike, { readings: [] }, 'the batch'],
];

function assertWorded(errors: { path: string; message: string }[], subject: string) {
  for (const e of errors) {
    expect(e.message, e.message).not.toMatch(ZOD_DEFAULT);
    expect(e.message, e.message).not.toContain('Invalid input');
    const field = e.path === '(root)' ? subject : e.path;
    expect(e.message.startsWith(`${field} `), `${e.message} names ${field}`).toBe(true);
    expect(e.message, e.message).toMatch(/; received .+$| is missing: it /);
  }
}

describe('payload validation messages', () => {
  it('name the field, what is accepted and what was received, for every wrong value of every field', () => {
    const codes = new Set<string>();
    let count = 0;
    for (const [, schema, valid, subject] of cases) {
      expect(schema.safeParse(valid, PARSE_OPTIONS).success).toBe(true);
      for (const key of Object.keys(valid)) {
        for (const v of WRONG) {
          const raw = { ...valid, [key]: v };
          if (v === undefined) delete raw[key];
          const r = schema.safeParse(raw, PARSE_OPTIONS);
          if (r.success) continue;
          for (const i of r.error.issues) codes.add(i.code);
          const errors = describeIssues(r.error, '', subject);
          count += errors.length;
          assertWorded(errors, subject);
        }
      }
      // the whole value of the wrong kind
      for (const v of [null, 1, 'x', [], true]) {
        const r = schema.safeParse(v, PARSE_OPTIONS);
        expect(r.success).toBe(false);
        if (!r.success) assertWorded(describeIssues(r.error, '', subject), subject);
      }
    }
    expect(count).toBeGreaterThan(300);
    expect([...codes].sort()).toEqual(['custom', 'invalid_type', 'invalid_value', 'too_big', 'too_small']);
  });

  it('also in a SenML pack, naming the record by its index', () => {
    const valid = [{ bn: 'baro-1/', bt: 1.79e9, bu: 'hPa', bv: 0, n: 'pressure', u: 'hPa', v: 1013.2, t: 0, seq: 1 }];
    for (const key of Object.keys(valid[0])) {
      for (const v of WRONG) {
        const rec: Record<string, unknown> = { ...valid[0], [key]: v };
        const r = SenmlPackSchema.safeParse([rec], PARSE_OPTIONS);
        if (r.success) continue;
        const errors = describeIssues(r.error, '', 'the SenML pack');
        assertWorded(errors, 'the SenML pack');
        for (const e of errors) expect(e.path).toMatch(new RegExp(`^0\\.${key}$|^0$`));
      }
    }
    for (const v of [[], {}, 'x', null]) {
      const r = SenmlPackSchema.safeParse(v, PARSE_OPTIONS);
      expect(r.success).toBe(false);
      if (!r.success) assertWorded(describeIssues(r.error, '', 'the SenML pack'), 'the SenML pack');
    }
  });

  it('for any JSON in any field (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.jsonValue(), fc.nat(), ([, schema, valid, subject], v, k) => {
        const keys = Object.keys(valid);
        const r = schema.safeParse({ ...valid, [keys[k % keys.length]]: v }, PARSE_OPTIONS);
        if (!r.success) assertWorded(describeIssues(r.error, 'readings.3', subject), subject);
      }),
      { numRuns: 3000 },
    );
  });

  it('with a prefix: the path and the message carry it (a reading of a batch)', () => {
    const r = reading.safeParse({ seq: -1, ts: 1_764_785_000, quantity: 'pressure', value: 1, unit: 'hPa' }, PARSE_OPTIONS);
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(describeIssues(r.error, 'readings.3', 'the reading')).toEqual([
      { path: 'readings.3.seq', message: `readings.3.seq must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, increasing per device; received -1` },
      { path: 'readings.3.ts', message: expect.stringMatching(/^readings\.3\.ts looks like epoch seconds .*; received 1764785000$/) },
    ]);
    const root = reading.safeParse([1], PARSE_OPTIONS);
    if (!root.success)
      expect(describeIssues(root.error, 'readings.3', 'the reading')[0].message).toMatch(
        /^readings\.3 \(the reading\) must be a JSON object .*; received \[1\]$/,
      );
  });

  it('words the checks no payload schema uses today as well (unions, formats, unknown keys)', () => {
    const S = z.strictObject({ a: z.union([z.string(), z.number()]), b: z.email(), c: z.number().multipleOf(5) });
    const r = S.safeParse({ a: true, b: 'not an address', c: 7, d: 1 }, PARSE_OPTIONS);
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(r.error.issues.map((i) => i.code).sort()).toEqual(['invalid_format', 'invalid_union', 'not_multiple_of', 'unrecognized_keys']);
    assertWorded(describeIssues(r.error, '', 'the body'), 'the body');
    expect(acceptedForm({ code: 'invalid_union', errors: [], input: 1, path: [] } as never)).toBe('matches none of the accepted forms');
  });
});

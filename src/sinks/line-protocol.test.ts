import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeKey, escapeMeasurement, integerText, quoteString, toLineProtocol } from './line-protocol.ts';
import { SinkRejectedError, type Point } from './sink.ts';

const reading: Point = {
  measurement: 'reading',
  tags: { tenant: 'acme', device: 'baro-1', type: 'barometer', quantity: 'pressure' },
  fields: { value: 1013.42, raw: 101.342, seq: 1024, status: 'ok' },
  ts: Date.parse('2026-11-21T08:00:00.000Z'),
};

describe('toLineProtocol', () => {
  it('writes a reading with sorted tags and fields, seq as integer, ms timestamp', () => {
    expect(toLineProtocol([reading])).toBe(
      'reading,device=baro-1,quantity=pressure,tenant=acme,type=barometer raw=101.342,seq=1024i,status="ok",value=1013.42 1795248000000',
    );
  });

  it('writes whole-number floats without the integer suffix, so the field type stays float', () => {
    const line = toLineProtocol([{ ...reading, fields: { value: 20, raw: 20, seq: 1, status: 'ok' } }]);
    expect(line).toContain('value=20 ');
    expect(line).toContain('raw=20,');
    expect(line).toContain('seq=1i,');
  });

  it('writes one line per point, separated by newlines', () => {
    const lp = toLineProtocol([reading, { ...reading, ts: reading.ts + 1 }]);
    expect(lp.split('\n')).toHaveLength(2);
    expect(lp.endsWith('\n')).toBe(false);
  });

  it('escapes measurement, tag keys, tag values and field keys per the InfluxDB rules', () => {
    expect(escapeMeasurement('a b,c=d')).toBe('a\\ b\\,c=d');
    expect(escapeKey('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(escapeKey('C:\\path')).toBe('C:\\path');
    expect(escapeKey('Dầu DO 0,05S-II')).toBe('Dầu\\ DO\\ 0\\,05S-II');
    const lp = toLineProtocol([
      {
        measurement: 'check',
        tags: { device: 'd 1', 'point name': 'Q=max, 1' },
        fields: { 'my field': 1.5, decision: 'pass' },
        ts: 5,
      },
    ]);
    expect(lp).toBe('check,device=d\\ 1,point\\ name=Q\\=max\\,\\ 1 decision="pass",my\\ field=1.5 5');
  });

  it('quotes string fields, escaping double quotes and backslashes only', () => {
    expect(quoteString('he said "hi" \\o/')).toBe('"he said \\"hi\\" \\\\o/"');
    expect(quoteString('a, b=c d')).toBe('"a, b=c d"');
    expect(quoteString('two\nlines')).toBe('"two\nlines"');
  });

  it('writes booleans as true/false', () => {
    expect(toLineProtocol([{ ...reading, fields: { ok: true, bad: false } }])).toContain(' bad=false,ok=true ');
  });

  it('leaves out tags with an empty value', () => {
    expect(toLineProtocol([{ ...reading, tags: { device: 'd', gas: '' }, fields: { value: 1 } }])).toBe('reading,device=d value=1 1795248000000');
  });

  it('writes numbers JavaScript prints in exponent form as such (InfluxDB parses them)', () => {
    expect(toLineProtocol([{ ...reading, tags: {}, fields: { value: 1e21, raw: 1e-7 } }])).toBe('reading raw=1e-7,value=1e+21 1795248000000');
  });

  it('writes timestamps before 1970 as negative milliseconds', () => {
    expect(toLineProtocol([{ ...reading, tags: {}, fields: { value: 1 }, ts: -1000 }])).toBe('reading value=1 -1000');
  });

  it.each([
    ['a NaN field', { fields: { value: Number.NaN } }, /field "value" is NaN/],
    ['an infinite field', { fields: { value: Number.POSITIVE_INFINITY } }, /Infinity/],
    ['a fractional seq', { fields: { value: 1, seq: 1.5 } }, /integer field "seq"/],
    ['no fields', { fields: {} }, /at least one field/],
    ['a fractional timestamp', { ts: 1.5 }, /ts must be an integer/],
    ['a tag value ending in a backslash', { tags: { device: 'd', product: 'x\\' } }, /ends with a backslash/],
    ['a newline in a tag value', { tags: { device: 'd', product: 'RON\n95' } }, /tag product "RON\\n95" holds a control character/],
    ['a tab in a tag key', { tags: { device: 'd', 'a\tb': 'x' } }, /tag key "a\\tb" holds a control character/],
    ['a NUL in a field key', { fields: { 'v\u0000': 1 } }, /field key .* holds a control character/],
  ] as const)('refuses %s with a SinkRejectedError naming the point', (_name, change, message) => {
    const bad = { ...reading, ...change } as Point;
    let err: unknown;
    try {
      toLineProtocol([reading, bad]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SinkRejectedError);
    expect((err as Error).message).toMatch(/^point 1 \(reading/);
    expect((err as Error).message).toMatch(message);
  });

  it('serialises a 5,000-point batch (prints the best of 10 warm runs; not a timed assertion)', () => {
    const points = Array.from({ length: 5000 }, (_, i) => ({ ...reading, fields: { ...reading.fields, seq: i, value: 1000 + i / 7 }, ts: reading.ts + i }));
    let best = Infinity;
    let lp = '';
    for (let run = 0; run < 12; run++) {
      const t0 = performance.now();
      lp = toLineProtocol(points);
      if (run >= 2) best = Math.min(best, performance.now() - t0);
    }
    expect(lp.split('\n')).toHaveLength(5000);
    console.log(`toLineProtocol: 5,000 points in ${best.toFixed(2)} ms (best of 10 warm runs)`);
  });
});

describe('integerText', () => {
  it('is String(n) for every number: safe integers (an epoch-ms time, a seq) and anything else', () => {
    const edges = [
      0,
      -0,
      1,
      9,
      2 ** 30 - 1,
      2 ** 30,
      999_999_999,
      1e9,
      1e9 + 1,
      1_790_000_000_000,
      1_790_000_000_007,
      1_000_000_000_000_000,
      Number.MAX_SAFE_INTEGER,
      -1,
      -(2 ** 31),
      -1_790_000_000_000,
      Number.MIN_SAFE_INTEGER,
    ];
    const others = [Number.MAX_SAFE_INTEGER + 2, 2 ** 60, 1.5, -0.25, 1e21, Number.NaN, Number.POSITIVE_INFINITY];
    for (const n of [...edges, ...others]) expect(integerText(n)).toBe(String(n));
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => integerText(n) === String(n)),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_999 }), (n) => integerText(n) === String(n)),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.double(), (n) => integerText(n) === String(n)),
      { numRuns: 5_000 },
    );
  });
});

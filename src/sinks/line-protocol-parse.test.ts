// parseLine / parseLines read back what pointToLine / toLineProtocol write, exactly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineProtocolSyntaxError, parseLine, parseLines, splitLines } from './line-protocol-parse.ts';
import { pointToLine, toLineProtocol } from './line-protocol.ts';
import { INTEGER_FIELDS, MEASUREMENTS, type Measurement, type Point } from './sink.ts';

// Characters that line protocol escapes or that look like syntax, plus unicode; mixed with any
// code point.
const SPECIAL = [',', ' ', '=', '"', "'", '\n', '\r', '\t', '#', 'n', 'r', 't', 'i', 'u', '-', '.', '0', 'é', 'ă', 'Dầu', '⚡️', '🚀', '\u0000', '\u2028'];
const anyChar = fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Keys and tag values hold no control character: pointToLine refuses them (InfluxDB has no escape for them). */
const keyChar = anyChar.filter((c) => c !== '\\' && !CONTROL.test(c));
const charOrBackslash = fc.oneof(anyChar, fc.constant('\\'));

/** Tag keys/values and field keys of any script, without a backslash. */
const keyText = fc.string({ unit: keyChar, minLength: 1, maxLength: 12 });

/** Keys with backslashes anywhere but at the end (pointToLine refuses that), `\n` included. */
const keyTextWithBackslashes = fc
  .string({ unit: fc.oneof(keyChar, fc.constant('\\'), fc.constantFrom('n', 'r', 't', ',', ' ', '=')), minLength: 1, maxLength: 12 })
  .filter((s) => !s.endsWith('\\'));

/**
 * String field values may hold anything: pointToLine escapes `"` and `\` there and writes
 * newlines raw (a raw newline does appear inside the quotes), which parseLine reads as part of
 * the value and parseLines does not take for a line break. So nothing is excluded.
 */
const stringValue = fc.string({ unit: charOrBackslash, maxLength: 20 });

const floatValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 0.1, 1013.42, -1.5e-7, 1e21, 1e-7, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53, 2 ** 53 + 2, 123456789012.345),
);
const integerValue = fc.oneof(fc.maxSafeInteger(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));

function pointArb(key: fc.Arbitrary<string>): fc.Arbitrary<Point> {
  const floatKey = key.filter((k) => !INTEGER_FIELDS.has(k));
  const fields = fc
    .tuple(
      fc.dictionary(floatKey, fc.oneof(floatValue, stringValue, fc.boolean()), { minKeys: 1, maxKeys: 5 }),
      fc.dictionary(fc.constantFrom(...INTEGER_FIELDS), integerValue, { maxKeys: 3 }),
    )
    .map(([other, integers]) => ({ ...other, ...integers }));
  return fc.record({
    measurement: fc.constantFrom(...(MEASUREMENTS as ReadonlySet<Measurement>)),
    // empty tag values are generated on purpose: pointToLine leaves those tags out
    tags: fc.dictionary(key, fc.oneof(key, fc.constant('')), { maxKeys: 5 }),
    fields,
    ts: fc.oneof(fc.maxSafeInteger(), fc.constantFrom(0, -1000, 1_795_248_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER)),
  });
}

/**
 * What a point reads back as: tags with an empty value dropped (pointToLine leaves them out),
 * and -0 as 0, since pointToLine writes String(-0), which is "0".
 */
function expected(p: Point): Point {
  const zero = (v: unknown) => (Object.is(v, -0) ? 0 : v);
  return {
    measurement: p.measurement,
    tags: Object.fromEntries(Object.entries(p.tags).filter(([, v]) => v !== '')),
    fields: Object.fromEntries(Object.entries(p.fields).map(([k, v]) => [k, zero(v)])) as Point['fields'],
    ts: zero(p.ts) as number,
  };
}

describe('parseLines speed', () => {
  it('reads a 5,000-line batch (prints the best of 10 warm runs; not a timed assertion)', () => {
    // Guards against searching past the current line (indexOf over the rest of the batch made
    // this 3.5x slower than parsing the lines one by one). First in the file: after the
    // properties' thousands of random keys, the sites that build tags/fields are megamorphic
    // and this takes about 4x longer, which a gateway with its few keys never sees.
    const points: Point[] = Array.from({ length: 5000 }, (_, i) => ({
      measurement: 'reading',
      tags: { device: `baro-${i % 10}`, quantity: 'pressure', tenant: 'acme', type: 'barometer' },
      fields: { raw: 101.34 + (i % 7) / 100, seq: i, status: 'ok', value: 1013.4 + (i % 9) / 10 },
      ts: 1_795_248_000_000 + i,
    }));
    const text = toLineProtocol(points);
    let best = Infinity;
    let back: Point[] = [];
    for (let run = 0; run < 12; run++) {
      const t0 = performance.now();
      back = parseLines(text);
      if (run >= 2) best = Math.min(best, performance.now() - t0);
    }
    expect(back).toEqual(points);
    console.log(`parseLines: 5,000 lines in ${best.toFixed(2)} ms (best of 10 warm runs)`);
  });
});

describe('parseLine(pointToLine(p))', () => {
  it('gives p back, and pointToLine of the result gives the same line', () => {
    expect(String(-0)).toBe('0'); // why -0 comes back as 0
    expect({ v: -0 }).not.toEqual({ v: 0 }); // toEqual compares numbers like Object.is
    fc.assert(
      fc.property(pointArb(keyText), (p) => {
        const line = pointToLine(p);
        const back = parseLine(line);
        expect(back).toEqual(expected(p));
        expect(pointToLine(back)).toBe(line);
      }),
      { numRuns: 3000 },
    );
  });

  it('also with backslashes in keys and tag values, anywhere but at the end', () => {
    fc.assert(
      fc.property(pointArb(keyTextWithBackslashes), (p) => {
        const line = pointToLine(p);
        expect(parseLine(line)).toEqual(expected(p));
      }),
      { numRuns: 3000 },
    );
  });

  it('parseLines(toLineProtocol(points)) gives the points back, newlines in string values included', () => {
    fc.assert(
      fc.property(fc.array(pointArb(keyText), { minLength: 1, maxLength: 8 }), (points) => {
        expect(parseLines(toLineProtocol(points))).toEqual(points.map(expected));
      }),
      { numRuns: 500 },
    );
  });

  it('reads decimals the same as Number() does (the fast path without a slice)', () => {
    const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: max });
    const decimal = fc
      .tuple(
        fc.boolean(),
        digits(20),
        fc.boolean(),
        digits(25),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 330 }))),
      )
      .map(([neg, int, dot, frac, exp]) => (neg ? '-' : '') + int + (dot ? '.' + frac : '') + (exp ? exp[0] + exp[1] + exp[2] : ''))
      .filter((s) => /\d/.test(s.split(/[eE]/)[0]));
    // the edges of the fast path: 15-17 significant digits, 22 and 23 decimals, 2^53 ± 1
    const edges = fc.constantFrom(
      '0.0000000000000000000001',
      '0.00000000000000000000001',
      '0.0000000000000000000000123',
      '9007199254740991.5',
      '9007199254740993',
      '900719925474099.3',
      '0.30000000000000004',
      '123456789012345678901234567890',
      '-0.0',
      '00012.500',
      '2.2250738585072014e-308',
      '1.7976931348623157e308',
    );
    fc.assert(
      fc.property(fc.oneof(decimal, edges, fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)), (text) => {
        const v = parseLine(`reading value=${text} 0`).fields.value;
        expect(Object.is(v, Number(text)), `${text} read as ${String(v)}, Number() gives ${Number(text)}`).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('parseLine on hand-written lines', () => {
  it('reads the reading line of the serialiser tests', () => {
    const line = 'reading,device=baro-1,quantity=pressure,tenant=acme,type=barometer raw=101.342,seq=1024i,status="ok",value=1013.42 1795248000000';
    expect(parseLine(line)).toEqual({
      measurement: 'reading',
      tags: { device: 'baro-1', quantity: 'pressure', tenant: 'acme', type: 'barometer' },
      fields: { raw: 101.342, seq: 1024, status: 'ok', value: 1013.42 },
      ts: 1795248000000,
    });
  });

  // Examples of the InfluxDB line protocol reference and tutorial (v1 and v2 docs), with
  // timestamps in milliseconds (a Point's ts), added where the example has none.
  it.each([
    [
      '"measurement\\ with\\ quo⚡️es\\ and\\ emoji",tag\\ key\\ with\\ sp🚀ces=tag\\,value\\,with"commas" field_k\\ey="string field value, only \\" need be esc🍭ped" 1465839830100',
      {
        measurement: '"measurement with quo⚡️es and emoji"',
        tags: { 'tag key with sp🚀ces': 'tag,value,with"commas"' },
        fields: { 'field_k\\ey': 'string field value, only " need be esc🍭ped' },
        ts: 1465839830100,
      },
    ],
    [
      'weather,location=us\\,midwest temperature=82 1465839830100',
      { measurement: 'weather', tags: { location: 'us,midwest' }, fields: { temperature: 82 }, ts: 1465839830100 },
    ],
    [
      'weather,location=us-midwest temp\\=rature=82 1465839830100',
      { measurement: 'weather', tags: { location: 'us-midwest' }, fields: { 'temp=rature': 82 }, ts: 1465839830100 },
    ],
    [
      'weather,location\\ place=us-midwest temperature=82 1465839830100',
      { measurement: 'weather', tags: { 'location place': 'us-midwest' }, fields: { temperature: 82 }, ts: 1465839830100 },
    ],
    [
      'wea\\,ther,location=us-midwest temperature=82 1465839830100',
      { measurement: 'wea,ther', tags: { location: 'us-midwest' }, fields: { temperature: 82 }, ts: 1465839830100 },
    ],
    [
      'wea\\ ther,location=us-midwest temperature=82 1465839830100',
      { measurement: 'wea ther', tags: { location: 'us-midwest' }, fields: { temperature: 82 }, ts: 1465839830100 },
    ],
    [
      'weather,location=us-midwest temperature="too\\"hot\\"" 1465839830100',
      { measurement: 'weather', tags: { location: 'us-midwest' }, fields: { temperature: 'too"hot"' }, ts: 1465839830100 },
    ],
    ['my\\ Measurement fieldKey="string value" 1', { measurement: 'my Measurement', tags: {}, fields: { fieldKey: 'string value' }, ts: 1 }],
    [
      'myMeasurement fieldKey="\\"string\\" within a string" 1',
      { measurement: 'myMeasurement', tags: {}, fields: { fieldKey: '"string" within a string' }, ts: 1 },
    ],
    [
      'myMeasurement,tag\\ Key1=tag\\ Value1,tag\\ Key2=tag\\ Value2 fieldKey=100 1',
      { measurement: 'myMeasurement', tags: { 'tag Key1': 'tag Value1', 'tag Key2': 'tag Value2' }, fields: { fieldKey: 100 }, ts: 1 },
    ],
    [
      'myMeasurement,tagKey=🍭 fieldKey="Launch 🚀" 1556813561098',
      { measurement: 'myMeasurement', tags: { tagKey: '🍭' }, fields: { fieldKey: 'Launch 🚀' }, ts: 1556813561098 },
    ],
    // v2 reference: in a string value `\` or `\\` is one backslash, `\\\` or `\\\\` two (but `\"` is
    // always an escaped quote, so a value cannot end in a lone backslash)
    [
      'm a="\\ x",b="\\\\ x",c="\\\\\\ x",d="\\\\\\\\ x",e="x\\y",f="\\\\" 1',
      { measurement: 'm', tags: {}, fields: { a: '\\ x', b: '\\ x', c: '\\\\ x', d: '\\\\ x', e: 'x\\y', f: '\\' }, ts: 1 },
    ],
  ] as const)('%s', (line, point) => {
    expect(parseLine(line)).toEqual(point);
  });

  it('reads every boolean spelling InfluxDB accepts', () => {
    const p = parseLine('check a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE 0');
    expect(p.fields).toEqual({ a: true, b: true, c: true, d: true, e: true, f: false, g: false, h: false, i: false, j: false });
  });

  it('reads float and integer forms', () => {
    const p = parseLine('reading a=1,b=-1.5,c=1e+21,d=1E-7,e=.5,f=1.,g=-0,h=5e-324,i=-9007199254740991i,j=42u,k=-0i,l=0.30000000000000004 -1000');
    expect(p.fields).toEqual({ a: 1, b: -1.5, c: 1e21, d: 1e-7, e: 0.5, f: 1, g: -0, h: 5e-324, i: -9007199254740991, j: 42, k: 0, l: 0.30000000000000004 });
    expect(Object.is(p.fields.g, -0)).toBe(true); // a hand-written -0 float stays -0 …
    expect(Object.is(p.fields.k, 0)).toBe(true); // … an integer has no -0
    expect(p.ts).toBe(-1000);
    expect(pointToLine({ ...p, fields: { g: -0 } })).toBe('reading g=0 -1000'); // and pointToLine writes -0 as 0
  });

  it('keeps \\n \\r \\t and other backslashes in keys and tag values as written (as InfluxDB 1.x does), and does not decode \\= in a measurement', () => {
    const p = parseLine('read\\=ing,k\\ey\\n=a\\tb\\rc\\\\d,x=C:\\path f\\,g=1 7');
    expect(p).toEqual({ measurement: 'read\\=ing', tags: { 'k\\ey\\n': 'a\\tb\\rc\\\\d', x: 'C:\\path' }, fields: { 'f,g': 1 }, ts: 7 });
    // `\\,` is a literal backslash then an escaped comma (pointToLine never doubles a backslash)
    expect(parseLine('m,t=a\\\\,u f=1 0').tags).toEqual({ t: 'a\\,u' });
    expect(pointToLine({ measurement: 'reading', tags: { t: 'a\\,u' }, fields: { f: 1 }, ts: 0 })).toBe('reading,t=a\\\\,u f=1 0');
  });

  it('reads a backslash before n/r/t in a tag back as written (no ambiguity left)', () => {
    const written: Point = { measurement: 'reading', tags: { path: 'C:\\new' }, fields: { value: 1 }, ts: 0 };
    const line = pointToLine(written);
    expect(line).toBe('reading,path=C:\\new value=1 0');
    expect(parseLine(line).tags.path).toBe('C:\\new');
  });

  it('reads Vietnamese retail product names back exactly', () => {
    for (const product of ['Xăng E5 RON 92-II', 'Xăng RON 95-III', 'Dầu DO 0,05S-II', 'a=b, "c" \\d']) {
      const p: Point = { measurement: 'transaction', tags: { device: 'fd-1', nozzle: '1', product }, fields: { volume: 20 }, ts: 1 };
      expect(parseLine(pointToLine(p))).toEqual(p);
    }
  });

  it('reads a raw newline inside a string value, as pointToLine writes it', () => {
    const p: Point = { measurement: 'rejection', tags: { device: 'd' }, fields: { payload: '{"a":\n1}\r\n\\' }, ts: 3 };
    const line = pointToLine(p);
    expect(line).toContain('\n');
    expect(parseLine(line)).toEqual(p);
    expect(parseLines(`${line}\n\n${line}\n`)).toEqual([p, p]);
  });

  it('keeps __proto__ and constructor as ordinary keys', () => {
    const p = parseLine('reading,__proto__=x,constructor=y __proto__=1,toString="s" 0');
    expect(Object.getPrototypeOf(p.tags)).toBe(Object.prototype);
    expect(Object.keys(p.tags)).toEqual(['__proto__', 'constructor']);
    expect(p.tags.constructor).toBe('y');
    expect(Object.hasOwn(p.fields, '__proto__')).toBe(true);
    expect(p.fields.toString).toBe('s');
  });

  it('gives an untagged line empty tags', () => {
    expect(parseLine('fleet devices=3 0').tags).toEqual({});
  });
});

describe('parseLines', () => {
  it('skips empty lines', () => {
    expect(parseLines('')).toEqual([]);
    expect(parseLines('\n\n')).toEqual([]);
    expect(parseLines('\nreading value=1 1\n\n\nreading value=2 2\n')).toEqual([
      { measurement: 'reading', tags: {}, fields: { value: 1 }, ts: 1 },
      { measurement: 'reading', tags: {}, fields: { value: 2 }, ts: 2 },
    ]);
  });

  it('names the line and the column of a malformed line', () => {
    let err: unknown;
    try {
      parseLines('reading value=1 1\n\nreading value=2,seq=2.5i 2\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LineProtocolSyntaxError);
    expect((err as LineProtocolSyntaxError).line).toBe(3);
    expect((err as LineProtocolSyntaxError).column).toBe(21);
    expect((err as Error).message).toBe(
      'invalid line protocol at line 3, column 21: field "seq" has an invalid integer (digits only before the suffix) "2.5i"; in "reading value=2,seq=2.5i 2"',
    );
  });
});

describe('parseLine on malformed lines', () => {
  it.each([
    ['', 1, /the line is empty/],
    [' value=1 1', 1, /the measurement is empty/],
    ['reading', 8, /ends after the measurement, without fields/],
    ['reading,device=d', 17, /ends after tag "device", without fields/],
    ['reading,device value=1 1', 15, /tag key "device" has no "=" and value/],
    ['reading,=d value=1 1', 9, /a tag key is empty/],
    ['reading,device= value=1 1', 16, /tag "device" has an empty value/],
    ['reading,device=a=b value=1 1', 17, /value of tag "device" has an unescaped "="/],
    ['reading ', 9, /the line has no fields/],
    ['reading value 1', 14, /field key "value" has no "=" and value/],
    ['reading value= 1', 15, /field "value" has no value/],
    ['reading =1 1', 9, /a field key is empty/],
    ['reading value=1', 16, /the line has no timestamp/],
    ['reading value=1 ', 17, /no timestamp after the space/],
    ['reading status="ok 1', 16, /string value of field "status" has no closing quote/],
    ['reading status="ok\\" 1', 16, /no closing quote/],
    ['reading status="ok"x 1', 20, /unexpected "x" after the value of field "status"/],
    ['reading seq=12ai 1', 13, /field "seq" has an invalid value "12ai"/],
    ['reading seq=i 1', 13, /invalid integer "i"/],
    ['reading seq=1.5i 1', 13, /invalid integer \(digits only before the suffix\) "1.5i"/],
    ['reading seq=-1u 1', 13, /negative unsigned integer/],
    ['reading seq=9007199254740992i 1', 13, /integer field "seq" is "9007199254740992i", outside the safe integer range/],
    ['reading value=abc 1', 15, /field "value" has an invalid value "abc"/],
    ['reading value=+1 1', 15, /invalid value "\+1"/],
    ['reading value=NaN 1', 15, /invalid value "NaN"/],
    ['reading value=1e 1', 15, /empty exponent "1e"/],
    ['reading ok=yes 1', 12, /field "ok" has an invalid value "yes"/],
    ['reading ok=tru 1', 12, /invalid value "tru"/],
    ['reading value=1 1.5', 17, /the timestamp "1.5" is not an integer/],
    ['reading value=1 12x', 17, /the timestamp "12x" is not an integer/],
    ['reading value=1 -', 17, /the timestamp "-" is not an integer/],
    ['reading value=1 1795248000000000000', 17, /timestamp 1795248000000000000 is outside the safe integer range \(it must be epoch milliseconds\)/],
    ['reading value=1 1 ', 17, /the timestamp "1 " is not an integer/],
    ['reading value=1 1\r', 17, /the timestamp "1\\r" is not an integer/],
    ['reading value=1 1\nreading value=2 2', 18, /a newline after the timestamp \(parseLine reads one line; parseLines reads several\)/],
    ['reading,a=1,a=2 value=1 1', 13, /tag key "a" appears twice/],
    ['reading value=1,value=2 1', 17, /field key "value" appears twice/],
  ] as const)('%j: column %d', (line, column, message) => {
    let err: unknown;
    try {
      parseLine(line);
    } catch (e) {
      err = e;
    }
    expect(err, 'no error').toBeInstanceOf(LineProtocolSyntaxError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(`at column ${column}:`);
    expect((err as LineProtocolSyntaxError).column).toBe(column);
  });
});

describe('splitLines (the forwarder isolating a refused line)', () => {
  it('cuts a batch into its points, keeping a newline inside a string value in its line', () => {
    const a = 'reading,device=d1 seq=1i,value=1 1790000000001';
    const b = 'rejection,device=d1 count=1i,reason="quantity: \\"x\ny\\" does not fit" 1790000000002';
    const c = 'reading,device=d\\ 2 seq=2i,value=2 1790000000003';
    expect(splitLines([a, b, c].join('\n'))).toEqual([a, b, c]);
    expect(splitLines([a, c].join('\n'))).toEqual([a, c]);
    expect(parseLines([a, b, c].join('\n'))[1].fields.reason).toBe('quantity: "x\ny" does not fit');
  });

  it('falls back to cutting at every newline when the text does not parse, so each piece can still be dead-lettered', () => {
    expect(splitLines('reading value="open\nreading,device=d1 value=1 1')).toEqual(['reading value="open', 'reading,device=d1 value=1 1']);
  });
});

// What the field sends (MAG issue 21): Vietnamese retail product names and other tag values of any
// script, nozzles as numbers, device times in epoch seconds or local time without a zone.
// Pure: one MQTT payload → points and rejections. Expected instants computed by hand in comments.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PACKAGE_ROOT } from '../config.ts';
import { Ingest, type IngestContext } from './ingest.ts';
import { isRefusal, tagValue, tagValueByRules } from './wire-fields.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import { parseLine } from '../sinks/line-protocol-parse.ts';
import { pointToLine } from '../sinks/line-protocol.ts';
import type { Device } from '../store/registry.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
// A profile that declares one more tag (a site label), to check that every declared tag is held to the same rules.
const barometer = profiles.get('barometer')!;
const labelled: InstrumentProfile = {
  ...barometer,
  id: 'labelled-barometer',
  fields: { ...barometer.fields, site: { type: 'string', required: false, tag: true, sameUnitAsValue: false } },
};

const NOW = Date.parse('2026-12-03T08:00:00.000Z');
const ctx: IngestContext = {
  profile: (t) => (t === labelled.id ? labelled : profiles.get(t)),
  certificates: (device) => [
    {
      id: 1,
      device,
      kind: 'verification',
      number: 'V',
      issuedBy: 'QUATEST 1',
      issuedAt: '2026-09-01T00:00:00Z',
      validUntil: '2027-09-01T00:00:00Z',
      createdAt: '2026-09-01T00:00:00Z',
    },
  ], // valid at NOW within every type's legal interval
  lastTotalizer: () => undefined,
  timeZoneOf: (tenant) => (tenant === 'berlin' ? 'Europe/Berlin' : 'Asia/Ho_Chi_Minh'),
};
const ingest = () => new Ingest(ctx, { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 400 });
const device = (id: string, type: string, tenant = 'petro'): Device => ({ id, tenant, type, serial: `SN-${id}`, createdAt: '2026-01-01T00:00:00Z' });
const baro = device('baro-1', 'barometer');
const fuel = device('fuel-1', 'fuel-dispenser');
const json = (x: unknown) => JSON.stringify(x);
const pressure = (ts: unknown) => ({ seq: 1, ts, quantity: 'pressure', value: 1013.2, unit: 'hPa' });
const sale = (extra: Record<string, unknown>) => ({
  seq: 5,
  ts: NOW - 60_000,
  quantity: 'volume',
  value: 20,
  unit: 'L',
  nozzle: 1,
  product: 'Xăng E5 RON 92-II',
  unitPrice: 19_630,
  amount: 392_600,
  totalizerStart: 1000,
  totalizerEnd: 1020,
  ...extra,
});

describe('device times', () => {
  it('refuses epoch seconds, saying so and what to send instead', () => {
    // 1764785000 s = 2025-12-03T18:03:20Z; as ms it would be 1970-01-21T10:13:05Z
    const r = ingest().handle(baro, 'readings', json(pressure(1_764_785_000)), NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections).toEqual([
      { seq: 1, errors: [{ path: 'ts', message: expect.stringContaining('ts looks like epoch seconds (2025-12-03T18:03:20.000Z)') }] },
    ]);
    expect(r.rejections[0].errors[0].message).toContain('send epoch milliseconds (1764785000000)');
    expect(r.rejections[0].errors[0].message).toMatch(/received 1764785000$/);
  });

  it('refuses epoch microseconds', () => {
    const r = ingest().handle(baro, 'readings', json(pressure(1_764_785_000_000_000)), NOW);
    expect(r.rejections[0].errors[0].message).toMatch(/^ts looks like epoch microseconds or nanoseconds/);
  });

  it.each([
    // Asia/Ho_Chi_Minh is UTC+7: 10:00 local = 03:00 UTC
    ['2026-12-03 10:00:00', '2026-12-03T03:00:00.000Z'],
    ['2026-12-03T10:00:00', '2026-12-03T03:00:00.000Z'],
    ['2026-12-03T10:00', '2026-12-03T03:00:00.000Z'],
    ['2026-12-03 07:59:59.5', '2026-12-03T00:59:59.500Z'],
    ['2026-12-03 00:30:00', '2026-12-02T17:30:00.000Z'],
  ])('reads local time %s in the tenant time zone Asia/Ho_Chi_Minh (the default) as %s', (ts, utc) => {
    const r = ingest().handle(baro, 'readings', json(pressure(ts)), NOW);
    expect(r.rejections).toEqual([]);
    expect(new Date(r.points[0].ts).toISOString()).toBe(utc);
  });

  it.each([
    // Europe/Berlin: CET = UTC+1 in winter, CEST = UTC+2 in summer
    ['2026-07-01 12:00:00', '2026-07-01T10:00:00.000Z'],
    ['2026-11-30 12:00:00', '2026-11-30T11:00:00.000Z'],
    ['2026-03-29 03:00:00', '2026-03-29T01:00:00.000Z'], // first second of CEST
  ])('reads local time %s of a tenant in Europe/Berlin as %s', (ts, utc) => {
    const r = ingest().handle(device('baro-b', 'barometer', 'berlin'), 'readings', json(pressure(ts)), NOW);
    expect(r.rejections).toEqual([]);
    expect(new Date(r.points[0].ts).toISOString()).toBe(utc);
  });

  it('refuses a local time the clocks skip or repeat, asking for the offset', () => {
    const berlin = device('baro-b', 'barometer', 'berlin');
    const skipped = ingest().handle(berlin, 'readings', json(pressure('2026-03-29 02:30:00')), NOW);
    expect(skipped.rejections[0].errors[0].message).toMatch(
      /^ts is a local time that does not exist in the tenant's time zone Europe\/Berlin .*send the time with its UTC offset; received "2026-03-29 02:30:00"$/,
    );
    // 02:30 on 25 October 2026 is 00:30 UTC (CEST) and again 01:30 UTC (CET)
    const repeated = ingest().handle(berlin, 'readings', json(pressure('2026-10-25 02:30:00')), NOW);
    expect(repeated.rejections[0].errors[0].message).toContain(
      "happens twice in the tenant's time zone Europe/Berlin (at 2026-10-25T00:30:00.000Z and 2026-10-25T01:30:00.000Z",
    );
  });

  it('keeps ISO 8601 with a zone and epoch milliseconds as they are', () => {
    expect(ingest().handle(baro, 'readings', json(pressure('2026-12-03T10:00:00+07:00')), NOW).points[0].ts).toBe(Date.parse('2026-12-03T03:00:00Z'));
    expect(ingest().handle(baro, 'readings', json(pressure('2026-12-03 03:00:00Z')), NOW).points[0].ts).toBe(Date.parse('2026-12-03T03:00:00Z'));
    expect(ingest().handle(baro, 'readings', json(pressure(NOW - 1000)), NOW).points[0].ts).toBe(NOW - 1000);
  });

  it('refuses readings and checks older than the registration minus MAG_BACKFILL_DAYS', () => {
    // registered 2026-01-01T00:00:00Z; 400 days earlier is 2024-11-27T00:00:00Z (365 days back to 2025-01-01, 35 more)
    expect(ingest().handle(baro, 'readings', json(pressure('2024-11-27T00:00:00Z')), NOW).rejections).toEqual([]);
    const old = ingest().handle(baro, 'readings', json(pressure('2024-11-26T23:59:59Z')), NOW);
    expect(old.points).toEqual([]);
    expect(old.rejections[0].errors).toEqual([
      {
        path: 'ts',
        message:
          'ts 2024-11-26T23:59:59.000Z is before 2024-11-27T00:00:00.000Z, the earliest time accepted: 400 days (MAG_BACKFILL_DAYS) before device baro-1 was registered (2026-01-01T00:00:00Z); check the device clock',
      },
    ]);
    const check = { seq: 2, ts: '2020-01-01T00:00:00Z', indicated: 1013.3, reference: 1013.2, referenceUncertainty: 0.05, unit: 'hPa', standardId: 'REF-1' };
    expect(ingest().handle(baro, 'checks', json(check), NOW).rejections[0].errors[0].message).toMatch(/^ts 2020-01-01T00:00:00.000Z is before/);
  });

  it('names ts and the batch index when a time is in the future', () => {
    const r = ingest().handle(baro, 'readings', json({ readings: [pressure(NOW + 3_600_000)] }), NOW);
    expect(r.rejections[0].errors).toEqual([
      { path: 'readings.0.ts', message: expect.stringMatching(/^readings\.0\.ts 2026-12-03T09:00:00\.000Z is 3600 s in the future/) },
    ]);
  });
});

describe('tag values of any script', () => {
  it.each(['Xăng E5 RON 92-II', 'Xăng RON 95-III', 'Dầu DO 0,05S-II'])('stores the sale of %s, nozzle sent as the number 1', (product) => {
    const r = ingest().handle(fuel, 'readings', json(sale({ product })), NOW);
    expect(r.rejections).toEqual([]);
    const [reading, transaction] = r.points;
    expect(reading.tags).toEqual({ tenant: 'petro', device: 'fuel-1', type: 'fuel-dispenser', quantity: 'volume', nozzle: '1', product });
    expect(transaction.tags).toEqual({ tenant: 'petro', device: 'fuel-1', nozzle: '1', product });
    for (const p of r.points) expect(parseLine(pointToLine(p)).tags).toEqual(p.tags);
    expect(reading.line).toBe(pointToLine({ ...reading, line: undefined }));
  });

  it('takes a nozzle by name as well', () => {
    expect(ingest().handle(fuel, 'readings', json(sale({ nozzle: 'Vòi 2 (trái)' })), NOW).points[1].tags.nozzle).toBe('Vòi 2 (trái)');
  });

  it.each([
    [{ nozzle: 1.5 }, 'nozzle', /^nozzle must be a nozzle number \(a whole number from 0\) or a nozzle name, .*; received 1\.5$/],
    [{ nozzle: -1 }, 'nozzle', /received -1$/],
    [{ nozzle: true }, 'nozzle', /received true$/],
    [{ product: 'RON\n95' }, 'product', /^product holds the control character U\+000A at character 4/],
    [{ product: 'x'.repeat(129) }, 'product', /^product is 129 characters long: at most 128 are accepted; received "x{59}… \(131 characters\)$/],
    [{ product: 'RON95\\' }, 'product', /^product ends with a backslash, which InfluxDB cannot store/],
    [{ product: '' }, 'product', /^product must not be empty/],
    [{ product: undefined }, 'product', /^product is missing: it must be text of 1 to 128 characters/],
  ])('refuses %j naming the field', (change, path, message) => {
    const r = ingest().handle(fuel, 'readings', json(sale(change)), NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections).toEqual([{ seq: 5, errors: [{ path, message: expect.stringMatching(message) }] }]);
  });

  it('counts characters, not UTF-16 units: 128 emoji are a tag value', () => {
    expect(ingest().handle(fuel, 'readings', json(sale({ product: '⛽'.repeat(64) + '🚀'.repeat(64) })), NOW).rejections).toEqual([]);
  });

  it('holds every tag a profile declares to the same rules', () => {
    const d = device('lab-1', labelled.id);
    const ok = ingest().handle(d, 'readings', json({ ...pressure(NOW), site: 'Trạm Cần Thơ, kho "A"' }), NOW);
    expect(ok.points[0].tags.site).toBe('Trạm Cần Thơ, kho "A"');
    const bad = ingest().handle(d, 'readings', json({ ...pressure(NOW), site: 'a\tb' }), NOW);
    expect(bad.rejections[0].errors).toEqual([{ path: 'site', message: expect.stringMatching(/^site holds the control character U\+0009/) }]);
  });

  it('tags a check with a test point of any script', () => {
    const check = {
      seq: 3,
      ts: NOW - 60_000,
      indicated: 20.01,
      reference: 20,
      referenceUncertainty: 0.004,
      unit: 'L',
      standardId: 'PM-20L-07',
      point: 'Qmax — bình chuẩn 20 L, "II"',
    };
    const r = ingest().handle(fuel, 'checks', json(check), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points[0].tags.point).toBe('Qmax — bình chuẩn 20 L, "II"');
  });

  it('the same payload as bytes (the fast path) gives the same result', () => {
    const payload = json({ ...pressure(NOW), note: 'áp suất' });
    expect(ingest().handle(baro, 'readings', Buffer.from(payload, 'utf8'), NOW)).toEqual(ingest().handle(baro, 'readings', payload, NOW));
    const tx = json(sale({}));
    expect(ingest().handle(fuel, 'readings', Buffer.from(tx, 'utf8'), NOW)).toEqual(ingest().handle(fuel, 'readings', tx, NOW));
  });

  it('any text accepted as a product is stored as sent and reads back from line protocol unchanged', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(',', ' ', '=', '"', "'", '\\', 'n', 'ă', 'ầ', 'Đ', '🚀', '\u2028'), minLength: 1, maxLength: 20 }),
    );
    const ing = ingest();
    let seq = 0;
    fc.assert(
      fc.property(text, fc.oneof(fc.nat({ max: 99 }), text), (product, nozzle) => {
        const accepted = !isRefusal(tagValue(product)) && (typeof nozzle === 'number' || !isRefusal(tagValue(nozzle)));
        seq++;
        // the same totalizer each time: a gap would be a (correct) tamper finding, irrelevant here;
        // a time of its own each run: fast-check may draw the same product and nozzle twice, and a
        // second reading of one series at one time is (rightly) refused
        const r = ing.handle(fuel, 'readings', json(sale({ seq, ts: NOW - 60_000 + seq * 10, product, nozzle })), NOW);
        if (!accepted) {
          expect(r.points).toEqual([]);
          return;
        }
        expect(r.rejections).toEqual([]);
        for (const p of r.points) {
          expect(p.tags.product).toBe(product);
          expect(p.tags.nozzle).toBe(String(nozzle));
          expect(parseLine(pointToLine(p))).toEqual({ ...p, line: undefined, fields: expect.any(Object) });
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('tagValue', () => {
  it('answers what its rules answer, for text of any script, control characters, backslashes and lengths (its shortcut for printable ASCII changes nothing)', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 140 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 120, maxLength: 135 }),
      fc.constantFrom('', 'RON95', 'Xăng E5 RON92', 'a\\', 'a\\b', '\u007f', '\uD800', 'x'.repeat(128), 'x'.repeat(129), ' ', '~'),
    );
    fc.assert(
      fc.property(fc.oneof(text, fc.integer(), fc.constant(null)), (v) => {
        expect(tagValue(v)).toEqual(tagValueByRules(v));
      }),
      { numRuns: 20_000 },
    );
  });
});

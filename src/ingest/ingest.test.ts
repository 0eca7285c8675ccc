// Ingest, pure: one MQTT payload → points and rejections, with an in-memory context.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pointToLine } from '../sinks/line-protocol.ts';
import { PACKAGE_ROOT } from '../config.ts';
import { Ingest, senmlToReadings, type IngestContext } from './ingest.ts';
import { SenmlPackSchema } from './payloads.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import type { Device, StoredCertificate } from '../store/registry.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const NOW = Date.parse('2026-11-21T08:00:00.000Z');
const MIN = 60_000;

// Valid at NOW under every type's legal interval: a certificate claiming longer counts only to issuedAt +
// interval (gas detector 6 months: due 2026-12-01; the others 12 months: 2027-06-01).
const cert = (device: string): StoredCertificate => ({
  id: 1,
  device,
  kind: 'verification',
  number: `V-${device}`,
  issuedBy: 'QUATEST 1',
  issuedAt: '2026-06-01T00:00:00Z',
  validUntil: '2027-06-01T00:00:00Z',
  createdAt: '2020-01-01T00:00:00Z',
});

const ctx: IngestContext = {
  profile: (t) => profiles.get(t),
  certificates: (d) => [cert(d)],
  lastTotalizer: () => undefined,
  timeZoneOf: (tenant) => (tenant === 'berlin' ? 'Europe/Berlin' : 'Asia/Ho_Chi_Minh'),
};

const device = (id: string, type: string, extra: Partial<Device> = {}): Device => ({
  id,
  tenant: 'acme',
  type,
  serial: `SN-${id}`,
  createdAt: '2025-01-01T00:00:00Z',
  ...extra,
});
const baro = device('baro-1', 'barometer');
const gas = device('gas-1', 'gas-detector');
const fuel = device('fuel-1', 'fuel-dispenser');

const ingest = (maxBatchReadings = 1000) => new Ingest(ctx, { futureToleranceMs: 5 * MIN, maxBatchReadings, backfillDays: 400 });
const json = (x: unknown) => JSON.stringify(x);
const pressure = (seq: number, ts: unknown, value = 1013.2, unit = 'hPa') => ({ seq, ts, quantity: 'pressure', value, unit });

describe('Ingest: timestamps', () => {
  it('rejects a reading more than 5 minutes in the future, naming ts', () => {
    const r = ingest().handle(baro, 'readings', json(pressure(1, NOW + 5 * MIN + 1000)), NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections).toEqual([{ seq: 1, errors: [{ path: 'ts', message: expect.stringMatching(/future/) }] }]);
  });

  it('accepts a reading up to 5 minutes ahead (clock skew)', () => {
    const r = ingest().handle(baro, 'readings', json(pressure(1, new Date(NOW + 4 * MIN).toISOString())), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points[0].ts).toBe(NOW + 4 * MIN);
  });

  it('rejects a check more than 5 minutes in the future', () => {
    const check = { seq: 9, ts: NOW + 10 * MIN, indicated: 1013.3, reference: 1013.2, referenceUncertainty: 0.05, unit: 'hPa', standardId: 'REF-1' };
    const r = ingest().handle(baro, 'checks', json(check), NOW);
    expect(r.checks).toEqual([]);
    expect(r.rejections).toEqual([{ seq: 9, errors: [{ path: 'ts', message: expect.stringMatching(/future/) }] }]);
  });

  it('accepts old readings (backfill) with their own time', () => {
    const old = Date.parse('2024-02-29T23:59:59.123Z');
    const r = ingest().handle(baro, 'readings', json(pressure(1, '2024-02-29T23:59:59.123Z')), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points).toHaveLength(1);
    expect(r.points[0].ts).toBe(old);
    expect(r.readings[0].ts).toBe(old);
  });

  it('accepts 29 February of a leap year', () => {
    expect(ingest().handle(baro, 'readings', json(pressure(1, '2024-02-29T12:00:00Z')), NOW).points).toHaveLength(1);
  });

  it('accepts epoch milliseconds and ISO with an offset', () => {
    const a = ingest().handle(baro, 'readings', json(pressure(1, NOW - MIN)), NOW);
    expect(a.points[0].ts).toBe(NOW - MIN);
    const b = ingest().handle(baro, 'readings', json(pressure(2, '2026-11-21T15:00:00+07:00')), NOW);
    expect(b.points[0].ts).toBe(NOW);
  });

  it.each(['2026-11-21', 'yesterday', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-21T24:00:00Z', 1_790_000_000_000.5, -1, true, null])(
    'rejects ts %j (not a time, not integer ms)',
    (ts) => {
      const r = ingest().handle(baro, 'readings', json(pressure(1, ts)), NOW);
      expect(r.points).toEqual([]);
      expect(r.rejections).toHaveLength(1);
      expect(r.rejections[0].seq).toBe(1);
      expect(r.rejections[0].errors.map((e) => e.path)).toContain('ts');
    },
  );
});

describe('Ingest: readings', () => {
  it('makes a docs/contract.md §3 reading point', () => {
    const r = ingest().handle(baro, 'readings', json(pressure(7, NOW - MIN, 1013.42)), NOW);
    expect(r.points).toEqual([
      {
        measurement: 'reading',
        tags: { tenant: 'acme', device: 'baro-1', type: 'barometer', quantity: 'pressure' },
        fields: { value: 1013.42, raw: 1013.42, seq: 7, status: 'ok' },
        ts: NOW - MIN,
        line: `reading,device=baro-1,quantity=pressure,tenant=acme,type=barometer raw=1013.42,seq=7i,status="ok",value=1013.42 ${NOW - MIN}`,
      },
    ]);
  });

  it("refuses a transaction whose totalizer is spelt the British way, and keeps a device's own keys out quietly", () => {
    const tx = { seq: 5, ts: NOW, quantity: 'volume', value: 20, unit: 'L', nozzle: 1, product: 'RON95', unitPrice: 20000, amount: 400000 };
    const r = ingest().handle(fuel, 'readings', json({ ...tx, totaliserStart: 100, totalizerEnd: 120 }), NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections).toEqual([
      {
        seq: 5,
        errors: [
          {
            path: 'totaliserStart',
            message:
              'totaliserStart is not a field of a reading of a fuel-dispenser: did you mean "totalizerStart"? (Sent under another name it would be left out, and the message judged without it.)',
          },
        ],
      },
    ]);
    const own = ingest().handle(fuel, 'readings', json({ ...tx, totalizerStart: 100, totalizerEnd: 120, state: 'idle', fp: 3 }), NOW);
    expect(own.rejections).toEqual([]);
    expect(own.points.map((p) => p.measurement)).toEqual(['reading', 'transaction']);
    // in a batch the misspelt reading alone is refused, named by its place
    const batch = ingest().handle(
      baro,
      'readings',
      json({ readings: [pressure(1, NOW - MIN), { seq: 2, ts: NOW, quantity: 'pressure', value: 1013.2, Unit: 'hPa' }] }),
      NOW,
    );
    expect(batch.points).toHaveLength(1);
    expect(batch.rejections).toEqual([
      { seq: 2, errors: [expect.objectContaining({ path: 'readings.1.Unit', message: expect.stringContaining('did you mean "unit"') })] },
    ]);
  });

  it("renders a fuel dispenser's transaction line as pointToLine would, for any nozzle, product, price and totalizers", () => {
    // The transaction's line is built from a cached series key too; it must be exactly pointToLine's.
    const ing = ingest();
    let run = 0;
    const label = fc.stringMatching(/^[A-Za-z0-9 ,=._:-]{1,12}$/).filter((s) => !s.endsWith('\\'));
    const amount = fc.double({ min: 0, max: 1e9, noNaN: true });
    const volume = fc.double({ min: 0.5, max: 1000, noNaN: true });
    fc.assert(
      fc.property(
        label,
        fc.oneof(label, fc.nat(99)),
        label,
        amount,
        amount,
        volume,
        fc.integer({ min: 0, max: 2 ** 40 }),
        (id, nozzle, product, unitPrice, start, value, seq) => {
          const r = ing.handle(
            device(id, 'fuel-dispenser'),
            'readings',
            json({
              seq,
              ts: NOW - (seq % 1_000_000),
              quantity: 'volume',
              value,
              unit: 'L',
              nozzle,
              product,
              unitPrice,
              amount: value * unitPrice,
              totalizerStart: start,
              totalizerEnd: start + value,
            }),
            NOW,
          );
          expect(r.rejections).toEqual([]);
          expect(r.points.map((p) => p.measurement)).toEqual(['reading', 'transaction']);
          for (const p of r.points) expect(p.line).toBe(pointToLine({ ...p, line: undefined }));
          return true;
        },
      ),
      { numRuns: 400 },
    );
  });

  it("renders each reading's line protocol as pointToLine would, for any value, unit, channel and device id", () => {
    // The reading's line is built from a cached series key (the hot path); it must be exactly pointToLine's.
    const ing = ingest();
    let run = 0;
    const label = fc.stringMatching(/^[A-Za-z0-9 ,=._:-]{1,12}$/).filter((s) => !s.endsWith('\\'));
    fc.assert(
      fc.property(
        label,
        fc.constantFrom<[string, string, Record<string, unknown>]>(
          ['barometer', 'pressure', { unit: 'hPa' }],
          ['barometer', 'pressure', { unit: 'kPa' }],
          ['gas-detector', 'concentration', { unit: 'ppm', gas: 'CO' }],
          ['gas-detector', 'concentration', { unit: 'ppm', gas: 'H2S' }],
        ),
        fc.double({ min: 0, max: 2000, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (id, [type, quantity, extra], value, seq) => {
          // each run a time of its own, later than the one before and within the last day: an older one is
          // refused as past the backfill window (and would check nothing), a second reading of a series at one
          // time as a repeat (fast-check draws the same id and seq more than once)
          const r = ing.handle(device(id, type), 'readings', json({ seq, ts: NOW - 86_400_000 + ++run, quantity, value, ...extra }), NOW);
          expect(r.rejections).toEqual([]);
          expect(r.points).toHaveLength(1);
          for (const p of r.points) {
            expect(p.line).toBeDefined();
            expect(p.line).toBe(pointToLine({ ...p, line: undefined }));
          }
          return true;
        },
      ),
      { numRuns: 400 },
    );
  });

  it('converts to the canonical unit and keeps the raw value (kPa → hPa)', () => {
    const r = ingest().handle(baro, 'readings', json(pressure(1, NOW, 101.342, 'kPa')), NOW);
    expect(r.points[0].fields.value).toBeCloseTo(1013.42, 9);
    expect(r.points[0].fields.raw).toBe(101.342);
    expect(r.readings[0].unit).toBe('hPa');
  });

  it('tags the gas channel of a gas detector', () => {
    const r = ingest().handle(gas, 'readings', json({ seq: 1, ts: NOW, quantity: 'concentration', gas: 'CO', value: 12, unit: 'ppm' }), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points[0].tags).toEqual({ tenant: 'acme', device: 'gas-1', type: 'gas-detector', quantity: 'concentration', gas: 'CO' });
  });

  it('makes a reading and a transaction point from a fuel-dispenser transaction, converting mL → L', () => {
    const tx = {
      seq: 3,
      ts: NOW,
      quantity: 'volume',
      value: 20060,
      unit: 'mL',
      nozzle: '2',
      product: 'RON95',
      unitPrice: 23800,
      amount: 477428,
      totalizerStart: 1000000,
      totalizerEnd: 1020060,
    };
    const r = ingest().handle(fuel, 'readings', json(tx), NOW);
    expect(r.rejections).toEqual([]);
    const reading = r.points.find((p) => p.measurement === 'reading')!;
    const transaction = r.points.find((p) => p.measurement === 'transaction')!;
    expect(reading.tags).toEqual({ tenant: 'acme', device: 'fuel-1', type: 'fuel-dispenser', quantity: 'volume', nozzle: '2', product: 'RON95' });
    expect(reading.fields.value).toBeCloseTo(20.06, 9);
    expect(reading.fields.raw).toBe(20060);
    expect(transaction.tags).toEqual({ tenant: 'acme', device: 'fuel-1', nozzle: '2', product: 'RON95' });
    expect(transaction.fields).toMatchObject({ unitPrice: 23800, amount: 477428, seq: 3 });
    // totalizers are sent in the unit of value and stored in the canonical unit, like the volume
    expect(transaction.fields.totalizerStart).toBeCloseTo(1000, 9);
    expect(transaction.fields.totalizerEnd).toBeCloseTo(1020.06, 9);
    expect(transaction.fields.volume).toBeCloseTo(20.06, 9);
  });

  it('rejects a wrong quantity and unit with their paths', () => {
    const r = ingest().handle(baro, 'readings', json({ seq: 1, ts: NOW, quantity: 'mass', value: 1, unit: 'kg' }), NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections[0].errors.map((e) => e.path).sort()).toEqual(['quantity', 'unit']);
  });

  it('rejects what is not JSON', () => {
    const r = ingest().handle(baro, 'readings', '{"seq": 1,', NOW);
    expect(r.rejections).toEqual([{ errors: [{ path: '(root)', message: expect.stringMatching(/not valid JSON/) }] }]);
  });

  it('rejects bytes that are not UTF-8 (a name in Windows-1258) instead of storing U+FFFD; a U+FFFD sent as UTF-8 is text', () => {
    // "Xăng" in Windows-1258 is 58 E3 6E 67: E3 starts no valid UTF-8 sequence here
    const legacy = Buffer.concat([
      Buffer.from('{"seq":1,"ts":' + NOW + ',"quantity":"pressure","value":1013,"unit":"hPa","product":"X'),
      Buffer.from([0xe3]),
      Buffer.from('ng"}'),
    ]);
    const r = ingest().handle(baro, 'readings', legacy, NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections).toEqual([
      {
        seq: 1,
        errors: [{ path: 'product', message: 'product is not UTF-8 text (a legacy code page such as Windows-1258?): send names and text encoded as UTF-8' }],
      },
    ]);
    // not JSON even read byte by byte: the message as a whole
    const broken = Buffer.concat([Buffer.from('{"seq":1,"product":"X'), Buffer.from([0xe3])]);
    expect(ingest().handle(baro, 'readings', broken, NOW).rejections).toEqual([
      { errors: [{ path: '(root)', message: 'the message is not UTF-8 text: send names and text encoded as UTF-8' }] },
    ]);
    const replacement = Buffer.from(json({ seq: 1, ts: NOW, quantity: 'pressure', value: 1013, unit: 'hPa', note: 'X\uFFFDng' }), 'utf8');
    expect(ingest().handle(baro, 'readings', replacement, NOW).rejections[0]?.errors[0]?.message ?? '').not.toMatch(/UTF-8/);
  });

  it('reads a message after a byte order mark, as Windows tools write UTF-8 (RFC 8259 §8.1 lets a parser ignore it)', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json(pressure(1, NOW)))]);
    const r = ingest().handle(baro, 'readings', bom, NOW);
    expect(r.rejections).toEqual([]);
    expect(r.readings.map((x) => x.value)).toEqual([1013.2]);
  });

  it("says once that a gas detector's reading needs its gas, with the gases it may be", () => {
    const r = ingest().handle(gas, 'readings', json({ seq: 1, ts: NOW, quantity: 'concentration', value: 5, unit: 'ppm' }), NOW);
    expect(r.rejections).toEqual([{ seq: 1, errors: [{ path: 'gas', message: 'gas is required for instrument type gas-detector: one of CO, H2S, O2, CH4' }] }]);
  });

  it('names an unset clock (ts 0, or hours since boot) as such, not as epoch seconds to multiply', () => {
    for (const ts of [0, 86_400]) {
      const r = ingest().handle(baro, 'readings', json({ seq: 1, ts, quantity: 'pressure', value: 1013, unit: 'hPa' }), NOW);
      expect(r.rejections[0].errors).toEqual([{ path: 'ts', message: expect.stringContaining("the device's clock looks unset") }]);
    }
  });
});

describe('Ingest: batches', () => {
  const batch = (n: number) => json({ readings: Array.from({ length: n }, (_, i) => pressure(i + 1, NOW - (n - i) * 1000)) });

  it('accepts a batch up to the limit', () => {
    const r = ingest(5).handle(baro, 'readings', batch(5), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points.map((p) => p.fields.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a batch over the limit, and an empty one, as a whole', () => {
    const over = ingest(5).handle(baro, 'readings', batch(6), NOW);
    expect(over.points).toEqual([]);
    expect(over.rejections).toEqual([{ errors: [{ path: 'readings', message: expect.stringMatching(/1 to 5 readings/) }] }]);
    const empty = ingest(5).handle(baro, 'readings', json({ readings: [] }), NOW);
    expect(empty.points).toEqual([]);
    expect(empty.rejections).toHaveLength(1);
  });

  it('the default limit is 1000', () => {
    expect(ingest().handle(baro, 'readings', batch(1000), NOW).points).toHaveLength(1000);
    expect(ingest().handle(baro, 'readings', batch(1001), NOW).points).toHaveLength(0);
  });

  it('keeps the good readings of a batch and names the bad one by index', () => {
    const body = { readings: [pressure(1, NOW - 2000), pressure(2, NOW - 1000, Number.NaN), { ...pressure(3, NOW), value: 'high' }] };
    const r = ingest().handle(baro, 'readings', JSON.stringify(body), NOW);
    expect(r.points.map((p) => p.fields.seq)).toEqual([1]);
    expect(r.rejections.map((x) => x.seq)).toEqual([2, 3]);
    expect(r.rejections[1].errors).toEqual([{ path: 'readings.2.value', message: expect.any(String) }]);
  });
});

describe('Ingest: SenML (RFC 8428)', () => {
  it('converts a pack with base name, base time and base unit to readings in the canonical unit', () => {
    const bt = (NOW - 10 * MIN) / 1000;
    const pack = [
      { bn: 'urn:dev:mac:baro-1:', bt, bu: 'kPa', n: 'pressure', v: 101.3, seq: 11 },
      { n: 'pressure', t: 60, v: 101.31, seq: 12 },
      { n: 'pressure', t: 120, u: 'hPa', v: 1013.2, seq: 13 },
    ];
    const r = ingest().handle(baro, 'senml', json(pack), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points.map((p) => [p.fields.seq, p.ts])).toEqual([
      [11, NOW - 10 * MIN],
      [12, NOW - 9 * MIN],
      [13, NOW - 8 * MIN],
    ]);
    expect(r.points[0].fields.value).toBeCloseTo(1013, 9);
    expect(r.points[0].fields.raw).toBe(101.3);
    expect(r.points[1].fields.value).toBeCloseTo(1013.1, 9);
    expect(r.points[2].fields.value).toBe(1013.2);
    expect(r.points[0].tags.quantity).toBe('pressure');
  });

  it('makes no reading of a record that carries base fields only (bv is added to a value, not one)', () => {
    const pack = SenmlPackSchema.parse([
      { bn: 'baro-1/pressure', bv: 1000, bu: 'hPa', bt: 1_796_497_900 },
      { v: 13.2, t: 1 },
      { v: 13.4, t: 2 },
    ]);
    expect(senmlToReadings(pack, NOW).map((r: any) => [r.ts, r.value])).toEqual([
      [1_796_497_901_000, 1013.2],
      [1_796_497_902_000, 1013.4],
    ]);
  });

  it('reads times below 2^28 s as relative to now, and carries extension fields such as gas', () => {
    const pack = SenmlPackSchema.parse([{ bn: 'gas-1/', n: 'concentration', u: 'ppm', v: 5, t: -30, gas: 'CO' }]);
    expect(senmlToReadings(pack, NOW)).toEqual([{ gas: 'CO', seq: NOW - 30_000, ts: NOW - 30_000, quantity: 'concentration', value: 5, unit: 'ppm' }]);
    const r = ingest().handle(gas, 'senml', json(pack), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points[0].tags.gas).toBe('CO');
  });

  it('rejects a malformed pack and a SenML record in the future', () => {
    expect(ingest().handle(baro, 'senml', json({ n: 'pressure', v: 1 }), NOW).rejections).toHaveLength(1);
    expect(ingest().handle(baro, 'senml', json([]), NOW).rejections).toHaveLength(1);
    const future = ingest().handle(baro, 'senml', json([{ n: 'pressure', u: 'hPa', v: 1013, t: 3600, seq: 1 }]), NOW);
    expect(future.points).toEqual([]);
    expect(future.rejections[0].errors[0].path).toBe('[0].ts');
  });

  it('applies the batch limit to a pack', () => {
    const pack = Array.from({ length: 4 }, (_, i) => ({ n: 'pressure', u: 'hPa', v: 1013, t: -i, seq: i }));
    const r = ingest(3).handle(baro, 'senml', json(pack), NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections).toHaveLength(1);
  });
});

describe('Ingest: checks', () => {
  it('makes a check point with the computed error, MPE and decisions', () => {
    const check = {
      seq: 77,
      ts: '2026-11-21T07:55:00Z',
      indicated: 1013.3,
      reference: 1013.2,
      referenceUncertainty: 0.05,
      unit: 'hPa',
      standardId: 'REF-1',
      point: 'ambient',
    };
    const r = ingest().handle(baro, 'checks', json(check), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points).toHaveLength(1);
    const p = r.points[0];
    expect(p.measurement).toBe('check');
    expect(p.tags).toEqual({ tenant: 'acme', device: 'baro-1', type: 'barometer', point: 'ambient' });
    expect(p.ts).toBe(NOW - 5 * MIN);
    expect(p.fields).toMatchObject({ indicated: 1013.3, reference: 1013.2, mpe: 0.3, seq: 77, legal: 'pass' });
    expect(p.fields.error).toBeCloseTo(0.1, 9);
    expect(typeof p.fields.uncertainty).toBe('number');
    expect(['pass', 'conditional-pass']).toContain(p.fields.decision);
  });

  it('refuses a check with a field misspelt, which would have been judged without it', () => {
    // ĐLVN 10: at 20 L a verification allows ±0.3 % = 0.06 L, in service ±0.45 % = 0.09 L; 20.07 − 20 = 0.07 L
    const check = { seq: 9, ts: NOW, indicated: 20.07, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-20L-07' };
    const misspelt = ingest().handle(fuel, 'checks', json({ ...check, regim: 'verification' }), NOW);
    expect(misspelt.points).toEqual([]);
    expect(misspelt.rejections).toEqual([
      {
        seq: 9,
        errors: [
          {
            path: 'regim',
            message:
              'regim is not a field of a check: did you mean "regime"? (Sent under another name it would be left out, and the message judged without it.)',
          },
        ],
      },
    ]);
    const spelt = ingest().handle(fuel, 'checks', json({ ...check, regime: 'verification' }), NOW);
    expect(spelt.rejections).toEqual([]);
    expect(spelt.points[0].fields).toMatchObject({ mpe: 0.06, legal: 'fail' });
    // a docking station's own keys beside the contract's are left out quietly, as before
    const own = ingest().handle(
      gas,
      'checks',
      json({ ...check, seq: 10, unit: 'ppm', indicated: 51, reference: 50, referenceUncertainty: 1, gas: 'CO', event: 'bump', cylinderLot: 'L-7' }),
      NOW,
    );
    expect(own.rejections).toEqual([]);
    expect(own.points).toHaveLength(1);
  });

  it('rejects a check missing its reference', () => {
    const r = ingest().handle(baro, 'checks', json({ seq: 1, ts: NOW, indicated: 1, unit: 'hPa', standardId: 'x', referenceUncertainty: 0 }), NOW);
    expect(r.points).toEqual([]);
    expect(r.rejections).toEqual([{ seq: 1, errors: [expect.objectContaining({ path: 'reference' })] }]);
  });
});

// A type added as data (devices/water-meter.json, docs/metrology.md §3.8): the same path as any other type,
// with the check's `point` choosing the MPE (the flow zone of the test).
describe('Ingest: a water meter', () => {
  const water = device('wm-1', 'water-meter', { construction: 'mechanical' });

  it('stores the register reading in L (12.3456 m3 → 12345.6 L)', () => {
    const r = ingest().handle(water, 'readings', json({ seq: 1, ts: NOW - MIN, quantity: 'volume', value: 12.3456, unit: 'm3' }), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points[0]!.tags).toMatchObject({ type: 'water-meter' });
    expect(r.points[0]!.fields.value).toBeCloseTo(12345.6, 9);
  });

  it('judges a check at Q3 in m3 by 2 % of the reference (101.5 L vs 100 L: e 1.5 L, MPE 2 L, pass) and refuses one at "Qmax" on `point`', () => {
    const check = {
      seq: 7,
      ts: NOW - MIN,
      indicated: 0.1015,
      reference: 0.1,
      referenceUncertainty: 0.0001,
      unit: 'm3',
      standardId: 'TANK-100L-01',
      point: 'Q3',
    };
    const r = ingest().handle(water, 'checks', json(check), NOW);
    expect(r.rejections).toEqual([]);
    expect(r.points[0]!.tags).toEqual({ tenant: 'acme', device: 'wm-1', type: 'water-meter', point: 'Q3' });
    expect(r.points[0]!.fields).toMatchObject({ indicated: 101.5, reference: 100, error: 1.5, mpe: 2, legal: 'pass', decision: 'pass' });
    const q1 = ingest().handle(water, 'checks', json({ ...check, point: 'Q1' }), NOW);
    expect(q1.points[0]!.fields).toMatchObject({ mpe: 5, legal: 'pass' }); // 5 % × 100 L at Q1
    const bad = ingest().handle(water, 'checks', json({ ...check, point: 'Qmax' }), NOW);
    expect(bad.points).toEqual([]);
    expect(bad.rejections).toEqual([
      {
        seq: 7,
        errors: [{ path: 'point', message: expect.stringMatching(/^point "Qmax" is not a test point of water-meter class 2: one of Q1, Q2, Q3, Q4/) }],
      },
    ]);
  });
});

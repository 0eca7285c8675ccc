// Readings and fuel transactions sent again (at-least-once delivery) or at a time their series
// already has: the time-series keeps one point per series and time, so Ingest tells a replay (the
// same message: its first points again, judged no more) from other content (refused, with why).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import type { Device, StoredCertificate } from '../store/registry.ts';
import { Ingest, type IngestContext } from './ingest.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const NOW = Date.parse('2026-12-05T19:00:00.000Z');
const T = Date.parse('2026-12-05T18:40:00.000Z');

const cert = (device: string): StoredCertificate => ({
  id: 1,
  device,
  kind: 'verification',
  number: `V-${device}`,
  issuedBy: 'QUATEST 1',
  issuedAt: '2026-10-01T00:00:00Z',
  validUntil: '2027-10-01T00:00:00Z',
  createdAt: '2026-01-01T00:00:00Z',
});
const ctx: IngestContext = {
  profile: (t) => profiles.get(t),
  certificates: (d) => [cert(d)],
  lastTotalizer: () => undefined,
  timeZoneOf: () => 'Asia/Ho_Chi_Minh',
};
const device = (id: string, type: string, extra: Partial<Device> = {}): Device => ({
  id,
  tenant: 'acme',
  type,
  serial: `SN-${id}`,
  createdAt: '2026-01-01T00:00:00Z',
  ...extra,
});
const baro = device('a-barometer', 'barometer');
const scale = device('a-scale', 'scale', { class: 'III', e: 0.005, max: 30 } as Partial<Device>);
const gas = device('a-gas-detector', 'gas-detector');
const fuel = device('a-dispenser', 'fuel-dispenser');

const newIngest = () => new Ingest(ctx, { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 400 });
const json = (x: unknown) => JSON.stringify(x);
const pressure = (seq: number, ts: number, value: number) => ({ seq, ts: new Date(ts).toISOString(), quantity: 'pressure', value, unit: 'hPa' });
const lines = (r: { points: { line?: string }[] }) => r.points.map((p) => p.line);

describe('a reading sent again', () => {
  it('as it was sent is a replay: its first line again (the status judged then), nothing to judge again', () => {
    const ingest = newIngest();
    ingest.handle(baro, 'readings', json(pressure(19, T - 60_000, 1000)), NOW);
    // 10 hPa in a minute: implausible (WMO at most 3 hPa an hour), with an out-of-range alert from its status
    const first = ingest.handle(baro, 'readings', json(pressure(20, T, 1010)), NOW);
    expect(first.readings.map((r) => r.status)).toEqual(['implausible']);
    const again = ingest.handle(baro, 'readings', json(pressure(20, T, 1010)), NOW);
    expect(again.rejections).toEqual([]);
    expect(lines(again)).toEqual(lines(first));
    expect(lines(again)[0]).toContain('status="implausible"');
    // no reading for the assurance state: no alert counted again
    expect(again.readings).toEqual([]);
  });

  it('with other content under its seq and time is refused, naming what was received first; nothing of it is stored', () => {
    const ingest = newIngest();
    ingest.handle(baro, 'readings', json(pressure(20, T, 1010)), NOW);
    const changed = ingest.handle(baro, 'readings', json(pressure(20, T, 1012)), NOW);
    expect(changed.points).toEqual([]);
    expect(changed.readings).toEqual([]);
    expect(changed.rejections).toEqual([
      {
        seq: 20,
        errors: [
          {
            path: 'seq',
            message: 'seq 20 at 2026-12-05T18:40:00.000Z was received before with other content (value 1010 hPa): a replay must repeat the message as sent',
          },
        ],
      },
    ]);
    // the same value in another unit is other content too: the raw value stored would change
    expect(ingest.handle(baro, 'readings', json({ ...pressure(20, T, 101), unit: 'kPa' }), NOW).rejections[0].errors[0].message).toContain(
      '(value 1010 as sent)',
    );
  });

  it('is taken as new once its series forgot it (its journal append failed: the device sends it again)', () => {
    const ingest = newIngest();
    ingest.handle(baro, 'readings', json(pressure(20, T, 1010)), NOW);
    ingest.forgetLatestReadings(baro);
    const again = ingest.handle(baro, 'readings', json(pressure(20, T, 1012)), NOW);
    expect(again.rejections).toEqual([]);
    expect(again.readings).toHaveLength(1);
  });
});

describe('two readings of one series at one time', () => {
  const mass = (seq: number, value: number) => ({ seq, ts: 1796497230000, quantity: 'mass', value, unit: 'kg' });
  const refusal = (path: string) => ({
    seq: 14,
    errors: [
      {
        path,
        message: `${path} 2026-12-05T19:00:30.000Z: another reading of this series has this time (seq 13): the time-series keeps one point per series and time; send distinct times`,
      },
    ],
  });

  it('in one batch: the second is refused, the first stored', () => {
    const r = newIngest().handle(scale, 'readings', json({ readings: [mass(13, 1), mass(14, -1)] }), NOW);
    expect(r.rejections).toEqual([refusal('readings.1.ts')]);
    expect(r.readings.map((x) => x.seq)).toEqual([13]);
    expect(r.points.map((p) => p.fields.seq)).toEqual([13]);
  });

  it('in two messages: the second is refused', () => {
    const ingest = newIngest();
    expect(ingest.handle(scale, 'readings', json(mass(13, 1)), NOW).rejections).toEqual([]);
    const second = ingest.handle(scale, 'readings', json(mass(14, -1)), NOW);
    expect(second.rejections).toEqual([refusal('ts')]);
    expect(second.points).toEqual([]);
  });

  it('of different series (two gases of one detector) are both stored', () => {
    const ts = new Date(T).toISOString();
    const r = newIngest().handle(
      gas,
      'readings',
      json({
        readings: [
          { seq: 1, ts, quantity: 'concentration', gas: 'CO', value: 12, unit: 'ppm' },
          { seq: 2, ts, quantity: 'concentration', gas: 'O2', value: 20.9, unit: '%' },
        ],
      }),
      NOW,
    );
    expect(r.rejections).toEqual([]);
    expect(r.readings).toHaveLength(2);
  });
});

describe('a fuel transaction sent again', () => {
  /** Nozzle 1, 20 L at 23,450 đ/L; `amount` as sent (469,000 is right). */
  const transaction = (seq: number, ts: number, start: number, amount = 469_000) => ({
    seq,
    ts,
    quantity: 'volume',
    value: 20,
    unit: 'L',
    nozzle: 1,
    product: 'RON95',
    unitPrice: 23_450,
    amount,
    totalizerStart: start,
    totalizerEnd: start + 20,
  });

  it('as it was sent raises its price finding once, whether it is the latest or behind it', () => {
    const ingest = newIngest();
    const first = ingest.handle(fuel, 'readings', json(transaction(7, T, 1000, 470_000)), NOW);
    expect(first.findings.map((f) => f.kind)).toEqual(['price']);
    const again = ingest.handle(fuel, 'readings', json(transaction(7, T, 1000, 470_000)), NOW);
    expect(again).toMatchObject({ findings: [], readings: [], rejections: [] });
    expect(lines(again)).toEqual(lines(first));
    // seq 8 follows; seq 7 comes again behind it
    expect(ingest.handle(fuel, 'readings', json(transaction(8, T + 60_000, 1020)), NOW).findings).toEqual([]);
    const late = ingest.handle(fuel, 'readings', json(transaction(7, T, 1000, 470_000)), NOW);
    expect(late).toMatchObject({ findings: [], readings: [], rejections: [] });
    expect(lines(late)).toEqual(lines(first));
  });

  it('with another amount is refused, naming the amount received first', () => {
    const ingest = newIngest();
    ingest.handle(fuel, 'readings', json(transaction(7, T, 1000, 470_000)), NOW);
    const changed = ingest.handle(fuel, 'readings', json(transaction(7, T, 1000)), NOW);
    expect(changed.points).toEqual([]);
    expect(changed.findings).toEqual([]);
    expect(changed.rejections[0].errors).toEqual([
      {
        path: 'seq',
        message: 'seq 7 at 2026-12-05T18:40:00.000Z was received before with other content (amount 470000): a replay must repeat the message as sent',
      },
    ]);
  });
});

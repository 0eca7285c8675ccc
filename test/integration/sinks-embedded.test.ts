// EmbeddedSink on a real SQLite file in a temporary directory.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../src/sinks/create-sink.ts';
import { EmbeddedSink, POINTS_QUERY_SQL } from '../../src/sinks/embedded.ts';
import { InfluxV1Sink } from '../../src/sinks/influx-v1.ts';
import { InfluxV2Sink } from '../../src/sinks/influx-v2.ts';
import { SinkRejectedError, type Point } from '../../src/sinks/sink.ts';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');

const reading = (seq: number, tags: Record<string, string> = {}, device = 'scale-1'): Point => ({
  measurement: 'reading',
  tags: { tenant: 'acme', device, type: 'scale', quantity: 'mass', ...tags },
  fields: { value: 10 + seq / 10, raw: 10000 + seq * 100, seq, status: 'ok' },
  ts: T0 + seq * 1000,
});
const check = (seq: number): Point => ({
  measurement: 'check',
  tags: { tenant: 'acme', device: 'scale-1', type: 'scale', point: 'Max' },
  fields: { indicated: 10.001, reference: 10, error: 0.001, mpe: 0.005, uncertainty: 0.0012, decision: 'pass', legal: 'pass', seq },
  ts: T0 + seq * 60_000,
});

describe('EmbeddedSink (SQLite on disk)', () => {
  let dir: string;
  let file: string;
  let sink: EmbeddedSink;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mag-embedded-'));
    file = join(dir, 'nested', 'timeseries.db');
    sink = new EmbeddedSink(file);
    await sink.init();
  });
  afterAll(async () => {
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the file (and its directory) in WAL mode, and answers ping', async () => {
    expect(existsSync(file)).toBe(true);
    expect(sink.kind).toBe('embedded');
    expect(await sink.ping()).toBe(true);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('stores readings and reads them back newest first, with the extra tags', async () => {
    await sink.write([reading(1), reading(2), reading(3, { gas: 'x', nozzle: '2' }), reading(4, {}, 'scale-2')]);
    const got = await sink.queryReadings({ device: 'scale-1', limit: 10 });
    expect(got.map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(got[0]).toEqual({
      ts: new Date(T0 + 3000).toISOString(),
      seq: 3,
      quantity: 'mass',
      value: 10.3,
      raw: 10300,
      status: 'ok',
      tags: { gas: 'x', nozzle: '2' },
    });
  });

  it('honours from, to (both inclusive) and limit', async () => {
    await sink.write([5, 6, 7, 8].map((s) => reading(s)));
    expect((await sink.queryReadings({ device: 'scale-1', limit: 2 })).map((r) => r.seq)).toEqual([8, 7]);
    expect((await sink.queryReadings({ device: 'scale-1', from: T0 + 2000, to: T0 + 6000, limit: 10 })).map((r) => r.seq)).toEqual([6, 5, 3, 2]);
    expect((await sink.queryReadings({ device: 'scale-1', from: T0 + 7000, limit: 10 })).map((r) => r.seq)).toEqual([8, 7]);
    expect(await sink.queryReadings({ device: 'scale-1', limit: 0 })).toEqual([]);
    expect(await sink.queryReadings({ device: 'nobody', limit: 10 })).toEqual([]);
  });

  it('stores a replayed point once, merging its fields as InfluxDB does', async () => {
    await sink.write([reading(9)]);
    await sink.write([reading(9), reading(9)]);
    await sink.write([{ ...reading(9), fields: { status: 'unverified' } }]);
    const nines = (await sink.queryReadings({ device: 'scale-1', limit: 100 })).filter((r) => r.seq === 9);
    expect(nines).toHaveLength(1);
    expect(nines[0]).toMatchObject({ value: 10.9, raw: 10900, status: 'unverified' });
  });

  it('keeps points of different series at the same time apart', async () => {
    await sink.write([reading(10, { gas: 'CO' }), reading(10, { gas: 'H2S' })]);
    const tens = (await sink.queryReadings({ device: 'scale-1', limit: 100 })).filter((r) => r.seq === 10);
    expect(tens.map((r) => r.tags.gas).sort()).toEqual(['CO', 'H2S']);
  });

  it('stores checks and transactions, read back as points with queryPoints', async () => {
    const tx: Point = {
      measurement: 'transaction',
      tags: { tenant: 'acme', device: 'fuel-1', nozzle: '1', product: 'E10' },
      fields: { volume: 40.02, unitPrice: 1.85, amount: 74.04, totalizerStart: 5, totalizerEnd: 45.02, seq: 1 },
      ts: T0,
    };
    await sink.write([check(1), check(2), tx]);
    expect(await sink.queryPoints('check', 'scale-1', undefined, undefined, 10)).toEqual([check(2), check(1)]);
    expect(await sink.queryPoints('check', 'scale-1', T0 + 90_000, undefined, 10)).toEqual([check(2)]);
    expect(await sink.queryPoints('transaction', 'fuel-1', undefined, undefined, 10)).toEqual([tx]);
    expect(await sink.queryPoints('reading', 'fuel-1', undefined, undefined, 10)).toEqual([]);
  });

  it('writes a batch in one transaction: a bad point refuses the whole batch, nothing is stored', async () => {
    const bad = { ...reading(50), fields: { value: Number.NaN } };
    const err = await sink.write([reading(51), bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkRejectedError);
    expect((err as Error).message).toMatch(/point 1 .*NaN/);
    expect((await sink.queryReadings({ device: 'scale-1', limit: 100 })).some((r) => r.seq === 51)).toBe(false);
  });

  it('reads with the primary-key index, without a table scan or a sort', () => {
    const db = new Database(file, { readonly: true });
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${POINTS_QUERY_SQL}`).all('reading', 'scale-1', 0, 1, 10) as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
    db.close();
    expect(plan).toMatch(/SEARCH points USING PRIMARY KEY \(measurement=\? AND device=\? AND ts>\? AND ts<\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY|SCAN points/);
  });

  it('keeps what it stored across a close and reopen', async () => {
    await sink.close();
    const again = new EmbeddedSink(file);
    expect((await again.queryReadings({ device: 'scale-1', limit: 1 })).map((r) => r.seq)).toEqual([10]);
    await again.close();
    await sink.init();
  });

  it('writes 5,000 points in one transaction (prints the time)', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => reading(1000 + i, {}, 'bulk'));
    const t0 = performance.now();
    await sink.write(many);
    console.log(`EmbeddedSink: 5,000 points written in ${(performance.now() - t0).toFixed(1)} ms`);
    expect(await sink.queryReadings({ device: 'bulk', limit: 10_000 })).toHaveLength(5000);
  });
});

describe('createSink', () => {
  it('picks the embedded store at <dataDir>/timeseries.db when no InfluxDB URL is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-create-sink-'));
    try {
      const sink = createSink({ influxApi: 'v1', influxDb: 'mag', dataDir: dir });
      expect(sink).toBeInstanceOf(EmbeddedSink);
      expect((sink as EmbeddedSink).path).toBe(join(dir, 'timeseries.db'));
      await sink.init();
      expect(existsSync(join(dir, 'timeseries.db'))).toBe(true);
      await sink.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('picks InfluxDB v1 or v2 from influxApi', () => {
    const v1 = createSink({ influxUrl: 'http://127.0.0.1:8086', influxApi: 'v1', influxDb: 'mag', dataDir: '/tmp' });
    expect(v1).toBeInstanceOf(InfluxV1Sink);
    expect(v1.kind).toBe('influxdb-v1');
    const v2 = createSink({ influxUrl: 'http://127.0.0.1:8086', influxApi: 'v2', influxDb: 'mag', influxBucket: 'b', influxOrg: 'o', influxToken: 't', dataDir: '/tmp' });
    expect(v2).toBeInstanceOf(InfluxV2Sink);
    expect(v2.kind).toBe('influxdb-v2');
  });

  it('names the missing or bad setting', () => {
    expect(() => createSink({ influxUrl: 'http://127.0.0.1:8086', influxApi: 'v2', influxDb: 'mag', dataDir: '/tmp' })).toThrow(/MAG_INFLUX_BUCKET/);
    expect(() => createSink({ influxUrl: 'not a url', influxApi: 'v1', influxDb: 'mag', dataDir: '/tmp' })).toThrow(/MAG_INFLUX_URL/);
  });
});

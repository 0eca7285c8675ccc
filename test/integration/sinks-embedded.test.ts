// EmbeddedSink on a real SQLite file in a temporary directory: the Sink contract
// (test/support/sink-contract.ts), then what only the embedded store does.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../src/sinks/create-sink.ts';
import { EmbeddedSink, POINTS_QUERY_SQL } from '../../src/sinks/embedded.ts';
import { InfluxV1Sink } from '../../src/sinks/influx-v1.ts';
import { InfluxV2Sink } from '../../src/sinks/influx-v2.ts';
import type { Point } from '../../src/sinks/sink.ts';
import { sinkContract } from '../support/sink-contract.ts';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');

const check = (seq: number): Point => ({
  measurement: 'check',
  tags: { tenant: 'acme', device: 'scale-1', type: 'scale', point: 'Max' },
  fields: { indicated: 10.001, reference: 10, error: 0.001, mpe: 0.005, uncertainty: 0.0012, decision: 'pass', legal: 'pass', seq },
  ts: T0 + seq * 60_000,
});

describe('EmbeddedSink against the Sink contract', () => {
  let dir: string | undefined;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  sinkContract('EmbeddedSink', 'embedded', () => {
    dir = mkdtempSync(join(tmpdir(), 'mag-embedded-contract-'));
    const file = join(dir, 'timeseries.db');
    // The failure it can meet: another writer holding the file (a write waits out busy_timeout, 5 s).
    let holder: Database.Database | undefined;
    return {
      open: () => new EmbeddedSink(file),
      outage: {
        async begin() {
          holder = new Database(file);
          holder.exec('BEGIN EXCLUSIVE');
        },
        async end() {
          holder?.exec('ROLLBACK');
          holder?.close();
        },
        pingWhileDown: true,
      },
    };
  });
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

  it('reads with the primary-key index, without a table scan or a sort', () => {
    const db = new Database(file, { readonly: true });
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${POINTS_QUERY_SQL}`).all('reading', 'scale-1', 0, 1, 10) as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
    db.close();
    expect(plan).toMatch(/SEARCH points USING PRIMARY KEY \(measurement=\? AND device=\? AND ts>\? AND ts<\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY|SCAN points/);
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
    const v2 = createSink({
      influxUrl: 'http://127.0.0.1:8086',
      influxApi: 'v2',
      influxDb: 'mag',
      influxBucket: 'b',
      influxOrg: 'o',
      influxToken: 't',
      dataDir: '/tmp',
    });
    expect(v2).toBeInstanceOf(InfluxV2Sink);
    expect(v2.kind).toBe('influxdb-v2');
  });

  it('names the missing or bad setting', () => {
    expect(() => createSink({ influxUrl: 'http://127.0.0.1:8086', influxApi: 'v2', influxDb: 'mag', dataDir: '/tmp' })).toThrow(/MAG_INFLUX_BUCKET/);
    expect(() => createSink({ influxUrl: 'not a url', influxApi: 'v1', influxDb: 'mag', dataDir: '/tmp' })).toThrow(/MAG_INFLUX_URL/);
  });
});

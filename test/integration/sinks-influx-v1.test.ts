// InfluxV1Sink against a real InfluxDB 1.x started by test/support/influxd.ts: the Sink contract
// (test/support/sink-contract.ts), then what only the v1 adapter does.
// If influxd is not installed, beforeAll fails with the harness's install instructions.
import fc from 'fast-check';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxV1Sink } from '../../src/sinks/influx-v1.ts';
import { SinkRejectedError, type Point } from '../../src/sinks/sink.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { sinkContract } from '../support/sink-contract.ts';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');

const reading = (seq: number, over: Partial<Point> = {}): Point => ({
  measurement: 'reading',
  tags: { tenant: 'acme', device: 'gas-1', type: 'gas-detector', quantity: 'concentration', gas: 'CO' },
  fields: { value: 12.5 + seq, raw: 12.5 + seq, seq, status: 'ok' },
  ts: T0 + seq * 1000,
  ...over,
});

const check: Point = {
  measurement: 'check',
  tags: { tenant: 'acme', device: 'gas-1', type: 'gas-detector', gas: 'CO', point: 'span 50' },
  fields: { indicated: 50.4, reference: 50, error: 0.4, mpe: 3, uncertainty: 0.6, decision: 'pass', legal: 'pass', seq: 77 },
  ts: T0 + 5 * 60_000,
};

const transaction: Point = {
  measurement: 'transaction',
  tags: { tenant: 'acme', device: 'fuel-1', nozzle: '2', product: 'Diesel B7' },
  fields: { volume: 20.06, unitPrice: 1.799, amount: 36.09, totalizerStart: 1000, totalizerEnd: 1020.06, seq: 9 },
  ts: T0 + 7 * 60_000,
};

function rows(res: Awaited<ReturnType<InfluxdHandle['query']>>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) {
    for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  }
  return out;
}

async function fieldTypes(influxd: InfluxdHandle, measurement: string, db: string): Promise<Record<string, string>> {
  const res = await influxd.query(`SHOW FIELD KEYS FROM "${measurement}"`, db);
  return Object.fromEntries((res.results[0].series?.[0].values ?? []).map((v) => [String(v[0]), String(v[1])]));
}

describe('InfluxV1Sink against the Sink contract (real influxd)', () => {
  let influxd: InfluxdHandle | undefined;
  afterAll(async () => {
    await influxd?.destroy();
  });
  sinkContract('InfluxV1Sink', 'influxdb-v1', async () => {
    const server = (influxd = await startInfluxd());
    return {
      open: () => new InfluxV1Sink({ url: server.url, database: 'mag', timeoutMs: 5_000 }),
      outage: { begin: () => server.stop(), end: () => server.restart(), pingWhileDown: false },
    };
  });
});

describe('InfluxV1Sink against a real InfluxDB 1.x', () => {
  let influxd: InfluxdHandle;
  let sink: InfluxV1Sink;

  beforeAll(async () => {
    influxd = await startInfluxd();
    sink = new InfluxV1Sink({ url: influxd.url, database: 'mag', timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await sink?.close();
    await influxd?.destroy();
  });

  it('creates the database on init, and init is idempotent', async () => {
    await sink.init();
    await sink.init();
    const dbs = await influxd.query('SHOW DATABASES', 'mag');
    expect(dbs.results[0].series?.[0].values.map((v) => v[0])).toContain('mag');
    expect(await sink.ping()).toBe(true);
  });

  it('writes readings, checks and transactions with the docs/contract.md §3 tags and fields', async () => {
    await sink.write([reading(1), reading(2), check, transaction]);

    const r = rows(await influxd.query(`SELECT * FROM reading WHERE device = 'gas-1' GROUP BY *`));
    expect(r).toHaveLength(2);
    expect(r[0]).toMatchObject({ tenant: 'acme', device: 'gas-1', type: 'gas-detector', quantity: 'concentration', gas: 'CO' });
    expect(r[0]).toMatchObject({ time: T0 + 1000, value: 13.5, raw: 13.5, seq: 1, status: 'ok' });

    const c = rows(await influxd.query(`SELECT * FROM "check" GROUP BY *`));
    expect(c).toEqual([
      {
        tenant: 'acme',
        device: 'gas-1',
        type: 'gas-detector',
        gas: 'CO',
        point: 'span 50',
        time: check.ts,
        indicated: 50.4,
        reference: 50,
        error: 0.4,
        mpe: 3,
        uncertainty: 0.6,
        decision: 'pass',
        legal: 'pass',
        seq: 77,
      },
    ]);

    const t = rows(await influxd.query(`SELECT * FROM "transaction" GROUP BY *`));
    expect(t).toEqual([
      {
        tenant: 'acme',
        device: 'fuel-1',
        nozzle: '2',
        product: 'Diesel B7',
        time: transaction.ts,
        volume: 20.06,
        unitPrice: 1.799,
        amount: 36.09,
        totalizerStart: 1000,
        totalizerEnd: 1020.06,
        seq: 9,
      },
    ]);
  });

  it('stores seq as an integer field and the measured values as floats', async () => {
    expect(await fieldTypes(influxd, 'reading', 'mag')).toEqual({ value: 'float', raw: 'float', seq: 'integer', status: 'string' });
    expect(await fieldTypes(influxd, 'check', 'mag')).toEqual({
      indicated: 'float',
      reference: 'float',
      error: 'float',
      mpe: 'float',
      uncertainty: 'float',
      decision: 'string',
      legal: 'string',
      seq: 'integer',
    });
    expect(await fieldTypes(influxd, 'transaction', 'mag')).toEqual({
      volume: 'float',
      unitPrice: 'float',
      amount: 'float',
      totalizerStart: 'float',
      totalizerEnd: 'float',
      seq: 'integer',
    });
  });

  it('refuses a field type conflict with a SinkRejectedError', async () => {
    const bad = reading(4, { fields: { value: 'high', raw: 1, seq: 4, status: 'ok' } });
    const err = await sink.write([bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkRejectedError);
    expect((err as SinkRejectedError).status).toBe(400);
    expect((err as Error).message).toMatch(/field type conflict/);
  });

  it('refuses a batch with one conflicting point (partial write) with a SinkRejectedError; the good points stay readable', async () => {
    const good = reading(5);
    const bad = reading(6, { fields: { value: 1, raw: 1, seq: 'six', status: 'ok' } });
    const err = await sink.write([good, bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkRejectedError);
    expect((err as Error).message).toMatch(/partial write|field type conflict/);
  });

  it('reads checks and transactions back as points', async () => {
    const checks = await sink.queryPoints('check', 'gas-1', undefined, undefined, 10);
    expect(checks).toEqual([check]);
    expect(await sink.queryPoints('transaction', 'fuel-1', T0, undefined, 10)).toEqual([transaction]);
  });

  it('round-trips awkward tag values and strings', async () => {
    const odd: Point = {
      measurement: 'reading',
      tags: { tenant: 'a,b', device: 'odd', type: 't=1', quantity: 'q r', product: 'C:\\fuel, "premium"', nozzle: 'é ☃' },
      fields: { value: 1, raw: 1, seq: 1, status: 'he said "no" \\ and\nleft' },
      ts: T0,
    };
    await sink.write([odd]);
    const [back] = await sink.queryPoints('reading', 'odd', undefined, undefined, 1);
    expect(back).toEqual(odd);
  });

  it('round-trips any tag value (without a trailing backslash or control characters) and any string field', async () => {
    const specials = ['a', 'Z', '0', ' ', ',', '=', '"', "'", '\\', '#', 'é', '☃', '😀'];
    const tagValue = fc.string({ unit: fc.constantFrom(...specials), minLength: 1, maxLength: 12 }).filter((v) => !v.endsWith('\\'));
    const stringField = fc.string({ unit: fc.constantFrom(...specials, '\n', '\t', '\r'), maxLength: 12 });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(tagValue, stringField), { minLength: 1, maxLength: 40 }), async (samples) => {
        const device = `prop-${run++}`;
        const points: Point[] = samples.map(([product, status], i) => ({
          measurement: 'reading',
          tags: { tenant: 'acme', device, type: 'fuel-dispenser', quantity: 'volume', product },
          fields: { value: i / 3, raw: -(i + 1) * 1e-9, seq: i, status },
          ts: T0 + i,
        }));
        await sink.write(points);
        const back = await sink.queryPoints('reading', device, undefined, undefined, 1000);
        expect(back.reverse()).toEqual(points);
      }),
      { numRuns: 15, seed: 20261121 },
    );
  });

  it('re-creates a dropped database on the next write, which then succeeds on retry', async () => {
    await influxd.query('DROP DATABASE mag', 'mag');
    const err = await sink.write([reading(21)]).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(SinkRejectedError);
    expect((err as Error).message).toMatch(/not found/);
    await sink.write([reading(21)]);
    expect((await sink.queryReadings({ device: 'gas-1', limit: 1 }))[0].seq).toBe(21);
  });
});

describe('InfluxV1Sink credentials (local HTTP listener; the influxd harness runs without auth)', () => {
  it('sends MAG_INFLUX_USER/PASSWORD as HTTP Basic on writes and queries; 401 is transient with a hint', async () => {
    const seen: { url: string; auth?: string }[] = [];
    let status = 204;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization });
        if (req.url?.startsWith('/query')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
        else res.writeHead(status, { 'content-type': 'application/json' }).end(status === 204 ? undefined : '{"error":"authorization failed"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const sink = new InfluxV1Sink({ url, database: 'my db', username: 'writer', password: 'p:ss' });
      await sink.write([reading(1)]);
      expect(await sink.queryReadings({ device: 'gas-1', limit: 5 })).toEqual([]);
      const basic = 'Basic ' + Buffer.from('writer:p:ss').toString('base64');
      expect(seen[0]).toEqual({ url: '/write?db=my%20db&precision=ms', auth: basic });
      expect(seen[1].url).toMatch(/^\/query\?/);
      expect(seen[1].auth).toBe(basic);
      status = 401;
      const err = await sink.write([reading(2)]).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(SinkRejectedError);
      expect((err as Error).message).toMatch(/HTTP 401.*MAG_INFLUX_USER/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

// InfluxV2Sink at the HTTP level. No InfluxDB 2 can run here, and the real InfluxDB 1.6.7
// has no /api/v2/write (1.8 added it). So:
// - the Sink contract (test/support/sink-contract.ts) runs against a real influxd behind
//   test/support/influx-v2-shim.ts, which translates /api/v2/write to 1.x's /write as 1.8 does;
//   reads go to influxd's own InfluxQL `/query`, which the v2 adapter uses as it is;
// - the requests themselves (path, parameters, token, gzip) and the answers of InfluxDB 2 the
//   shim cannot produce (422, 429, 5xx, timeouts) are checked against a local node:http
//   listener that records what arrives and answers as InfluxDB 2 does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfluxV1Sink } from '../../src/sinks/influx-v1.ts';
import { InfluxV2Sink } from '../../src/sinks/influx-v2.ts';
import { toLineProtocol } from '../../src/sinks/line-protocol.ts';
import { SinkRejectedError, type Point } from '../../src/sinks/sink.ts';
import { startInfluxV2Shim, type InfluxV2Shim } from '../support/influx-v2-shim.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { freePort } from '../support/ports.ts';
import { sinkContract } from '../support/sink-contract.ts';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');

const reading = (seq: number, device = 'baro-1'): Point => ({
  measurement: 'reading',
  tags: { tenant: 'acme', device, type: 'barometer', quantity: 'pressure' },
  fields: { value: 1013 + seq / 100, raw: 101.3 + seq / 1000, seq, status: 'ok' },
  ts: T0 + seq * 1000,
});
const check: Point = {
  measurement: 'check',
  tags: { tenant: 'acme', device: 'baro-1', type: 'barometer', point: '1000 hPa' },
  fields: { indicated: 1000.2, reference: 1000, error: 0.2, mpe: 1, uncertainty: 0.1, decision: 'pass', legal: 'pass', seq: 3 },
  ts: T0,
};
const transaction: Point = {
  measurement: 'transaction',
  tags: { tenant: 'acme', device: 'fuel-1', nozzle: '1', product: 'RON 95' },
  fields: { volume: 20, unitPrice: 1.9, amount: 38, totalizerStart: 0, totalizerEnd: 20, seq: 1 },
  ts: T0,
};

interface Captured {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawLength: number;
  body: string;
}

type Responder = (req: Captured, res: ServerResponse) => void;

/** A local HTTP server that records each request and answers with `respond`. */
class FakeInflux {
  readonly requests: Captured[] = [];
  respond: Responder = (_req, res) => {
    res.writeHead(204).end();
  };
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
        const u = new URL(req.url ?? '/', 'http://x');
        const captured = { method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, rawLength: raw.length, body };
        this.requests.push(captured);
        this.respond(captured, res);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function influx2Error(status: number, code: string, message: string): Responder {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ code, message }));
  };
}

describe('InfluxV2Sink writes (HTTP level, local listener)', () => {
  const fake = new FakeInflux();
  let sink: InfluxV2Sink;

  beforeAll(async () => {
    await fake.start();
    sink = new InfluxV2Sink({ url: fake.url, org: 'my org', bucket: 'mag/autogen', token: 's3cr3t', timeoutMs: 2_000 });
    await sink.init();
  });
  afterEach(() => {
    fake.requests.length = 0;
    fake.respond = (_req, res) => {
      res.writeHead(204).end();
    };
  });
  afterAll(async () => {
    await sink.close();
    await fake.stop();
  });

  it('POSTs all three measurements as line protocol to /api/v2/write with org, bucket, ms precision and the token', async () => {
    const points = [reading(1), check, transaction];
    await sink.write(points);
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/v2/write');
    expect(Object.fromEntries(req.query)).toEqual({ org: 'my org', bucket: 'mag/autogen', precision: 'ms' });
    expect(req.headers.authorization).toBe('Token s3cr3t');
    expect(req.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(req.body).toBe(toLineProtocol(points));
    const lines = req.body.split('\n');
    expect(lines[0]).toBe(`reading,device=baro-1,quantity=pressure,tenant=acme,type=barometer raw=101.301,seq=1i,status="ok",value=1013.01 ${T0 + 1000}`);
    expect(lines[1]).toMatch(
      /^check,device=baro-1,point=1000\\ hPa,tenant=acme,type=barometer decision="pass",error=0.2,indicated=1000.2,legal="pass",mpe=1,reference=1000,seq=3i,uncertainty=0.1 \d+$/,
    );
    expect(lines[2]).toMatch(
      /^transaction,device=fuel-1,nozzle=1,product=RON\\ 95,tenant=acme amount=38,seq=1i,totalizerEnd=20,totalizerStart=0,unitPrice=1.9,volume=20 \d+$/,
    );
  });

  it('sends a 5,000-point write as one gzipped request', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => reading(i));
    await sink.write(many);
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req.headers['content-encoding']).toBe('gzip');
    expect(req.rawLength).toBeLessThan(req.body.length / 4);
    expect(req.body.split('\n')).toHaveLength(5000);
    expect(req.body).toBe(toLineProtocol(many));
  });

  it('sends small bodies, or any body with gzip off, uncompressed', async () => {
    await sink.write([reading(1)]);
    expect(fake.requests[0].headers['content-encoding']).toBeUndefined();
    const plain = new InfluxV2Sink({ url: fake.url, bucket: 'mag', token: 't', gzip: false });
    await plain.write(Array.from({ length: 100 }, (_, i) => reading(i)));
    expect(fake.requests[1].headers['content-encoding']).toBeUndefined();
    expect(fake.requests[1].body.split('\n')).toHaveLength(100);
  });

  it('leaves org out when none is configured (InfluxDB 3, 1.8) and sends no Authorization without a token', async () => {
    const bare = new InfluxV2Sink({ url: fake.url + '/', bucket: 'mag' });
    await bare.write([reading(1)]);
    expect(fake.requests[0].path).toBe('/api/v2/write');
    expect(Object.fromEntries(fake.requests[0].query)).toEqual({ bucket: 'mag', precision: 'ms' });
    expect(fake.requests[0].headers.authorization).toBeUndefined();
  });

  it.each([
    [400, 'invalid', "unable to parse 'reading x': missing fields"],
    [422, 'unprocessable entity', 'failure writing points to database: partial write: points beyond retention policy dropped=1'],
  ])('turns HTTP %i into a SinkRejectedError carrying the server message', async (status, code, message) => {
    fake.respond = influx2Error(status, code, message);
    const err = await sink.write([reading(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkRejectedError);
    expect((err as SinkRejectedError).status).toBe(status);
    expect((err as Error).message).toContain(message);
  });

  it.each([
    [503, 'unavailable', 'service unavailable', /HTTP 503/],
    [500, 'internal error', 'boom', /HTTP 500/],
    [429, 'too many requests', 'org exceeded write limits', /HTTP 429/],
    [401, 'unauthorized', 'unauthorized access', /MAG_INFLUX_TOKEN/],
    [404, 'not found', 'bucket "mag" not found', /MAG_INFLUX_BUCKET/],
  ])('turns HTTP %i into a transient error, sent once and never retried by the client', async (status, code, message, hint) => {
    fake.respond = influx2Error(status, code, message);
    const err = await sink.write([reading(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(SinkRejectedError);
    expect((err as Error).message).toMatch(/will be retried/);
    expect((err as Error).message).toMatch(hint);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.requests).toHaveLength(1);
  });

  it('turns a request that times out into a transient error', async () => {
    fake.respond = () => {
      /* never answer */
    };
    const slow = new InfluxV2Sink({ url: fake.url, bucket: 'mag', token: 't', timeoutMs: 300 });
    const t0 = Date.now();
    const err = await slow.write([reading(1)]).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(SinkRejectedError);
  });

  it('turns a refused connection into a transient error, and ping answers false', async () => {
    const down = new InfluxV2Sink({ url: `http://127.0.0.1:${await freePort()}`, bucket: 'mag', token: 't' });
    const err = await down.write([reading(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(SinkRejectedError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(await down.ping()).toBe(false);
  });

  it('pings GET /ping', async () => {
    expect(await sink.ping()).toBe(true);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/ping' });
  });

  it('refuses an unwritable point before sending anything', async () => {
    await expect(sink.write([{ ...reading(1), fields: { value: Number.POSITIVE_INFINITY } }])).rejects.toBeInstanceOf(SinkRejectedError);
    expect(fake.requests).toHaveLength(0);
  });

  it('queries readings with InfluxQL on GET /query?db=<bucket>&epoch=ms with the token', async () => {
    fake.respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          results: [
            {
              statement_id: 0,
              series: [
                {
                  name: 'reading',
                  tags: { device: 'baro-1', gas: '', quantity: 'pressure', tenant: 'acme', type: 'barometer' },
                  columns: ['time', 'raw', 'seq', 'status', 'value'],
                  values: [[T0 + 2000, 101.302, 2, 'ok', 1013.02]],
                },
              ],
            },
          ],
        }),
      );
    };
    const got = await sink.queryReadings({ device: 'baro-1', from: T0, limit: 5 });
    expect(got).toEqual([{ ts: new Date(T0 + 2000).toISOString(), seq: 2, quantity: 'pressure', value: 1013.02, raw: 101.302, status: 'ok', tags: {} }]);
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'GET', path: '/query' });
    expect(req.query.get('db')).toBe('mag/autogen');
    expect(req.query.get('epoch')).toBe('ms');
    expect(req.query.get('q')).toBe(
      `SELECT * FROM "reading" WHERE "device" = 'baro-1' AND time >= '2026-11-21T08:00:00.000Z' GROUP BY * ORDER BY time DESC LIMIT 5`,
    );
    expect(req.headers.authorization).toBe('Token s3cr3t');
  });

  it('reports an InfluxQL error from /query as an error', async () => {
    fake.respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [{ statement_id: 0, error: 'database not found: mag' }] }));
    };
    await expect(sink.queryReadings({ device: 'baro-1', limit: 5 })).rejects.toThrow(/database not found/);
  });
});

describe('InfluxV2Sink against the Sink contract (v2 write API shim in front of a real influxd 1.6.7)', () => {
  let influxd: InfluxdHandle | undefined;
  let shim: InfluxV2Shim | undefined;
  afterAll(async () => {
    await shim?.stop();
    await influxd?.destroy();
  });
  sinkContract('InfluxV2Sink', 'influxdb-v2', async () => {
    influxd = await startInfluxd();
    await new InfluxV1Sink({ url: influxd.url, database: 'mag' }).init(); // a v2 bucket is made by its owner: here, the database behind it
    const server = (shim = await startInfluxV2Shim(influxd.url));
    return {
      open: () => new InfluxV2Sink({ url: server.url, org: 'acme', bucket: 'mag', token: 'not-checked-here' }),
      outage: { begin: () => server.stop(), end: () => server.start(), pingWhileDown: false },
    };
  });

  it('reads checks back as points through the InfluxQL /query', async () => {
    const v2 = new InfluxV2Sink({ url: shim!.url, bucket: 'mag', token: 'not-checked-here' });
    await v2.write([check]);
    expect(await v2.queryPoints('check', 'baro-1', undefined, undefined, 10)).toEqual([check]);
  });
});

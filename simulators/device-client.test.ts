// A simulated instrument's MQTT connection against a small in-process aedes broker (no gateway):
// it keeps its batches within the gateway's limits, and a connection the broker closes while the
// run waits for acknowledgements ends the wait, the unconfirmed counted, and `mag simulate` answers
// 1 with its report (not Node's exit 13 of a promise left unsettled).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { messageLimits } from '../src/config.ts';
import { simulateCommand } from './cli.ts';
import { DeviceClient } from './device-client.ts';
import type { SimMessage } from './models/types.ts';

interface TestBroker {
  url: string;
  /** Every publish received from a device: its topic, payload size and number of readings or packages. */
  received: { topic: string; bytes: number; items: number }[];
  close(): Promise<void>;
}

let brokers: TestBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.map((b) => b.close()));
  brokers = [];
});

/** An aedes broker that, as the gateway does on a payload over its limit, closes the connection of a device whose publish `refuse` names. */
async function startBroker(refuse: (topic: string, bytes: number) => boolean = () => false): Promise<TestBroker> {
  const received: TestBroker['received'] = [];
  const aedes = await Aedes.createBroker({
    authorizePublish: (client, packet, done) => {
      if (!client) return done(null);
      const payload = packet.payload as Buffer;
      if (refuse(packet.topic, payload.length)) return done(new Error('payload refused; closing the connection'));
      const body = JSON.parse(payload.toString('utf8')) as { readings?: unknown[]; packages?: unknown[] };
      received.push({ topic: packet.topic, bytes: payload.length, items: body.readings?.length ?? body.packages?.length ?? 1 });
      done(null);
    },
  });
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const broker: TestBroker = {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        aedes.close(() => server.close(() => r()));
      }),
  };
  brokers.push(broker);
  return broker;
}

/** `n` readings of about 110 bytes each, as a barometer model gives them. */
function readings(n: number): SimMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const at = Date.UTC(2026, 0, 1) + i * 60_000;
    return { topic: 'readings', at, payload: { seq: i + 1, ts: new Date(at).toISOString(), value: 1013.25 + i / 1000, unit: 'hPa', channel: 'pressure' } };
  });
}

const client = (url: string, limits?: { maxPayloadBytes: number; maxBatchReadings: number }) =>
  new DeviceClient({ mqttUrl: url, deviceId: 'baro-1', secret: 's', reconnectMinMs: 50, ...(limits ? { limits } : {}) });

describe('a simulated device', () => {
  it("sends its readings in batches within the gateway's limits (MAG_MAX_PAYLOAD_BYTES, MAG_MAX_BATCH_READINGS)", async () => {
    const broker = await startBroker();
    const limits = messageLimits();
    expect(limits).toEqual({ maxPayloadBytes: 65536, maxBatchReadings: 1000 }); // the gateway's defaults
    const c = client(broker.url);
    await c.connect();
    c.send(readings(2500)); // ~275 KB: 1000 of them would be ~110 KB, over 64 KiB
    expect(await c.drain(5000)).toBe(0);
    const batches = broker.received.filter((r) => r.topic.endsWith('/readings'));
    expect(batches.reduce((n, b) => n + b.items, 0)).toBe(2500);
    expect(Math.max(...batches.map((b) => b.bytes))).toBeLessThanOrEqual(limits.maxPayloadBytes);
    expect(Math.max(...batches.map((b) => b.bytes))).toBeGreaterThan(limits.maxPayloadBytes * 0.95); // full, not cut short
    await c.close();

    // smaller limits, as the gateway's MAG_MAX_* give them
    const small = client(broker.url, { maxPayloadBytes: 100_000, maxBatchReadings: 7 });
    await small.connect();
    broker.received.length = 0;
    small.send(readings(50));
    expect(await small.drain(5000)).toBe(0);
    expect(broker.received.filter((r) => r.topic.endsWith('/readings')).map((b) => b.items)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    await small.close();
  });

  it('stops waiting for acknowledgements when the broker closes its connection, and counts what was not confirmed', async () => {
    const broker = await startBroker((topic) => topic.endsWith('/readings'));
    const c = client(broker.url);
    await c.connect();
    c.send(readings(10));
    const started = Date.now();
    expect(await c.drain(10_000)).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5000);
    await c.close(); // settles though the readings are never confirmed
    expect(c.inFlight).toBeGreaterThan(0);
    expect(c.stats.errors).toBeGreaterThan(0);
  });
});

describe('mag simulate against a broker that closes the connection', () => {
  it('answers 1 with its report, the refused messages unacknowledged', async () => {
    const broker = await startBroker((topic) => topic.endsWith('/readings'));
    const dir = mkdtempSync(join(tmpdir(), 'mag-sim-'));
    const fleet = join(dir, 'fleet.json');
    writeFileSync(
      fleet,
      JSON.stringify({
        name: 'refused',
        acceleration: 3600,
        durationSeconds: 1,
        tickMs: 100,
        tenants: [{ id: 't1', name: 'T1', region: 'VN-HN' }],
        devices: [{ id: 'baro-1', tenant: 't1', type: 'barometer', readingInterval: '1m' }],
      }),
    );
    const credentials = join(dir, 'credentials.json');
    writeFileSync(credentials, JSON.stringify({ devices: [{ id: 'baro-1', secret: 's' }] }));
    const out: string[] = [];
    const origOut = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      out.push(String(s));
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await simulateCommand(['--fleet', fleet, '--mqtt', broker.url, '--credentials', credentials, '--duration', '1']);
    } finally {
      process.stdout.write = origOut;
    }
    expect(code).toBe(1);
    const text = out.join('');
    const report = JSON.parse(text.slice(text.indexOf('{\n  "report"'))).report;
    expect(report.sent.readings).toBeGreaterThan(0);
    expect(report.unacknowledged).toBeGreaterThan(0);
    expect(report.acknowledged + report.unacknowledged).toBeLessThanOrEqual(
      report.sent.readings + report.sent.checks + report.sent.status + report.sent.packages,
    );
  }, 30_000);
});

// Issue 7: the simulators' MQTT device client against a real gateway (real MQTT over TCP, SQLite on
// disk): last will on status when the connection drops, the config lockout honoured (readings
// held back, checks still sent, resumed when a certificate arrives), and reconnection with
// exponential back-off to a restarted gateway, with the persistent session delivering what was
// queued meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeviceClient } from '../../simulators/device-client.ts';
import type { SimMessage } from '../../simulators/models/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const DAY = 86_400_000;
// Distinct times per seq (two readings at one time are one point of the series).
const reading = (seq: number): SimMessage => ({
  topic: 'readings',
  at: Date.now(),
  payload: { seq, ts: new Date(Date.now() - 60_000 + seq * 1000).toISOString(), quantity: 'pressure', value: 1013 + seq / 100, unit: 'hPa' },
});
const check = (seq: number): SimMessage => ({
  topic: 'checks',
  at: Date.now(),
  payload: {
    seq,
    ts: new Date(Date.now() - 1000).toISOString(),
    indicated: 1013.21,
    reference: 1013.2,
    referenceUncertainty: 0.04,
    unit: 'hPa',
    standardId: 'REF-1',
  },
});

describe('simulator device client against a real gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-devclient-'));
  let t: TestGateway;
  const clients: DeviceClient[] = [];
  const client = (deviceId: string, secret: string, extra: Partial<ConstructorParameters<typeof DeviceClient>[0]> = {}) => {
    const c = new DeviceClient({ mqttUrl: t.mqttUrl, deviceId, secret, reconnectMinMs: 50, reconnectMaxMs: 400, ...extra });
    clients.push(c);
    return c;
  };
  const readings = async (device: string) => (await t.call('GET', `/api/v1/devices/${device}/readings?limit=1000`)).body.items as { seq: number }[];

  beforeAll(async () => {
    t = await startTestGateway({}, dir);
  });
  afterAll(async () => {
    for (const c of clients) await c.dropConnection().catch(() => undefined);
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says online on connect and leaves a retained last will that fires when the connection drops', async () => {
    const c = client('sim-will', await t.device({ id: 'sim-will', type: 'barometer' }));
    await c.connect();
    await expect
      .poll(() => ({ status: c.stats.sent.status, inFlight: c.inFlight }), { message: 'waiting for status online sent and acknowledged', timeout: 30_000 })
      .toEqual({ status: 1, inFlight: 0 });
    await c.dropConnection(); // no DISCONNECT: the broker publishes the will
    const alert = await vi.waitFor(async () => {
      const a = (await t.call('GET', '/api/v1/alerts?device=sim-will&kind=offline&state=open')).body.items[0];
      assert(a, 'waiting for offline from the will');
      return a;
    }, 30_000);
    expect(alert.summary).toMatch(/last will/);
  });

  it('honours the config lockout: readings held back (counted), checks still sent; resumed with a valid certificate', async () => {
    const secret = await t.device({ id: 'sim-lock', type: 'barometer', certificate: false });
    const expired = await t.call('POST', '/api/v1/devices/sim-lock/certificates', {
      kind: 'verification',
      number: 'V-old',
      issuedBy: 'QUATEST 1',
      issuedAt: new Date(Date.now() - 400 * DAY).toISOString(),
      validUntil: new Date(Date.now() - 35 * DAY).toISOString(),
    });
    expect(expired.status).toBe(201);
    const c = client('sim-lock', secret);
    await c.connect();
    await expect.poll(() => c.lockedOut, { message: 'waiting for the lockout on the retained config', timeout: 30_000 }).toBe(true);
    c.send([reading(1), reading(2), check(1)]);
    await expect
      .poll(() => ({ checks: c.stats.sent.checks, inFlight: c.inFlight }), { message: 'waiting for the check acknowledged', timeout: 30_000 })
      .toEqual({ checks: 1, inFlight: 0 });
    expect(c.stats.suppressed).toBe(2);
    expect(c.stats.sent.readings).toBe(0);
    await expect
      .poll(async () => (await t.call('GET', '/api/v1/devices/sim-lock/checks')).body.items.length, {
        message: 'waiting for the check stored',
        timeout: 30_000,
      })
      .toBe(1);
    expect(await readings('sim-lock')).toEqual([]);

    const valid = await t.call('POST', '/api/v1/devices/sim-lock/certificates', {
      kind: 'verification',
      number: 'V-new',
      issuedBy: 'QUATEST 1',
      issuedAt: new Date(Date.now() - DAY).toISOString(),
      validUntil: new Date(Date.now() + 365 * DAY).toISOString(),
    });
    expect(valid.status).toBe(201);
    await expect.poll(() => c.lockedOut, { message: 'waiting for the lockout lifted', timeout: 30_000 }).toBe(false);
    c.send([reading(3)]);
    await expect
      .poll(async () => (await readings('sim-lock')).map((r) => r.seq), { message: 'waiting for the reading stored after the lockout', timeout: 30_000 })
      .toContain(3);
    expect(c.stats.suppressed).toBe(2);
  });

  it('reconnects with exponential back-off to a restarted gateway; the persistent session delivers what was queued', async () => {
    const secret = await t.device({ id: 'sim-back', type: 'barometer' });
    const c = client('sim-back', secret);
    await c.connect();
    c.send([reading(1)]);
    await expect.poll(async () => (await readings('sim-back')).length, { message: 'waiting for the first reading stored', timeout: 30_000 }).toBe(1);

    const mqttPort = String(t.gateway.ports.mqtt);
    await t.stop();
    // Gateway down: every attempt is refused; the client doubles its wait each time, up to the max.
    await expect.poll(() => c.stats.reconnectDelaysMs.length, { message: 'waiting for five failed reconnects', timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    expect(c.connected).toBe(false);
    c.send([reading(2), reading(3)]); // queued by mqtt.js while disconnected (QoS 1)
    expect(c.stats.reconnectDelaysMs.slice(0, 5)).toEqual([50, 100, 200, 400, 400]);

    t = await startTestGateway({ MAG_MQTT_PORT: mqttPort }, dir);
    await expect
      .poll(() => ({ connected: c.connected, connects: c.stats.connects }), { message: 'waiting for the reconnection', timeout: 15_000 })
      .toEqual({ connected: true, connects: 2 });
    await expect
      .poll(async () => (await readings('sim-back')).length, { message: 'waiting for the queued readings delivered after reconnecting', timeout: 30_000 })
      .toBe(3);
    expect((await readings('sim-back')).map((r) => r.seq).sort()).toEqual([1, 2, 3]);
    expect(c.stats.lastError).toMatch(/ECONNREFUSED/); // the refused attempts are counted as errors
    // Connected again: the next outage starts over from the shortest delay.
    const before = c.stats.reconnectDelaysMs.length;
    const port2 = String(t.gateway.ports.mqtt);
    await t.stop();
    await expect
      .poll(() => c.stats.reconnectDelaysMs.length, { message: 'waiting for a failed reconnect after the second outage', timeout: 15_000 })
      .toBeGreaterThan(before);
    expect(c.stats.reconnectDelaysMs[before]).toBe(50);
    t = await startTestGateway({ MAG_MQTT_PORT: port2 }, dir);
    await expect.poll(() => c.connected, { message: 'waiting for the reconnection after the second outage', timeout: 15_000 }).toBe(true);
  });
});

// Messages sent again over MQTT (QoS 1, at-least-once), end to end into the embedded time-series
// store: a replay (the same seq at the same time, as sent) is acknowledged and stored once; other
// content under a seq and time received before, or a second message of one series at one time, is
// acknowledged, refused with its reason on feedback and in GET /devices/{id}/rejections, and none
// of it reaches the time-series, so that the API, the alerts and the time-series say the same.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedSink } from '../../src/sinks/embedded.ts';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';

const T = Math.floor((Date.now() - 30 * 60_000) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('messages sent again over MQTT', () => {
  let gw: TestGateway;
  const clients: Record<string, { client: MqttClient; feedback: ReturnType<typeof inbox> }> = {};

  const publish = (device: string, topic: string, body: unknown) =>
    clients[device].client.publishAsync(`instruments/${device}/${topic}`, JSON.stringify(body), { qos: 1 });
  /** The time-series' points of the device (the embedded store), newest first. */
  const points = async (measurement: 'reading' | 'check' | 'transaction' | 'package', device: string) => {
    await gw.drained();
    return (gw.gateway.sink as EmbeddedSink).queryPoints(measurement, device, T - 3_600_000, T + 3_600_000, 100);
  };
  const rejections = async (device: string, n: number) => {
    await expect.poll(async () => (await gw.call('GET', `/api/v1/devices/${device}/rejections`)).body.items.length, { timeout: 5000 }).toBe(n);
    return (await gw.call('GET', `/api/v1/devices/${device}/rejections`)).body.items as {
      seq?: number;
      topic: string;
      errors: { path: string; message: string }[];
    }[];
  };

  beforeAll(async () => {
    gw = await startTestGateway({ MAG_INFLUX_URL: '' });
    const devices = [
      { id: 'a-gas-detector', type: 'gas-detector' },
      { id: 'a-barometer', type: 'barometer' },
      { id: 'a-scale', type: 'scale', extra: { class: 'III', e: 0.005, max: 30 } },
      { id: 'a-dispenser', type: 'fuel-dispenser' },
      { id: 'a-checkweigher', type: 'checkweigher', extra: { class: 'XIII', e: 0.0001, max: 1 } },
    ];
    for (const d of devices) {
      const secret = await gw.device(d);
      const client = await gw.connect(d.id, secret);
      await client.subscribeAsync(`instruments/${d.id}/feedback`, { qos: 1 });
      clients[d.id] = { client, feedback: inbox(client) };
    }
  });

  afterAll(async () => {
    await gw?.destroy();
  });

  it('refuses a check resent with other content: the checks API and the check point keep the first', async () => {
    const check = (indicated: number) => ({
      seq: 20,
      ts: iso(T),
      gas: 'CO',
      indicated,
      reference: 50,
      referenceUncertainty: 1,
      unit: 'ppm',
      standardId: 'CAL-CO-50',
    });
    await publish('a-gas-detector', 'checks', check(52));
    await publish('a-gas-detector', 'checks', check(80));
    await publish('a-gas-detector', 'checks', check(52)); // a true replay: accepted, stored once
    const reason = `seq 20 at ${iso(T)} was received before with other content (indicated 52): a replay must repeat the message as sent`;
    const fb = await clients['a-gas-detector'].feedback.waitFor(() => true);
    expect(fb.payload).toEqual({ seq: 20, topic: 'instruments/a-gas-detector/checks', errors: [{ path: 'seq', message: reason }] });
    expect((await rejections('a-gas-detector', 1))[0]).toMatchObject({ seq: 20, errors: [{ path: 'seq', message: reason }] });
    const api = (await gw.call('GET', '/api/v1/devices/a-gas-detector/checks')).body.items;
    expect(api.map((c: { seq: number; indicated: number; error: number; legal: string }) => [c.seq, c.indicated, c.error, c.legal])).toEqual([
      [20, 52, 2, 'pass'],
    ]);
    const [p, ...more] = await points('check', 'a-gas-detector');
    expect(more).toEqual([]);
    expect(p.fields).toMatchObject({ seq: 20, indicated: 52, error: 2, legal: 'pass' });
    expect(clients['a-gas-detector'].feedback.messages).toHaveLength(1);
  });

  it('refuses a reading resent with another value: the stored reading and its alert keep the value first sent', async () => {
    const pressure = (seq: number, ts: number, value: number) => ({ seq, ts: iso(ts), quantity: 'pressure', value, unit: 'hPa' });
    await publish('a-barometer', 'readings', pressure(19, T - 60_000, 1000));
    await publish('a-barometer', 'readings', pressure(20, T, 1010)); // 10 hPa in a minute: implausible
    await publish('a-barometer', 'readings', pressure(20, T, 1012));
    await publish('a-barometer', 'readings', pressure(20, T, 1010)); // a replay
    const [rejected] = await rejections('a-barometer', 1);
    expect(rejected.errors[0].message).toBe(
      `seq 20 at ${iso(T)} was received before with other content (value 1010 hPa): a replay must repeat the message as sent`,
    );
    const [latest] = await points('reading', 'a-barometer');
    expect(latest).toMatchObject({ ts: T, fields: { seq: 20, value: 1010, status: 'implausible' } });
    const alerts = (await gw.call('GET', '/api/v1/alerts?device=a-barometer&kind=out-of-range')).body.items;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ count: 1, details: { seq: 20, value: 1010 } });
  });

  it('refuses the second of two readings of one series at one time, in one batch: the first stays', async () => {
    const ts = T + 60_000;
    await publish('a-scale', 'readings', {
      readings: [
        { seq: 13, ts, quantity: 'mass', value: 1, unit: 'kg' },
        { seq: 14, ts, quantity: 'mass', value: -1, unit: 'kg' },
      ],
    });
    const fb = await clients['a-scale'].feedback.waitFor(() => true);
    expect(fb.payload).toEqual({
      seq: 14,
      topic: 'instruments/a-scale/readings',
      errors: [
        {
          path: 'readings.1.ts',
          message: `readings.1.ts ${iso(ts)}: another reading of this series has this time (seq 13): the time-series keeps one point per series and time; send distinct times`,
        },
      ],
    });
    expect((await points('reading', 'a-scale')).map((p) => [p.fields.seq, p.fields.value])).toEqual([[13, 1]]);
  });

  it('counts a transaction’s price finding once however often it is resent', async () => {
    const tx = { seq: 7, ts: iso(T), quantity: 'volume', value: 20, unit: 'L', nozzle: 1, product: 'RON95', unitPrice: 23_450, amount: 470_000 };
    const transaction = { ...tx, totalizerStart: 1000, totalizerEnd: 1020 };
    for (let i = 0; i < 3; i++) await publish('a-dispenser', 'readings', transaction);
    await gw.drained();
    const tamper = (await gw.call('GET', '/api/v1/alerts?device=a-dispenser&kind=tamper')).body.items;
    expect(tamper.map((a: { key?: string; count: number; details: { seq: number } }) => [a.count, a.details.seq])).toEqual([[1, 7]]);
    expect(await points('transaction', 'a-dispenser')).toHaveLength(1);
    expect(clients['a-dispenser'].feedback.messages).toEqual([]);
  });

  it('refuses a package resent with another net: the lot and the package point keep the first', async () => {
    const lot = await gw.call('POST', '/api/v1/lots', { id: 'RICE-1', tenant: 'acme', product: 'Gạo 500 g', nominal: 500, unit: 'g', lotSize: 200 });
    expect(lot.status, JSON.stringify(lot.body)).toBe(201);
    const pkg = (net: number) => ({ seq: 1, ts: iso(T), lot: 'RICE-1', net, unit: 'g' });
    await publish('a-checkweigher', 'packages', pkg(500));
    await publish('a-checkweigher', 'packages', pkg(900));
    await publish('a-checkweigher', 'packages', pkg(500));
    const [rejected] = await rejections('a-checkweigher', 1);
    expect(rejected.errors).toEqual([
      { path: 'seq', message: `seq 1 at ${iso(T)} was received before with other content (net 500): a replay must repeat the message as sent` },
    ]);
    expect((await gw.call('GET', '/api/v1/lots/RICE-1')).body).toMatchObject({ measured: 1, t1: 0 });
    expect((await points('package', 'a-checkweigher')).map((p) => p.fields)).toEqual([{ net: 500, seq: 1, t1: false, t2: false }]);
  });
});

// End to end with no InfluxDB configured: a real MQTT client over TCP (QoS 1) → gateway →
// the embedded time-series store (SQLite in MAG_DATA_DIR), checked through the API.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const MIN = 60_000;
const T0 = Math.floor((Date.now() - 60 * MIN) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Item {
  ts: string;
  seq: number;
  quantity: string;
  value: number;
  raw: number;
  status: string;
  tags: Record<string, string>;
}

describe('ingest into the embedded store over MQTT', () => {
  let gw: TestGateway;
  let baro: MqttClient;
  let gas: MqttClient;
  let fuel: MqttClient;

  const publish = async (c: MqttClient, device: string, topic: string, body: unknown) => {
    await c.publishAsync(`instruments/${device}/${topic}`, JSON.stringify(body), { qos: 1 });
  };
  const readings = async (device: string, from: number, to: number, limit = 100): Promise<Item[]> => {
    const r = await gw.call('GET', `/api/v1/devices/${device}/readings?from=${iso(from)}&to=${iso(to)}&limit=${limit}`);
    expect(r.status).toBe(200);
    return r.body.items as Item[];
  };

  beforeAll(async () => {
    gw = await startTestGateway({ MAG_INFLUX_URL: '' });
    expect(gw.gateway.sink.kind).toBe('embedded');
    const [sBaro, sGas, sFuel] = await Promise.all([
      gw.device({ id: 'baro-1', type: 'barometer' }),
      gw.device({ id: 'gas-1', type: 'gas-detector' }),
      gw.device({ id: 'fuel-1', type: 'fuel-dispenser', tenant: 'petro' }),
    ]);
    [baro, gas, fuel] = await Promise.all([gw.connect('baro-1', sBaro), gw.connect('gas-1', sGas), gw.connect('fuel-1', sFuel)]);
  });

  afterAll(async () => {
    await gw?.destroy();
  });

  it('stores readings in MAG_DATA_DIR and serves them newest first', async () => {
    await publish(baro, 'baro-1', 'readings', { seq: 1, ts: iso(T0), quantity: 'pressure', value: 1013.42, unit: 'hPa' });
    await publish(baro, 'baro-1', 'readings', { seq: 2, ts: T0 + 1000, quantity: 'pressure', value: 1013.44, unit: 'hPa' });
    await gw.drained();
    expect(existsSync(join(gw.dataDir, 'timeseries.db'))).toBe(true);
    const items = await readings('baro-1', T0, T0 + 1000);
    expect(items).toEqual([
      { ts: iso(T0 + 1000), seq: 2, quantity: 'pressure', value: 1013.44, raw: 1013.44, status: 'ok', tags: {} },
      { ts: iso(T0), seq: 1, quantity: 'pressure', value: 1013.42, raw: 1013.42, status: 'ok', tags: {} },
    ]);
  });

  it('converts kPa to hPa, keeping the raw value as sent', async () => {
    const ts = T0 + 2 * MIN;
    await publish(baro, 'baro-1', 'readings', { seq: 10, ts, quantity: 'pressure', value: 101.35, unit: 'kPa' });
    await gw.drained();
    const [r] = await readings('baro-1', ts, ts);
    expect(r.value).toBeCloseTo(1013.5, 9);
    expect(r.raw).toBe(101.35);
    expect(r.seq).toBe(10);
  });

  it('stores every reading of a {"readings": [...]} batch', async () => {
    const base = T0 + 4 * MIN;
    const batch = Array.from({ length: 50 }, (_, i) => ({ seq: 100 + i, ts: base + i * 1000, quantity: 'pressure', value: 1010 + i / 100, unit: 'hPa' }));
    await publish(baro, 'baro-1', 'readings', { readings: batch });
    await gw.drained();
    const items = await readings('baro-1', base, base + 49_000);
    expect(items.map((r) => r.seq)).toEqual(batch.map((r) => r.seq).reverse());
  });

  it('stores a SenML pack published on instruments/{id}/senml', async () => {
    const bt = (T0 + 6 * MIN) / 1000;
    await publish(baro, 'baro-1', 'senml', [
      { bn: 'urn:dev:baro-1:', bt, bu: 'kPa', n: 'pressure', v: 101.2, seq: 200 },
      { n: 'pressure', t: 1, v: 101.21, seq: 201 },
    ]);
    await gw.drained();
    const items = await readings('baro-1', bt * 1000, bt * 1000 + 1000);
    expect(items.map((r) => [r.ts, r.seq, r.raw])).toEqual([
      [iso(bt * 1000 + 1000), 201, 101.21],
      [iso(bt * 1000), 200, 101.2],
    ]);
    expect(items[1].value).toBeCloseTo(1012, 9);
  });

  it('stores a replayed seq once', async () => {
    const ts = T0 + 8 * MIN;
    const r = { seq: 300, ts, quantity: 'pressure', value: 1009.9, unit: 'hPa' };
    await publish(baro, 'baro-1', 'readings', r);
    await publish(baro, 'baro-1', 'readings', r);
    await baro.publishAsync('instruments/baro-1/readings', JSON.stringify(r), { qos: 1, dup: true });
    await gw.drained();
    expect((await readings('baro-1', ts - 1000, ts + 1000)).map((x) => x.seq)).toEqual([300]);
  });

  it('tags gas-detector readings with the gas', async () => {
    const ts = T0 + 10 * MIN;
    await publish(gas, 'gas-1', 'readings', {
      readings: [
        { seq: 1, ts, quantity: 'concentration', gas: 'CO', value: 12, unit: 'ppm' },
        { seq: 2, ts, quantity: 'concentration', gas: 'O2', value: 20.9, unit: '%' },
      ],
    });
    await gw.drained();
    const items = await readings('gas-1', ts, ts);
    expect(items.map((r) => [r.tags.gas, r.value]).sort()).toEqual([
      ['CO', 12],
      ['O2', 20.9],
    ]);
  });

  it('stores a check, served by /checks with its decisions', async () => {
    const ts = T0 + 12 * MIN;
    await publish(gas, 'gas-1', 'checks', {
      seq: 77,
      ts: iso(ts),
      indicated: 51,
      reference: 50,
      referenceUncertainty: 1,
      unit: 'ppm',
      standardId: 'CYL-CO-50',
      gas: 'CO',
      point: 'span',
    });
    await gw.drained();
    const api = await gw.call('GET', '/api/v1/devices/gas-1/checks');
    expect(api.status).toBe(200);
    expect(api.body.items).toHaveLength(1);
    expect(api.body.items[0]).toMatchObject({ seq: 77, ts: iso(ts), indicated: 51, reference: 50, error: 1, mpe: 5, legal: 'pass' });
    expect(['pass', 'conditional-pass']).toContain(api.body.items[0].decision);
    expect(typeof api.body.items[0].uncertainty).toBe('number');
  });

  it('stores a fuel-dispenser transaction as a volume reading in litres with nozzle and product', async () => {
    const ts = T0 + 14 * MIN;
    await publish(fuel, 'fuel-1', 'readings', {
      seq: 9,
      ts: iso(ts),
      quantity: 'volume',
      value: 20060,
      unit: 'mL',
      nozzle: '2',
      product: 'RON95',
      unitPrice: 23800,
      amount: 477428,
      totalizerStart: 1000000,
      totalizerEnd: 1020060,
    });
    await gw.drained();
    const [r] = await readings('fuel-1', ts, ts);
    expect(r).toMatchObject({ ts: iso(ts), seq: 9, quantity: 'volume', raw: 20060, status: 'ok', tags: { nozzle: '2', product: 'RON95' } });
    expect(r.value).toBeCloseTo(20.06, 9);
  });

  it('rejects an invalid reading without storing it', async () => {
    const ts = T0 + 16 * MIN;
    await publish(baro, 'baro-1', 'readings', { seq: 400, ts, quantity: 'pressure', value: 1013, unit: 'kg' });
    await gw.drained();
    expect(await readings('baro-1', ts, ts)).toEqual([]);
    const rej = await gw.call('GET', '/api/v1/devices/baro-1/rejections');
    expect(rej.body.items[0]).toMatchObject({ topic: 'instruments/baro-1/readings', seq: 400, errors: [expect.objectContaining({ path: 'unit' })] });
  });

  it('serves readings newest first with limit', async () => {
    const r = await gw.call('GET', '/api/v1/devices/baro-1/readings?limit=3');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(3);
    const times = r.body.items.map((x: Item) => Date.parse(x.ts));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(r.body.items[0].seq).toBe(300);
  });
});

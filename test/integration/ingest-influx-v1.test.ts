// End to end into a real InfluxDB 1.x: a real MQTT client over TCP (QoS 1) → gateway → InfluxDB,
// checked in InfluxDB itself (docs/contract.md §3 layout) and through the API.
// If influxd is not installed, beforeAll fails with the harness's install instructions.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type InfluxdHandle, type InfluxQueryResult } from '../support/influxd.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const MIN = 60_000;
/** A base time a little in the past, on a whole second; each test uses its own offsets. */
const T0 = Math.floor((Date.now() - 60 * MIN) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

function rows(res: InfluxQueryResult): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) {
    for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  }
  return out;
}

describe('ingest into InfluxDB 1.x over MQTT', () => {
  let influxd: InfluxdHandle;
  let gw: TestGateway;
  let baro: MqttClient;
  let gas: MqttClient;
  let fuel: MqttClient;

  const select = async (q: string) => rows(await influxd.query(q));
  const publish = async (c: MqttClient, device: string, topic: string, body: unknown) => {
    await c.publishAsync(`instruments/${device}/${topic}`, JSON.stringify(body), { qos: 1 });
  };

  beforeAll(async () => {
    influxd = await startInfluxd();
    gw = await startTestGateway({ MAG_INFLUX_URL: influxd.url });
    const [sBaro, sGas, sFuel] = await Promise.all([
      gw.device({ id: 'baro-1', type: 'barometer' }),
      gw.device({ id: 'gas-1', type: 'gas-detector' }),
      gw.device({ id: 'fuel-1', type: 'fuel-dispenser', tenant: 'petro' }),
    ]);
    [baro, gas, fuel] = await Promise.all([gw.connect('baro-1', sBaro), gw.connect('gas-1', sGas), gw.connect('fuel-1', sFuel)]);
  });

  afterAll(async () => {
    await gw?.destroy();
    await influxd?.destroy();
  });

  it('stores a reading with the docs/contract.md §3 tags and fields, and serves it newest first', async () => {
    await publish(baro, 'baro-1', 'readings', { seq: 1, ts: iso(T0), quantity: 'pressure', value: 1013.42, unit: 'hPa' });
    await publish(baro, 'baro-1', 'readings', { seq: 2, ts: T0 + 1000, quantity: 'pressure', value: 1013.44, unit: 'hPa' });
    await gw.drained();

    const got = await select(`SELECT * FROM reading WHERE device = 'baro-1' AND time >= ${T0}ms AND time <= ${T0 + 1000}ms`);
    expect(got).toEqual([
      { time: T0, tenant: 'acme', device: 'baro-1', type: 'barometer', quantity: 'pressure', value: 1013.42, raw: 1013.42, seq: 1, status: 'ok' },
      { time: T0 + 1000, tenant: 'acme', device: 'baro-1', type: 'barometer', quantity: 'pressure', value: 1013.44, raw: 1013.44, seq: 2, status: 'ok' },
    ]);
    const tagKeys = rows(await influxd.query('SHOW TAG KEYS FROM reading')).map((r) => r.tagKey);
    expect(tagKeys).toEqual(expect.arrayContaining(['tenant', 'device', 'type', 'quantity']));
    const fieldTypes = Object.fromEntries(rows(await influxd.query('SHOW FIELD KEYS FROM reading')).map((r) => [r.fieldKey, r.fieldType]));
    expect(fieldTypes).toEqual({ value: 'float', raw: 'float', seq: 'integer', status: 'string' });

    const api = await gw.call('GET', `/api/v1/devices/baro-1/readings?from=${iso(T0)}&to=${iso(T0 + 1000)}`);
    expect(api.status).toBe(200);
    expect(api.body.items.map((r: { seq: number }) => r.seq)).toEqual([2, 1]);
    expect(api.body.items[0]).toMatchObject({ ts: iso(T0 + 1000), seq: 2, quantity: 'pressure', value: 1013.44, raw: 1013.44, status: 'ok' });
  });

  it('converts kPa to hPa, keeping the raw value as sent', async () => {
    const ts = T0 + 2 * MIN;
    await publish(baro, 'baro-1', 'readings', { seq: 10, ts, quantity: 'pressure', value: 101.35, unit: 'kPa' });
    await gw.drained();
    const [r] = await select(`SELECT value, raw, seq FROM reading WHERE device = 'baro-1' AND time = ${ts}ms`);
    expect(r.value as number).toBeCloseTo(1013.5, 9);
    expect(r.raw).toBe(101.35);
    expect(r.seq).toBe(10);
  });

  it('stores every reading of a {"readings": [...]} batch', async () => {
    const base = T0 + 4 * MIN;
    const readings = Array.from({ length: 50 }, (_, i) => ({ seq: 100 + i, ts: base + i * 1000, quantity: 'pressure', value: 1010 + i / 100, unit: 'hPa' }));
    await publish(baro, 'baro-1', 'readings', { readings });
    await gw.drained();
    const [c] = await select(`SELECT count(value) FROM reading WHERE device = 'baro-1' AND time >= ${base}ms AND time < ${base + 50_000}ms`);
    expect(c.count).toBe(50);
    const seqs = (await select(`SELECT seq FROM reading WHERE device = 'baro-1' AND time >= ${base}ms AND time < ${base + 50_000}ms`)).map((r) => r.seq);
    expect(seqs).toEqual(readings.map((r) => r.seq));
  });

  it('stores a SenML pack published on instruments/{id}/senml', async () => {
    const bt = (T0 + 6 * MIN) / 1000;
    await publish(baro, 'baro-1', 'senml', [
      { bn: 'urn:dev:baro-1:', bt, bu: 'kPa', n: 'pressure', v: 101.2, seq: 200 },
      { n: 'pressure', t: 1, v: 101.21, seq: 201 },
    ]);
    await gw.drained();
    const got = await select(`SELECT value, raw, seq FROM reading WHERE device = 'baro-1' AND time >= ${bt * 1000}ms AND time <= ${bt * 1000 + 1000}ms`);
    expect(got.map((r) => [r.time, r.seq, r.raw])).toEqual([
      [bt * 1000, 200, 101.2],
      [bt * 1000 + 1000, 201, 101.21],
    ]);
    expect(got[0].value as number).toBeCloseTo(1012, 9);
  });

  it('stores a replayed seq once', async () => {
    const ts = T0 + 8 * MIN;
    const r = { seq: 300, ts, quantity: 'pressure', value: 1009.9, unit: 'hPa' };
    await publish(baro, 'baro-1', 'readings', r);
    await publish(baro, 'baro-1', 'readings', r);
    await baro.publishAsync('instruments/baro-1/readings', JSON.stringify(r), { qos: 1, dup: true });
    await gw.drained();
    const [c] = await select(`SELECT count(value) FROM reading WHERE device = 'baro-1' AND seq = 300`);
    expect(c.count).toBe(1);
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
    const got = await select(`SELECT * FROM reading WHERE device = 'gas-1' AND time = ${ts}ms GROUP BY gas`);
    expect(got.map((r) => [r.gas, r.value, r.tenant, r.type, r.quantity]).sort()).toEqual([
      ['CO', 12, 'acme', 'gas-detector', 'concentration'],
      ['O2', 20.9, 'acme', 'gas-detector', 'concentration'],
    ]);
  });

  it('stores a check in the check measurement', async () => {
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
    const got = await select(`SELECT * FROM "check" WHERE device = 'gas-1' AND time = ${ts}ms`);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      tenant: 'acme',
      device: 'gas-1',
      type: 'gas-detector',
      gas: 'CO',
      point: 'span',
      indicated: 51,
      reference: 50,
      error: 1,
      mpe: 5,
      seq: 77,
      legal: 'pass',
    });
    expect(typeof got[0].uncertainty).toBe('number');
    expect(['pass', 'conditional-pass']).toContain(got[0].decision);
    const fieldTypes = Object.fromEntries(rows(await influxd.query('SHOW FIELD KEYS FROM "check"')).map((r) => [r.fieldKey, r.fieldType]));
    expect(fieldTypes).toMatchObject({
      indicated: 'float',
      reference: 'float',
      error: 'float',
      mpe: 'float',
      uncertainty: 'float',
      decision: 'string',
      legal: 'string',
      seq: 'integer',
    });

    const api = await gw.call('GET', `/api/v1/devices/gas-1/checks`);
    expect(api.body.items[0]).toMatchObject({ seq: 77, ts: iso(ts), indicated: 51, reference: 50, error: 1, mpe: 5, legal: 'pass' });
  });

  it('stores a fuel-dispenser transaction in reading and transaction, converting mL to L', async () => {
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
      totalizerEnd: 1020060, // totalizers in the unit of value (mL)
    });
    await gw.drained();
    const [reading] = await select(`SELECT * FROM reading WHERE device = 'fuel-1' AND time = ${ts}ms`);
    expect(reading).toMatchObject({
      tenant: 'petro',
      device: 'fuel-1',
      type: 'fuel-dispenser',
      quantity: 'volume',
      nozzle: '2',
      product: 'RON95',
      raw: 20060,
      seq: 9,
      status: 'ok',
    });
    expect(reading.value as number).toBeCloseTo(20.06, 9);
    const [tx] = await select(`SELECT * FROM "transaction" WHERE device = 'fuel-1' AND time = ${ts}ms`);
    expect(tx).toMatchObject({ tenant: 'petro', device: 'fuel-1', nozzle: '2', product: 'RON95', unitPrice: 23800, amount: 477428, seq: 9 });
    expect(tx.volume as number).toBeCloseTo(20.06, 9);
    expect(tx.totalizerStart as number).toBeCloseTo(1000, 9);
    expect(tx.totalizerEnd as number).toBeCloseTo(1020.06, 9);
    const fieldTypes = Object.fromEntries(rows(await influxd.query('SHOW FIELD KEYS FROM "transaction"')).map((r) => [r.fieldKey, r.fieldType]));
    expect(fieldTypes).toEqual({ volume: 'float', unitPrice: 'float', amount: 'float', totalizerStart: 'float', totalizerEnd: 'float', seq: 'integer' });

    const api = await gw.call('GET', '/api/v1/devices/fuel-1/readings');
    expect(api.body.items[0]).toMatchObject({ ts: iso(ts), seq: 9, quantity: 'volume', raw: 20060, status: 'ok' });
    expect(api.body.items[0].value).toBeCloseTo(20.06, 9);
  });

  it('serves readings newest first with limit', async () => {
    const api = await gw.call('GET', '/api/v1/devices/baro-1/readings?limit=3');
    expect(api.status).toBe(200);
    expect(api.body.items).toHaveLength(3);
    const times = api.body.items.map((r: { ts: string }) => Date.parse(r.ts));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(api.body.items[0].seq).toBe(300);
  });

  it('writes the fleet standing for dashboards: rejections per message, devices by verification state, unresolved alerts by kind', async () => {
    // a rejected message (value not a number) and a failing check that opens an out-of-tolerance alert
    await publish(baro, 'baro-1', 'readings', { seq: 900, ts: iso(T0), quantity: 'pressure', value: 'high', unit: 'hPa' });
    await publish(baro, 'baro-1', 'checks', {
      seq: 901,
      ts: iso(T0 + 60_000),
      indicated: 1015,
      reference: 1013,
      referenceUncertainty: 0.05,
      unit: 'hPa',
      standardId: 'REF-1',
    });
    const at = Date.now();
    gw.gateway.recordFleetState(new Date(at));
    await gw.drained();

    const rejected = await select(`SELECT * FROM rejection WHERE device = 'baro-1'`);
    expect(rejected).toEqual([
      expect.objectContaining({ tenant: 'acme', device: 'baro-1', type: 'barometer', topic: 'readings', count: 1, reason: expect.stringContaining('value') }),
    ]);
    // the same counts the API gives
    const unresolved = ((await gw.call('GET', '/api/v1/alerts?device=baro-1')).body.items as { state: string; severity: string; kind: string }[]).filter(
      (a) => a.state !== 'resolved',
    );
    expect(unresolved.map((a) => a.kind)).toContain('out-of-tolerance');
    // gas-1's span check above cites CYL-CO-50, a standard nobody registered: its one open alert says so.
    const gasUnresolved = (
      (await gw.call('GET', '/api/v1/alerts?device=gas-1')).body.items as { state: string; severity: string; kind: string; key?: string }[]
    ).filter((a) => a.state !== 'resolved');
    expect(gasUnresolved.map((a) => [a.kind, a.key])).toEqual([['untraceable-check', 'CYL-CO-50']]);
    const fleet = await select(`SELECT * FROM fleet WHERE time = ${at}ms`);
    expect(fleet.map((r) => [r.device, r.verification, r.openAlerts, r.criticalAlerts]).sort()).toEqual([
      ['baro-1', 'valid', unresolved.length, unresolved.filter((a) => a.severity === 'critical').length],
      ['fuel-1', 'valid', 0, 0],
      ['gas-1', 'valid', 1, gasUnresolved.filter((a) => a.severity === 'critical').length],
    ]);
    const open = await select(`SELECT * FROM open_alerts WHERE time = ${at}ms AND tenant = 'acme'`);
    expect(open.find((r) => r.kind === 'out-of-tolerance')).toMatchObject({ open: 1 });
    expect(open.find((r) => r.kind === 'tamper')).toMatchObject({ open: 0 }); // zeros are written, so last() is the standing now
    const types = Object.fromEntries(rows(await influxd.query('SHOW FIELD KEYS FROM "fleet"')).map((r) => [r.fieldKey, r.fieldType]));
    expect(types).toEqual({ verification: 'string', openAlerts: 'integer', criticalAlerts: 'integer' });
  });
});

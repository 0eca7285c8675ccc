// Gap detection on the devices' seq (CONTRACT §2: "increasing per device (dedup and gap detection)"),
// as the engineer reads it: GET /api/v1/devices/{id} `sequence`, per topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const T = Math.floor((Date.now() - 30 * 60_000) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('seq gaps over MQTT', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ MAG_INFLUX_URL: '' });
  });

  afterAll(async () => {
    await gw?.destroy();
  });

  it('counts the readings a device numbered and never sent, and a replay as a step back; checks are numbered apart', async () => {
    const client = await gw.connect('baro-seq', await gw.device({ id: 'baro-seq', type: 'barometer' }));
    const reading = (seq: number) => ({ seq, ts: iso(T + seq * 1000), quantity: 'pressure', value: 1013.2, unit: 'hPa' });
    // 1, 2, a batch of 3 and 4, then 8 (5, 6 and 7 never came), then 4 again (a replay)
    for (const body of [reading(1), reading(2), { readings: [reading(3), reading(4)] }, reading(8), reading(4)])
      await client.publishAsync('instruments/baro-seq/readings', JSON.stringify(body), { qos: 1 });
    await client.publishAsync(
      'instruments/baro-seq/checks',
      JSON.stringify({ seq: 1, ts: iso(T), indicated: 1000.02, reference: 1000, referenceUncertainty: 0.02, unit: 'hPa', standardId: 'REF-1' }),
      { qos: 1 },
    );
    await gw.drained();
    const device = (await gw.call('GET', '/api/v1/devices/baro-seq')).body;
    expect(device.sequence).toEqual({
      readings: { last: 8, received: 6, gaps: 1, missing: 3, backwards: 1, restarts: 0, since: expect.any(String), lastAt: expect.any(String) },
      checks: { last: 1, received: 1, gaps: 0, missing: 0, backwards: 0, restarts: 0, since: expect.any(String), lastAt: expect.any(String) },
    });
  });

  it('counts a fuel transaction once (it is a reading point and a transaction point of one seq)', async () => {
    const client = await gw.connect('fd-seq', await gw.device({ id: 'fd-seq', type: 'fuel-dispenser' }));
    const tx = (seq: number, start: number) => ({
      seq,
      ts: iso(T + seq * 60_000),
      quantity: 'volume',
      value: 20,
      unit: 'L',
      nozzle: 1,
      product: 'RON95',
      unitPrice: 20000,
      amount: 400000,
      totalizerStart: start,
      totalizerEnd: start + 20,
    });
    for (const body of [tx(1, 1000), tx(2, 1020), tx(4, 1040)]) await client.publishAsync('instruments/fd-seq/readings', JSON.stringify(body), { qos: 1 });
    await gw.drained();
    expect((await gw.call('GET', '/api/v1/devices/fd-seq')).body.sequence.readings).toMatchObject({ last: 4, received: 3, gaps: 1, missing: 1, backwards: 0 });
  });
});

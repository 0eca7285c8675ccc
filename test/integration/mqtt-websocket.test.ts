// MQTT over WebSocket (MAG_MQTT_WS_PORT) end to end: a device's readings arrive in WebSocket
// frames, not TCP chunks, through the same parsing of PUBLISH packets (aedes-internals'
// publish_parse), and are acknowledged, stored and refused as over TCP.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freePort } from '../support/ports.ts';

describe('MQTT over WebSocket', () => {
  let t: TestGateway;
  let wsPort: number;

  beforeAll(async () => {
    wsPort = await freePort();
    t = await startTestGateway({ MAG_MQTT_WS_PORT: String(wsPort) });
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it("acknowledges and stores a device's readings sent over WebSocket, every one, and refuses an invalid one on feedback", async () => {
    const secret = await t.device({ id: 'bar-ws', type: 'barometer' });
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${wsPort}`, {
      clientId: 'bar-ws',
      username: 'bar-ws',
      password: secret,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    try {
      const box = inbox(c);
      await c.subscribeAsync('instruments/bar-ws/feedback', { qos: 1 });
      const t0 = Date.now() - 60_000;
      // 200 at once: several PUBLISH packets per frame read, and packets cut across reads
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          c.publishAsync('instruments/bar-ws/readings', JSON.stringify({ seq: i + 1, ts: t0 + i, quantity: 'pressure', value: 1000 + i / 10, unit: 'hPa' }), {
            qos: 1,
          }),
        ),
      );
      await c.publishAsync('instruments/bar-ws/readings', JSON.stringify({ seq: 201, ts: t0 + 200, quantity: 'pressure', unit: 'hPa' }), { qos: 1 });
      const refused = await box.waitFor((m) => m.topic === 'instruments/bar-ws/feedback');
      expect(refused.payload).toMatchObject({ seq: 201, errors: [expect.objectContaining({ path: 'value' })] });
      await t.drained();
      const items = (await t.call('GET', '/api/v1/devices/bar-ws/readings?limit=1000')).body.items as { seq: number; value: number }[];
      expect(items.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(items.find((r) => r.seq === 200)?.value).toBeCloseTo(1019.9, 9);
    } finally {
      await c.endAsync();
    }
  });
});

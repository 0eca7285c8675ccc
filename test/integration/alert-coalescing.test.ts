// Alerts raised from every message cost no state-database write per message: an unverified
// instrument's readings count on one open alert, written (and notified) at most once a second;
// a connect/disconnect storm keeps one offline alert; a gateway killed with repeats still in
// memory keeps the alert (its count may trail). Real gateway, real MQTT over TCP, SQLite on disk.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { createGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { AlertStore } from '../../src/store/alerts.ts';

const UNLIMITED = { MAG_DEVICE_MSG_RATE: '1000000', MAG_DEVICE_MSG_BURST: '1000000' };

/** An in-range reading (constant value: never implausible) `seq` ms after `t0`. */
const reading = (t0: number, seq: number) => JSON.stringify({ seq, ts: t0 + seq, quantity: 'pressure', value: 1013.2, unit: 'hPa' });

/** Publishes readings `from`…`to` at QoS 1 with `window` awaiting their PUBACK; resolves with how many were acknowledged. */
async function publishReadings(c: MqttClient, device: string, t0: number, from: number, to: number, window = 100): Promise<number> {
  let next = from;
  let acked = 0;
  const lane = async () => {
    while (next <= to && c.connected) {
      const seq = next++;
      await c.publishAsync(`instruments/${device}/readings`, reading(t0, seq), { qos: 1 }).then(
        () => acked++,
        () => undefined,
      );
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return acked;
}

/** `mag_state_writes_total{table="alerts"}` from /metrics. */
async function alertWrites(call: (m: string, p: string) => Promise<{ body: any }>): Promise<number> {
  const text = (await call('GET', '/metrics')).body as string;
  return Number(/^mag_state_writes_total\{table="alerts"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** `event: alert` data of the SSE stream, as they come. */
async function alertStream(api: string): Promise<{ alerts: any[]; close(): void }> {
  const ac = new AbortController();
  const res = await fetch(`${api}/api/v1/alerts/stream`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/event-stream' },
    signal: ac.signal,
  });
  const alerts: any[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body!) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!/^event: alert$/m.test(block)) continue;
          alerts.push(
            JSON.parse(
              block
                .split('\n')
                .filter((l) => l.startsWith('data:'))
                .map((l) => l.slice(5).trim())
                .join('\n'),
            ),
          );
        }
      }
    } catch {
      /* closed */
    }
  })();
  return { alerts, close: () => ac.abort() };
}

describe('repeats coalesced in memory (in-process gateway)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(UNLIMITED);
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('10,000 readings from an unverified instrument: one alert counting 10,000 within about a second of the last, written about once a second', {
    timeout: 120_000,
  }, async () => {
    const secret = await t.device({ id: 'baro-unv', type: 'barometer', certificate: false });
    const c = await t.connect('baro-unv', secret);
    const stream = await alertStream(t.api);
    const writes0 = await alertWrites(t.call);
    const started = Date.now();

    expect(await publishReadings(c, 'baro-unv', Date.now() - 60_000, 1, 10_000)).toBe(10_000);
    const sentMs = Date.now() - started;
    // Acknowledged means applied: every repeat is counted in memory by now. The stored row
    // catches up at the next flush, within REPEAT_FLUSH_MS (1 s), without any read asking for it.
    const alertsOf = new AlertStore(t.gateway.db);
    const stored = () => alertsOf.list({ device: 'baro-unv' }).map((a) => [a.kind, a.state, a.count]);
    await expect.poll(stored, { timeout: 2000, interval: 50 }).toEqual([['verification-overdue', 'open', 10_000]]);

    // One write to open it, then at most one a second (and one for the last repeats).
    const writes = (await alertWrites(t.call)) - writes0;
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(writes).toBeLessThanOrEqual(2 + Math.ceil(sentMs / 1000));
    // The stream follows the same coalescing: opened, then one `repeated` per write, the last at 10,000.
    await expect.poll(() => stream.alerts.filter((a) => a.device === 'baro-unv').at(-1)?.count, { timeout: 2000 }).toBe(10_000);
    const events = stream.alerts.filter((a) => a.device === 'baro-unv');
    expect(events[0]).toMatchObject({ change: 'opened', count: 1, kind: 'verification-overdue' });
    expect(events.length).toBe(writes);
    stream.close();

    const api = (await t.call('GET', '/api/v1/alerts?device=baro-unv')).body.items;
    expect(api).toMatchObject([{ kind: 'verification-overdue', state: 'open', count: 10_000, details: { seq: 10_000, verification: { state: 'none' } } }]);
    console.log(`10,000 unverified readings in ${sentMs} ms: ${writes} writes of the alerts table, ${events.length} SSE events`);
    await c.endAsync();
  });

  it('a connect/disconnect storm keeps one offline alert counting, resolved once the device stays connected', { timeout: 60_000 }, async () => {
    const secret = await t.device({ id: 'baro-flap', type: 'barometer' });
    const will = { topic: 'instruments/baro-flap/status', payload: Buffer.from('{"state":"offline"}'), qos: 1 as const, retain: false };
    const counted = () => t.gateway.alerts.openAlert('baro-flap', 'offline')?.count; // in memory: no write
    const writes0 = await alertWrites(t.call);
    const started = Date.now();
    for (let i = 1; i <= 20; i++) {
      const c = await t.connect('baro-flap', secret, { will });
      c.stream.destroy(); // dropped without DISCONNECT: the will says offline
      await expect.poll(counted, { message: `waiting for drop ${i} counted`, timeout: 10_000 }).toBe(i);
    }
    const back = await t.connect('baro-flap', secret, { will });
    const offline = async () =>
      (await t.call('GET', '/api/v1/alerts?device=baro-flap&kind=offline')).body.items.map((a: any) => [a.state, a.count, a.resolution?.note]);
    await expect.poll(offline, { timeout: 3000 }).toEqual([['resolved', 20, 'device connected']]);
    const writes = (await alertWrites(t.call)) - writes0;
    expect(writes).toBeLessThanOrEqual(3 + Math.ceil((Date.now() - started) / 1000));
    // audited once each, not once per cycle
    const trail = (await t.gateway.audit.list({ limit: 500 })).filter((e) => e.details?.device === 'baro-flap').map((e) => e.action);
    expect(trail.sort()).toEqual(['alert.clear', 'alert.open']);
    await back.endAsync();
  });
});

describe('repeats pending in memory when the gateway process is killed (child process)', () => {
  let gp: GatewayProcess;
  beforeAll(async () => {
    gp = await createGatewayProcess(UNLIMITED);
    await gp.start();
  });
  afterAll(async () => {
    await gp?.destroy();
  });

  it('SIGKILL keeps the open alert (its count may trail); later readings count on it, and a graceful stop writes every repeat', {
    timeout: 120_000,
  }, async () => {
    expect((await gp.call('POST', '/api/v1/tenants', { id: 'acme', name: 'acme', region: 'VN-HN' })).status).toBe(201);
    const created = await gp.call('POST', '/api/v1/devices', { id: 'baro-kill', tenant: 'acme', type: 'barometer', serial: 'SN-K' });
    expect(created.status).toBe(201);
    const connect = () =>
      mqtt.connectAsync(gp.mqttUrl, { clientId: 'baro-kill', username: 'baro-kill', password: created.body.secret, protocolVersion: 4, reconnectPeriod: 0 });
    const t0 = Date.now() - 60_000;
    const alerts = async () => (await gp.call('GET', '/api/v1/alerts?device=baro-kill')).body.items as any[];

    let c = await connect();
    c.on('error', () => undefined);
    // killed at once after the last acknowledgement: the repeats since the last flush are only in memory
    const acked = await publishReadings(c, 'baro-kill', t0, 1, 3000, 50);
    await gp.kill('SIGKILL');
    c.end(true);
    expect(acked).toBe(3000);

    await gp.start();
    const [kept] = await alerts();
    expect(await alerts()).toHaveLength(1);
    expect(kept).toMatchObject({ kind: 'verification-overdue', state: 'open' });
    expect(kept.count).toBeGreaterThanOrEqual(1);
    expect(kept.count).toBeLessThanOrEqual(3000);
    console.log(`after SIGKILL: the alert kept with count ${kept.count} of 3000 acknowledged readings`);

    c = await connect();
    c.on('error', () => undefined);
    expect(await publishReadings(c, 'baro-kill', t0, 3001, 3500, 50)).toBe(500);
    await c.endAsync();
    await gp.kill('SIGTERM');
    await gp.start();
    expect(await alerts()).toMatchObject([{ id: kept.id, state: 'open', count: kept.count + 500 }]);
  });
});

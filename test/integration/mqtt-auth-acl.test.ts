// docs/contract.md §2: MQTT authentication (client id = username = device id, secret as password)
// and the topic ACL, against the real broker over TCP with mqtt.js (protocol 3.1.1).
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';

const MIN = 60_000;
const T0 = Math.floor((Date.now() - 30 * MIN) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const reading = (seq: number, ts: number, extra: Record<string, unknown> = {}) => ({
  seq,
  ts: iso(ts),
  quantity: 'pressure',
  value: 1013.2,
  unit: 'hPa',
  ...extra,
});

/** Resolves when the client's connection closes (or is already closed). */
function closed(c: MqttClient, ms = 5000): Promise<void> {
  if (!c.connected && c.disconnected !== false) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
    c.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

describe('MQTT authentication and topic ACL', () => {
  let gw: TestGateway;
  const secrets: Record<string, string> = {};
  const extra: MqttClient[] = [];

  /** A raw connection attempt: resolves with the client, rejects with mqtt.js's error (with `code`). */
  const attempt = (opts: { clientId: string; username?: string; password?: string }) =>
    mqtt.connectAsync(gw.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts }).then((c) => {
      extra.push(c);
      return c;
    });

  const refusal = async (p: Promise<unknown>): Promise<number> => {
    const e = await p.then(
      () => {
        throw new Error('the connection was accepted');
      },
      (err: unknown) => err as { code?: number; message: string },
    );
    return e.code as number;
  };

  const readingsOf = async (device: string) => (await gw.call('GET', `/api/v1/devices/${device}/readings?limit=1000`)).body.items as { seq: number }[];

  const rejectedTotal = async (): Promise<number> => {
    const res = await fetch(`${gw.api}/metrics`);
    const text = await res.text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('mag_rejected_total'))
      .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    gw = await startTestGateway();
    for (const id of ['dev-a', 'dev-b', 'dev-c', 'dev-d']) secrets[id] = await gw.device({ id, type: 'barometer' });
  });

  afterAll(async () => {
    await Promise.all(extra.map((c) => c.endAsync(true).catch(() => undefined)));
    await gw?.destroy();
  });

  it('accepts the right device id and secret', async () => {
    const c = await gw.connect('dev-a', secrets['dev-a']);
    expect(c.connected).toBe(true);
    await c.publishAsync('instruments/dev-a/readings', JSON.stringify(reading(1, T0)), { qos: 1 });
    await gw.drained();
    expect((await readingsOf('dev-a')).map((r) => r.seq)).toEqual([1]);
  });

  it('refuses a wrong secret with CONNACK 4 or 5', async () => {
    expect([4, 5]).toContain(await refusal(attempt({ clientId: 'dev-a', username: 'dev-a', password: 'not-the-secret' })));
    expect([4, 5]).toContain(await refusal(attempt({ clientId: 'dev-a', username: 'dev-a', password: secrets['dev-b'] })));
  });

  it('refuses a missing password and an unknown device', async () => {
    expect([4, 5]).toContain(await refusal(attempt({ clientId: 'dev-a', username: 'dev-a' })));
    expect([4, 5]).toContain(await refusal(attempt({ clientId: 'ghost', username: 'ghost', password: secrets['dev-a'] })));
  });

  it('refuses a client id different from the username', async () => {
    expect([2, 4, 5]).toContain(await refusal(attempt({ clientId: 'dev-b', username: 'dev-a', password: secrets['dev-a'] })));
    expect([2, 4, 5]).toContain(await refusal(attempt({ clientId: 'someone', username: 'dev-a', password: secrets['dev-a'] })));
  });

  it('closes the connection of a device publishing to another device topic, storing nothing', async () => {
    const b = await gw.connect('dev-b', secrets['dev-b']);
    const gone = closed(b);
    b.publish('instruments/dev-c/readings', JSON.stringify(reading(7, T0)), { qos: 1 });
    await gone;
    const b2 = await gw.connect('dev-b', secrets['dev-b']);
    const gone2 = closed(b2);
    b2.publish('instruments/dev-c/readings', JSON.stringify(reading(8, T0 + 1000)), { qos: 0 });
    await gone2;
    await gw.drained();
    expect(await readingsOf('dev-c')).toEqual([]);
    expect(await readingsOf('dev-b')).toEqual([]);
    // the device cannot be told (its connection is closed): the engineer reads why in its rejections
    const rejections = (await gw.call('GET', '/api/v1/devices/dev-b/rejections')).body.items as {
      topic: string;
      errors: { path: string; message: string }[];
    }[];
    expect(rejections.filter((r) => r.topic === 'instruments/dev-c/readings').map((r) => r.errors)).toEqual([
      [
        {
          path: '(message)',
          message: expect.stringMatching(/^publishing to instruments\/dev-c\/readings is not allowed: a device publishes only to its own instruments\/dev-b\//),
        },
      ],
      [{ path: '(message)', message: expect.stringMatching(/the connection was closed and nothing of the message was stored$/) }],
    ]);
  });

  it.each(['instruments/dev-b/feedback', 'instruments/dev-b/config', 'instruments/dev-b/readings/extra', 'elsewhere', '$SYS/broker/x'])(
    'closes the connection on a publish to %s',
    async (topic) => {
      const b = await gw.connect('dev-b', secrets['dev-b']);
      const gone = closed(b);
      b.publish(topic, JSON.stringify(reading(9, T0)), { qos: 1 });
      await gone;
    },
  );

  it.each(['#', 'instruments/#', 'instruments/+/feedback', 'instruments/dev-a/feedback', 'instruments/dev-a/config', 'instruments/dev-c/readings', '$SYS/#'])(
    'refuses a subscription to %s, and never delivers another device message',
    async (topic) => {
      const c = await gw.connect('dev-c', secrets['dev-c']);
      const box = inbox(c);
      const gone = closed(c);
      let granted: number | undefined;
      const sub = c.subscribeAsync(topic, { qos: 1 }).then(
        (g) => {
          granted = g[0]?.qos;
        },
        () => undefined,
      );
      // Either the broker answers SUBACK 0x80 (failure) or it closes the connection.
      await Promise.race([sub, gone]);
      if (c.connected) expect(granted).toBe(128);

      // Another device publishes (and gets feedback); the subscriber must see none of it.
      const a = await gw.connect('dev-a', secrets['dev-a']);
      const fb = inbox(a);
      await a.subscribeAsync('instruments/dev-a/feedback', { qos: 1 });
      await a.publishAsync('instruments/dev-a/readings', JSON.stringify(reading(100, T0, { unit: 'kg' })), { qos: 1 });
      await a.publishAsync('instruments/dev-a/status', JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
      await fb.waitFor((m) => m.topic === 'instruments/dev-a/feedback');
      await a.endAsync();
      await new Promise((r) => setTimeout(r, 50));
      expect(box.messages.filter((m) => !m.topic.startsWith('instruments/dev-c/'))).toEqual([]);
    },
  );

  it('lets a device subscribe to its own feedback and config', async () => {
    const d = await gw.connect('dev-d', secrets['dev-d']);
    const box = inbox(d);
    const granted = await d.subscribeAsync(['instruments/dev-d/feedback', 'instruments/dev-d/config'], { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    // config is retained: the standing arrives on subscription
    const cfg = await box.waitFor((m) => m.topic === 'instruments/dev-d/config');
    expect(cfg.payload).toMatchObject({ verification: { state: 'valid' }, lockout: false });
    expect(d.connected).toBe(true);
  });

  it('refuses a payload over 64 KiB and stores nothing; 64 KiB exactly is accepted', async () => {
    const d = await gw.connect('dev-d', secrets['dev-d']);
    const padded = (seq: number, bytes: number) => {
      const base = JSON.stringify({ ...reading(seq, T0 + seq * 1000), pad: '' });
      return JSON.stringify({ ...reading(seq, T0 + seq * 1000), pad: 'x'.repeat(bytes - base.length) });
    };
    const exact = padded(1, 65536);
    expect(Buffer.byteLength(exact)).toBe(65536);
    await d.publishAsync('instruments/dev-d/readings', exact, { qos: 1 });

    const over = padded(2, 65537);
    expect(Buffer.byteLength(over)).toBe(65537);
    const gone = closed(d);
    d.publish('instruments/dev-d/readings', over, { qos: 1 });
    await gone;
    await gw.drained();
    expect((await readingsOf('dev-d')).map((r) => r.seq)).toEqual([1]);
  });

  it('reports an invalid payload on feedback, in /rejections and /metrics, and keeps the device connected', async () => {
    const d = await gw.connect('dev-d', secrets['dev-d']);
    const box = inbox(d);
    await d.subscribeAsync('instruments/dev-d/feedback', { qos: 1 });
    const before = await rejectedTotal();

    await d.publishAsync('instruments/dev-d/readings', JSON.stringify({ seq: 42, ts: iso(T0 + 42_000), quantity: 'pressure', value: 'high', unit: 'hPa' }), {
      qos: 1,
    });
    const fb = await box.waitFor((m) => m.topic === 'instruments/dev-d/feedback' && m.payload.seq === 42);
    expect(fb.payload).toEqual({ seq: 42, topic: 'instruments/dev-d/readings', errors: [{ path: 'value', message: expect.any(String) }] });

    // not JSON at all: feedback without a seq
    await d.publishAsync('instruments/dev-d/checks', 'not json', { qos: 1 });
    const fb2 = await box.waitFor((m) => m.topic === 'instruments/dev-d/feedback' && m.payload.topic === 'instruments/dev-d/checks');
    expect(fb2.payload.errors[0]).toEqual({ path: '(root)', message: expect.stringMatching(/JSON/) });

    const rej = await gw.call('GET', '/api/v1/devices/dev-d/rejections');
    expect(rej.status).toBe(200);
    const row = rej.body.items.find((r: { seq?: number }) => r.seq === 42);
    expect(row).toMatchObject({ topic: 'instruments/dev-d/readings', seq: 42, errors: [{ path: 'value', message: expect.any(String) }] });
    expect(Number.isNaN(Date.parse(row.receivedAt))).toBe(false);
    expect(rej.body.items.some((r: { topic: string }) => r.topic === 'instruments/dev-d/checks')).toBe(true);

    expect(await rejectedTotal()).toBe(before + 2);

    // still connected, and the next good reading is stored
    expect(d.connected).toBe(true);
    await d.publishAsync('instruments/dev-d/readings', JSON.stringify(reading(43, T0 + 43_000)), { qos: 1 });
    await gw.drained();
    expect((await readingsOf('dev-d')).map((r) => r.seq)).toContain(43);
    expect((await readingsOf('dev-d')).map((r) => r.seq)).not.toContain(42);
  });

  it('accepts a 64-character device id as client id', async () => {
    const id = 'd'.repeat(30) + '-' + 'X_9'.repeat(11);
    expect(id).toHaveLength(64);
    const secret = await gw.device({ id, type: 'barometer' });
    const c = await gw.connect(id, secret);
    await c.publishAsync(`instruments/${id}/readings`, JSON.stringify(reading(1, T0)), { qos: 1 });
    await gw.drained();
    expect((await readingsOf(id)).map((r) => r.seq)).toEqual([1]);
  });

  it('refuses the old secret after a rotation and accepts the new one', async () => {
    const old = secrets['dev-c'];
    const r = await gw.call('POST', '/api/v1/devices/dev-c/secret');
    expect(r.status).toBe(200);
    const fresh = r.body.secret as string;
    expect(typeof fresh).toBe('string');
    expect(fresh).not.toBe(old);
    expect([4, 5]).toContain(await refusal(attempt({ clientId: 'dev-c', username: 'dev-c', password: old })));
    const c = await gw.connect('dev-c', fresh);
    expect(c.connected).toBe(true);
    secrets['dev-c'] = fresh;
  });

  it('counts refused connections in /metrics', async () => {
    const text = await (await fetch(`${gw.api}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('mag_auth_failures_total{protocol="mqtt"}'));
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(6);
    const acl = await vi.waitFor(async () => {
      const line = (await (await fetch(`${gw.api}/metrics`)).text()).split('\n').find((l) => l.startsWith('mag_mqtt_acl_denied_total'));
      assert(line, 'waiting for mag_mqtt_acl_denied_total in /metrics');
      return line;
    }, 5000);
    expect(Number(acl.split(' ').pop())).toBeGreaterThan(0);
  });
});

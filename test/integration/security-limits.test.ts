// Named limits: per-device message rate, per-token API rate, body size, topic depth, batch
// size and the maximum number of MQTT connections; plus headers, CORS and error hygiene; every
// refusal of the broker counted on /metrics under its own cause.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';

const reading = (seq: number) => ({ seq, ts: new Date(Date.now() - 60_000 + seq).toISOString(), quantity: 'pressure', value: 1013.2, unit: 'hPa' });

async function metric(api: string, line: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const l = text.split('\n').find((x) => x.startsWith(line));
  return l ? Number(l.split(' ').pop()) : 0;
}

async function connackCode(url: string, id: string, password: string): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { clientId: id, username: id, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 }, false);
    await c.endAsync(true);
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

describe('MQTT limits', () => {
  let gw: TestGateway;
  const secrets: Record<string, string> = {};
  beforeAll(async () => {
    gw = await startTestGateway({
      MAG_DEVICE_MSG_RATE: '5',
      MAG_DEVICE_MSG_BURST: '5',
      MAG_MAX_CONNECTIONS: '2',
      MAG_MAX_TOPIC_LEVELS: '4',
      MAG_MAX_BATCH_READINGS: '3',
    });
    for (const id of ['baro-1', 'baro-2', 'baro-3']) secrets[id] = await gw.device({ id, type: 'barometer', certificate: false });
  });
  afterAll(() => gw?.destroy());

  it('holds QoS 1 messages beyond MAG_DEVICE_MSG_RATE back (slower PUBACKs) and stores every one of them', async () => {
    const c = await gw.connect('baro-1', secrets['baro-1']);
    const box = inbox(c);
    await c.subscribeAsync('instruments/baro-1/feedback', { qos: 1 });
    const t0 = Date.now();
    // 20 at once against 5/s with a burst of 5: the last 15 are acknowledged over about 3 s
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.publishAsync('instruments/baro-1/readings', JSON.stringify(reading(i + 1)), { qos: 1 })));
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2500);
    await gw.drained();
    const stored = (await gw.call('GET', '/api/v1/devices/baro-1/readings?limit=100')).body.items
      .map((r: { seq: number }) => r.seq)
      .sort((a: number, b: number) => a - b);
    expect(stored).toEqual(Array.from({ length: 20 }, (_, i) => i + 1)); // an acknowledged reading is never dropped
    expect(box.messages.filter((m) => /rate limit/.test(JSON.stringify(m.payload)))).toEqual([]);
    expect(await metric(gw.api, 'mag_limit_refused_total{limit="mqtt_message_rate_held"}')).toBe(15);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('answers QoS 0 messages beyond MAG_DEVICE_MSG_RATE on feedback (not stored), keeps the device connected', async () => {
    const c = await gw.connect('baro-3', secrets['baro-3']);
    const box = inbox(c);
    await c.subscribeAsync('instruments/baro-3/feedback', { qos: 1 });
    for (let i = 1; i <= 20; i++) c.publish('instruments/baro-3/readings', JSON.stringify(reading(i)), { qos: 0 });
    await box.waitFor((m) => /rate limit/.test(JSON.stringify(m.payload)));
    await new Promise((r) => setTimeout(r, 300));
    await gw.drained();
    const limited = box.messages.filter((m) => /MAG_DEVICE_MSG_RATE/.test(JSON.stringify(m.payload)));
    const stored = (await gw.call('GET', '/api/v1/devices/baro-3/readings?limit=100')).body.items.length;
    expect(stored).toBeGreaterThanOrEqual(5);
    expect(stored).toBeLessThan(20);
    expect(stored + limited.length).toBe(20); // every message is either stored or answered
    expect(limited[0].payload).toMatchObject({
      seq: null,
      topic: 'instruments/baro-3/readings',
      errors: [{ path: '(message)', message: expect.stringContaining('QoS 1') }],
    });
    expect(await metric(gw.api, 'mag_limit_refused_total{limit="mqtt_message_rate"}')).toBe(limited.length);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('refuses a topic deeper than MAG_MAX_TOPIC_LEVELS before the ACL (connection closed, nothing stored)', async () => {
    const c = await gw.connect('baro-2', secrets['baro-2']);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('instruments/baro-2/readings/a/b/c', JSON.stringify(reading(1)), { qos: 1 });
    await closed;
    expect((await gw.call('GET', '/api/v1/devices/baro-2/readings')).body.items).toEqual([]);
    const acl = (await gw.gateway.audit.list({ limit: 100 })).filter((e) => e.action === 'mqtt.acl.denied' && e.target === 'baro-2');
    expect(acl).toEqual([]); // aedes' maxTopicLevels refused it first
  });

  it('refuses a {"readings": […]} batch over MAG_MAX_BATCH_READINGS on feedback', async () => {
    const c = await gw.connect('baro-2', secrets['baro-2']);
    const box = inbox(c);
    await c.subscribeAsync('instruments/baro-2/feedback', { qos: 1 });
    await c.publishAsync('instruments/baro-2/readings', JSON.stringify({ readings: [1, 2, 3, 4].map(reading) }), { qos: 1 });
    const fb = await box.waitFor(() => true);
    expect(fb.payload.errors[0]).toMatchObject({ path: 'readings', message: expect.stringContaining('MAG_MAX_BATCH_READINGS') });
    await c.endAsync();
  });

  it('refuses a connection beyond MAG_MAX_CONNECTIONS with CONNACK 3; a slot freed is usable again', async () => {
    const a = await gw.connect('baro-1', secrets['baro-1']);
    const b = await gw.connect('baro-2', secrets['baro-2']);
    expect(await connackCode(gw.mqttUrl, 'baro-3', secrets['baro-3'])).toBe(3);
    expect(await metric(gw.api, 'mag_limit_refused_total{limit="mqtt_connections"}')).toBe(1);
    // A device reconnecting takes over its own session, even at the limit.
    expect(await connackCode(gw.mqttUrl, 'baro-2', secrets['baro-2'])).toBe(0);
    await a.endAsync();
    await b.endAsync(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(await connackCode(gw.mqttUrl, 'baro-3', secrets['baro-3'])).toBe(0);
  });
});

describe('API rate limit per token', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ MAG_API_RATE: '2', MAG_API_BURST: '3' });
  });
  afterAll(() => gw?.destroy());

  it('limits each token to MAG_API_RATE with bursts of MAG_API_BURST: 429 with Retry-After; other tokens unaffected', async () => {
    const a = (await gw.call('POST', '/api/v1/tokens', { role: 'admin', name: 'a' })).body.token as string;
    const b = (await gw.call('POST', '/api/v1/tokens', { role: 'admin', name: 'b' })).body.token as string;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await gw.call('GET', '/api/v1/instrument-types', undefined, a);
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get('retry-after');
        expect(r.body.error.code).toBe('rate_limited');
      }
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await gw.call('GET', '/api/v1/instrument-types', undefined, b)).status).toBe(200);
    expect(await metric(gw.api, 'mag_limit_refused_total{limit="api_rate"}')).toBeGreaterThanOrEqual(1);
  });
});

describe('API body size, headers and errors', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ MAG_MAX_BODY_BYTES: '4096' });
  });
  afterAll(() => gw?.destroy());

  it('answers 413 to a body over MAG_MAX_BODY_BYTES, structured', async () => {
    const r = await gw.call('POST', '/api/v1/tenants', { id: 'big', name: 'x'.repeat(5000), region: 'VN-HN' }, ADMIN_TOKEN);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'too_large', message: expect.stringContaining('MAG_MAX_BODY_BYTES') });
  });

  it('sends the secure headers and no CORS headers by default', async () => {
    const res = await fetch(`${gw.api}/api/v1/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, origin: 'https://evil.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${gw.api}/api/v1/tenants`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never puts a stack trace or internal message in a 500', async () => {
    const reg = gw.gateway.registry;
    const original = reg.listTenants;
    reg.listTenants = () => {
      throw new Error('SQLITE_CORRUPT at /var/lib/mag/secret-path.db');
    };
    try {
      const r = await gw.call('GET', '/api/v1/tenants');
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: 'internal', message: expect.any(String) } });
      expect(JSON.stringify(r.body)).not.toMatch(/SQLITE|secret-path|\bat\s|\.ts:/);
    } finally {
      reg.listTenants = original;
    }
  });
});

describe('CORS when configured (MAG_CORS_ORIGINS)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ MAG_CORS_ORIGINS: 'https://console.example' });
  });
  afterAll(() => gw?.destroy());

  it('allows only the configured origin, preflight included', async () => {
    const ok = await fetch(`${gw.api}/api/v1/tenants`, {
      method: 'OPTIONS',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const get = await fetch(`${gw.api}/api/v1/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, origin: 'https://console.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const evil = await fetch(`${gw.api}/api/v1/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, origin: 'https://evil.example' } });
    expect(evil.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });
});

describe('every refusal of the broker is on /metrics, each counter one cause', () => {
  let gw: TestGateway;
  const secrets: Record<string, string> = {};
  /** The broker's counters, `name{labels}` → value. */
  const BROKER_SERIES =
    /^(mag_auth_failures_total\{protocol="mqtt"\}|mag_mqtt_auth_errors_total|mag_limit_refused_total\{limit="(auth_throttle|mqtt_[a-z_]+)"\}|mag_mqtt_acl_denied_total|mag_mqtt_oversize_refused_total\{[^}]*\}|mag_gateway_publications_dropped_total\{[^}]*\}|mag_qos0_not_journaled|mag_journal_refused_total) (\S+)$/;
  const brokerCounters = async (): Promise<Record<string, number>> => {
    const text = (await gw.call('GET', '/metrics')).body as string;
    const out: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const m = BROKER_SERIES.exec(line);
      if (m) out[m[1]] = Number(m[3]);
    }
    return out;
  };
  /** What moved on the broker's counters while `provoke` ran. */
  const moved = async (provoke: () => Promise<unknown>): Promise<Record<string, number>> => {
    const before = await brokerCounters();
    await provoke();
    const after = await brokerCounters();
    const delta: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) delta[k] = v - (before[k] ?? 0);
    return delta;
  };
  const closedAfter = async (c: mqtt.MqttClient, send: () => void) => {
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    send();
    await closed;
  };

  beforeAll(async () => {
    gw = await startTestGateway({
      MAG_AUTH_FAIL_MAX: '3',
      MAG_AUTH_FAIL_WINDOW_S: '1',
      MAG_MAX_CONNECTIONS: '2',
      MAG_MAX_PAYLOAD_BYTES: '1024',
      MAG_DEVICE_MSG_RATE: '5',
      MAG_DEVICE_MSG_BURST: '5',
    });
    for (const id of ['m-1', 'm-2', 'm-3', 'm-4']) secrets[id] = await gw.device({ id, type: 'barometer' });
  });
  afterAll(() => gw?.destroy());

  it('failed CONNECTs count as auth failures, the throttled one only as auth_throttle', async () => {
    const delta = await moved(async () => {
      expect([4, 5]).toContain(await connackCode(gw.mqttUrl, 'm-1', 'wrong-1'));
      expect([4, 5]).toContain(await connackCode(gw.mqttUrl, 'm-1', 'wrong-2'));
      const c = await mqtt
        .connectAsync(gw.mqttUrl, { clientId: 'm-1', username: 'm-2', password: secrets['m-2'], protocolVersion: 4, reconnectPeriod: 0 })
        .catch((e: { code?: number }) => e);
      expect((c as { code?: number }).code).toBe(4); // client id ≠ username
      expect(await connackCode(gw.mqttUrl, 'm-1', secrets['m-1'])).toBe(5); // throttled, right secret or not
    });
    expect(delta).toEqual({ 'mag_auth_failures_total{protocol="mqtt"}': 3, 'mag_limit_refused_total{limit="auth_throttle"}': 1 });
    await new Promise((r) => setTimeout(r, 1100)); // MAG_AUTH_FAIL_WINDOW_S passes
  });

  it('credentials that cannot be verified (an error in the gateway) count as auth errors only', async () => {
    const registry = gw.gateway.registry;
    const verify = registry.verifyDeviceSecret;
    registry.verifyDeviceSecret = () => Promise.reject(new Error('state database unreadable')); // a fault injected in the gateway
    try {
      expect(await moved(async () => expect(await connackCode(gw.mqttUrl, 'm-1', secrets['m-1'])).toBe(3))).toEqual({ mag_mqtt_auth_errors_total: 1 });
    } finally {
      registry.verifyDeviceSecret = verify;
    }
  });

  it('a session beyond MAG_MAX_CONNECTIONS counts as mqtt_connections only', async () => {
    const a = await gw.connect('m-1', secrets['m-1']);
    const b = await gw.connect('m-2', secrets['m-2']);
    expect(await moved(async () => expect(await connackCode(gw.mqttUrl, 'm-3', secrets['m-3'])).toBe(3))).toEqual({
      'mag_limit_refused_total{limit="mqtt_connections"}': 1,
    });
    await Promise.all([a.endAsync(), b.endAsync()]);
  });

  it('a publish and a subscription outside the device topics count as ACL denials only', async () => {
    const c = await gw.connect('m-1', secrets['m-1']);
    const d = await gw.connect('m-2', secrets['m-2']);
    const delta = await moved(async () => {
      // aedes closes the connection (or answers SUBACK 0x80)
      await closedAfter(c, () => c.subscribe('instruments/m-2/feedback', { qos: 1 }, () => undefined));
      await closedAfter(d, () => d.publish('instruments/m-1/readings', JSON.stringify(reading(1)), { qos: 1 }));
    });
    expect(delta).toEqual({ mag_mqtt_acl_denied_total: 2 });
  });

  it('a payload over MAG_MAX_PAYLOAD_BYTES and a packet announcing more than it allows count apart', async () => {
    const c = await gw.connect('m-1', secrets['m-1']);
    expect(await moved(() => closedAfter(c, () => c.publish('instruments/m-1/readings', 'x'.repeat(2000), { qos: 1 })))).toEqual({
      'mag_mqtt_oversize_refused_total{check="payload"}': 1,
    });
    // kept with the device's rejections: its connection is closed, feedback cannot reach it
    const rejected = (await gw.call('GET', '/api/v1/devices/m-1/rejections')).body.items as { topic: string; errors: { message: string }[] }[];
    expect(rejected[0]).toMatchObject({
      topic: 'instruments/m-1/readings',
      errors: [{ message: expect.stringMatching(/^the message of 2000 bytes is larger than the 1024 bytes a message may have \(MAG_MAX_PAYLOAD_BYTES\)/) }],
    });
    const d = await gw.connect('m-1', secrets['m-1']);
    expect(await moved(() => closedAfter(d, () => d.publish('instruments/m-1/readings', 'x'.repeat(100_000), { qos: 1 })))).toEqual({
      'mag_mqtt_oversize_refused_total{check="announced"}': 1,
    });
  });

  it('QoS 0 over MAG_DEVICE_MSG_RATE counts as mqtt_message_rate, QoS 1 held back as mqtt_message_rate_held', async () => {
    const c = await gw.connect('m-3', secrets['m-3']);
    const box = inbox(c);
    await c.subscribeAsync('instruments/m-3/feedback', { qos: 1 });
    const stored = async () => (await gw.call('GET', '/api/v1/devices/m-3/readings?limit=100')).body.items.length as number;
    const limited = () => box.messages.filter((m) => /MAG_DEVICE_MSG_RATE/.test(JSON.stringify(m.payload))).length;
    const dropped = await moved(async () => {
      for (let i = 1; i <= 8; i++) c.publish('instruments/m-3/readings', JSON.stringify(reading(i)), { qos: 0 });
      await expect
        .poll(async () => (await gw.drained(), (await stored()) + limited() === 8), {
          message: 'waiting for every QoS 0 message stored or answered',
          timeout: 30_000,
          interval: 50,
        })
        .toBe(true);
    });
    expect(limited()).toBeGreaterThanOrEqual(1);
    expect(dropped).toEqual({ 'mag_limit_refused_total{limit="mqtt_message_rate"}': limited() });
    await c.endAsync();

    const d = await gw.connect('m-4', secrets['m-4']);
    // 8 at once against a burst of 5: 3 held back, all acknowledged
    const held = await moved(() =>
      Promise.all(Array.from({ length: 8 }, (_, i) => d.publishAsync('instruments/m-4/readings', JSON.stringify(reading(i + 1)), { qos: 1 }))),
    );
    expect(held).toEqual({ 'mag_limit_refused_total{limit="mqtt_message_rate_held"}': 3 });
    await d.endAsync();
  });

  it('reports every patch of aedes internals applied', async () => {
    const text = (await gw.call('GET', '/metrics')).body as string;
    const patches = [...text.matchAll(/^mag_broker_internals_missing\{patch="([a-z_]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]);
    expect(patches).toEqual([
      ['skip_device_delivery', 0],
      ['readable_guard', 0],
      ['read_budget', 0],
      ['clients_map', 0],
      ['client_socket', 0],
      ['puback_batch', 0],
      ['publish_parse', 0],
    ]);
  });
});

// Transport security: MQTT over TLS, mutual TLS (client certificate required, CN = device id
// = client id), and the HTTP API over HTTPS, with a throw-away CA made by openssl.
import { request } from 'node:https';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freePort } from '../support/ports.ts';
import { createPki, type Pki } from '../support/pki.ts';

type Outcome = { kind: 'accepted'; client: MqttClient } | { kind: 'refused'; code?: number; message: string } | { kind: 'closed' };

/** One connection attempt, whatever happens: CONNACK 0, an error (CONNACK ≠ 0, TLS alert) or a bare close. */
function attempt(url: string, opts: IClientOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    const t = setTimeout(() => finish({ kind: 'closed' }), 6000);
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      if (o.kind !== 'accepted') c.end(true);
      resolve(o);
    };
    c.once('connect', () => finish({ kind: 'accepted', client: c }));
    c.once('error', (e: Error & { code?: number | string }) =>
      finish({ kind: 'refused', code: typeof e.code === 'number' ? e.code : undefined, message: e.message }),
    );
    c.once('close', () => finish({ kind: 'closed' }));
  });
}

function httpsCall(
  base: string,
  ca: Buffer,
  method: string,
  path: string,
  body?: unknown,
  token: string | undefined = ADMIN_TOKEN,
): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      base + path,
      { method, ca, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const reading = (seq: number) => ({ seq, ts: new Date(Date.now() - 60_000 + seq).toISOString(), quantity: 'pressure', value: 1013.2, unit: 'hPa' });

async function register(base: string, ca: Buffer, id: string): Promise<string> {
  await httpsCall(base, ca, 'POST', '/api/v1/tenants', { id: 'acme', name: 'Acme', region: 'VN-HN' });
  const r = await httpsCall(base, ca, 'POST', '/api/v1/devices', { id, tenant: 'acme', type: 'barometer', serial: `SN-${id}` });
  expect(r.status).toBe(201);
  return r.body.secret as string;
}

async function readingsOf(base: string, ca: Buffer, id: string, atLeast: number): Promise<unknown[]> {
  return vi.waitFor(async () => {
    const items = (await httpsCall(base, ca, 'GET', `/api/v1/devices/${id}/readings`)).body.items;
    expect(items?.length ?? 0, `waiting for ${atLeast} readings of ${id}`).toBeGreaterThanOrEqual(atLeast);
    return items;
  }, 5000);
}

let pki: Pki;
beforeAll(() => {
  pki = createPki();
});
afterAll(() => pki?.destroy());

describe('MQTT over TLS and the API over HTTPS (server certificate only)', () => {
  let gw: TestGateway;
  let https: string;
  let mqtts: string;
  beforeAll(async () => {
    gw = await startTestGateway({ MAG_MQTTS_PORT: String(await freePort()), MAG_TLS_CERT: pki.serverCert, MAG_TLS_KEY: pki.serverKey });
    https = `https://127.0.0.1:${gw.gateway.ports.http}`;
    mqtts = `mqtts://127.0.0.1:${gw.gateway.ports.mqtts}`;
  });
  afterAll(() => gw?.destroy());

  it('serves the API over HTTPS, verified against the CA; plain HTTP is not answered', async () => {
    const health = await httpsCall(https, pki.ca(), 'GET', '/healthz', undefined, undefined);
    expect(health.status).toBe(200);
    expect((await httpsCall(https, pki.ca(), 'GET', '/api/v1/tenants')).status).toBe(200);
    expect((await httpsCall(https, pki.ca(), 'GET', '/api/v1/tenants', undefined, 'mag_000000000000_wrongwrongwrongwrong')).status).toBe(401);
    await expect(fetch(`http://127.0.0.1:${gw.gateway.ports.http}/healthz`)).rejects.toThrow();
    // A client that does not trust the CA refuses the server.
    await expect(httpsCall(https, Buffer.from(''), 'GET', '/healthz').catch((e) => Promise.reject(e))).rejects.toThrow(/certificate/i);
  });

  it('accepts a device over mqtts:// with its secret; the reading is stored', async () => {
    const secret = await register(https, pki.ca(), 'baro-tls');
    const o = await attempt(mqtts, { clientId: 'baro-tls', username: 'baro-tls', password: secret, ca: pki.ca() });
    expect(o.kind).toBe('accepted');
    const c = (o as { client: MqttClient }).client;
    await c.publishAsync('instruments/baro-tls/readings', JSON.stringify(reading(1)), { qos: 1 });
    expect(await readingsOf(https, pki.ca(), 'baro-tls', 1)).toHaveLength(1);
    await c.endAsync();
    const wrong = await attempt(mqtts, { clientId: 'baro-tls', username: 'baro-tls', password: 'wrong-secret', ca: pki.ca() });
    expect(wrong).toMatchObject({ kind: 'refused' });
    expect([4, 5]).toContain((wrong as { code?: number }).code);
  });
});

describe('mutual TLS (MAG_TLS_CA): a client certificate whose CN is the device id', () => {
  let gw: TestGateway;
  let https: string;
  let mqtts: string;
  let secret: string;
  let other: string;
  beforeAll(async () => {
    gw = await startTestGateway({ MAG_MQTTS_PORT: String(await freePort()), MAG_TLS_CERT: pki.serverCert, MAG_TLS_KEY: pki.serverKey, MAG_TLS_CA: pki.caCert });
    https = `https://127.0.0.1:${gw.gateway.ports.http}`;
    mqtts = `mqtts://127.0.0.1:${gw.gateway.ports.mqtts}`;
    secret = await register(https, pki.ca(), 'baro-1');
    other = (await httpsCall(https, pki.ca(), 'POST', '/api/v1/devices', { id: 'baro-2', tenant: 'acme', type: 'barometer', serial: 'SN-2' })).body.secret;
  });
  afterAll(() => gw?.destroy());

  const creds = (id: string, password: string) => ({ clientId: id, username: id, password, ca: pki.ca() });

  it('refuses a client without a certificate at the TLS handshake', async () => {
    const o = await attempt(mqtts, creds('baro-1', secret));
    expect(o.kind).not.toBe('accepted');
  });

  it('refuses a certificate from another CA', async () => {
    const rogue = pki.client('rogue-baro-1', 'baro-1', { otherCa: true });
    const o = await attempt(mqtts, { ...creds('baro-1', secret), ...rogue });
    expect(o.kind).not.toBe('accepted');
  });

  it("refuses a certificate whose CN is another device, even with that device's right secret", async () => {
    const cert = pki.client('cert-baro-2', 'baro-2');
    const o = await attempt(mqtts, { ...creds('baro-1', secret), ...cert });
    expect(o).toMatchObject({ kind: 'refused', code: 5 });
    // …and the holder of baro-2's certificate cannot speak for baro-1 either way round.
    const o2 = await attempt(mqtts, { ...creds('baro-2', other), ...pki.client('cert-baro-1', 'baro-1') });
    expect(o2).toMatchObject({ kind: 'refused', code: 5 });
  });

  it('refuses a CA-signed certificate without a CN', async () => {
    const o = await attempt(mqtts, { ...creds('baro-1', secret), ...pki.client('no-cn', null) });
    expect(o).toMatchObject({ kind: 'refused', code: 5 });
  });

  it('accepts the matching certificate and secret; the device publishes', async () => {
    const o = await attempt(mqtts, { ...creds('baro-1', secret), ...pki.client('cert-baro-1b', 'baro-1') });
    expect(o.kind).toBe('accepted');
    const c = (o as { client: MqttClient }).client;
    await c.publishAsync('instruments/baro-1/readings', JSON.stringify(reading(7)), { qos: 1 });
    expect(await readingsOf(https, pki.ca(), 'baro-1', 1)).toEqual([expect.objectContaining({ seq: 7 })]);
    await c.endAsync();
  });

  it('still needs the secret with a valid certificate', async () => {
    const o = await attempt(mqtts, { ...creds('baro-1', 'not-the-secret'), ...pki.client('cert-baro-1c', 'baro-1') });
    expect(o).toMatchObject({ kind: 'refused' });
  });

  it('records the refusals in the audit log', async () => {
    const audit = await httpsCall(https, pki.ca(), 'GET', '/api/v1/audit?limit=100');
    const reasons = audit.body.items
      .filter((e: { action: string }) => e.action === 'mqtt.connect.refused')
      .map((e: { details: { reason: string } }) => e.details.reason);
    expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/CN does not match/), expect.stringMatching(/no CN/)]));
  });
});

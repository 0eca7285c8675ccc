// Credentials: random (≥ 128 bits), stored only as salted hashes (never in the database or
// journal bytes, never in logs or answers), rotation that cuts the old secret off at once, and
// failed authentications throttled per client address and counted in /metrics.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freePort } from '../support/ports.ts';

const reading = (seq: number) => ({ seq, ts: new Date(Date.now() - 60_000 + seq).toISOString(), quantity: 'pressure', value: 1013.2, unit: 'hPa' });

/** CONNACK return code of a refused attempt, or 0 when accepted (the client is then closed). */
async function connackCode(url: string, id: string, password: string | undefined): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { clientId: id, username: id, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 }, false);
    await c.endAsync(true);
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

async function metric(api: string, line: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const l = text.split('\n').find((x) => x.startsWith(line));
  return l ? Number(l.split(' ').pop()) : 0;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('secrets and tokens: random, hashed, never logged, rotatable', () => {
  const logLines: string[] = [];
  let gateway: Gateway;
  let dir: string;
  let api: string;
  let mqttUrl: string;
  const call = async (method: string, path: string, body?: unknown, token: string | undefined = ADMIN_TOKEN) => {
    const res = await fetch(api + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      body: (() => {
        try {
          return JSON.parse(text);
        } catch {
          return text;
        }
      })() as any,
    };
  };
  const presented: string[] = []; // every credential string sent or issued in this block

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mag-cred-'));
    const config = loadConfig({
      MAG_DATA_DIR: dir,
      MAG_MQTT_PORT: String(await freePort()),
      MAG_HTTP_PORT: String(await freePort()),
      MAG_HOST: '127.0.0.1',
      MAG_ADMIN_TOKEN: ADMIN_TOKEN,
      MAG_JOURNAL_COMMIT_MS: '1',
    });
    // The most verbose level, and no redaction: nothing secret may even reach the logger.
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    gateway = await startGateway(config, { log: pino({ level: 'trace' }, sink) });
    api = `http://127.0.0.1:${gateway.ports.http}`;
    mqttUrl = `mqtt://127.0.0.1:${gateway.ports.mqtt}`;
    expect((await call('POST', '/api/v1/tenants', { id: 'acme', name: 'Acme', region: 'VN-HN' })).status).toBe(201);
  });
  afterAll(async () => {
    await gateway?.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues device secrets and API tokens with at least 128 random bits, all different', async () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await call('POST', '/api/v1/devices', { id: `baro-${i}`, tenant: 'acme', type: 'barometer', serial: `SN-${i}` });
      expect(r.status).toBe(201);
      const s = r.body.secret as string;
      expect(Buffer.from(s, 'base64url').length).toBeGreaterThanOrEqual(16);
      secrets.add(s);
      presented.push(s);
    }
    expect(secrets.size).toBe(5);
    const tokens = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'acme', name: `op-${i}` });
      expect(r.status).toBe(201);
      const m = /^mag_([0-9a-f]{12})_([A-Za-z0-9_-]+)$/.exec(r.body.token)!;
      expect(m).not.toBeNull();
      expect(Buffer.from(m[2], 'base64url').length).toBeGreaterThanOrEqual(16);
      tokens.add(r.body.token);
      presented.push(r.body.token, m[2]);
      // The token works, and listing tokens never shows it.
      expect((await call('GET', '/api/v1/devices', undefined, r.body.token)).status).toBe(200);
    }
    expect(tokens.size).toBe(3);
    const list = await call('GET', '/api/v1/tokens');
    for (const t of tokens) expect(list.text).not.toContain(t.slice('mag_'.length + 13));
  });

  it('rotation: the old secret stops at once, even for a device connected (and cached) with it', async () => {
    const old = presented[0];
    const live: MqttClient = await mqtt.connectAsync(mqttUrl, {
      clientId: 'baro-0',
      username: 'baro-0',
      password: old,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await live.publishAsync('instruments/baro-0/readings', JSON.stringify(reading(1)), { qos: 1 });
    const closed = new Promise<void>((r) => live.once('close', () => r()));
    const rot = await call('POST', '/api/v1/devices/baro-0/secret');
    expect(rot.status).toBe(200);
    const fresh = rot.body.secret as string;
    presented.push(fresh);
    expect(fresh).not.toBe(old);
    await closed; // the session opened with the old secret is closed
    expect([4, 5]).toContain(await connackCode(mqttUrl, 'baro-0', old));
    expect(await connackCode(mqttUrl, 'baro-0', fresh)).toBe(0);
    expect([4, 5]).toContain(await connackCode(mqttUrl, 'baro-0', old));
    live.end(true);
    const audit = await call('GET', '/api/v1/audit?limit=500');
    expect(audit.body.items.map((e: { action: string; target: string }) => `${e.action} ${e.target}`)).toEqual(
      expect.arrayContaining(['device.secret.rotate baro-0', 'mqtt.connect.refused baro-0']),
    );
  });

  it('a bad secret or token is not echoed in the answer', async () => {
    const guess = 'guessed-token-secret-value-XYZ';
    presented.push(guess);
    const r = await call('GET', '/api/v1/devices', undefined, `mag_0123456789ab_${guess}`);
    expect(r.status).toBe(401);
    expect(r.text).not.toContain(guess);
    expect([4, 5]).toContain(await connackCode(mqttUrl, 'baro-1', 'guessed-device-secret-ABC'));
    presented.push('guessed-device-secret-ABC');
  });

  it('no secret or token appears in the database, journal or log bytes', async () => {
    gateway.journal.commit();
    await gateway.registry.flushLastSeen();
    const files = filesUnder(dir);
    expect(files.some((f) => f.endsWith('mag.db') || f.endsWith('.db'))).toBe(true);
    const blobs = files.map((f) => [f, readFileSync(f).toString('latin1')] as const);
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain('MQTT connection refused'); // the failures were logged…
    for (const s of [...presented, ADMIN_TOKEN]) {
      for (const [f, b] of blobs) expect(b.includes(s), `${s} in ${f}`).toBe(false);
      expect(logs.includes(s), `${s} in the log`).toBe(false); // …without the secrets
    }
  });
});

describe('failed authentications are throttled per address and counted', () => {
  let gw: TestGateway;
  let secret: string;
  let token: string;
  beforeAll(async () => {
    gw = await startTestGateway({ MAG_AUTH_FAIL_MAX: '3', MAG_AUTH_FAIL_WINDOW_S: '60' });
    secret = await gw.device({ id: 'baro-1', type: 'barometer', certificate: false });
    token = (await gw.call('POST', '/api/v1/tokens', { role: 'admin', name: 'ops' })).body.token;
  });
  afterAll(() => gw?.destroy());

  it('MQTT: after MAG_AUTH_FAIL_MAX failures the address is refused quickly (CONNACK 5), even with the right secret; API too', async () => {
    for (let i = 0; i < 3; i++) expect([4, 5]).toContain(await connackCode(gw.mqttUrl, 'baro-1', `wrong-${i}`));
    const t0 = Date.now();
    expect(await connackCode(gw.mqttUrl, 'baro-1', secret)).toBe(5);
    expect(Date.now() - t0).toBeLessThan(1000);
    // each refusal counted under its cause: three failed authentications, one throttled attempt
    expect(await metric(gw.api, 'mag_auth_failures_total{protocol="mqtt"}')).toBe(3);
    expect(await metric(gw.api, 'mag_limit_refused_total{limit="auth_throttle"}')).toBe(1);
    // The throttle is per address, across protocols: the API refuses this address too.
    const r = await gw.call('GET', '/api/v1/devices', undefined, token);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.body.error.code).toBe('too_many_failures');
  });
});

describe('failed API authentications are throttled per address', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ MAG_AUTH_FAIL_MAX: '4' });
  });
  afterAll(() => gw?.destroy());

  it('answers 401 until MAG_AUTH_FAIL_MAX bad tokens, then 429 with Retry-After; counted and audited', async () => {
    // A missing token is not a guess: it does not count toward the throttle.
    for (let i = 0; i < 6; i++) expect((await gw.call('GET', '/api/v1/devices', undefined, '')).status).toBe(401);
    for (let i = 0; i < 4; i++) expect((await gw.call('GET', '/api/v1/devices', undefined, `mag_0123456789ab_guess${i}guess${i}guess${i}`)).status).toBe(401);
    const r = await gw.call('GET', '/api/v1/devices', undefined, ADMIN_TOKEN);
    expect(r.status).toBe(429);
    const wait = Number(r.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await metric(gw.api, 'mag_auth_failures_total{protocol="http"}')).toBeGreaterThanOrEqual(11);
    // The audit names the peer address, not a forgeable header.
    const audit = (await gw.gateway.audit.list({ limit: 100 })).filter((e) => e.action === 'api.auth.failed');
    expect(audit[0].actor).toMatch(/^http:(::ffff:)?127\.0\.0\.1$/);
    // every bad token is audited; requests without a token at most MAG_AUTH_FAIL_MAX per window (no audit flooding)
    expect(audit.filter((e) => e.details.reason === 'invalid or revoked token').length).toBe(4);
    expect(audit.filter((e) => e.details.reason === 'no bearer token').length).toBe(4);
  });
});

describe('role denials are audited', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw?.destroy());

  it('a 403 leaves an api.denied entry with the token, method and path; token creation is audited', async () => {
    await gw.call('POST', '/api/v1/tenants', { id: 'acme', name: 'Acme', region: 'VN-HN' });
    const op = (await gw.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'acme', name: 'op-acme' })).body;
    expect((await gw.call('POST', '/api/v1/tenants', { id: 'evil', name: 'Evil', region: 'VN-HN' }, op.token)).status).toBe(403);
    expect((await gw.call('GET', '/api/v1/audit', undefined, op.token)).status).toBe(403);
    const items = (await gw.call('GET', '/api/v1/audit')).body.items as { action: string; actor: string; target: string; details: Record<string, unknown> }[];
    const denied = items.filter((e) => e.action === 'api.denied');
    expect(denied.map((e) => `${e.details.method} ${e.details.path}`)).toEqual(expect.arrayContaining(['POST /api/v1/tenants', 'GET /api/v1/audit']));
    expect(denied[0].actor).toBe(`operator:op-acme:${op.id}`);
    expect(items.find((e) => e.action === 'token.create' && e.target === op.id)).toMatchObject({ details: { role: 'operator', tenant: 'acme' } });
    expect(JSON.stringify(items)).not.toContain(op.token.slice('mag_'.length + 13));
  });
});

// Starts a real gateway in-process for integration tests: its own temp data dir, free ports,
// a bootstrap admin token; helpers to call the API and connect real MQTT clients over TCP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { assert, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startConfiguredGateway, startGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/log.ts';
import { freePort } from './ports.ts';
import { currentVerification } from './certificates.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestGateway {
  gateway: Gateway;
  dataDir: string;
  api: string;
  mqttUrl: string;
  /** fetch against the API with a token (admin by default); JSON in, parsed JSON out. */
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: Headers }>;
  /** Registers tenant (if new) + device (+ a valid verification certificate unless `certificate: false`); returns the secret. */
  device(opts: {
    id: string;
    tenant?: string;
    region?: string;
    type: string;
    serial?: string;
    certificate?: boolean;
    extra?: Record<string, unknown>;
  }): Promise<string>;
  connect(deviceId: string, secret: string, opts?: IClientOptions): Promise<MqttClient>;
  /** Waits until the journal is empty (everything delivered to the sink). */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Stops and removes the data dir. */
  destroy(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string> = {}, dataDir?: string, options: { now?: () => Date } = {}): Promise<TestGateway> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'mag-gw-'));
  const config = loadConfig({
    MAG_DATA_DIR: dir,
    MAG_MQTT_PORT: String(await freePort()),
    MAG_HTTP_PORT: String(await freePort()),
    MAG_HOST: '127.0.0.1',
    MAG_ADMIN_TOKEN: ADMIN_TOKEN,
    MAG_LOG_LEVEL: process.env.MAG_TEST_LOG_LEVEL ?? 'silent',
    MAG_JOURNAL_COMMIT_MS: '1',
    ...env,
  });
  const gatewayOptions = { log: createLogger(config.logLevel), now: options.now };
  // With MAG_STATE_URL the stores answer with Promises: a test of such a gateway (a cluster node)
  // reaches it through its API and MQTT only, never through `gateway`'s stores.
  const gateway = config.cluster.stateUrl
    ? ((await startConfiguredGateway(config, gatewayOptions)) as unknown as Gateway)
    : await startGateway(config, gatewayOptions);
  const api = `http://127.0.0.1:${gateway.ports.http}`;
  const mqttUrl = `mqtt://127.0.0.1:${gateway.ports.mqtt}`;
  const clients: MqttClient[] = [];
  const tenants = new Set<string>();

  const call: TestGateway['call'] = async (method, path, body, token = ADMIN_TOKEN) => {
    const res = await fetch(api + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* CSV or empty */
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };

  let stopped = false;
  const t: TestGateway = {
    gateway,
    dataDir: dir,
    api,
    mqttUrl,
    call,
    async device(o) {
      const tenant = o.tenant ?? 'acme';
      if (!tenants.has(tenant)) {
        const r = await call('POST', '/api/v1/tenants', { id: tenant, name: tenant, region: o.region ?? 'VN-HN' });
        if (r.status !== 201 && r.status !== 409) throw new Error(`tenant: ${r.status} ${JSON.stringify(r.body)}`);
        tenants.add(tenant);
      }
      const r = await call('POST', '/api/v1/devices', { id: o.id, tenant, type: o.type, serial: o.serial ?? `SN-${o.id}`, ...(o.extra ?? {}) });
      if (r.status !== 201) throw new Error(`device: ${r.status} ${JSON.stringify(r.body)}`);
      if (o.certificate !== false) {
        const c = await call('POST', `/api/v1/devices/${o.id}/certificates`, currentVerification(o.id, o.type, options.now?.().getTime()));
        if (c.status !== 201) throw new Error(`certificate: ${c.status} ${JSON.stringify(c.body)}`);
      }
      return r.body.secret as string;
    },
    async connect(deviceId, secret, opts = {}) {
      const c = await mqtt.connectAsync(mqttUrl, { clientId: deviceId, username: deviceId, password: secret, protocolVersion: 4, reconnectPeriod: 0, ...opts });
      clients.push(c);
      return c;
    },
    async drained(timeoutMs = 20_000) {
      await vi.waitFor(
        () => {
          gateway.journal.commit();
          const { backlogPoints, backlogBytes } = gateway.journal;
          assert(
            backlogPoints === 0 && backlogBytes === 0,
            `waiting for the journal to drain: ${backlogPoints} points left (${gateway.forwarder.lastError ?? 'no sink error'})`,
          );
        },
        { timeout: timeoutMs, interval: 25 },
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await gateway.stop(2000);
    },
    async destroy() {
      await t.stop();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Collects messages on a client's topics. */
export function inbox(client: MqttClient): {
  messages: { topic: string; payload: any }[];
  waitFor(pred: (m: { topic: string; payload: any }) => boolean, ms?: number): Promise<{ topic: string; payload: any }>;
} {
  const messages: { topic: string; payload: any }[] = [];
  const waiters: { pred: (m: { topic: string; payload: any }) => boolean; resolve: (m: { topic: string; payload: any }) => void }[] = [];
  client.on('message', (topic, buf) => {
    let payload: unknown = buf.toString();
    try {
      payload = JSON.parse(buf.toString());
    } catch {
      /* raw */
    }
    const m = { topic, payload };
    messages.push(m);
    for (const w of [...waiters])
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
  });
  return {
    messages,
    waitFor(pred, ms = 5000) {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (m: { topic: string; payload: any }) => {
            clearTimeout(t);
            resolve(m);
          },
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching MQTT message within ${ms} ms; got ${JSON.stringify(messages).slice(0, 500)}`));
        }, ms);
        waiters.push(w);
      });
    },
  };
}

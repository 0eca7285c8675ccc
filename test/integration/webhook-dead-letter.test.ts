// Issue 4, webhooks: a receiver that keeps failing gets exactly MAG_WEBHOOK_MAX_ATTEMPTS attempts,
// then the delivery is dead-lettered (visible in the delivery history, never retried by itself); a
// failed attempt is rescheduled after min(base · 2^(n−1), MAG_WEBHOOK_RETRY_MAX_MS) ± 20 % (as
// recorded in the history); a dead delivery is sent again on request once its receiver is back.
// Real gateways, real MQTT, local node:http receivers.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freePort } from '../support/ports.ts';

const SECRET = 'whsec-0123456789abcdef';

describe('webhook back-off and dead letters', () => {
  const received: { key: string; delivery: string; at: number }[] = [];
  let status = 503;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ key: JSON.parse(Buffer.concat(chunks).toString('utf8')).alert?.key, delivery: String(req.headers['x-mag-delivery']), at: Date.now() });
      res.statusCode = status;
      res.end();
    });
  });
  let url: string;
  const dirs: string[] = [];
  const gateways: TestGateway[] = [];

  /** A gateway with the given retry settings, one barometer and a webhook on alert.opened. */
  async function setup(env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'mag-deadletter-'));
    dirs.push(dir);
    const t = await startTestGateway(env, dir);
    gateways.push(t);
    const c = await t.connect('bar-w', await t.device({ id: 'bar-w', type: 'barometer' }));
    const hook = (await t.call('POST', '/api/v1/webhooks', { url, events: ['alert.opened'], secret: SECRET })).body;
    let seq = 0;
    const fail = (point: string) =>
      c.publishAsync(
        'instruments/bar-w/checks',
        JSON.stringify({
          seq: ++seq,
          ts: new Date(Date.now() - 1000).toISOString(),
          indicated: 1013.7,
          reference: 1013.2,
          referenceUncertainty: 0.04,
          unit: 'hPa',
          standardId: 'REF-1',
          point,
        }),
        { qos: 1 },
      );
    const history = async () => (await t.call('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).body.items as any[];
    return { t, fail, history };
  }

  /** The first attempt of the alert `key`'s delivery as the receiver got it, and that attempt as the gateway recorded it. */
  async function firstFailedAttempt(key: string, history: () => Promise<any[]>) {
    const first = await vi.waitFor(() => {
      const r = received.find((r) => r.key === key);
      assert(r, 'waiting for the first attempt');
      return r;
    }, 30_000);
    const d = await vi.waitFor(async () => {
      const x = (await history()).find((x) => String(x.id) === first.delivery && x.attempts === 1);
      assert(x, 'waiting for the attempt to be recorded');
      return x;
    }, 30_000);
    return { first, d };
  }

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    for (const t of gateways) await t.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reschedules a failed attempt after the base delay, with jitter, and records it', async () => {
    const { fail, history } = await setup({ MAG_WEBHOOK_RETRY_BASE_MS: '60000', MAG_WEBHOOK_MAX_ATTEMPTS: '8' });
    status = 503;
    await fail('B1');
    const { first, d } = await firstFailedAttempt('B1', history);
    expect(d).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
    const wait = Date.parse(d.nextAt) - first.at;
    expect(wait).toBeGreaterThanOrEqual(0.8 * 60_000 - 1000);
    expect(wait).toBeLessThanOrEqual(1.2 * 60_000 + 1000);
  });

  it('waits no longer than MAG_WEBHOOK_RETRY_MAX_MS between attempts, however long the doubling would', async () => {
    const { fail, history } = await setup({ MAG_WEBHOOK_RETRY_BASE_MS: '60000', MAG_WEBHOOK_RETRY_MAX_MS: '3000' });
    status = 503;
    await fail('C1');
    const { first, d } = await firstFailedAttempt('C1', history);
    const wait = Date.parse(d.nextAt) - first.at;
    expect(wait).toBeGreaterThanOrEqual(0.8 * 3000 - 1000);
    expect(wait).toBeLessThanOrEqual(1.2 * 3000 + 1000);
    // and it is tried again then (the default MAG_WEBHOOK_MAX_ATTEMPTS leaves it pending meanwhile)
    status = 204;
    await expect
      .poll(async () => (await history()).find((x) => x.id === d.id)?.state, { message: 'waiting for the second attempt', timeout: 30_000 })
      .toBe('delivered');
    expect(received.filter((r) => r.key === 'C1')).toHaveLength(2);
  });

  it('sends a dead delivery again once its receiver is back, with the body and delivery id it had, audited', async () => {
    // a receiver on a port where nothing listens yet (a relay being restarted)
    const port = await freePort();
    const got: { delivery: string; body: string; signature: string }[] = [];
    const relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({
          delivery: String(req.headers['x-mag-delivery']),
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['x-mag-signature']),
        });
        res.statusCode = 204;
        res.end();
      });
    });
    const { t, fail } = await setup({ MAG_WEBHOOK_RETRY_BASE_MS: '1', MAG_WEBHOOK_MAX_ATTEMPTS: '2' });
    const hook = (await t.call('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${port}/relay`, events: ['alert.opened'], secret: SECRET })).body;
    const history = async () => (await t.call('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).body.items as any[];
    try {
      await fail('R1');
      const dead = await vi.waitFor(async () => {
        const x = (await history()).find((x) => x.state === 'dead');
        assert(x, 'waiting for the dead letter');
        return x;
      }, 30_000);
      expect(dead).toMatchObject({ attempts: 2, nextAt: null, lastStatus: null, lastError: expect.any(String), deliveredAt: null });
      expect(got).toEqual([]);

      await new Promise<void>((r) => relay.listen(port, '127.0.0.1', () => r()));
      const again = await t.call('POST', `/api/v1/webhooks/${hook.id}/deliveries/${dead.id}/redeliver`);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: dead.id, state: 'pending', attempts: 0 });
      await expect
        .poll(async () => (await history()).find((x) => x.id === dead.id)?.state, { message: 'waiting for the redelivery', timeout: 30_000 })
        .toBe('delivered');
      expect(got).toHaveLength(1);
      expect(got[0].delivery).toBe(String(dead.id)); // the receiver knows it again by its X-Mag-Delivery…
      const body = JSON.parse(got[0].body);
      expect(body).toMatchObject({ event: 'alert.opened', id: expect.any(Number), alert: { id: expect.any(String), version: expect.any(Number) } }); // …and by its event id and alert (its version)
      expect(got[0].signature).toBe(`sha256=${createHmac('sha256', SECRET).update(got[0].body).digest('hex')}`);
      expect((await history()).find((x) => x.id === dead.id)).toMatchObject({ state: 'delivered', attempts: 1, nextAt: null, lastStatus: 204 });
      expect((await t.call('POST', `/api/v1/webhooks/${hook.id}/deliveries/${dead.id}/redeliver`)).status).toBe(409);
      const audit = (await t.call('GET', '/api/v1/audit?limit=20')).body.items as any[];
      expect(audit.find((e) => e.action === 'webhook.redeliver')).toMatchObject({
        target: hook.id,
        details: { deliveries: [dead.id], event: 'alert.opened', attempts: 2 },
      });
    } finally {
      await new Promise<void>((r) => (relay.listening ? relay.close(() => r()) : r()));
    }
  });

  it('dead-letters a delivery after MAG_WEBHOOK_MAX_ATTEMPTS failures and never tries it again', async () => {
    const { fail, history } = await setup({ MAG_WEBHOOK_RETRY_BASE_MS: '1', MAG_WEBHOOK_MAX_ATTEMPTS: '3' });
    status = 503;
    await fail('D1');
    const dead = await vi.waitFor(async () => {
      const x = (await history()).find((x) => x.state === 'dead');
      assert(x, 'waiting for the dead letter');
      return x;
    }, 30_000);
    expect(dead).toMatchObject({ state: 'dead', attempts: 3, lastStatus: 503, lastError: 'HTTP 503', deliveredAt: null });
    expect(received.filter((r) => r.key === 'D1')).toHaveLength(3);

    // The receiver recovers: a new alert is delivered once, the dead letter is not resent.
    status = 204;
    await fail('D2');
    const ok = await vi.waitFor(async () => {
      const x = (await history()).find((x) => x.state === 'delivered');
      assert(x, 'waiting for D2 delivered');
      return x;
    }, 30_000);
    expect(ok.attempts).toBe(1);
    expect(received.filter((r) => r.key === 'D2')).toHaveLength(1);
    // Two more delivery rounds (500 ms each) for the dead letter to be picked up, if it wrongly were.
    await fail('D3');
    await expect
      .poll(async () => (await history()).filter((x) => x.state === 'delivered').length, { message: 'waiting for D3 delivered', timeout: 30_000 })
      .toBe(2);
    expect(received.filter((r) => r.key === 'D1')).toHaveLength(3);
    expect((await history()).find((x) => x.id === dead.id).state).toBe('dead');
  });
});

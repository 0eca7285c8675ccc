// Issue 4, webhooks: a receiver that keeps failing gets exactly MAG_WEBHOOK_MAX_ATTEMPTS attempts,
// then the delivery is dead-lettered (visible in the delivery history, never retried); a failed
// attempt is rescheduled after base · 2^(n−1) ± 20 % (as recorded in the history). Real gateways,
// real MQTT, a local node:http receiver.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

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
    const first = await vi.waitFor(() => {
      const r = received.find((r) => r.key === 'B1');
      assert(r, 'waiting for the first attempt');
      return r;
    }, 30_000);
    const d = await vi.waitFor(async () => {
      const x = (await history()).find((x) => String(x.id) === first.delivery && x.attempts === 1);
      assert(x, 'waiting for the attempt to be recorded');
      return x;
    }, 30_000);
    expect(d).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
    const wait = Date.parse(d.nextAt) - first.at;
    expect(wait).toBeGreaterThanOrEqual(0.8 * 60_000 - 1000);
    expect(wait).toBeLessThanOrEqual(1.2 * 60_000 + 1000);
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

// Issue 4, delivery: Server-Sent Events to a real streaming HTTP client (live, Last-Event-ID resume,
// tenant isolation), signed webhooks to a local node:http receiver (signature, retries with back-off,
// a delivery pending at stop delivered after restart, history), and escalation with an injected clock.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const SECRET = 'whsec-0123456789abcdef';

interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

/** A real SSE client over fetch streaming: parses `event:`, `id:`, `data:` blocks. */
async function openStream(api: string, token: string, lastEventId?: string, query = '') {
  const ac = new AbortController();
  const res = await fetch(`${api}/api/v1/alerts/stream${query}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: ac.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let ended = false;
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          ended = true;
          return;
        }
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const e: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) e.event = line.slice(6).trim();
            else if (line.startsWith('id:')) e.id = line.slice(3).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          e.data = data.join('\n');
          if (e.event || data.length) events.push(e);
        }
      }
    } catch {
      /* aborted or cut by the server */
    } finally {
      ended = true;
    }
  })();
  const alerts = () => events.filter((e) => e.event === 'alert').map((e) => ({ ...JSON.parse(e.data), eventId: e.id! }));
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    comments,
    alerts,
    get ended() {
      return ended;
    },
    waitFor: (what: string, pred: (a: any) => boolean, ms = 10_000) =>
      vi.waitFor(() => {
        const a = alerts().find(pred);
        assert(a, `waiting for ${what} on the stream`);
        return a;
      }, ms),
    async close() {
      ac.abort();
      await pump;
    },
  };
}

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
  status: number;
}

/** A local webhook receiver: fails the next `failNext` requests (or all while `down`), records everything. */
function receiver() {
  const received: Received[] = [];
  const ctl = { failNext: 0, down: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let status = 204;
      if (ctl.down) status = 503;
      else if (ctl.failNext > 0) {
        ctl.failNext--;
        status = 500;
      }
      received.push({ headers: req.headers, raw, body: JSON.parse(raw), status });
      res.statusCode = status;
      res.end();
    });
  });
  return {
    received,
    ctl,
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/mag`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('alert delivery: SSE, webhooks, escalation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-delivery-'));
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const env = { MAG_WEBHOOK_RETRY_BASE_MS: '50' };
  let t: TestGateway;
  let acme: MqttClient;
  let operatorAcme: string;
  let operatorOther: string;
  let seq = 0;
  const hook = receiver();
  let hookUrl: string;
  let webhookId: string;

  /** A failing barometer check (error 0.5 hPa > TL 0.3 + U) at a test point: a new alert per point. */
  const failAt = (c: MqttClient, device: string, point: string) =>
    c.publishAsync(
      `instruments/${device}/checks`,
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

  beforeAll(async () => {
    hookUrl = await hook.listen();
    t = await startTestGateway(env, dir, { now });
    acme = await t.connect('bar-a', await t.device({ id: 'bar-a', type: 'barometer', tenant: 'acme' }));
    await t.device({ id: 'bar-o', type: 'barometer', tenant: 'other' });
    operatorAcme = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'acme', name: 'acme ops' })).body.token;
    operatorOther = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'other', name: 'other ops' })).body.token;
  });
  afterAll(async () => {
    await t?.destroy();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams alerts to a real HTTP client with id: lines, only to those who may see them', async () => {
    const a = await openStream(t.api, operatorAcme);
    const o = await openStream(t.api, operatorOther);
    expect(a.status).toBe(200);
    expect(a.contentType).toMatch(/text\/event-stream/);
    await expect
      .poll(() => [a, o].map((s) => s.events.some((e) => e.event === 'ready')), { message: 'waiting for the ready event on both streams', timeout: 30_000 })
      .toEqual([true, true]);

    await failAt(acme, 'bar-a', 'P1');
    const got = await a.waitFor('acme alert', (x) => x.device === 'bar-a' && x.kind === 'out-of-tolerance' && x.key === 'P1');
    expect(got.eventId).toMatch(/^\d+$/);
    expect(got).toMatchObject({ tenant: 'acme', severity: 'critical', state: 'open', change: 'opened' });

    // The other tenant's operator: its stream stays quiet about acme, yet receives its own tenant's alert.
    const other = await t.connect('bar-o', (await t.call('POST', '/api/v1/devices/bar-o/secret')).body.secret);
    await other.publishAsync(
      'instruments/bar-o/checks',
      JSON.stringify({
        seq: 1,
        ts: new Date(Date.now() - 1000).toISOString(),
        indicated: 1013.7,
        reference: 1013.2,
        referenceUncertainty: 0.04,
        unit: 'hPa',
        standardId: 'REF-1',
      }),
      { qos: 1 },
    );
    await o.waitFor('other alert', (x) => x.device === 'bar-o' && x.kind === 'out-of-tolerance');
    expect(o.alerts().filter((x) => x.tenant !== 'other')).toEqual([]);
    await new Promise((r) => setTimeout(r, 100)); // the same change was fanned out to every stream at once
    expect(a.alerts().filter((x) => x.tenant !== 'acme')).toEqual([]);
    await a.close();
    await o.close();
  });

  it('resumes with Last-Event-ID and replays the events missed while disconnected', async () => {
    const first = await openStream(t.api, operatorAcme);
    await failAt(acme, 'bar-a', 'P2');
    const seen = await first.waitFor('P2 alert', (x) => x.key === 'P2' && x.change === 'opened');
    await first.close();

    // Missed while away: a repeat of P2 and a new P3.
    await failAt(acme, 'bar-a', 'P2');
    await failAt(acme, 'bar-a', 'P3');
    await expect
      .poll(async () => (await t.call('GET', '/api/v1/alerts?device=bar-a&kind=out-of-tolerance&state=open')).body.items.map((x: any) => x.key), {
        message: 'waiting for both applied (P3 open)',
        timeout: 30_000,
      })
      .toContain('P3');

    // Both replayed, after the id resumed from. A failing check's repeat is counted in memory and
    // its event sent when it is written (within a second, or before the list read above), so it
    // may come after P3's opening.
    const resumed = await openStream(t.api, operatorAcme, seen.eventId);
    await resumed.waitFor('replayed P3', (x) => x.key === 'P3' && x.change === 'opened');
    const p2repeat = await resumed.waitFor('the missed repeat of P2', (x) => x.key === 'P2' && x.change === 'repeated');
    expect(p2repeat.count).toBe(2);
    expect(resumed.alerts().every((x) => Number(x.eventId) > Number(seen.eventId))).toBe(true);
    await resumed.close();
  });

  it('sends heartbeat comments while quiet, and a client that goes away does not disturb the others', async () => {
    const bad = await fetch(`${t.api}/api/v1/alerts/stream?heartbeat=0`, { headers: { authorization: `Bearer ${operatorAcme}` } });
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();

    const quiet = await openStream(t.api, operatorAcme, undefined, '?heartbeat=1');
    const leaver = await openStream(t.api, operatorAcme);
    await expect
      .poll(() => [quiet, leaver].map((s) => s.events.some((e) => e.event === 'ready')), {
        message: 'waiting for the ready event on both streams',
        timeout: 30_000,
      })
      .toEqual([true, true]);
    await expect
      .poll(() => quiet.comments.filter((x) => x === 'heartbeat').length, { message: 'waiting for two heartbeats', timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    expect(quiet.ended).toBe(false);
    // The default stream (15 s) has not sent one yet.
    expect(leaver.comments).toEqual([]);

    // One client disconnects; the next alert still reaches the other, and the gateway keeps serving.
    await leaver.close();
    await failAt(acme, 'bar-a', 'H1');
    const got = await quiet.waitFor('H1 after the other client left', (x) => x.key === 'H1');
    expect(got.change).toBe('opened');
    expect(leaver.alerts().some((x) => x.key === 'H1')).toBe(false);
    expect((await t.call('GET', '/healthz')).status).toBe(200);
    await quiet.close();
  });

  it('rejects webhook URLs with credentials or a non-http scheme', async () => {
    for (const url of ['http://user:pw@127.0.0.1:9/hook', 'ftp://127.0.0.1/hook', 'not a url']) {
      const r = await t.call('POST', '/api/v1/webhooks', { url, events: ['alert.*'], secret: SECRET });
      expect(r.status, url).toBe(400);
      expect(r.body.error.details?.[0]?.path).toBe('url');
    }
    const short = await t.call('POST', '/api/v1/webhooks', { url: hookUrl, events: ['alert.*'], secret: 'short' });
    expect(short.status).toBe(400);
  });

  it('delivers signed webhooks (X-Mag-Signature = HMAC-SHA256 of the raw body) and retries a failing receiver', async () => {
    const created = await t.call('POST', '/api/v1/webhooks', { url: hookUrl, events: ['alert.opened', 'alert.escalated'], secret: SECRET });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: hookUrl, events: ['alert.opened', 'alert.escalated'] });
    expect(created.body.secret).toBeUndefined();
    webhookId = created.body.id;

    expect((await t.call('PATCH', '/api/v1/devices/bar-a', { site: 'Trạm khí tượng Láng' })).status).toBe(200);
    await failAt(acme, 'bar-a', 'W1');
    const d = await vi.waitFor(() => {
      const r = hook.received.find((r) => r.body.alert?.key === 'W1');
      assert(r, 'waiting for the webhook for W1');
      return r;
    }, 30_000);
    expect(d.headers['x-mag-signature']).toBe('sha256=' + createHmac('sha256', SECRET).update(d.raw).digest('hex'));
    expect(d.headers['content-type']).toMatch(/application\/json/);
    expect(d.body).toMatchObject({ event: 'alert.opened', alert: { device: 'bar-a', kind: 'out-of-tolerance', state: 'open' } });
    // and what it is about, as the registry has it: the instrument and its enterprise, for a receiver to say without asking
    expect(d.body.instrument).toEqual({ id: 'bar-a', type: 'barometer', serial: 'SN-bar-a', site: 'Trạm khí tượng Láng' });
    expect(d.body.enterprise).toEqual({ id: 'acme', name: 'acme', region: 'VN-HN' });
    // Not subscribed to repeats.
    expect(hook.received.some((r) => r.body.event === 'alert.repeated')).toBe(false);

    // A receiver that fails twice then succeeds: three attempts of the same delivery.
    hook.ctl.failNext = 2;
    await failAt(acme, 'bar-a', 'W2');
    await expect
      .poll(() => hook.received.filter((r) => r.body.alert?.key === 'W2').map((r) => r.status), { message: 'waiting for W2 delivered', timeout: 30_000 })
      .toContain(204);
    const attempts = hook.received.filter((r) => r.body.alert?.key === 'W2');
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 204]);
    expect(new Set(attempts.map((r) => r.headers['x-mag-delivery'])).size).toBe(1);
    expect(new Set(attempts.map((r) => r.raw)).size).toBe(1);
    for (const r of attempts) expect(r.headers['x-mag-signature']).toBe('sha256=' + createHmac('sha256', SECRET).update(r.raw).digest('hex'));

    const history = await vi.waitFor(async () => {
      const h = await t.call('GET', `/api/v1/webhooks/${webhookId}/deliveries`);
      assert(
        h.body.items.some((x: any) => String(x.id) === attempts[0].headers['x-mag-delivery'] && x.state === 'delivered'),
        'waiting for the history to show W2 delivered',
      );
      return h;
    }, 30_000);
    expect(history.status).toBe(200);
    const w2 = history.body.items.find((x: any) => String(x.id) === attempts[0].headers['x-mag-delivery']);
    expect(w2).toMatchObject({ event: 'alert.opened', state: 'delivered', attempts: 3, lastStatus: 204 });
    expect(history.body.items.find((x: any) => String(x.id) === d.headers['x-mag-delivery'])).toMatchObject({ state: 'delivered', attempts: 1 });

    // Another tenant's operator cannot see this (admin, tenant-less) webhook's history.
    expect((await t.call('GET', `/api/v1/webhooks/${webhookId}/deliveries`, undefined, operatorOther)).status).toBe(404);
  });

  it('escalates an unacknowledged critical alert after the escalation time (injected clock) and notifies again', async () => {
    await failAt(acme, 'bar-a', 'E1');
    await failAt(acme, 'bar-a', 'E2');
    const open = await vi.waitFor(async () => {
      const items = (await t.call('GET', '/api/v1/alerts?device=bar-a&kind=out-of-tolerance&state=open')).body.items;
      const e1 = items.find((x: any) => x.key === 'E1');
      const e2 = items.find((x: any) => x.key === 'E2');
      assert(e1 && e2, 'waiting for E1 and E2 open');
      return { e1, e2 };
    }, 30_000);
    expect((await t.call('POST', `/api/v1/alerts/${open.e2.id}/ack`, {}, operatorAcme)).status).toBe(200);
    const stream = await openStream(t.api, operatorAcme);
    await expect.poll(() => stream.events.some((e) => e.event === 'ready'), { message: 'waiting for the ready event', timeout: 30_000 }).toBe(true);

    const afterMs = t.gateway.config.alerts.escalationMinutes * 60_000;
    expect(afterMs).toBe(4 * 3600_000); // default 4 h
    // Not yet due.
    offsetMs = afterMs - 60_000;
    expect(t.gateway.alerts.escalate(now(), afterMs).map((a) => a.id)).not.toContain(open.e1.id);
    offsetMs = afterMs + 60_000;
    const escalated = t.gateway.alerts.escalate(now(), afterMs);
    expect(escalated.map((a) => a.id)).toContain(open.e1.id);
    expect(escalated.map((a) => a.id)).not.toContain(open.e2.id); // acknowledged: no escalation

    const view = (await t.call('GET', `/api/v1/alerts/${open.e1.id}`)).body;
    expect(view).toMatchObject({ state: 'open', severity: 'critical', escalation: 1 });
    const ev = await stream.waitFor('escalated event', (x) => x.id === open.e1.id && x.change === 'escalated');
    expect(ev.escalation).toBe(1);
    const wh = await vi.waitFor(() => {
      const r = hook.received.find((r) => r.body.event === 'alert.escalated' && r.body.alert.key === 'E1');
      assert(r, 'waiting for the escalation webhook');
      return r;
    }, 30_000);
    expect(wh.headers['x-mag-signature']).toBe('sha256=' + createHmac('sha256', SECRET).update(wh.raw).digest('hex'));
    expect(wh.body.alert.escalation).toBe(1);
    // Escalating again right away does nothing; the next level comes after another period.
    expect(t.gateway.alerts.escalate(now(), afterMs).map((a) => a.id)).not.toContain(open.e1.id);
    await stream.close();
    offsetMs = 0;
  });

  it('a delivery pending when the gateway stops is delivered after a restart on the same data dir', async () => {
    hook.ctl.down = true;
    await failAt(acme, 'bar-a', 'R1');
    const firstTry = await vi.waitFor(() => {
      const r = hook.received.find((r) => r.body.alert?.key === 'R1');
      assert(r, 'waiting for a failed attempt at R1');
      return r;
    }, 30_000);
    expect(firstTry.status).toBe(503);
    const deliveryId = firstTry.headers['x-mag-delivery'];
    const pending = (await t.call('GET', `/api/v1/webhooks/${webhookId}/deliveries`)).body.items.find((x: any) => String(x.id) === deliveryId);
    expect(pending).toMatchObject({ state: 'pending', lastStatus: 503 });

    // An SSE client still connected does not hold up the stop: its stream ends.
    const stream = await openStream(t.api, operatorAcme);
    await expect.poll(() => stream.events.some((e) => e.event === 'ready'), { message: 'waiting for the ready event', timeout: 30_000 }).toBe(true);
    await t.stop();
    await expect.poll(() => stream.ended, { message: 'waiting for the stream ended by the stop', timeout: 5_000 }).toBe(true);
    hook.ctl.down = false;
    t = await startTestGateway(env, dir, { now });
    const ok = await vi.waitFor(() => {
      const r = hook.received.find((r) => r.body.alert?.key === 'R1' && r.status === 204);
      assert(r, 'waiting for R1 delivered after restart');
      return r;
    }, 15_000);
    expect(ok.headers['x-mag-delivery']).toBe(deliveryId);
    expect(ok.raw).toBe(firstTry.raw);
    expect(ok.headers['x-mag-signature']).toBe('sha256=' + createHmac('sha256', SECRET).update(ok.raw).digest('hex'));
    const history = await vi.waitFor(async () => {
      const x = (await t.call('GET', `/api/v1/webhooks/${webhookId}/deliveries`)).body.items.find(
        (x: any) => String(x.id) === deliveryId && x.state === 'delivered',
      );
      assert(x, 'waiting for the history to show R1 delivered after restart');
      return x;
    }, 30_000);
    expect(history.attempts).toBeGreaterThanOrEqual(2);
    expect(history.deliveredAt).toBeTruthy();
  });
});

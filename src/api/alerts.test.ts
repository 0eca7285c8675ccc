// Alerts and webhooks through the API alone (real stores, no broker): the alerts the gateway
// raised, seen, acknowledged and resolved by the tokens that may, 404 for the others.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { freePort } from '../../test/support/ports.ts';
import type { Alert } from '../alerts/alert-book.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
let api: ApiUnderTest;
let admin: string;
let op: { north: string; south: string };
let insp: { hanoi: string; saigon: string };
let north: Alert;
let south: Alert;

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  await api.call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'North Gas', region: 'VN-HN' } });
  await api.call('POST', '/api/v1/tenants', { body: { id: 'south', name: 'South Gas', region: 'VN-SG' } });
  await api.call('POST', '/api/v1/devices', { body: { id: 'baro-n1', tenant: 'north', type: 'barometer', serial: 'SN-1' } });
  await api.call('POST', '/api/v1/devices', { body: { id: 'baro-s1', tenant: 'south', type: 'barometer', serial: 'SN-2' } });
  admin = api.token('admin');
  op = { north: api.token('operator', { tenant: 'north' }), south: api.token('operator', { tenant: 'south' }) };
  insp = { hanoi: api.token('inspector', { regions: ['VN-HN'] }), saigon: api.token('inspector', { regions: ['VN-SG'] }) };
  const raise = (device: string, tenant: string, severity: 'warning' | 'critical') =>
    api.deps.alerts.raise({
      tenant,
      device,
      kind: 'out-of-range',
      key: 'pressure',
      severity,
      summary: `Reading outside the measuring range on ${device}`,
      details: { value: 1200, unit: 'hPa' },
      at: NOW,
    })!.alert;
  north = raise('baro-n1', 'north', 'critical');
  south = raise('baro-s1', 'south', 'warning');
});
afterEach(() => api.close());

async function until(ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((a) => a.id).sort();

describe('alerts', () => {
  it('each token lists the alerts of the tenants it may see, filtered as asked', async () => {
    expect(ids(await api.call('GET', '/api/v1/alerts', { token: admin }))).toEqual([north.id, south.id].sort());
    expect(ids(await api.call('GET', '/api/v1/alerts', { token: op.north }))).toEqual([north.id]);
    expect(ids(await api.call('GET', '/api/v1/alerts', { token: insp.saigon }))).toEqual([south.id]);
    expect(ids(await api.call('GET', '/api/v1/alerts?severity=critical', { token: admin }))).toEqual([north.id]);
    expect(ids(await api.call('GET', '/api/v1/alerts?tenant=south', { token: op.north }))).toEqual([]);
    expect((await api.call('GET', '/api/v1/alerts?state=closed', { token: admin })).status).toBe(400);
  });

  it('reads dates alone in openedFrom/openedTo/resolvedFrom/resolvedTo as days of the zone, the last one through its end', async () => {
    // Vietnam is UTC+7: the alerts above opened at 07:00 on 1 March there (00:00Z)
    const raise = (kind: 'offline' | 'drift', at: string) =>
      api.deps.alerts.raise({ tenant: 'north', device: 'baro-n1', kind, severity: 'warning', summary: kind, details: {}, at: new Date(at) })!.alert;
    const late = raise('offline', '2026-03-31T03:00:00Z'); // 10:00 on 31 March in Vietnam
    const night = raise('drift', '2026-03-31T16:00:00Z'); // 23:00 on 31 March in Vietnam; 01:00 on 1 April in Tokyo
    api.deps.alerts.resolve(late.id, 'operator:test', { reason: 'adjusted' }, new Date('2026-03-31T16:30:00Z')); // 23:30 there
    const q = async (query: string) => ids(await api.call('GET', `/api/v1/alerts?${query}`, { token: admin }));
    expect(await q('openedFrom=2026-03-01&openedTo=2026-03-31')).toEqual([north.id, south.id, late.id, night.id].sort());
    expect(await q('openedFrom=2026-03-31&openedTo=2026-03-31')).toEqual([late.id, night.id].sort());
    expect(await q('openedTo=2026-02-28')).toEqual([]);
    expect(await q('resolvedFrom=2026-03-31&resolvedTo=2026-03-31')).toEqual([late.id]);
    // a date-time without a zone is the wall-clock time there: 10:00 is late's instant (from included), 23:00 night's (to excluded)
    expect(await q('openedFrom=2026-03-31T10:00&openedTo=2026-03-31T23:00')).toEqual([late.id]);
    // with a tenant, its days: 31 March in Tokyo (UTC+9) ends at 2026-03-31T15:00Z
    expect((await api.call('PATCH', '/api/v1/tenants/north', { body: { timeZone: 'Asia/Tokyo' } })).status).toBe(200);
    expect(await q('tenant=north&openedFrom=2026-03-31&openedTo=2026-03-31')).toEqual([late.id]);
    expect(await q('device=baro-n1&openedFrom=2026-04-01')).toEqual([night.id]);
  });

  it('shows one alert with its evidence and repeat count; 404 to a token that may not see it', async () => {
    api.deps.alerts.raise({
      tenant: 'north',
      device: 'baro-n1',
      kind: 'out-of-range',
      key: 'pressure',
      severity: 'warning',
      summary: 'again',
      details: { value: 1210, unit: 'hPa' },
      at: new Date('2026-03-01T00:05:00Z'),
    });
    const r = await api.call('GET', `/api/v1/alerts/${north.id}`, { token: insp.hanoi });
    // a lower severity on repeat keeps the higher one
    expect(r.body).toMatchObject({
      id: north.id,
      device: 'baro-n1',
      kind: 'out-of-range',
      key: 'pressure',
      severity: 'critical',
      state: 'open',
      count: 2,
      summary: 'again',
      details: { value: 1210, unit: 'hPa' },
      openedAt: NOW.toISOString(),
      updatedAt: '2026-03-01T00:05:00.000Z',
    });
    expect((await api.call('GET', `/api/v1/alerts/${north.id}`, { token: op.south })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/alerts/${north.id}`, { token: insp.saigon })).status).toBe(404);
  });

  it('is acknowledged and resolved by who may see it, each step audited with the token that took it', async () => {
    expect((await api.call('POST', `/api/v1/alerts/${north.id}/ack`, { token: op.south, body: {} })).status).toBe(404);
    const ack = await api.call('POST', `/api/v1/alerts/${north.id}/ack`, { token: insp.hanoi, body: { note: 'crew sent' } });
    expect(ack.body).toMatchObject({ state: 'acknowledged', ackBy: 'inspector:inspector-VN-HN', ackAt: NOW.toISOString(), ackNote: 'crew sent' });
    // a critical alert is resolved with a note saying what was done (blank is no note)
    for (const body of [{ reason: 'false-alarm' }, { reason: 'repaired', note: '  ' }])
      expect(await api.call('POST', `/api/v1/alerts/${north.id}/resolve`, { token: op.north, body })).toMatchObject({
        status: 400,
        body: {
          error: {
            details: [{ path: 'note', message: expect.stringMatching(/^a critical alert \(out-of-range\) is resolved with a note saying what was done/) }],
          },
        },
      });
    expect((await api.call('GET', `/api/v1/alerts/${north.id}`, { token: op.north })).body.state).toBe('acknowledged'); // as it was
    // a warning needs none
    expect((await api.call('POST', `/api/v1/alerts/${south.id}/resolve`, { token: op.south, body: { reason: 'false-alarm' } })).status).toBe(200);
    const resolve = await api.call('POST', `/api/v1/alerts/${north.id}/resolve`, {
      token: op.north,
      body: { reason: 'recalibrated', note: 'sensor replaced' },
    });
    expect(resolve.body).toMatchObject({
      state: 'resolved',
      resolvedBy: 'operator:operator-north',
      resolution: { reason: 'recalibrated', note: 'sensor replaced' },
    });
    // a second resolution is refused, saying whose stands
    expect(await api.call('POST', `/api/v1/alerts/${north.id}/resolve`, { token: op.north, body: { reason: 'other' } })).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', message: `alert ${north.id} is already resolved by operator:operator-north at ${NOW.toISOString()}` } },
    });
    expect((await api.call('POST', `/api/v1/alerts/${north.id}/resolve`, { token: op.north, body: { reason: 'cleared' } })).status).toBe(400); // only the gateway clears
    const trail = (await api.deps.audit.list({ limit: 50 })).filter((e) => e.target === north.id).map((e) => [e.actor.replace(/:[0-9a-f]{12}$/, ''), e.action]);
    expect(trail.reverse()).toEqual([
      ['system', 'alert.open'],
      ['inspector:inspector-VN-HN', 'alert.ack'],
      ['operator:operator-north', 'alert.resolve'],
    ]);
    // the same failure again is a new alert
    const again = api.deps.alerts.raise({
      tenant: 'north',
      device: 'baro-n1',
      kind: 'out-of-range',
      key: 'pressure',
      severity: 'critical',
      summary: 's',
      details: {},
      at: NOW,
    })!;
    expect(again.change).toBe('opened');
    expect(again.alert.id).not.toBe(north.id);
  });

  it('acknowledged, then resolved, by two requests at the same moment: one of each answers 200 and stands, the other 409, audited once', async () => {
    const atOnce = (step: 'ack' | 'resolve', calls: [string, Record<string, string>][]) =>
      Promise.all(calls.map(([token, body]) => api.call('POST', `/api/v1/alerts/${north.id}/${step}`, { token, body })));
    const stored = async () => (await api.call('GET', `/api/v1/alerts/${north.id}`, { token: admin })).body;
    const acks = await atOnce('ack', [
      [insp.hanoi, { note: 'crew sent' }],
      [op.north, { note: 'on my way' }],
    ]);
    expect(acks.map((r) => r.status).sort()).toEqual([200, 409]);
    const acked = acks.find((r) => r.status === 200)!.body;
    expect(await stored()).toMatchObject({ state: 'acknowledged', ackBy: acked.ackBy, ackNote: acked.ackNote });
    const resolves = await atOnce('resolve', [
      [op.north, { reason: 'recalibrated', note: 'certificate HC-9' }],
      [admin, { reason: 'repaired', note: 'sensor replaced' }],
    ]);
    expect(resolves.map((r) => r.status).sort()).toEqual([200, 409]);
    const resolved = resolves.find((r) => r.status === 200)!.body;
    expect(await stored()).toMatchObject({ state: 'resolved', ackBy: acked.ackBy, resolvedBy: resolved.resolvedBy, resolution: resolved.resolution });
    const trail = (await api.deps.audit.list({ limit: 50 })).filter((e) => e.target === north.id).map((e) => e.action);
    expect(trail.reverse()).toEqual(['alert.open', 'alert.ack', 'alert.resolve']);
  });
});

describe('webhooks', () => {
  // Nothing listens there: the first attempt fails at once and is recorded (the notifier's retry timer is not started).
  const hook = { url: 'http://127.0.0.1:9/mag', secret: 'whsec-0123456789abcdef', events: ['alert.opened'] };

  it('an operator subscribes its own tenant only, and sees only its own webhooks', async () => {
    const own = await api.call('POST', '/api/v1/webhooks', { token: op.north, body: hook });
    expect(own).toMatchObject({ status: 201, body: { tenant: 'north', url: hook.url, events: ['alert.opened'] } });
    expect(own.body.secret).toBeUndefined();
    expect((await api.call('POST', '/api/v1/webhooks', { token: op.north, body: { ...hook, tenant: 'south' } })).status).toBe(404);
    const all = await api.call('POST', '/api/v1/webhooks', { token: admin, body: { ...hook, events: ['*'] } });
    expect(all.body.tenant).toBeNull();
    expect((await api.call('GET', '/api/v1/webhooks', { token: op.north })).body.items.map((w: { id: string }) => w.id)).toEqual([own.body.id]);
    expect((await api.call('GET', `/api/v1/webhooks/${own.body.id}/deliveries`, { token: op.south })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/webhooks', { token: insp.hanoi })).status).toBe(403);
    // a new alert of north is queued for both subscriptions that match it, and tried once
    api.deps.alerts.raise({ tenant: 'north', device: 'baro-n1', kind: 'drift', severity: 'warning', summary: 'drift', details: {}, at: NOW });
    for (const id of [own.body.id, all.body.id]) {
      await until(async () => (await api.call('GET', `/api/v1/webhooks/${id}/deliveries`, { token: admin })).body.items[0]?.attempts === 1);
      expect((await api.call('GET', `/api/v1/webhooks/${id}/deliveries`, { token: admin })).body.items).toMatchObject([
        { event: 'alert.opened', state: 'pending', attempts: 1, lastError: expect.any(String) },
      ]);
    }
    expect((await api.call('DELETE', `/api/v1/webhooks/${own.body.id}`, { token: op.north })).body).toEqual({ id: own.body.id, deleted: true });
    expect((await api.call('GET', `/api/v1/webhooks/${own.body.id}/deliveries`, { token: admin })).status).toBe(404);
  });

  it('sends a dead delivery again to a receiver back up: admin and its own operator, 404 to others, 409 once pending or delivered, audited', async () => {
    // A gateway whose deliveries die at their first failure, and a receiver on a port nobody listens on yet.
    const hooks = apiUnderTest({ now: () => NOW, webhookRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const port = await freePort();
    const got: { delivery: string; body: string }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ delivery: String(req.headers['x-mag-delivery']), body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = 204;
        res.end();
      });
    });
    try {
      await hooks.call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'North Gas', region: 'VN-HN' } });
      await hooks.call('POST', '/api/v1/tenants', { body: { id: 'south', name: 'South Gas', region: 'VN-SG' } });
      await hooks.call('POST', '/api/v1/devices', { body: { id: 'baro-n1', tenant: 'north', type: 'barometer', serial: 'SN-1' } });
      const north = hooks.token('operator', { tenant: 'north' });
      const south = hooks.token('operator', { tenant: 'south' });
      const inspector = hooks.token('inspector', { regions: ['VN-HN'] });
      const hooksAdmin = hooks.token('admin');
      const webhook = (await hooks.call('POST', '/api/v1/webhooks', { token: north, body: { ...hook, url: `http://127.0.0.1:${port}/mag` } })).body
        .id as string;
      const deliveries = async () => (await hooks.call('GET', `/api/v1/webhooks/${webhook}/deliveries`, { token: north })).body.items as any[];
      for (const key of ['P1', 'P2'])
        hooks.deps.alerts.raise({ tenant: 'north', device: 'baro-n1', kind: 'drift', key, severity: 'warning', summary: 'drift', details: {}, at: NOW });
      await until(async () => (await deliveries()).filter((d) => d.state === 'dead').length === 2);
      const [second, first] = await deliveries();
      expect(first).toMatchObject({ state: 'dead', attempts: 1, nextAt: null, lastStatus: null, lastError: expect.any(String), deliveredAt: null });
      const redeliver = (id: number, token: string) => hooks.call('POST', `/api/v1/webhooks/${webhook}/deliveries/${id}/redeliver`, { token });

      // who may: not another enterprise's operator (as if it did not exist), not an inspector (the role never)
      expect((await redeliver(first.id, south)).status).toBe(404);
      expect((await redeliver(first.id, inspector)).status).toBe(403);
      expect((await redeliver(first.id + 1000, north)).status).toBe(404);
      expect((await hooks.call('POST', `/api/v1/webhooks/${webhook}/deliveries/x1/redeliver`, { token: north })).status).toBe(404);
      expect((await hooks.call('POST', `/api/v1/webhooks/${webhook}/redeliver-dead`, { token: south })).status).toBe(404);
      expect((await deliveries()).map((d) => d.state)).toEqual(['dead', 'dead']);

      // the receiver is back: sent again at once, the same body and X-Mag-Delivery as the first time
      await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', () => r()));
      const again = await redeliver(first.id, north);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: first.id, state: 'pending', attempts: 0, lastError: first.lastError });
      expect(Date.parse(again.body.nextAt)).toBeLessThanOrEqual(Date.now());
      await until(async () => (await deliveries()).find((d) => d.id === first.id)?.state === 'delivered');
      expect(got).toHaveLength(1);
      expect(got[0].delivery).toBe(String(first.id));
      expect(JSON.parse(got[0].body)).toMatchObject({ event: 'alert.opened', alert: { key: 'P1', tenant: 'north' } });
      expect((await deliveries()).find((d) => d.id === first.id)).toMatchObject({
        state: 'delivered',
        attempts: 1,
        nextAt: null,
        lastStatus: 204,
        lastError: null,
      });

      // delivered: a 409 naming it; the admin redelivers the other (every dead one at once)
      const conflict = await redeliver(first.id, hooksAdmin);
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.message).toMatch(new RegExp(`delivery ${first.id} is delivered already`));
      const all = await hooks.call('POST', `/api/v1/webhooks/${webhook}/redeliver-dead`, { token: hooksAdmin });
      expect(all.body).toEqual({ webhook, redelivered: 1, deliveries: [second.id] });
      expect((await redeliver(second.id, north)).status).toBe(409); // pending (or delivered already), not dead
      await until(async () => (await deliveries()).every((d) => d.state === 'delivered'));
      expect(got.map((g) => g.delivery)).toEqual([String(first.id), String(second.id)]);
      expect((await hooks.call('POST', `/api/v1/webhooks/${webhook}/redeliver-dead`, { token: north })).body).toEqual({
        webhook,
        redelivered: 0,
        deliveries: [],
      });

      // audited as the webhook's other changes, with who, and why the delivery had died
      const trail = (await hooks.deps.audit.list({ limit: 50 })).filter((e) => e.action === 'webhook.redeliver');
      expect(trail.map((e) => [e.target, e.details.deliveries])).toEqual([
        [webhook, [second.id]],
        [webhook, [first.id]],
      ]);
      expect(trail[1]).toMatchObject({
        actor: expect.stringMatching(/^operator:/),
        details: { event: 'alert.opened', attempts: 1, lastError: first.lastError },
      });
      expect(trail[0].actor).toMatch(/^admin:/);
    } finally {
      await new Promise<void>((r) => (receiver.listening ? receiver.close(() => r()) : r()));
      hooks.close();
    }
  });
});

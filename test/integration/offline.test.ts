// Issue 4, offline alerts: from the retained status / last will of a device whose connection drops
// without DISCONNECT, and from silence longer than 3 × the device's expected interval. Real gateway,
// real MQTT over TCP, SQLite on disk. The once-a-minute review of the gateway runs on a faked
// setInterval (only setInterval is faked: sockets, setTimeout and the clock stay real), and the
// silence is made with the gateway's injected clock, so nothing waits for a minute to pass.
// Waits use expect.poll, not vi.waitFor: vi.waitFor advances faked timers by its interval on every try.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const MIN = 60_000;

describe('offline alerts', () => {
  let t: TestGateway;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const alerts = async (device: string) => (await t.call('GET', `/api/v1/alerts?device=${device}&kind=offline`)).body.items as any[];
  const reading = (seq: number) => JSON.stringify({ seq, ts: now().toISOString(), quantity: 'pressure', value: 1013.2, unit: 'hPa' });

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    t = await startTestGateway({}, undefined, { now });
  });
  afterAll(async () => {
    await t?.destroy();
    vi.useRealTimers();
  });

  it('a connection dropped without DISCONNECT fires the last will on status: offline opens; reconnecting resolves it with a reason', async () => {
    const secret = await t.device({ id: 'bar-will', type: 'barometer' });
    const will = { topic: 'instruments/bar-will/status', payload: Buffer.from('{"state":"offline"}'), qos: 1 as const, retain: true };
    const c = await t.connect('bar-will', secret, { will });
    await c.publishAsync('instruments/bar-will/status', '{"state":"online"}', { qos: 1, retain: true });
    await c.publishAsync('instruments/bar-will/readings', reading(1), { qos: 1 });
    expect(await alerts('bar-will')).toEqual([]);

    c.stream.destroy(); // the socket dies; the broker publishes the will
    const openOne = async () => (await alerts('bar-will')).find((a) => a.state === 'open');
    await expect.poll(openOne, { message: 'waiting for the offline alert from the last will', timeout: 30_000 }).toBeDefined();
    const open = await openOne();
    expect(open).toMatchObject({ kind: 'offline', severity: 'warning', tenant: 'acme', count: 1 });
    expect(open.summary).toMatch(/last will/);
    expect(open.details.state).toBe('offline');

    const back = await t.connect('bar-will', secret, { will });
    await back.publishAsync('instruments/bar-will/status', '{"state":"online"}', { qos: 1, retain: true });
    const resolvedOne = async () => (await alerts('bar-will')).find((a) => a.id === open.id && a.state === 'resolved');
    await expect.poll(resolvedOne, { message: 'waiting for offline resolved on reconnect', timeout: 30_000 }).toBeDefined();
    const resolved = await resolvedOne();
    expect(resolved.resolvedBy).toBe('system');
    expect(resolved.resolution.reason).toBe('cleared');
    expect(resolved.resolution.note).toMatch(/connected|online/);
    await back.endAsync();
  });

  it('an explicit {"state":"offline"} status also opens it, and a repeat counts instead of opening another', async () => {
    const secret = await t.device({ id: 'bar-status', type: 'barometer' });
    const c = await t.connect('bar-status', secret);
    await c.publishAsync('instruments/bar-status/status', '{"state":"offline"}', { qos: 1, retain: true });
    await c.publishAsync('instruments/bar-status/status', '{"state":"offline"}', { qos: 1, retain: true });
    await expect
      .poll(async () => (await alerts('bar-status')).map((a) => a.count), { message: 'waiting for two offline statuses applied', timeout: 30_000 })
      .toEqual([2]);
    expect((await alerts('bar-status'))[0].state).toBe('open');
    await c.publishAsync('instruments/bar-status/status', '{"state":"online"}', { qos: 1, retain: true });
    await expect
      .poll(async () => (await alerts('bar-status'))[0]?.state, { message: 'waiting for resolved by online status', timeout: 30_000 })
      .toBe('resolved');
    await c.endAsync();
  });

  it('the minute review also escalates an unacknowledged critical alert once MAG_ESCALATION_MINUTES (240) have passed', async () => {
    const secret = await t.device({ id: 'bar-esc', type: 'barometer' });
    const c = await t.connect('bar-esc', secret);
    await c.publishAsync(
      'instruments/bar-esc/checks',
      JSON.stringify({ seq: 1, ts: now().toISOString(), indicated: 1013.7, reference: 1013.2, referenceUncertainty: 0.04, unit: 'hPa', standardId: 'REF-1' }),
      { qos: 1 },
    );
    const critical = async () => (await t.call('GET', '/api/v1/alerts?device=bar-esc&kind=out-of-tolerance')).body.items[0];
    await expect.poll(critical, { message: 'waiting for the critical alert', timeout: 30_000 }).toBeDefined();
    const a = await critical();
    expect(a).toMatchObject({ severity: 'critical', escalation: 0 });
    offsetMs = 239 * MIN;
    vi.advanceTimersByTime(MIN);
    expect((await t.call('GET', `/api/v1/alerts/${a.id}`)).body.escalation).toBe(0);
    offsetMs = 241 * MIN;
    vi.advanceTimersByTime(MIN);
    expect((await t.call('GET', `/api/v1/alerts/${a.id}`)).body.escalation).toBe(1);
    await c.endAsync();
    offsetMs = 0;
  });

  it('silence longer than 3 × the expected interval opens offline at the next review; a device that keeps talking stays clear', async () => {
    const quietSecret = await t.device({ id: 'bar-quiet', type: 'barometer', extra: { expectedIntervalSeconds: 300 } });
    const chattySecret = await t.device({ id: 'bar-chatty', type: 'barometer', extra: { expectedIntervalSeconds: 300 } });
    const quiet = await t.connect('bar-quiet', quietSecret);
    const chatty = await t.connect('bar-chatty', chattySecret);
    await quiet.publishAsync('instruments/bar-quiet/readings', reading(1), { qos: 1 });
    await chatty.publishAsync('instruments/bar-chatty/readings', reading(1), { qos: 1 });
    await quiet.endAsync(); // a clean DISCONNECT: no will, only silence

    // 14 minutes later (< 3 × 5 min): the review finds nothing.
    offsetMs = 14 * MIN;
    await chatty.publishAsync('instruments/bar-chatty/readings', reading(2), { qos: 1 });
    vi.advanceTimersByTime(MIN);
    expect(await alerts('bar-quiet')).toEqual([]);

    // 16 minutes of silence (> 15 min): offline, with when it was last seen.
    offsetMs = 16 * MIN;
    await chatty.publishAsync('instruments/bar-chatty/readings', reading(3), { qos: 1 });
    vi.advanceTimersByTime(MIN);
    const openOne = async () => (await alerts('bar-quiet')).find((a) => a.state === 'open');
    await expect.poll(openOne, { message: 'waiting for offline from silence', timeout: 30_000 }).toBeDefined();
    const open = await openOne();
    expect(open.summary).toMatch(/No message for 16 min \(expected every 300 s\)/);
    expect(Date.parse(open.details.lastSeenAt)).toBeLessThan(now().getTime() - 15 * MIN);
    expect(await alerts('bar-chatty')).toEqual([]);

    // Still silent at the next review: the same alert, not a second one.
    offsetMs = 30 * MIN;
    await chatty.publishAsync('instruments/bar-chatty/readings', reading(4), { qos: 1 });
    vi.advanceTimersByTime(MIN);
    const still = await alerts('bar-quiet');
    expect(still).toHaveLength(1);
    expect(still[0].state).toBe('open');

    // It comes back: connecting resolves the alert.
    const again = await t.connect('bar-quiet', quietSecret);
    await expect
      .poll(async () => (await alerts('bar-quiet'))[0]?.state, { message: 'waiting for resolved when the device connects', timeout: 30_000 })
      .toBe('resolved');
    await again.endAsync();
    await chatty.endAsync();
    offsetMs = 0;
  });
});

// Reliability under faults, against a real InfluxDB 1.x and real MQTT clients over TCP
// (gateway in-process): InfluxDB stopped mid-stream, a poison line in a batch, the journal
// size cap, a subscriber that never reads. Figures go to stdout (the report).
// If influxd is not installed, beforeAll fails with the harness's install instructions.
import type { Socket } from 'node:net';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInfluxd, type InfluxdHandle, type InfluxQueryResult } from '../support/influxd.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { sigkillInfluxd, StreamDevice } from '../support/gateway-process.ts';

const SEC = 1000;
const DAY = 86_400_000;
/** Whole second, a little in the past; each test uses its own days so series never overlap. */
const NOW0 = Math.floor(Date.now() / SEC) * SEC;
const range1 = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

function rows(res: InfluxQueryResult): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  return out;
}

describe('reliability under faults (real influxd, real MQTT clients)', () => {
  let influxd: InfluxdHandle;
  let gw: TestGateway;
  const devices: StreamDevice[] = [];

  const countReadings = async (deviceRegex: string) => {
    const r = rows(await influxd.query(`SELECT count(value) FROM reading WHERE device =~ /${deviceRegex}/`));
    return (r[0]?.count as number | undefined) ?? 0;
  };
  const distinctSeqByDevice = async (deviceRegex: string) =>
    Object.fromEntries(
      rows(await influxd.query(`SELECT count(distinct(seq)) FROM reading WHERE device =~ /${deviceRegex}/ GROUP BY device`)).map((r) => [
        r.device as string,
        r.count as number,
      ]),
    );

  beforeAll(async () => {
    influxd = await startInfluxd();
    gw = await startTestGateway({ MAG_INFLUX_URL: influxd.url, MAG_SINK_RETRY_MAX_MS: '1000' });
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await gw?.destroy();
    await influxd?.destroy();
  });

  it('InfluxDB killed (SIGKILL) in the middle of a 20,000-message QoS 1 stream: all acknowledged, exact count, no duplicates', {
    timeout: 120_000,
  }, async () => {
    const DEVICES = 10;
    const PER_DEVICE = 2000;
    const WINDOW = 16;
    const base = NOW0 - 3 * DAY;
    const devs = await Promise.all(
      range1(DEVICES).map(async (i) => {
        const id = `flt-${i}`;
        const d = new StreamDevice(id, await gw.device({ id, type: 'barometer' }), (seq) => base + seq * SEC);
        await d.connect(gw.mqttUrl);
        return d;
      }),
    );
    devices.push(...devs);
    const acked = () => devs.reduce((n, d) => n + d.acked.size, 0);

    const started = Date.now();
    // 150 messages/s per device (1,500/s in all): the stream lasts ~13 s, the outage ~6 s of it.
    const streams = Promise.all(devs.map((d) => d.publishAll(range1(PER_DEVICE), WINDOW, { perSecond: 150 })));
    await expect.poll(acked, { message: 'waiting for 4,000 PUBACKs before the outage', timeout: 60_000 }).toBeGreaterThanOrEqual(4000);

    const stoppedAt = Date.now();
    const ackedAtStop = acked();
    await sigkillInfluxd(influxd); // killed, not shut down

    // Down: ingest goes on, PUBACKs go on, the journal grows, /readyz says so.
    const down = await vi.waitFor(async () => {
      const journal = (await gw.call('GET', '/readyz')).body.journal;
      expect(journal.mode, 'waiting for /readyz journal.mode journaling').toBe('journaling');
      expect(journal.backlogPoints, 'waiting for a backlog in /readyz').toBeGreaterThan(0);
      return journal;
    }, 20_000);
    expect(down.mode).toBe('journaling');
    await expect.poll(acked, { message: 'waiting for 8,000 more PUBACKs while InfluxDB is down', timeout: 60_000 }).toBeGreaterThanOrEqual(ackedAtStop + 8000);
    const metricsDown = (await gw.call('GET', '/metrics')).body as string;
    const backlogMetric = metric(metricsDown, 'mag_journal_backlog_points');
    expect(backlogMetric).toBeGreaterThan(0);
    expect(metric(metricsDown, 'mag_sink_up')).toBe(0);
    const readyDown = (await gw.call('GET', '/readyz')).body.journal;
    expect(readyDown.oldestAgeSeconds).toBeGreaterThan(0);
    expect(metric(metricsDown, 'mag_journal_oldest_age_seconds')).toBeGreaterThan(0);

    // The backlog as InfluxDB comes back (read before the restart: the forwarder's next retry drains it).
    const backlogAtRestart = gw.gateway.journal.backlogPoints;
    const deliveredAtRestart = gw.gateway.forwarder.totals.deliveredPoints;
    // The backlog is delivered first (FIFO): done once that many points are confirmed after the restart.
    const backlogDelivered = vi.waitFor(
      () => {
        assert(gw.gateway.forwarder.totals.deliveredPoints - deliveredAtRestart >= backlogAtRestart, 'waiting for the backlog of the outage delivered');
        return Date.now();
      },
      { timeout: 60_000, interval: 1 },
    );
    const restartCalledAt = Date.now();
    await influxd.restart();
    const restartedAt = Date.now();
    const outageMs = restartedAt - stoppedAt;

    await streams; // every message PUBACKed (a refused one would reject)
    const publishMs = Date.now() - started;
    expect(acked()).toBe(DEVICES * PER_DEVICE);
    const backlogDrainMs = (await backlogDelivered) - restartCalledAt;
    await gw.drained(60_000);
    const drainMs = Date.now() - restartedAt;
    const drainedPoints = gw.gateway.forwarder.totals.deliveredPoints - deliveredAtRestart;

    expect(await countReadings('^flt-')).toBe(DEVICES * PER_DEVICE);
    const distinct = await distinctSeqByDevice('^flt-');
    expect(Object.keys(distinct)).toHaveLength(DEVICES);
    for (const n of Object.values(distinct)) expect(n).toBe(PER_DEVICE);
    const ready = (await gw.call('GET', '/readyz')).body.journal;
    expect(ready).toMatchObject({ mode: 'forwarding', backlogPoints: 0, oldestAgeSeconds: 0 });
    expect(ready.drainRatePointsPerSecond).toBeGreaterThan(0);
    const metricsAfter = (await gw.call('GET', '/metrics')).body as string;
    expect(metric(metricsAfter, 'mag_sink_drain_rate_points_per_second')).toBeGreaterThan(0);
    expect(metric(metricsAfter, 'mag_sink_up')).toBe(1);

    console.log(
      `[reliability] influxd SIGKILL outage: ${DEVICES * PER_DEVICE} messages (${DEVICES} devices × ${PER_DEVICE}, QoS 1, window ${WINDOW}, paced at 1,500/s) in ${(publishMs / 1000).toFixed(1)} s; ` +
        `influxd down ${(outageMs / 1000).toFixed(1)} s (stopped after ${ackedAtStop} PUBACKs, ${acked() - ackedAtStop} more acknowledged after); ` +
        `backlog ${backlogAtRestart} points at restart (metric ${backlogMetric} while down), delivered ${(backlogDrainMs / 1000).toFixed(2)} s after influxd was started again ` +
        `(its start-up and the forwarder's retry wait of ≤ 1 s included; live messages acknowledged meanwhile); ${drainedPoints} points delivered in ${(drainMs / 1000).toFixed(1)} s after restart ` +
        `= ${Math.round(drainedPoints / (drainMs / 1000))} points/s (includes live traffic); /readyz drain rate ${ready.drainRatePointsPerSecond} points/s; InfluxDB count ${DEVICES * PER_DEVICE}, 0 duplicates`,
    );
  });

  it('poison line in a batch: good lines stored, the bad one dead-lettered, the forwarder not blocked', async () => {
    // Field types are per measurement per shard in InfluxDB 1.x: a float `status` written
    // directly into an old week's shard makes the gateway's string `status` there a conflict.
    const poisonTs = NOW0 - 60 * DAY;
    const seed = await fetch(`${influxd.url}/write?db=mag&precision=ms`, { method: 'POST', body: `reading,device=seed-poison status=1.5 ${poisonTs}` });
    expect(seed.status).toBe(204);

    const id = 'poison-1';
    const d = new StreamDevice(id, await gw.device({ id, type: 'barometer' }), (seq) => NOW0 - 5 * DAY + seq * SEC);
    devices.push(d);
    const c = await d.connect(gw.mqttUrl);
    const batch = range1(20).map((seq) =>
      seq === 7 ? { seq, ts: poisonTs + SEC, quantity: 'pressure', value: 1001, unit: 'hPa' } : JSON.parse(d.payload(seq)),
    );
    const deadBefore = gw.gateway.forwarder.totals.deadLetters;
    await c.publishAsync(`instruments/${id}/readings`, JSON.stringify({ readings: batch }), { qos: 1 });
    await gw.drained();

    const stored = rows(await influxd.query(`SELECT seq FROM reading WHERE device = '${id}'`)).map((r) => r.seq as number);
    expect(stored.sort((a, b) => a - b)).toEqual(range1(20).filter((s) => s !== 7));
    const dead = await gw.call('GET', '/api/v1/dead-letters');
    expect(dead.status).toBe(200);
    const mine = dead.body.items.filter((x: { device: string }) => x.device === id);
    expect(mine).toHaveLength(1);
    expect(mine[0].point.fields.seq).toBe(7);
    expect(mine[0].reason).toMatch(/field type conflict/);
    expect(gw.gateway.forwarder.totals.deadLetters).toBe(deadBefore + 1);
    expect(metric((await gw.call('GET', '/metrics')).body, 'mag_sink_dead_letters')).toBe(deadBefore + 1);

    // The enterprise's operator, who cannot read the dead letters (admin only), is told that an
    // acknowledged reading of the device is not in InfluxDB: one points-refused alert with the evidence.
    const operator = (await gw.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'acme', name: 'poison operator' })).body.token;
    const refusedAlerts = async () => (await gw.call('GET', `/api/v1/alerts?kind=points-refused&device=${id}`, undefined, operator)).body.items;
    const [alert] = await refusedAlerts();
    expect(alert).toMatchObject({ tenant: 'acme', device: id, kind: 'points-refused', severity: 'warning', state: 'open', count: 1 });
    expect(alert.summary).toMatch(/^Points of poison-1 refused for good by the time-series database: .*field type conflict.*; kept as dead letters$/);
    expect(alert.details).toMatchObject({ sink: 'influxdb-v1', measurement: 'reading', seq: 7, ts: new Date(poisonTs + SEC).toISOString() });
    expect(alert.details.line).toMatch(/^reading,.*seq=7i/);

    // The same batch sent again (its PUBACK lost): kept once, counted once. Another refused
    // reading: the same alert, counted again (repeats are written within about a second).
    await c.publishAsync(`instruments/${id}/readings`, JSON.stringify({ readings: batch }), { qos: 1 });
    await gw.drained();
    await c.publishAsync(`instruments/${id}/readings`, JSON.stringify({ seq: 21, ts: poisonTs + 2 * SEC, quantity: 'pressure', value: 1002, unit: 'hPa' }), {
      qos: 1,
    });
    await gw.drained();
    await vi.waitFor(async () => expect(await refusedAlerts()).toEqual([expect.objectContaining({ id: alert.id, count: 2 })]), { timeout: 5000 });
    expect((await gw.call('GET', '/api/v1/dead-letters')).body.items.filter((x: { device: string }) => x.device === id)).toHaveLength(2);

    // Replayed while the conflict is still there: refused again, both kept, the alert open.
    const replay = () => gw.call('POST', '/api/v1/dead-letters/replay', { device: id });
    const early = await replay();
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ replayed: 0, cleared: [], more: false });
    expect(early.body.stillRefused).toHaveLength(2);
    expect(early.body.stillRefused[0].reason).toMatch(/field type conflict/);
    // A third refused reading, one the site says is wrong (sent by the installer): discarded by id,
    // with the reason, and named in the audit record; the alert stays open for the two still kept.
    await c.publishAsync(`instruments/${id}/readings`, JSON.stringify({ seq: 22, ts: poisonTs + 3 * SEC, quantity: 'pressure', value: 1003, unit: 'hPa' }), {
      qos: 1,
    });
    await gw.drained();
    const kept = (await gw.call('GET', `/api/v1/dead-letters?device=${id}`)).body.items;
    expect(kept.map((x: { point: { fields: { seq: number } } }) => x.point.fields.seq)).toEqual([22, 21, 7]);
    const both = await gw.call('POST', '/api/v1/dead-letters/discard', { ids: [kept[0].id], device: id, reason: 'x' });
    expect(both.status).toBe(400);
    const reason = 'test reading sent by the installer';
    const discarded = await gw.call('POST', '/api/v1/dead-letters/discard', { ids: [kept[0].id], reason });
    expect(discarded.status).toBe(200);
    expect(discarded.body).toEqual({
      discarded: 1,
      points: [
        {
          id: kept[0].id,
          device: id,
          reason: expect.stringMatching(/field type conflict/),
          measurement: 'reading',
          seq: 22,
          ts: new Date(poisonTs + 3 * SEC).toISOString(),
        },
      ],
      notFound: [],
      cleared: [],
      more: false,
    });
    const [discardAudit] = (await gw.call('GET', '/api/v1/audit')).body.items.filter((e: { action: string }) => e.action === 'dead-letters.discard');
    expect(discardAudit.details).toMatchObject({ reason, discarded: 1, points: [{ seq: 22, device: id }], cleared: [] });
    expect((await refusedAlerts())[0].state).toBe('open');
    // The engineer removes the cause: the old week's shard that holds the float `status`.
    const shards = (await influxd.query('SHOW SHARDS')).results[0].series!.find((s) => s.name === 'mag')!;
    const col = (name: string) => shards.columns.indexOf(name);
    const poisoned = shards.values.find((v) => Date.parse(v[col('start_time')] as string) <= poisonTs && poisonTs < Date.parse(v[col('end_time')] as string))!;
    await influxd.query(`DROP SHARD ${poisoned[col('id')]}`);
    const done = await replay();
    expect(done.body).toEqual({ replayed: 2, stillRefused: [], cleared: [id], more: false });
    const replayed = rows(await influxd.query(`SELECT seq, status FROM reading WHERE device = '${id}' AND time < ${poisonTs + 10 * SEC}ms`));
    expect(replayed.map((r) => r.seq)).toEqual([7, 21]);
    expect((await gw.call('GET', '/api/v1/dead-letters')).body.items.filter((x: { device: string }) => x.device === id)).toHaveLength(0);
    expect((await gw.call('GET', `/api/v1/alerts/${alert.id}`, undefined, operator)).body).toMatchObject({
      state: 'resolved',
      resolution: { reason: 'cleared' },
    });
    const audited = (await gw.call('GET', '/api/v1/audit')).body.items.filter((e: { action: string }) => e.action === 'dead-letters.replay');
    expect(audited.map((e: { details: { replayed: number } }) => e.details.replayed)).toEqual([2, 0]);

    // Later messages still arrive.
    await d.publishAll(range1(31).slice(21), 5);
    await gw.drained();
    expect(await countReadings(`^${id}$`)).toBe(31); // 1–31: seq 7 and 21 replayed
  });

  it('dead-letter store at its cap: a newly refused point stays in the journal, the sink retried and /readyz says why, until room is made', {
    timeout: 60_000,
  }, async () => {
    const poisonTs = NOW0 - 70 * DAY;
    expect((await fetch(`${influxd.url}/write?db=mag&precision=ms`, { method: 'POST', body: `reading,device=seed-cap status=1.5 ${poisonTs}` })).status).toBe(
      204,
    );
    const capped = await startTestGateway({ MAG_INFLUX_URL: influxd.url, MAG_SINK_RETRY_MAX_MS: '300', MAG_DEAD_LETTERS_MAX: '1' });
    try {
      const id = 'dead-cap-1'; // its own device: the journal cap's test counts cap-1's readings
      const d = new StreamDevice(id, await capped.device({ id, type: 'barometer' }), (seq) => NOW0 - 6 * DAY + seq * SEC);
      devices.push(d);
      const c = await d.connect(capped.mqttUrl);
      const refused = (seq: number) => JSON.stringify({ seq, ts: poisonTs + seq * SEC, quantity: 'pressure', value: 1000 + seq, unit: 'hPa' });
      await c.publishAsync(`instruments/${id}/readings`, refused(1), { qos: 1 });
      await capped.drained();
      const kept = async () =>
        (await capped.call('GET', `/api/v1/dead-letters?device=${id}`)).body.items.map((x: { point: { fields: { seq: number } } }) => x.point.fields.seq);
      expect(await kept()).toEqual([1]); // the store is at its cap now

      // Acknowledged, refused, and not kept: it stays in the journal, the forwarder retries.
      await c.publishAsync(`instruments/${id}/readings`, refused(2), { qos: 1 });
      await d.publishAll([3, 4], 2); // later readings are acknowledged and journaled as ever
      await vi.waitFor(
        async () => {
          const ready = (await capped.call('GET', '/readyz')).body;
          expect(ready.sink).toMatchObject({
            up: false,
            lastError: expect.stringMatching(/dead-letter store is full \(kept: 1, MAG_DEAD_LETTERS_MAX: 1\)/),
          });
          expect(ready.journal.mode).toBe('journaling');
          expect(ready.journal.backlogPoints).toBeGreaterThan(0);
        },
        { timeout: 10_000 },
      );
      await new Promise((r) => setTimeout(r, 1000)); // a few retries
      expect(await kept()).toEqual([1]);
      expect(capped.gateway.journal.backlogPoints).toBeGreaterThan(0);

      // Room made: the first discarded, the second is kept at the next retry and the journal drains.
      const first = (await capped.call('GET', `/api/v1/dead-letters?device=${id}`)).body.items[0];
      expect((await capped.call('POST', '/api/v1/dead-letters/discard', { ids: [first.id], reason: 'test reading' })).status).toBe(200);
      await capped.drained();
      expect(await kept()).toEqual([2]);
      expect((await capped.call('GET', '/readyz')).body.sink).toEqual({ kind: 'influxdb-v1', up: true, lastError: null });
      const stored = rows(await influxd.query(`SELECT seq FROM reading WHERE device = '${id}'`)).map((r) => r.seq as number);
      expect(stored.sort((a, b) => a - b)).toEqual([3, 4]);
    } finally {
      await capped.destroy();
    }
  });

  it('a subscriber that never reads its feedback does not stall ingest for the others', { timeout: 90_000 }, async () => {
    const stuckId = 'stuck-1';
    const stuck = new StreamDevice(stuckId, await gw.device({ id: stuckId, type: 'barometer' }), (seq) => seq);
    devices.push(stuck);
    const sc = await stuck.connect(gw.mqttUrl);
    await sc.subscribeAsync(`instruments/${stuckId}/feedback`, { qos: 1 });
    (sc.stream as Socket).pause(); // never reads again: its socket fills up
    // Each invalid batch (under the 64 KiB payload limit) produces 500 QoS 1 feedback messages for the stuck device.
    const invalid = JSON.stringify({ readings: range1(500).map((seq) => ({ seq, ts: NOW0, quantity: 'pressure', value: 'NaN', unit: 'hPa' })) });
    // Keeps sending until the gateway's socket to the stuck device is backed up (its writes wait
    // for 'drain'): how much the kernel buffers first depends on the machine (tcp_rmem/tcp_wmem).
    const conn = () => (gw.gateway.broker.aedes as unknown as { clients: Record<string, { conn: Socket }> }).clients[stuckId]?.conn;
    // A few batches at a time, once the gateway has handled the previous ones, so that what the
    // other devices meet below is a stuck subscriber, not a queue of unprocessed invalid batches.
    const handled = async () => Number(/^mag_messages_total\{topic="readings"\} ([0-9.e+-]+)$/m.exec((await gw.call('GET', '/metrics')).body)?.[1] ?? 0);
    const handledBefore = await handled();
    /** Feedback to the stuck device dropped: skipped for its backed-up socket, or before aedes while too many waited. */
    const dropped = () => gw.gateway.broker.totals.slowSubscriberDropped + gw.gateway.broker.outbox.dropped;
    let invalidBatches = 0;
    await vi.waitFor(async () => {
      if (dropped() > 0) return;
      if ((await handled()) - handledBefore >= invalidBatches) {
        for (let i = 0; i < 3; i++, invalidBatches++) sc.publish(`instruments/${stuckId}/readings`, invalid, { qos: 0 });
      }
      throw new Error('waiting for the socket to the stuck device to back up and the gateway to drop messages to it');
    }, 60_000);
    await expect
      .poll(async () => (await handled()) - handledBefore, { message: 'waiting for the gateway to handle every invalid batch', timeout: 30_000 })
      .toBeGreaterThanOrEqual(invalidBatches);
    const dropsBefore = dropped();

    const others = await Promise.all(
      range1(3).map(async (i) => {
        const id = `fluent-${i}`;
        const d = new StreamDevice(id, await gw.device({ id, type: 'barometer' }), (seq) => NOW0 - 6 * DAY + seq * SEC);
        await d.connect(gw.mqttUrl);
        return d;
      }),
    );
    devices.push(...others);
    const t0 = Date.now();
    await Promise.race([
      Promise.all(others.map((d) => d.publishAll(range1(300), 10))),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`ingest stalled behind a stuck subscriber: ${others.map((d) => d.acked.size).join('/')} of 300 acknowledged`)),
          20_000,
        ),
      ),
    ]);
    const ms = Date.now() - t0;
    await gw.drained();
    expect(await countReadings('^fluent-')).toBe(900);
    expect(dropsBefore).toBeGreaterThan(0);
    console.log(
      `[reliability] stuck subscriber: 3 × 300 QoS 1 messages from other devices acknowledged in ${ms} ms while ${stuckId} did not read (${invalidBatches} invalid batches of 500 readings sent to fill its socket, ${conn()?.writableLength ?? 0} bytes stuck in it, ${dropsBefore} feedback messages to it dropped)`,
    );
  });

  it('journal cap reached: acknowledged messages kept, further QoS 1 refused (no PUBACK) and visible, reclaimed after the drain', {
    timeout: 90_000,
  }, async () => {
    const CAP = 40_000;
    const small = await startTestGateway({ MAG_INFLUX_URL: influxd.url, MAG_SINK_RETRY_MAX_MS: '500', MAG_JOURNAL_MAX_BYTES: String(CAP) });
    try {
      const id = 'cap-1';
      const secret = await small.device({ id, type: 'barometer' });
      const d = new StreamDevice(id, secret, (seq) => NOW0 - 8 * DAY + seq * SEC);
      devices.push(d);
      await d.connect(small.mqttUrl);
      await d.publishAll(range1(10), 1);
      await small.drained();
      await influxd.stop();
      try {
        // Sink down: publish one at a time until the gateway refuses (connection closed, no PUBACK).
        let seq = 10;
        let refusedAt: number | undefined;
        let alertsNearCap: string[] | undefined;
        while (seq < 2000 && refusedAt === undefined) {
          seq++;
          try {
            await d.publishOne(seq);
          } catch {
            refusedAt = seq;
          }
          if (refusedAt === undefined && alertsNearCap === undefined && small.gateway.journal.backlogBytes > CAP * 0.92) {
            // Near the cap, still acknowledging: the operator is already told.
            alertsNearCap = (await small.call('GET', '/api/v1/alerts')).body.items.map((a: { kind: string }) => a.kind);
          }
        }
        expect(alertsNearCap).toContain('journal-capacity');
        expect(refusedAt).toBeDefined();
        expect(d.acked.has(refusedAt!)).toBe(false);
        // Before refusing, the gateway held back acknowledgements (back-pressure above 90 % of the cap).
        expect(small.gateway.journal.totals.slowedAcks).toBeGreaterThan(0);
        const ackedBeyond = d.acked.size;
        // Still full: a reconnecting device is refused again.
        await d.connect(small.mqttUrl);
        await expect(d.publishOne(refusedAt! + 1)).rejects.toThrow(/closed/);
        expect(d.acked.size).toBe(ackedBeyond);

        // A QoS 0 message meanwhile is lost (at most once: no PUBACK to hold back), counted, and its connection stays open.
        const q0 = await small.connect(id, secret);
        const lostSeq = refusedAt! + 2;
        await q0.publishAsync(
          `instruments/${id}/readings`,
          JSON.stringify({ seq: lostSeq, ts: NOW0 - 8 * DAY + lostSeq * SEC, quantity: 'pressure', value: 1013.2, unit: 'hPa' }),
          { qos: 0 },
        );
        await expect
          .poll(async () => metric((await small.call('GET', '/metrics')).body as string, 'mag_qos0_not_journaled'), {
            message: 'waiting for the lost QoS 0 message counted',
            timeout: 5000,
          })
          .toBe(1);
        expect(q0.connected).toBe(true);
        await q0.endAsync();

        const metrics = (await small.call('GET', '/metrics')).body as string;
        expect(metric(metrics, 'mag_journal_refused_total')).toBeGreaterThanOrEqual(2);
        expect(metric(metrics, 'mag_journal_backlog_bytes')).toBeGreaterThan(CAP * 0.9);
        const alerts = await small.call('GET', '/api/v1/alerts');
        expect(alerts.body.items.map((a: { kind: string }) => a.kind)).toContain('journal-capacity');
        const ready = await small.call('GET', '/readyz');
        expect(ready.body.journal.backlogPoints).toBe(ackedBeyond - 10);
        console.log(
          `[reliability] journal cap ${CAP} bytes: ${ackedBeyond - 10} messages acknowledged while the sink was down (${small.gateway.journal.totals.slowedAcks} of them held back near the cap), ` +
            `seq ${refusedAt} refused (no PUBACK), refused_total ${metric(metrics, 'mag_journal_refused_total')}`,
        );
      } finally {
        await influxd.restart();
      }
      await small.drained(30_000);
      const acked = [...d.acked].sort((a, b) => a - b);
      const stored = rows(await influxd.query(`SELECT seq FROM reading WHERE device = '${id}'`))
        .map((r) => r.seq as number)
        .sort((a, b) => a - b);
      expect(stored).toEqual(acked);
      expect(small.gateway.journal.backlogBytes).toBe(0);
      // Room again: new messages are acknowledged.
      await d.connect(small.mqttUrl);
      await d.publishAll([3000, 3001], 1);
      await small.drained();
      expect(await countReadings(`^${id}$`)).toBe(acked.length + 2);
    } finally {
      await small.destroy();
    }
  });
  it('delivered journal space is returned to the file system: the journal file does not keep the size of a past backlog', { timeout: 90_000 }, async () => {
    const rc = await startTestGateway({ MAG_INFLUX_URL: influxd.url, MAG_SINK_RETRY_MAX_MS: '500' });
    try {
      const onDisk = () => ['journal.db', 'journal.db-wal'].reduce((n, f) => n + (existsSync(join(rc.dataDir, f)) ? statSync(join(rc.dataDir, f)).size : 0), 0);
      const id = 'reclaim-1';
      const secret = await rc.device({ id, type: 'barometer' });
      const c = await rc.connect(id, secret);
      const base = NOW0 - 20 * DAY;
      const BATCHES = 200;
      const PER = 100;
      const emptySize = onDisk();
      await influxd.stop();
      try {
        for (let b = 0; b < BATCHES; b += 20) {
          await Promise.all(
            range1(20).map((k) => {
              const first = (b + k - 1) * PER + 1;
              const readings = Array.from({ length: PER }, (_, i) => ({
                seq: first + i,
                ts: base + (first + i) * SEC,
                quantity: 'pressure',
                value: 1000 + i / 10,
                unit: 'hPa',
              }));
              return c.publishAsync(`instruments/${id}/readings`, JSON.stringify({ readings }), { qos: 1 });
            }),
          );
        }
      } finally {
        await influxd.restart();
      }
      const peak = onDisk();
      expect(rc.gateway.journal.backlogPoints).toBeGreaterThan(0);
      await rc.drained(60_000);
      expect(await countReadings(`^${id}$`)).toBe(BATCHES * PER);
      const after = await vi.waitFor(() => {
        const size = onDisk();
        expect(size, 'waiting for the journal file to shrink below a quarter of its peak').toBeLessThan(peak / 4);
        return size;
      }, 30_000);
      expect(rc.gateway.journal.totals.reclaims).toBeGreaterThan(0);
      console.log(
        `[reliability] journal space: ${BATCHES * PER} points journaled while influxd was down; journal.db + WAL ${emptySize} bytes empty, ${peak} bytes at the peak, ${after} bytes after the drain`,
      );
    } finally {
      await rc.destroy();
    }
  });

  it('clock trouble: a reading far in the future is rejected and reported, a backfilled old reading is stored with its own time', async () => {
    const id = 'clock-1';
    const d = new StreamDevice(id, await gw.device({ id, type: 'barometer' }), (seq) => seq);
    devices.push(d);
    const c = await d.connect(gw.mqttUrl);
    await c.subscribeAsync(`instruments/${id}/feedback`, { qos: 1 });
    const feedback = new Promise<{ seq: number; errors: { path: string; message: string }[] }>((resolve) =>
      c.on('message', (_t, b) => resolve(JSON.parse(b.toString()))),
    );
    const now = Date.now();
    const old = Math.floor((now - 390 * DAY) / SEC) * SEC; // more than a year of backlog, inside MAG_BACKFILL_DAYS (400 before its registration)
    const future = now + 3_600_000; // the device clock is an hour ahead
    const readings = [
      { seq: 1, ts: new Date(old).toISOString(), quantity: 'pressure', value: 1001, unit: 'hPa' },
      { seq: 2, ts: future, quantity: 'pressure', value: 1002, unit: 'hPa' },
      { seq: 3, ts: old + SEC, quantity: 'pressure', value: 1003, unit: 'hPa' },
    ];
    await c.publishAsync(`instruments/${id}/readings`, JSON.stringify({ readings }), { qos: 1 });
    const fb = await feedback;
    expect(fb.seq).toBe(2);
    expect(fb.errors[0]).toMatchObject({ path: expect.stringMatching(/ts/), message: expect.stringMatching(/future/) });
    await gw.drained();
    const stored = rows(await influxd.query(`SELECT seq, value FROM reading WHERE device = '${id}'`));
    expect(stored.map((r) => [r.time, r.seq])).toEqual([
      [old, 1],
      [old + SEC, 3],
    ]);
    const rejections = await gw.call('GET', `/api/v1/devices/${id}/rejections`);
    expect(rejections.body.items.map((r: { seq?: number }) => r.seq)).toEqual([2]);
  });
});

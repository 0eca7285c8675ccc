// Reliability of the gateway PROCESS (`node bin/mag.mjs start` as a child): SIGKILL in the
// middle of a stream, graceful SIGTERM, persistent MQTT sessions across a restart. Real
// InfluxDB 1.x, real MQTT clients over TCP. Figures go to stdout.
// If influxd is not installed, beforeAll fails with the harness's install instructions.
import mqtt from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInfluxd, type InfluxdHandle, type InfluxQueryResult } from '../support/influxd.ts';
import { createGatewayProcess, StreamDevice, type GatewayProcess } from '../support/gateway-process.ts';

const SEC = 1000;
const DAY = 86_400_000;
const NOW0 = Math.floor(Date.now() / SEC) * SEC;
const range1 = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function rows(res: InfluxQueryResult): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  return out;
}

describe('reliability of the gateway process (child process, real influxd)', () => {
  let influxd: InfluxdHandle;
  const processes: GatewayProcess[] = [];
  const devices: StreamDevice[] = [];

  const seqsOf = async (device: string) =>
    rows(await influxd.query(`SELECT seq FROM reading WHERE device = '${device}'`))
      .map((r) => r.seq as number)
      .sort((a, b) => a - b);
  const countReadings = async (deviceRegex: string) =>
    (rows(await influxd.query(`SELECT count(value) FROM reading WHERE device =~ /${deviceRegex}/`))[0]?.count as number | undefined) ?? 0;
  const gatewayProcess = async (env: Record<string, string> = {}) => {
    const gp = await createGatewayProcess({ MAG_INFLUX_URL: influxd.url, MAG_SINK_RETRY_MAX_MS: '1000', ...env });
    processes.push(gp);
    await gp.start();
    return gp;
  };

  beforeAll(async () => {
    influxd = await startInfluxd();
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await Promise.all(processes.map((p) => p.destroy()));
    await influxd?.destroy();
  });

  it('SIGKILL in the middle of a stream: after restart every acknowledged message is stored exactly once', { timeout: 90_000 }, async () => {
    const gp = await gatewayProcess();
    const DEVICES = 5;
    const PER_DEVICE = 1000;
    const devs = await Promise.all(
      range1(DEVICES).map(async (i) => {
        const id = `kill-${i}`;
        const d = new StreamDevice(id, await gp.device({ id, type: 'barometer' }), (seq) => NOW0 - 10 * DAY + seq * SEC);
        await d.connect(gp.mqttUrl);
        return d;
      }),
    );
    devices.push(...devs);
    const acked = () => devs.reduce((n, d) => n + d.acked.size, 0);
    const streams = Promise.allSettled(devs.map((d) => d.publishAll(range1(PER_DEVICE), 10, { perSecond: 300 })));
    // InfluxDB goes away first, so the journal holds a backlog when the process is killed.
    await expect.poll(acked, { message: 'waiting for 800 PUBACKs', timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(800);
    await influxd.stop();
    await expect.poll(acked, { message: 'waiting for 1,500 PUBACKs before the kill', timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(1500);
    const killed = await gp.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const results = await streams;
    const ackedAtKill = acked();
    const inFlight = devs.reduce((n, d) => n + [...d.sent].filter((s) => !d.acked.has(s)).length, 0);
    expect(results.some((r) => r.status === 'rejected')).toBe(true); // the kill cut the streams

    const t0 = Date.now();
    await gp.start();
    const startMs = Date.now() - t0;
    const recovered = (await gp.call('GET', '/readyz')).body.journal.backlogPoints as number;
    expect(recovered).toBeGreaterThan(0); // the journal survived the kill
    await influxd.restart();
    // Devices reconnect and republish what got no PUBACK (and the rest of their stream).
    await Promise.all(
      devs.map(async (d) => {
        await d.connect(gp.mqttUrl);
        await d.publishAll(d.unacked(PER_DEVICE), 10, { perSecond: 600 }); // under MAG_DEVICE_MSG_RATE
      }),
    );
    await gp.drained();

    for (const d of devs) {
      const stored = await seqsOf(d.id);
      expect(stored).toEqual(range1(PER_DEVICE)); // every seq, each once (acked ∪ republished = all)
      for (const s of d.acked) expect(stored).toContain(s);
    }
    expect(await countReadings('^kill-')).toBe(DEVICES * PER_DEVICE);
    console.log(
      `[reliability] SIGKILL: ${ackedAtKill} of ${DEVICES * PER_DEVICE} acknowledged at the kill, ${inFlight} in flight without PUBACK; ` +
        `restart to /healthz in ${startMs} ms with ${recovered} journaled points recovered (InfluxDB was down at the kill); after republishing, InfluxDB holds ${DEVICES * PER_DEVICE}, 0 duplicates`,
    );
  });

  it('graceful SIGTERM: exits 0 within the timeout, journaled data reaches InfluxDB (drained, or after restart when InfluxDB is down)', {
    timeout: 90_000,
  }, async () => {
    const gp = await gatewayProcess();
    const id = 'term-1';
    const d = new StreamDevice(id, await gp.device({ id, type: 'barometer' }), (seq) => NOW0 - 12 * DAY + seq * SEC);
    devices.push(d);
    await d.connect(gp.mqttUrl);

    // 1. Sink up: SIGTERM in the middle of a stream; what was acknowledged is flushed before exit.
    // Paced under MAG_DEVICE_MSG_RATE (1000/s, bursts of 2000): beyond it the gateway answers a
    // message on feedback without storing it, by design, and this test is about shutdown.
    const stream = d.publishAll(range1(3000), 20, { perSecond: 600 }).catch(() => undefined);
    await expect.poll(() => d.acked.size, { message: 'waiting for 500 PUBACKs', timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(500);
    const up = await gp.kill('SIGTERM', 20_000);
    await stream;
    expect(up.code).toBe(0);
    expect(up.ms).toBeLessThan(15_000);
    const storedUp = await seqsOf(id);
    for (const s of d.acked) expect(storedUp).toContain(s); // flushed during shutdown, no restart needed
    for (const s of storedUp) expect(d.sent.has(s)).toBe(true);
    const ackedUp = d.acked.size;

    // 2. Sink down: SIGTERM exits promptly; the journal keeps the rest for the next start.
    await gp.start();
    await d.connect(gp.mqttUrl);
    await influxd.stop();
    try {
      await d.publishAll(d.unacked(3500), 20, { perSecond: 600 });
      const down = await gp.kill('SIGTERM', 20_000);
      expect(down.code).toBe(0);
      expect(down.ms).toBeLessThan(15_000);
      console.log(
        `[reliability] SIGTERM: sink up, exit 0 in ${up.ms} ms with ${ackedUp} acknowledged, all in InfluxDB at exit; sink down, exit 0 in ${down.ms} ms`,
      );
    } finally {
      await influxd.restart();
    }
    await gp.start();
    await gp.drained();
    expect(await seqsOf(id)).toEqual(range1(3500));
  });

  it('persistent session (clean: false): QoS 1 messages in flight across a gateway restart are resent by the device, none lost', {
    timeout: 90_000,
  }, async () => {
    const gp = await gatewayProcess();
    const id = 'sess-1';
    const secret = await gp.device({ id, type: 'barometer' });
    const client = await mqtt.connectAsync(gp.mqttUrl, {
      clientId: id,
      username: id,
      password: secret,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 300,
      connectTimeout: 5000,
    });
    client.on('error', () => undefined);
    const N = 600;
    const acked = new Set<number>();
    const errors: string[] = [];
    let reconnects = 0;
    client.on('reconnect', () => reconnects++);
    let restarted = false;
    try {
      for (let seq = 1; seq <= N; seq++) {
        const payload = JSON.stringify({ seq, ts: NOW0 - 14 * DAY + seq * SEC, quantity: 'pressure', value: 1000, unit: 'hPa' });
        // mqtt.js keeps unacknowledged QoS 1 messages in its outgoing store and resends them after reconnecting.
        client.publish(`instruments/${id}/readings`, payload, { qos: 1 }, (err) => (err ? errors.push(err.message) : acked.add(seq)));
        if (seq === 200) {
          await expect.poll(() => acked.size, { message: 'waiting for some PUBACKs', timeout: 10_000, interval: 5 }).toBeGreaterThanOrEqual(50);
          const term = await gp.kill('SIGTERM'); // messages 51..200 (or some of them) still in flight
          expect(term.code).toBe(0);
          restarted = true;
          await gp.start();
        }
        if (seq % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      // stops early on a publish error, which the next line reports
      await vi.waitFor(() => {
        if (errors.length === 0) expect(acked.size, `waiting for all ${N} PUBACKs`).toBe(N);
      }, 30_000);
      expect(errors).toEqual([]);
      expect(restarted).toBe(true);
      expect(reconnects).toBeGreaterThan(0);
      await gp.drained();
      expect(await seqsOf(id)).toEqual(range1(N));
      console.log(`[reliability] persistent session: ${N} QoS 1 messages across a gateway restart (${reconnects} reconnect attempts), all ${N} stored once`);
    } finally {
      await client.endAsync(true).catch(() => undefined);
    }
  });
  it('journal full in the gateway process: the refusal is in the log (what and which setting) and in /metrics, nothing acknowledged lost', {
    timeout: 90_000,
  }, async () => {
    const CAP = 30_000;
    const gp = await gatewayProcess({ MAG_JOURNAL_MAX_BYTES: String(CAP) });
    const id = 'full-1';
    const d = new StreamDevice(id, await gp.device({ id, type: 'barometer' }), (seq) => NOW0 - 16 * DAY + seq * SEC);
    devices.push(d);
    await d.connect(gp.mqttUrl);
    await influxd.stop();
    let refusedAt: number | undefined;
    try {
      for (let seq = 1; seq < 2000 && refusedAt === undefined; seq++) {
        try {
          await d.publishOne(seq);
        } catch {
          refusedAt = seq;
        }
      }
      expect(refusedAt).toBeDefined();
      const log = await vi.waitFor(() => {
        const out = gp.output();
        assert(/journal full/.test(out), 'waiting for the refusal ("journal full") in the log');
        return out;
      }, 10_000);
      const line = log.split('\n').find((l) => l.includes('journal full'))!;
      expect(JSON.parse(line)).toMatchObject({
        device: id,
        msg: expect.stringMatching(/refusing it \(no PUBACK\)/),
        err: expect.stringMatching(/MAG_JOURNAL_MAX_BYTES/),
      });
      expect(log).toMatch(/journal above 90 % of MAG_JOURNAL_MAX_BYTES/);
      const metrics = (await gp.call('GET', '/metrics')).body as string;
      expect(Number(/^mag_journal_refused_total ([0-9.e+-]+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      expect((await gp.call('GET', '/readyz')).body.journal.backlogPoints).toBe(d.acked.size);
    } finally {
      await influxd.restart();
    }
    await gp.drained();
    expect(await seqsOf(id)).toEqual([...d.acked].sort((a, b) => a - b));
    console.log(
      `[reliability] journal full (child process, cap ${CAP} bytes): ${d.acked.size} acknowledged and stored, seq ${refusedAt} refused with a log line naming MAG_JOURNAL_MAX_BYTES`,
    );
  });
});

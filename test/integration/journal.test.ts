// docs/contract.md §2 at-least-once: a QoS 1 PUBACK means the message is in the journal; whatever
// happens to the sink or the gateway afterwards, it reaches InfluxDB, once.
// If influxd is not installed, beforeAll fails with the harness's install instructions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEVICE_ALERT_KINDS } from '../../src/alerts/alert-book.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freePort } from '../support/ports.ts';

const MIN = 60_000;
const T0 = Math.floor((Date.now() - 120 * MIN) / 1000) * 1000;
const FAST_RETRY = { MAG_SINK_RETRY_MAX_MS: '200' };

/** Publishes `n` readings (seq from `first`), half one by one and half in batches of 10; resolves when every PUBACK is in. */
async function publishReadings(c: MqttClient, device: string, first: number, n: number): Promise<number[]> {
  const seqs = Array.from({ length: n }, (_, i) => first + i);
  const reading = (seq: number) => ({ seq, ts: T0 + seq * 1000, quantity: 'pressure', value: 1000 + (seq % 100) / 10, unit: 'hPa' });
  const half = Math.floor(n / 2);
  const acks: Promise<unknown>[] = [];
  for (const seq of seqs.slice(0, half)) acks.push(c.publishAsync(`instruments/${device}/readings`, JSON.stringify(reading(seq)), { qos: 1 }));
  const rest = seqs.slice(half);
  for (let i = 0; i < rest.length; i += 10) {
    acks.push(c.publishAsync(`instruments/${device}/readings`, JSON.stringify({ readings: rest.slice(i, i + 10).map(reading) }), { qos: 1 }));
  }
  await Promise.all(acks);
  return seqs;
}

describe('the ingest journal', () => {
  let influxd: InfluxdHandle;

  const count = async (device: string): Promise<number> => {
    const res = await influxd.query(`SELECT count(value) FROM reading WHERE device = '${device}'`);
    return Number(res.results[0].series?.[0].values[0][1] ?? 0);
  };
  const storedSeqs = async (device: string): Promise<number[]> => {
    const res = await influxd.query(`SELECT seq FROM reading WHERE device = '${device}'`);
    return (res.results[0].series?.[0].values ?? []).map((v) => Number(v[1])).sort((a, b) => a - b);
  };

  beforeAll(async () => {
    influxd = await startInfluxd();
  });

  afterAll(async () => {
    await influxd?.destroy();
  });

  describe('while InfluxDB is down', () => {
    let gw: TestGateway;

    afterAll(async () => {
      await gw?.destroy();
    });

    it('acknowledges QoS 1 messages, keeps them, and delivers each once when InfluxDB is back', async () => {
      gw = await startTestGateway({ MAG_INFLUX_URL: influxd.url, ...FAST_RETRY });
      const secret = await gw.device({ id: 'baro-down', type: 'barometer' });
      const c = await gw.connect('baro-down', secret);

      // the sink works at first
      await publishReadings(c, 'baro-down', 1, 10);
      await gw.drained();
      expect(await count('baro-down')).toBe(10);

      await influxd.stop();
      const seqs = await publishReadings(c, 'baro-down', 11, 200); // every PUBACK arrives with the sink down
      expect(gw.gateway.journal.backlogPoints).toBe(200);
      const ready = await vi.waitFor(async () => {
        const r = await gw.call('GET', '/readyz', undefined, '');
        expect(r.body.journal.mode, 'waiting for journaling mode in /readyz').toBe('journaling');
        return r.body;
      }, 10_000);
      expect(ready).toMatchObject({ sink: { up: false, lastError: expect.any(String) }, journal: { backlogPoints: 200 } });

      await influxd.restart();
      await gw.drained();
      expect(await count('baro-down')).toBe(210);
      expect(gw.gateway.forwarder.totals.deliveredPoints).toBe(210); // each sent to InfluxDB once, not just deduplicated there
      expect(await storedSeqs('baro-down')).toEqual([...Array.from({ length: 10 }, (_, i) => i + 1), ...seqs]);
      const after = await gw.call('GET', '/readyz', undefined, '');
      expect(after.body.journal).toMatchObject({ mode: 'forwarding', backlogPoints: 0 });
    });
  });

  describe('across a gateway restart', () => {
    let dataDir: string;
    let first: TestGateway | undefined;
    let second: TestGateway | undefined;

    afterAll(async () => {
      await first?.stop();
      await second?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('delivers the backlog of a stopped gateway when a new one starts on the same data dir', async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'mag-journal-'));
      const closedPort = await freePort(); // nothing listens here: every write fails
      first = await startTestGateway({ MAG_INFLUX_URL: `http://127.0.0.1:${closedPort}`, ...FAST_RETRY }, dataDir);
      const secret = await first.device({ id: 'baro-restart', type: 'barometer' });
      const c = await first.connect('baro-restart', secret);
      const seqs = await publishReadings(c, 'baro-restart', 1, 150);
      expect(first.gateway.journal.backlogPoints).toBe(150);
      await first.stop();
      first = undefined;

      second = await startTestGateway({ MAG_INFLUX_URL: influxd.url, ...FAST_RETRY }, dataDir);
      await second.drained();
      expect(await count('baro-restart')).toBe(150);
      // the backlog once, plus the second gateway's own fleet snapshot at start (1 device, 1 tenant × each alert kind)
      expect(second.gateway.forwarder.totals.deliveredPoints).toBe(150 + 1 + DEVICE_ALERT_KINDS.length);
      expect(await storedSeqs('baro-restart')).toEqual(seqs);
      expect(second.gateway.journal.backlogPoints).toBe(0);

      // the device registered on the first gateway still connects, and new readings flow
      const c2 = await second.connect('baro-restart', secret);
      await publishReadings(c2, 'baro-restart', 151, 4);
      await second.drained();
      expect(await count('baro-restart')).toBe(154);
    });
  });
});

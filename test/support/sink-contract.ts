// What every Sink adapter promises (src/sinks/sink.ts), as one suite run against each of them:
// embedded (SQLite on disk), InfluxDB v1 (a real influxd) and InfluxDB v2 (over HTTP, see
// sinks-influx-v2-http.test.ts). `sinkContract` registers a describe block; the adapter's own
// file keeps what only that adapter does (storage format, HTTP details, its error texts).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { Ingest } from '../../src/ingest/ingest.ts';
import { loadProfiles } from '../../src/metrology/profile-loader.ts';
import { toStoredReading } from '../../src/sinks/influxql.ts';
import { pointToLine, toLineProtocol } from '../../src/sinks/line-protocol.ts';
import { SinkRejectedError, type Point, type Sink, type StoredTransaction } from '../../src/sinks/sink.ts';

export interface SinkTarget {
  /** A new sink on the target: every call opens another one on the same store. */
  open(): Sink;
  /**
   * Makes the target fail (server stopped, file locked by another writer) until `end`.
   * `pingWhileDown`: what ping answers meanwhile (a locked file still answers).
   */
  outage: { begin(): Promise<void>; end(): Promise<void>; pingWhileDown: boolean };
}

/** The contract's points' time (15:00 on 21/11/2026 in Vietnam); a sale `seq` is `seq` minutes after it. */
export const T0 = Date.parse('2026-11-21T08:00:00.000Z');

/** A gas detector's reading at T0 + seq s; `over` replaces tags or fields. */
export function reading(device: string, seq: number, over: { tags?: Record<string, string>; fields?: Point['fields'] } = {}): Point {
  return {
    measurement: 'reading',
    tags: { tenant: 'acme', device, type: 'gas-detector', quantity: 'concentration', gas: 'CO', ...over.tags },
    fields: over.fields ?? { value: 12.5 + seq / 10, raw: 0.125 + seq / 1000, seq, status: 'ok' },
    ts: T0 + seq * 1000,
  };
}

const seqs = (rs: readonly { seq: number }[]) => rs.map((r) => r.seq);

/** A fuel dispenser's sale as the dispenser sends it (docs/contract.md §2), at T0 + seq minutes. */
export interface Sale {
  seq: number;
  nozzle: number | string;
  product: string;
  volume: number;
  unitPrice: number;
  amount: number;
  totalizerStart: number;
  totalizerEnd: number;
}

/**
 * The points the gateway journals for `sales` of fuel dispenser `device` of `tenant`: Ingest's own,
 * each a `reading` and a `transaction` with the line protocol it rendered, as the forwarder sends them.
 */
export function gatewayLinesOf(device: string, sales: readonly Sale[], tenant = 'acme'): { lines: string; count: number } {
  const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
  const ingest = new Ingest(
    { profile: (t) => profiles.get(t), certificates: () => [], lastTotalizer: () => undefined, timeZoneOf: () => 'Asia/Ho_Chi_Minh' },
    { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 400 },
  );
  const readings = sales.map(({ volume, ...x }) => ({ ...x, ts: new Date(T0 + x.seq * 60_000).toISOString(), quantity: 'volume', value: volume, unit: 'L' }));
  const out = ingest.handle(
    { id: device, tenant, type: 'fuel-dispenser', serial: `SN-${device}`, createdAt: '2026-01-01T00:00:00Z' },
    'readings',
    JSON.stringify({ readings }),
    T0 + 86_400_000,
  );
  expect(out.rejections).toEqual([]);
  expect(out.points.filter((x) => x.measurement === 'transaction')).toHaveLength(sales.length);
  return { lines: out.points.map(pointToLine).join('\n'), count: out.points.length };
}

/** A sale as queryTransactions answers it. */
const stored = (x: Sale): StoredTransaction => ({
  ts: new Date(T0 + x.seq * 60_000).toISOString(),
  seq: x.seq,
  nozzle: String(x.nozzle),
  product: x.product,
  volume: x.volume,
  unitPrice: x.unitPrice,
  amount: x.amount,
  totalizerStart: x.totalizerStart,
  totalizerEnd: x.totalizerEnd,
});

/** Registers the contract for the sink `kind` on the target `setup` gives (called in beforeAll). */
export function sinkContract(name: string, kind: string, setup: () => SinkTarget | Promise<SinkTarget>): void {
  describe(`Sink contract: ${name}`, () => {
    let target: SinkTarget;
    let sink: Sink;
    const opened: Sink[] = [];
    const open = () => {
      const s = target.open();
      opened.push(s);
      return s;
    };

    beforeAll(async () => {
      target = await setup();
      sink = open();
      await sink.init();
    });
    afterAll(async () => {
      for (const s of opened) await s.close();
    });

    it(`is of kind ${kind}; init may run again; the target answers ping`, async () => {
      expect(sink.kind).toBe(kind);
      await sink.init();
      expect(await sink.ping()).toBe(true);
    });

    it('takes an empty batch as a no-op', async () => {
      await sink.write([]);
      await sink.writeLines('', 0);
      expect(await sink.queryReadings({ device: 'c-empty', limit: 10 })).toEqual([]);
    });

    it("reads back one device's readings newest first, with the tags beyond tenant/device/type/quantity", async () => {
      await sink.write([reading('c-read', 1), reading('c-read', 2), reading('c-read', 3, { tags: { gas: 'H2S', sensor: 'B' } }), reading('c-read-other', 4)]);
      const got = await sink.queryReadings({ device: 'c-read', limit: 10 });
      expect(seqs(got)).toEqual([3, 2, 1]);
      // value 12.5 + 3/10 = 12.8, raw 0.125 + 3/1000 = 0.128
      expect(got[0]).toEqual({
        ts: '2026-11-21T08:00:03.000Z',
        seq: 3,
        quantity: 'concentration',
        value: 12.8,
        raw: 0.128,
        status: 'ok',
        tags: { gas: 'H2S', sensor: 'B' },
      });
      expect(got[2]).toEqual({ ts: '2026-11-21T08:00:01.000Z', seq: 1, quantity: 'concentration', value: 12.6, raw: 0.126, status: 'ok', tags: { gas: 'CO' } });
    });

    it('honours from and to (both inclusive) and limit; answers nothing for limit 0 or another device', async () => {
      await sink.write([1, 2, 3, 4, 5, 6, 7, 8].map((s) => reading('c-range', s)));
      const q = (o: { from?: number; to?: number; limit: number }) => sink.queryReadings({ device: 'c-range', ...o }).then(seqs);
      expect(await q({ limit: 2 })).toEqual([8, 7]);
      expect(await q({ from: T0 + 2000, to: T0 + 6000, limit: 10 })).toEqual([6, 5, 4, 3, 2]);
      expect(await q({ from: T0 + 7000, limit: 10 })).toEqual([8, 7]);
      expect(await q({ to: T0 + 1000, limit: 10 })).toEqual([1]);
      expect(await q({ limit: 0 })).toEqual([]);
      expect(await sink.queryReadings({ device: 'nobody', limit: 10 })).toEqual([]);
      expect(await sink.queryReadings({ device: "nobody' OR device = 'c-range", limit: 10 })).toEqual([]);
    });

    it("reads one gas's readings of a gas detector (the oot-impact look-back of a gas), limit applied to that gas", async () => {
      const gases = ['CO', 'O2', 'CO', 'H2S', 'CO', 'O2'];
      await sink.write(gases.map((gas, i) => reading('c-gas', i + 1, { tags: { gas } })));
      const q = (gas: string, limit = 10) => sink.queryReadings({ device: 'c-gas', gas, limit }).then(seqs);
      expect(await q('CO')).toEqual([5, 3, 1]);
      expect(await q('O2')).toEqual([6, 2]);
      expect(await q('CO', 2)).toEqual([5, 3]);
      expect(await q('NO2')).toEqual([]);
      expect(await q("CO' OR gas = 'O2")).toEqual([]);
    });

    it("reads back a fuel dispenser's transactions as the gateway writes them: stored fields, newest first, by time, nozzle and limit", async () => {
      const E5 = 'Xăng E5 RON 92-II';
      // a comma and spaces in the tag (escaped in line protocol), Vietnamese diacritics
      const DO = 'Dầu DO 0,05S-II, loại 2';
      const sales: Sale[] = [
        { seq: 1, nozzle: 1, product: E5, volume: 20.06, unitPrice: 20570, amount: 412634, totalizerStart: 104230.5, totalizerEnd: 104250.56 },
        { seq: 2, nozzle: '2', product: DO, volume: 45.5, unitPrice: 18960, amount: 862680, totalizerStart: 88000, totalizerEnd: 88045.5 },
        // a totalizer jump the audit flags (tamper): stored as sent all the same
        { seq: 3, nozzle: '1', product: E5, volume: 10, unitPrice: 20570, amount: 205700, totalizerStart: 104260.56, totalizerEnd: 104270.56 },
        { seq: 4, nozzle: 2, product: DO, volume: 2.1, unitPrice: 23800, amount: 49980, totalizerStart: 88045.5, totalizerEnd: 88047.6 },
      ];
      const { lines, count } = gatewayLinesOf('c-tx', sales);
      await sink.writeLines(lines, count);
      // another dispenser's sale: not this one's
      const { lines: otherLines, count: otherCount } = gatewayLinesOf('c-tx-other', sales.slice(0, 1));
      await sink.writeLines(otherLines, otherCount);

      const q = (o: { from?: number; to?: number; limit?: number; nozzle?: string } = {}) => sink.queryTransactions({ device: 'c-tx', limit: 10, ...o });
      expect(await q()).toEqual([...sales].reverse().map(stored));
      // the readings of the same messages are still readings, the transactions not among them
      expect(seqs(await sink.queryReadings({ device: 'c-tx', limit: 10 }))).toEqual([4, 3, 2, 1]);
      expect((await sink.queryReadings({ device: 'c-tx', limit: 1 }))[0].tags).toEqual({ nozzle: '2', product: DO });

      const minute = (n: number) => T0 + n * 60_000;
      expect(seqs(await q({ from: minute(2), to: minute(3) }))).toEqual([3, 2]);
      expect(seqs(await q({ from: minute(4) }))).toEqual([4]);
      expect(seqs(await q({ to: minute(1) }))).toEqual([1]);
      expect(seqs(await q({ limit: 3 }))).toEqual([4, 3, 2]);
      // a nozzle sent as a number and as text is one nozzle
      expect(seqs(await q({ nozzle: '1' }))).toEqual([3, 1]);
      expect(await q({ nozzle: '2', limit: 1 })).toEqual([stored(sales[3])]);
      expect(await q({ nozzle: '3' })).toEqual([]);
      expect(await q({ nozzle: "1' OR nozzle = '2" })).toEqual([]);
      expect(await q({ limit: 0 })).toEqual([]);
      expect(seqs(await sink.queryTransactions({ device: 'c-tx-other', limit: 10 }))).toEqual([1]);
      expect(await sink.queryTransactions({ device: 'c-tx-none', limit: 10 })).toEqual([]);
      expect(await sink.queryTransactions({ device: "c-tx' OR device = 'c-tx-other", limit: 10 })).toEqual([]);
    });

    it("takes the journal's line protocol (writeLines) as it takes the points", async () => {
      const points = [reading('c-lines', 1), reading('c-lines', 2, { tags: { nozzle: '2', product: 'E10, "premium"' } })];
      await sink.writeLines(toLineProtocol(points), points.length);
      expect(await sink.queryReadings({ device: 'c-lines', limit: 10 })).toEqual(points.reverse().map(toStoredReading));
    });

    it("stores a replayed point once; the replay's fields overwrite the stored ones, the others stay", async () => {
      await sink.write([reading('c-replay', 1)]);
      await sink.write([reading('c-replay', 1), reading('c-replay', 1)]);
      await sink.write([reading('c-replay', 1, { fields: { status: 'unverified' } })]);
      const got = await sink.queryReadings({ device: 'c-replay', limit: 10 });
      expect(got).toEqual([
        { ts: '2026-11-21T08:00:01.000Z', seq: 1, quantity: 'concentration', value: 12.6, raw: 0.126, status: 'unverified', tags: { gas: 'CO' } },
      ]);
    });

    it('keeps apart points of two series of one device at the same time', async () => {
      await sink.write([reading('c-series', 1, { tags: { gas: 'CO' } }), reading('c-series', 1, { tags: { gas: 'H2S' } })]);
      const got = await sink.queryReadings({ device: 'c-series', limit: 10 });
      expect(got.map((r) => r.tags.gas).sort()).toEqual(['CO', 'H2S']);
    });

    it('refuses a point it cannot store with a SinkRejectedError naming it, and stores nothing of its batch', async () => {
      const err = await sink.write([reading('c-bad', 1), reading('c-bad', 2, { fields: { value: Number.NaN, seq: 2 } })]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkRejectedError);
      expect((err as Error).message).toMatch(/point 1\b.*NaN/);
      expect(await sink.queryReadings({ device: 'c-bad', limit: 10 })).toEqual([]);
    });

    it('refuses line protocol it cannot read (writeLines) with a SinkRejectedError', async () => {
      await expect(sink.writeLines('this is not line protocol', 1)).rejects.toBeInstanceOf(SinkRejectedError);
    });

    it('fails transiently (an Error, not a SinkRejectedError) while the target is down; the same write succeeds once it is back', async () => {
      const point = reading('c-outage', 1);
      await target.outage.begin();
      try {
        const err = await sink.write([point]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(SinkRejectedError);
        expect(await sink.ping()).toBe(target.outage.pingWhileDown);
      } finally {
        await target.outage.end();
      }
      await sink.write([point]);
      expect(await sink.ping()).toBe(true);
      expect(seqs(await sink.queryReadings({ device: 'c-outage', limit: 10 }))).toEqual([1]);
    });

    it('stores a 5,000-point batch whole (prints the time)', async () => {
      const many = Array.from({ length: 5000 }, (_, i) => reading('c-bulk', i + 1));
      const t0 = performance.now();
      await sink.write(many);
      console.log(`${name}: 5,000 points written in ${(performance.now() - t0).toFixed(1)} ms`);
      expect(await sink.queryReadings({ device: 'c-bulk', limit: 10_000 })).toHaveLength(5000);
    });

    it('keeps what a confirmed write stored across close: another sink on the target reads it', async () => {
      await sink.write([reading('c-close', 1)]);
      await sink.close();
      const again = open();
      expect(seqs(await again.queryReadings({ device: 'c-close', limit: 10 }))).toEqual([1]);
    });
  });
}

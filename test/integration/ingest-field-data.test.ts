// What the field sends, as devices send it: a real MQTT client over TCP (QoS 1) → the gateway →
// its journal → a real InfluxDB 1.x (and the embedded store) → the API.
// - Vietnamese retail products (`Xăng E5 RON 92-II`, `Dầu DO 0,05S-II`) with nozzles sent as
//   numbers, stored as tags exactly as sent; any text a tag value may be, property-tested.
// - A time in epoch seconds is refused, and the device is told why on its feedback topic.
// - A local time without a zone is stored at the right UTC instant: the tenant's time zone
//   (default MAG_DEFAULT_TIME_ZONE = Asia/Ho_Chi_Minh, UTC+7 all year), or the one set on it.
// If influxd is not installed, beforeAll fails with the harness's install instructions.
import type { MqttClient } from 'mqtt';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRefusal, tagValue } from '../../src/ingest/wire-fields.ts';
import { influxqlString } from '../../src/sinks/influxql.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();
/** The wall-clock time of instant `ms` at UTC+`hours`, as a device without a zone sends it: `2026-12-03 10:00:00`. */
const wallClock = (ms: number, hours: number) =>
  iso(ms + hours * HOUR)
    .slice(0, 19)
    .replace('T', ' ');
const PRODUCTS = ['Xăng E5 RON 92-II', 'Xăng RON 95-III', 'Dầu DO 0,05S-II'];

interface Item {
  ts: string;
  seq: number;
  tags: Record<string, string>;
}

/** A fuel sale as a dispenser sends it: nozzle as a number. */
const sale = (seq: number, ts: unknown, product: string, nozzle: number | string = 1) => ({
  seq,
  ts,
  quantity: 'volume',
  value: 20,
  unit: 'L',
  nozzle,
  product,
  unitPrice: 19_630,
  amount: 392_600,
  totalizerStart: 1000 + 20 * seq,
  totalizerEnd: 1020 + 20 * seq,
});

const TRICKY = [
  'a\\,b',
  '\\ lead',
  'x\\=y',
  'C:\\new',
  ' spaced ',
  "'quoted'",
  '"dq"',
  '#hash',
  'a/b',
  'Dầu DO 0,05S-II',
  '=1+1',
  'k=v,k2=v2 f=1',
  '\\\\,',
  'ő\u2028𝄞',
  '0',
];

/** Tag values as generated: any text, with the characters line protocol and InfluxQL treat specially. */
const tagText = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
    fc.string({ unit: fc.constantFrom(' ', ',', '=', '"', "'", '\\', '/', 'n', '#', 'ă', 'Đ', 'ầ', '🚀', '\u2028', '0'), minLength: 1, maxLength: 16 }),
  )
  .filter((s) => !isRefusal(tagValue(s)));

for (const store of ['InfluxDB 1.x', 'the embedded store'] as const) {
  describe(`field data over MQTT into ${store}`, () => {
    let influxd: InfluxdHandle | undefined;
    let gw: TestGateway;
    let fuel: MqttClient;
    let baro: MqttClient;
    let berlin: MqttClient;
    let feedback: ReturnType<typeof inbox>;

    const publish = (c: MqttClient, device: string, body: unknown) => c.publishAsync(`instruments/${device}/readings`, JSON.stringify(body), { qos: 1 });
    const readings = async (device: string, from: number, to: number, limit = 1000): Promise<Item[]> => {
      const r = await gw.call('GET', `/api/v1/devices/${device}/readings?from=${iso(from)}&to=${iso(to)}&limit=${limit}`);
      expect(r.status).toBe(200);
      return r.body.items as Item[];
    };

    beforeAll(async () => {
      if (store === 'InfluxDB 1.x') influxd = await startInfluxd();
      gw = await startTestGateway({ MAG_INFLUX_URL: influxd?.url ?? '' });
      expect(gw.gateway.sink.kind).toBe(store === 'InfluxDB 1.x' ? 'influxdb-v1' : 'embedded');
      const t = await gw.call('POST', '/api/v1/tenants', { id: 'berlin', name: 'Tankstelle Berlin', region: 'VN-HN', timeZone: 'Europe/Berlin' });
      expect(t.status).toBe(201);
      expect(t.body.timeZone).toBe('Europe/Berlin');
      const [sFuel, sBaro, sBerlin] = await Promise.all([
        gw.device({ id: 'fuel-vn', type: 'fuel-dispenser', tenant: 'petro' }),
        gw.device({ id: 'baro-vn', type: 'barometer', tenant: 'petro' }),
        gw.device({ id: 'baro-de', type: 'barometer', tenant: 'berlin' }),
      ]);
      [fuel, baro, berlin] = await Promise.all([gw.connect('fuel-vn', sFuel), gw.connect('baro-vn', sBaro), gw.connect('baro-de', sBerlin)]);
      await baro.subscribeAsync('instruments/baro-vn/feedback', { qos: 1 });
      feedback = inbox(baro);
    });

    afterAll(async () => {
      await gw?.destroy();
      await influxd?.destroy();
    });

    it('stores Vietnamese product names as sent, with the nozzle number as text', async () => {
      for (const [i, product] of PRODUCTS.entries()) await publish(fuel, 'fuel-vn', sale(i + 1, T0 + i * 1000, product, i + 1));
      await gw.drained();
      const items = await readings('fuel-vn', T0, T0 + 2000);
      expect(items.map((x) => [x.seq, x.tags])).toEqual([
        [3, { nozzle: '3', product: 'Dầu DO 0,05S-II' }],
        [2, { nozzle: '2', product: 'Xăng RON 95-III' }],
        [1, { nozzle: '1', product: 'Xăng E5 RON 92-II' }],
      ]);
      if (influxd) {
        // in InfluxDB itself, both measurements (docs/contract.md §3)
        const tx = await influxd.query(`SELECT "volume" FROM "transaction" WHERE "device" = 'fuel-vn' AND "product" = 'Dầu DO 0,05S-II' GROUP BY *`);
        expect(tx.results[0].series?.map((s) => s.tags)).toEqual([{ tenant: 'petro', device: 'fuel-vn', nozzle: '3', product: 'Dầu DO 0,05S-II' }]);
        const values = await influxd.query(`SHOW TAG VALUES FROM "reading" WITH KEY = "product" WHERE "device" = 'fuel-vn'`);
        expect(values.results[0].series?.[0].values.map((v) => v[1]).sort()).toEqual([...PRODUCTS].sort());
      }
    });

    it('refuses a time in epoch seconds and tells the device why on its feedback topic', async () => {
      const seconds = Math.floor(T0 / 1000);
      await publish(baro, 'baro-vn', { seq: 10, ts: seconds, quantity: 'pressure', value: 1013.2, unit: 'hPa' });
      const m = await feedback.waitFor((x) => x.payload.seq === 10);
      expect(m.payload).toEqual({
        seq: 10,
        topic: 'instruments/baro-vn/readings',
        errors: [
          {
            path: 'ts',
            message: `ts looks like epoch seconds (${iso(T0)}), not milliseconds (${iso(seconds)}): send epoch milliseconds (${T0}) or ISO 8601 with a zone; received ${seconds}`,
          },
        ],
      });
      await gw.drained();
      expect(await readings('baro-vn', 0, Date.now())).toEqual([]);
      const rejections = await gw.call('GET', '/api/v1/devices/baro-vn/rejections');
      expect(rejections.body.items[0]).toMatchObject({ seq: 10, errors: [{ path: 'ts', message: expect.stringContaining('epoch seconds') }] });
    });

    it('words a refused status the same way: field, what is accepted, what was received', async () => {
      await baro.publishAsync('instruments/baro-vn/status', JSON.stringify({ state: 7 }), { qos: 1 });
      const m = await feedback.waitFor((x) => x.payload.topic === 'instruments/baro-vn/status');
      expect(m.payload.errors).toEqual([
        { path: 'state', message: 'state must be the device state, e.g. "online" or "offline" (text of 1 to 32 characters); received 7' },
      ]);
    });

    it("stores a local time without a zone at its UTC instant, in the tenant's time zone", async () => {
      // petro has no time zone: MAG_DEFAULT_TIME_ZONE, Asia/Ho_Chi_Minh, UTC+7 all year
      const at = T0 + 10 * MIN;
      await publish(baro, 'baro-vn', { seq: 20, ts: wallClock(at, 7), quantity: 'pressure', value: 1013.2, unit: 'hPa' });
      // berlin: Europe/Berlin; on 1 July it is CEST, UTC+2, so 12:00 there is 10:00 UTC
      const year = new Date().getUTCFullYear();
      const july = Date.UTC(year, 6, 1, 10) < Date.now() ? Date.UTC(year, 6, 1, 10) : Date.UTC(year - 1, 6, 1, 10);
      await publish(berlin, 'baro-de', { seq: 21, ts: `${iso(july).slice(0, 10)} 12:00:00`, quantity: 'pressure', value: 1013.2, unit: 'hPa' });
      await gw.drained();
      expect((await readings('baro-vn', at, at)).map((x) => [x.seq, x.ts])).toEqual([[20, iso(at)]]);
      expect((await readings('baro-de', july, july)).map((x) => [x.seq, x.ts])).toEqual([[21, iso(july)]]);
      if (influxd) {
        const r = await influxd.query(`SELECT "seq" FROM "reading" WHERE "device" = 'baro-vn' AND time = ${at}ms`);
        expect(r.results[0].series?.[0].values).toEqual([[at, 20]]);
      }
    });

    it("a tenant's time zone can be changed, and applies to the next message", async () => {
      const patched = await gw.call('PATCH', '/api/v1/tenants/petro', { timeZone: 'Asia/Tokyo' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: 'petro', timeZone: 'Asia/Tokyo' });
      const bad = await gw.call('PATCH', '/api/v1/tenants/petro', { timeZone: 'Asia/Atlantis' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details).toEqual([
        {
          path: 'timeZone',
          message:
            'timeZone must be an IANA time zone such as Asia/Ho_Chi_Minh, or null (the enterprise then follows MAG_DEFAULT_TIME_ZONE); received "Asia/Atlantis"',
        },
      ]);
      // Asia/Tokyo is UTC+9 all year
      const at = T0 + 20 * MIN;
      await publish(baro, 'baro-vn', { seq: 22, ts: wallClock(at, 9), quantity: 'pressure', value: 1013.2, unit: 'hPa' });
      await gw.drained();
      expect((await readings('baro-vn', at, at)).map((x) => x.seq)).toEqual([22]);
      const reset = await gw.call('PATCH', '/api/v1/tenants/petro', { timeZone: null });
      expect(reset.body.timeZone).toBeUndefined();
    });

    it('any text a tag value may be comes back through the journal, the store and the API exactly as sent (property)', async () => {
      let seq = 1000;
      let t = T0 + 30 * MIN;
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(tagText, { minLength: 15, maxLength: 15 }),
          fc.array(fc.oneof(fc.nat({ max: 99 }), tagText), { minLength: 15, maxLength: 15 }),
          async (products, nozzles) => {
            const from = t;
            const sent = new Map<number, Record<string, string>>();
            for (const [i, product] of products.entries()) {
              seq++;
              t += 1000;
              sent.set(seq, { nozzle: String(nozzles[i]), product });
              await publish(fuel, 'fuel-vn', sale(seq, t, product, nozzles[i]));
            }
            await gw.drained();
            const got = await readings('fuel-vn', from + 1, t);
            expect(new Map(got.map((x) => [x.seq, x.tags]))).toEqual(sent);
            if (influxd) {
              // and each is found by an InfluxQL string literal of it (influxqlString escapes \ and ')
              for (const product of products) {
                const r = await influxd.query(
                  `SELECT "volume" FROM "transaction" WHERE "device" = 'fuel-vn' AND "product" = ${influxqlString(product)} AND time > ${from}ms GROUP BY "product"`,
                );
                expect(r.results[0].error, product).toBeUndefined();
                expect(
                  r.results[0].series?.map((x) => x.tags?.product),
                  product,
                ).toEqual([product]);
              }
            }
          },
        ),
        {
          numRuns: 8,
          // what line protocol and InfluxQL treat specially, every time
          examples: [[TRICKY, TRICKY.map((_, i) => (i % 2 ? i : TRICKY[TRICKY.length - 1 - i]))]],
        },
      );
    });
  });
}

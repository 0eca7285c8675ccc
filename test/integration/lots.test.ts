// Lots of prepackages end to end (docs/contract.md §2 packages, §6): a lot declared through the API, its
// packages published by a checkweigher over MQTT (journaled before the PUBACK, applied to the lot
// after the commit) or entered through the API, the verdict read back, the `package` points in a
// real InfluxDB, a `lot-fail` alert for a failed lot. Every lot is worked out by hand in its
// comments: T from OIML R87 Table 1, the plan from the EU/UK reference test (UK SI 2006/659 Sch. 2),
// the default of devices/prepackages/sampling-plans.json.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';

const TENANT = 'hanoi-rice';
const REGION = 'VN-HN';

function rows(res: Awaited<ReturnType<InfluxdHandle['query']>>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  return out;
}

describe('lots of prepackages over MQTT and the API', () => {
  let influxd: InfluxdHandle;
  let t: TestGateway;
  let cw: MqttClient;
  let cwInbox: ReturnType<typeof inbox>;
  let seq = 0;
  const start = Date.now() - 3_600_000;

  /** Publishes nets (g) as one {"packages": [...]} message from the checkweigher; resolves on the PUBACK. */
  const publish = (lot: string, values: number[], field: 'net' | 'gross' = 'net', unit = 'g') =>
    cw.publishAsync(
      'instruments/cw-1/packages',
      JSON.stringify({ packages: values.map((v) => ({ seq: ++seq, ts: new Date(start + seq * 1000).toISOString(), lot, [field]: v, unit })) }),
      { qos: 1 },
    );
  const declare = async (body: Record<string, unknown>) => {
    const r = await t.call('POST', '/api/v1/lots', { tenant: TENANT, product: 'Gạo ST25 500 g', nominal: 500, unit: 'g', lotSize: 200, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  /** The lot once `measured` packages are in (applied after the journal commit, so polled). */
  const lotWith = async (id: string, measured: number) => {
    await expect.poll(async () => (await t.call('GET', `/api/v1/lots/${id}`)).body.measured, { timeout: 10_000, interval: 25 }).toBe(measured);
    return (await t.call('GET', `/api/v1/lots/${id}`)).body;
  };
  /** Nets alternating `low`, `high` (odd positions `low`): the mean of any even count is their midpoint. */
  const alternating = (n: number, low = 502, high = 504) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? low : high));

  beforeAll(async () => {
    influxd = await startInfluxd();
    t = await startTestGateway({ MAG_INFLUX_URL: influxd.url, MAG_INFLUX_DB: 'mag' });
    // A checkweigher of class XIII, e = 0.1 g, Max 3 kg, verified; 500 g = 5000e: in-service MPE 2 × 1.5e = 0.3 g.
    const secret = await t.device({ id: 'cw-1', tenant: TENANT, region: REGION, type: 'checkweigher', extra: { class: 'XIII', e: 0.0001, max: 1 } });
    cw = await t.connect('cw-1', secret);
    await cw.subscribeAsync('instruments/cw-1/feedback', { qos: 1 });
    cwInbox = inbox(cw);
  }, 60_000);
  afterAll(async () => {
    await t?.destroy();
    await influxd?.destroy();
  });

  it('passes a clean lot sent by the checkweigher, stores a replayed batch once, and writes its package points', async () => {
    await declare({ id: 'CLEAN-1', scale: 'cw-1' });
    // 200 bags, Qn 500 g: T = 3 % × 500 = 15 g; T1 check on 50 (accept 3), mean of the first 30 ≥ 500 − 0.503·s.
    // Nets 502/504: mean 503 g, s = √(30/29) = 1.017095 g, limit 500 − 0.503 × 1.017095 = 499.48840 g ≤ 503; none below 485 g.
    const first = seq;
    await publish('CLEAN-1', alternating(30));
    await publish('CLEAN-1', alternating(20));
    const lot = await lotWith('CLEAN-1', 50);
    expect(lot).toMatchObject({
      verdict: 'pass',
      sampleSize: 50,
      t1: 0,
      t2: 0,
      mean: 503,
      tolerableDeficiency: 15,
      scale: { id: 'cw-1', suitable: true, mpe: 0.3, limit: 3 },
    });
    expect(lot.averageLimit).toBeCloseTo(499.4884, 4);
    // the first batch sent again (same seqs, as after a lost PUBACK): stored once
    const last = seq;
    seq = first;
    await publish('CLEAN-1', alternating(30));
    seq = last;
    await t.drained();
    expect((await t.call('GET', '/api/v1/lots/CLEAN-1')).body.measured).toBe(50);
    const points = rows(await influxd.query(`SELECT net, seq, t1, t2 FROM package WHERE lot = 'CLEAN-1'`));
    expect(points).toHaveLength(50);
    expect(points[0]).toMatchObject({ net: 502, seq: first + 1, t1: false, t2: false });
    const tagged = rows(await influxd.query(`SELECT count(net) FROM package WHERE lot = 'CLEAN-1' GROUP BY tenant, device, product`));
    expect(tagged).toEqual([expect.objectContaining({ tenant: TENANT, device: 'cw-1', product: 'Gạo ST25 500 g', count: 50 })]);

    // The checkweigher restarted its count: the first two seqs again, at later times, for the
    // next lot. Not a replay: two packages of that lot.
    await declare({ id: 'RESTART-1', scale: 'cw-1' });
    const restarted = [502, 504].map((net, i) => ({
      seq: first + 1 + i,
      ts: new Date(Date.now() - 2000 + i * 1000).toISOString(),
      lot: 'RESTART-1',
      net,
      unit: 'g',
    }));
    await cw.publishAsync('instruments/cw-1/packages', JSON.stringify({ packages: restarted }), { qos: 1 });
    await lotWith('RESTART-1', 2);
    await t.drained();
    expect(rows(await influxd.query(`SELECT net FROM package WHERE lot = 'RESTART-1'`))).toHaveLength(2);
  });

  it('fails a lot with one package short by more than 2T and opens a lot-fail alert for the packer and its inspectors', async () => {
    await declare({ id: 'T2-1', scale: 'cw-1' });
    const nets = alternating(50);
    nets[9] = 469; // package 10: 500 − 469 = 31 g short > 2T = 30 g
    await publish('T2-1', nets);
    const lot = await lotWith('T2-1', 50);
    expect(lot).toMatchObject({ verdict: 'fail', t1: 1, t2: 1, t2Positions: [10] });
    const inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: [REGION], name: 'Thanh tra Hà Nội' })).body.token;
    const operator = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: TENANT, name: 'packer' })).body.token;
    for (const token of [inspector, operator]) {
      const alerts = (await t.call('GET', '/api/v1/alerts?kind=lot-fail', undefined, token)).body.items;
      expect(alerts).toEqual([
        expect.objectContaining({
          device: 'cw-1',
          key: 'T2-1',
          severity: 'critical',
          summary:
            'Lot T2-1 (Gạo ST25 500 g, Qn 500 g) fails under plan "EU/UK reference test, single sampling" (not yet under Circular 21/2014/TT-BKHCN): 1 package short by more than 2T',
        }),
      ]);
      expect(alerts[0].details).toMatchObject({ t1: 1, t2: 1, shortPackages: [{ position: 10, net: 469, shortBy: 31, t2: true, device: 'cw-1' }] });
    }
    // the lot is applied after the journal's commit, its points sent to InfluxDB independently
    await t.drained();
    const flagged = rows(await influxd.query(`SELECT net, t1, t2 FROM package WHERE lot = 'T2-1' AND t2 = true`));
    expect(flagged).toEqual([expect.objectContaining({ net: 469, t1: true, t2: true })]);
  });

  it('fails a lot with too many T1 packages, half sent over MQTT and half entered through the API, in the order received', async () => {
    await declare({ id: 'T1-1', scale: 'cw-1' });
    // packages 31–34 at 484 g (16 g short: T1, not T2), outside the mean sample: 4 T1 > 3 accepted.
    const nets = alternating(50);
    for (const i of [30, 31, 32, 33]) nets[i] = 484;
    await publish('T1-1', nets.slice(0, 30));
    await lotWith('T1-1', 30);
    const r = await t.call('POST', '/api/v1/lots/T1-1/packages', { items: nets.slice(30).map((net) => ({ net })) });
    expect(r.body).toMatchObject({ verdict: 'fail', t1: 4, t2: 0, allowedT1: 3, t1Positions: [31, 32, 33, 34], mean: 503 });
  });

  it('fails a lot whose mean is below Qn − λ·s', async () => {
    await declare({ id: 'MEAN-1', scale: 'cw-1' });
    // nets 497/499: mean 498 g < 499.48840 g; no package below 485 g.
    await publish('MEAN-1', alternating(50, 497, 499));
    const lot = await lotWith('MEAN-1', 50);
    expect(lot).toMatchObject({ verdict: 'fail', t1: 0, t2: 0, mean: 498 });
    expect(lot.reasons).toContain('Mean of 30 packages 498 g is below Qn − λ·s = 500 g − 0.503 × 1.02 g = 499.49 g.');
  });

  it('judges a lot under 100 packages on every package: at most 5 % T1 and a mean of at least Qn', async () => {
    await declare({ id: 'SMALL-1', lotSize: 40 });
    // 40 packages: all are measured; T1 at most ⌊0.05 × 40⌋ = 2 (UK SI 2006/659 Sch. 2 paras 2.8, 3.6, 4.7).
    // 38 × 503 g and 2 × 480 g (20 g short: T1, not T2): mean (38 × 503 + 2 × 480)/40 = 20074/40 = 501.85 g ≥ 500 g.
    const nets = [...Array(19).fill(503), 480, ...Array(19).fill(503), 480];
    await publish('SMALL-1', nets.slice(0, 39));
    const pending = await lotWith('SMALL-1', 39);
    expect(pending).toMatchObject({ verdict: 'pending', sampleSize: 40, allowedT1: 2, averageLimit: null });
    await publish('SMALL-1', nets.slice(39));
    const lot = await lotWith('SMALL-1', 40);
    expect(lot).toMatchObject({ verdict: 'pass', t1: 2, t2: 0, mean: 501.85, averageLimit: 500, t1Positions: [20, 40] });
    // The checkweigher sent the packages, so it is the lot's instrument though none was declared.
    expect(lot.scale).toMatchObject({ id: 'cw-1', suitable: true });
  });

  it('takes gross weighings in kg with the average tare: net = gross − tare, in the lot unit', async () => {
    // 100 tins labelled 250 g, tare 12.4 g: T = 9 g (200–300 g band); 50 for T1, mean of 30 ≥ 250 − 0.503·s.
    // Gross 0.2644 / 0.2664 kg → 264.4 / 266.4 g → nets 252 / 254 g: mean 253 g, s = 1.017095 g, limit 249.48840 g.
    await declare({ id: 'GROSS-1', product: 'Cá hộp 250 g', nominal: 250, lotSize: 100, averageTare: 12.4, scale: 'cw-1' });
    await publish('GROSS-1', alternating(50, 0.2644, 0.2664), 'gross', 'kg');
    const lot = await lotWith('GROSS-1', 50);
    expect(lot).toMatchObject({ verdict: 'pass', tolerableDeficiency: 9, mean: 253, t1: 0 });
    expect(lot.averageLimit).toBeCloseTo(249.4884, 4);
    // load on the pan: 250 + 12.4 = 262.4 g = 2624e (e = 0.1 g): class XIII band 2000e–10000e, 1.5e → 0.3 g in service ≤ 9/5 = 1.8 g.
    expect(lot.scale).toMatchObject({ id: 'cw-1', suitable: true, mpe: 0.3, limit: 1.8 });
    await t.drained();
    const points = rows(await influxd.query(`SELECT gross, net FROM package WHERE lot = 'GROSS-1' LIMIT 2`));
    expect(points.map((p) => [p.gross, p.net])).toEqual([
      [264.4, 252],
      [266.4, 254],
    ]);
  });

  it('judges a lot weighed on an unverified checkweigher and says the measurements are not legal evidence', async () => {
    const secret = await t.device({ id: 'cw-new', tenant: TENANT, type: 'checkweigher', certificate: false, extra: { class: 'XIII', e: 0.0001, max: 1 } });
    const fresh = await t.connect('cw-new', secret);
    await declare({ id: 'UNVERIFIED-1', scale: 'cw-new' });
    await fresh.publishAsync(
      'instruments/cw-new/packages',
      JSON.stringify({
        packages: alternating(50).map((net, i) => ({ seq: i + 1, ts: new Date(start + i * 1000).toISOString(), lot: 'UNVERIFIED-1', net, unit: 'g' })),
      }),
      { qos: 1 },
    );
    const lot = await lotWith('UNVERIFIED-1', 50);
    expect(lot.verdict).toBe('pass'); // the same figures as CLEAN-1
    expect(lot.scale).toEqual({
      id: 'cw-new',
      suitable: false,
      reason: 'Instrument cw-new has no valid verification when the packages were weighed (none): its indications are not legal evidence.',
      note: { key: 'unverified', values: { instrument: 'cw-new', state: 'none' } },
    });
    expect(lot.reasons.at(-1)).toBe(`The weighing instrument is not fit for this lot, so the measurements are not legal evidence: ${lot.scale.reason}`);
  });

  it('judges the checkweigher by its legal interval: a certificate claiming 24 months lapses after 12 (devices/checkweigher.json)', async () => {
    const secret = await t.device({ id: 'cw-long', tenant: TENANT, type: 'checkweigher', certificate: false, extra: { class: 'XIII', e: 0.0001, max: 1 } });
    // Issued on the 10th, 14 calendar months ago, "valid" for 24: legally due 12 months after issue, 2 months ago.
    const now = new Date();
    const issued = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 14, 10);
    const legalDue = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 10)).toISOString().slice(0, 10);
    const cert = await t.call('POST', '/api/v1/devices/cw-long/certificates', {
      kind: 'verification',
      number: 'V-cw-long',
      issuedBy: 'QUATEST 1',
      issuedAt: new Date(issued).toISOString(),
      validUntil: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 10, 10)).toISOString(),
    });
    expect(cert.status).toBe(201);
    const long = await t.connect('cw-long', secret);
    await declare({ id: 'LAPSED-1', scale: 'cw-long' });
    await long.publishAsync(
      'instruments/cw-long/packages',
      JSON.stringify({
        packages: alternating(50).map((net, i) => ({ seq: i + 1, ts: new Date(start + i * 1000).toISOString(), lot: 'LAPSED-1', net, unit: 'g' })),
      }),
      { qos: 1 },
    );
    const lot = await lotWith('LAPSED-1', 50);
    expect(lot.scale).toEqual({
      id: 'cw-long',
      suitable: false,
      // issued at 00:00Z on the 10th (07:00 there in Vietnam, the enterprise's zone): due through the 10th there
      reason: `Instrument cw-long has no valid verification when the packages were weighed (expired, valid until ${legalDue}): its indications are not legal evidence.`,
      note: { key: 'unverifiedUntil', values: { instrument: 'cw-long', state: 'expired', validUntil: legalDue } },
    });
    // the instrument's own standing says the same: the end of that day in Vietnam
    expect((await t.call('GET', '/api/v1/devices/cw-long')).body.verification).toMatchObject({ state: 'expired', validUntil: `${legalDue}T16:59:59.999Z` });
  });

  it('refuses on feedback a package beyond the lot size or beyond 10 × Qn; a replay of packages the lot holds stays a replay', async () => {
    await declare({ id: 'FULL-MQ', lotSize: 100, scale: 'cw-1' });
    const first = seq;
    await publish('FULL-MQ', alternating(98));
    await lotWith('FULL-MQ', 98);
    // three more in one message: the 99th and 100th are taken, the third would be the 101st
    await publish('FULL-MQ', alternating(3));
    expect((await cwInbox.waitFor((m) => m.payload.seq === seq)).payload.errors).toEqual([
      {
        path: 'packages.2.lot',
        message:
          'packages.2.lot must be a lot with room for the package: lot FULL-MQ holds 100 packages already (2 of them earlier in this message), its declared lotSize 100, and a lot takes no more packages than it was declared with (send the rest to another lot); received "FULL-MQ"',
      },
    ]);
    await lotWith('FULL-MQ', 100);
    // the first batch sent again (same seqs and times): replays of packages the lot holds, acknowledged without a refusal
    const last = seq;
    seq = first;
    await publish('FULL-MQ', alternating(98));
    seq = last;
    await t.drained();
    expect(cwInbox.messages.filter((m) => m.payload.seq > first && m.payload.seq <= first + 98)).toEqual([]);
    expect((await t.call('GET', '/api/v1/lots/FULL-MQ')).body.measured).toBe(100);
    // 6 kg = 6000 g net on a 500 g lot: more than 10 × Qn = 5000 g
    await publish('CLEAN-1', [6], 'net', 'kg');
    expect((await cwInbox.waitFor((m) => m.payload.seq === seq)).payload.errors).toEqual([
      {
        path: 'packages.0.net',
        message:
          'packages.0.net must be at most 5000 g (10 × Qn = 10 × 500 g): a package of ten times its nominal quantity is not one of this lot (a unit slip such as kg for g, or a typo); received 6 kg',
      },
    ]);
  });

  it("refuses packages of an unknown lot, of another tenant's lot, in the wrong unit or gross without tare, on feedback", async () => {
    await t.device({ id: 'cw-other', tenant: 'saigon-milk', region: 'VN-SG', type: 'checkweigher', extra: { class: 'XIII', e: 0.0001, max: 1 } });
    const r = await t.call('POST', '/api/v1/lots', { id: 'MILK-9', tenant: 'saigon-milk', product: 'Sữa 1 L', nominal: 1, unit: 'L', lotSize: 200 });
    expect(r.status).toBe(201);
    const send = async (body: Record<string, unknown>) => {
      const s = ++seq;
      await cw.publishAsync('instruments/cw-1/packages', JSON.stringify({ seq: s, ts: new Date().toISOString(), unit: 'g', ...body }), { qos: 1 });
      return (await cwInbox.waitFor((m) => m.payload.seq === s)).payload.errors;
    };
    expect(await send({ lot: 'NOPE', net: 500 })).toEqual([
      { path: 'lot', message: 'lot must be a lot declared for enterprise hanoi-rice (POST /api/v1/lots) before its packages are sent; received "NOPE"' },
    ]);
    // another enterprise's lot: answered exactly as an unknown one
    expect(await send({ lot: 'MILK-9', net: 1000 })).toEqual([
      { path: 'lot', message: 'lot must be a lot declared for enterprise hanoi-rice (POST /api/v1/lots) before its packages are sent; received "MILK-9"' },
    ]);
    expect(await send({ lot: 'CLEAN-1', net: 500, unit: 'mL' })).toEqual([
      { path: 'unit', message: 'unit must be g or kg: the packages of lot CLEAN-1 are measured in g; received "mL"' },
    ]);
    expect((await send({ lot: 'CLEAN-1', gross: 512.4 }))[0].message).toMatch(
      /^gross needs the lot's average tare \(R87 Annex B\), and lot CLEAN-1 was declared without averageTare/,
    );
    expect(await send({ lot: 'CLEAN-1' })).toEqual([
      { path: 'net', message: 'net is missing: it is the net quantity: send it, or "gross" for a lot declared with an average tare' },
    ]);
    // nothing of it reached the lots
    expect((await t.call('GET', '/api/v1/lots/CLEAN-1')).body.measured).toBe(50);
    expect((await t.call('GET', '/api/v1/lots/MILK-9')).body.measured).toBe(0);
    // an instrument that does not weigh may not send packages
    const baroSecret = await t.device({ id: 'baro-1', tenant: TENANT, type: 'barometer' });
    const baro = await t.connect('baro-1', baroSecret);
    await baro.subscribeAsync('instruments/baro-1/feedback', { qos: 1 });
    const baroInbox = inbox(baro);
    await baro.publishAsync('instruments/baro-1/packages', JSON.stringify({ seq: 1, ts: new Date().toISOString(), lot: 'CLEAN-1', net: 500, unit: 'g' }), {
      qos: 1,
    });
    expect((await baroInbox.waitFor((m) => m.topic === 'instruments/baro-1/feedback')).payload.errors[0].message).toMatch(
      /^instrument baro-1 is a .*: packages are weighed on a scale or a checkweigher/,
    );
  });
});

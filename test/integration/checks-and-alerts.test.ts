// Issue 3 end to end: checks over MQTT judged against the instrument's tolerance (API + real InfluxDB),
// one deduplicated alert per (device, kind, point), verification lockout on the retained config, fuel
// dispenser tamper findings; and the alert lifecycle of issue 4 (ack, resolve, 409, re-open).
import type { MqttClient } from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { currentVerification } from '../support/certificates.ts';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';

function rows(res: Awaited<ReturnType<InfluxdHandle['query']>>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  return out;
}

const publish = (c: MqttClient, topic: string, body: unknown) => c.publishAsync(topic, JSON.stringify(body), { qos: 1 });

// The checks and transactions are stamped minutes apart from the hour two days before the run: under the
// instruments' verification (issued months ago) and well within the backfill window of their registration.
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
/** ISO 8601 of `hours` and `minutes` after T0. */
const at = (hours: number, minutes: number) => new Date(T0 + hours * 3_600_000 + minutes * 60_000).toISOString();

describe('checks, verification and tamper over MQTT into the API and a real InfluxDB', () => {
  let influxd: InfluxdHandle;
  let t: TestGateway;

  beforeAll(async () => {
    influxd = await startInfluxd();
    t = await startTestGateway({ MAG_INFLUX_URL: influxd.url, MAG_INFLUX_DB: 'mag' });
  });
  afterAll(async () => {
    await t?.destroy();
    await influxd?.destroy();
  });

  it('judges fuel-dispenser checks (ĐLVN 10 ±0.3 %, in trade ×1.5) and opens one deduplicated alert per kind', async () => {
    const secret = await t.device({ id: 'fd-1', type: 'fuel-dispenser' });
    const c = await t.connect('fd-1', secret);
    // Hand-worked, the default class DLVN10 (A = 0.3 %) since issue 16 (it was R117 class 0.5, TL 0.15 L):
    // at V = 20 L → 0.3 % × 20 = 0.06 L; Emin = 2·MMQ·A/100 = 2·5·0.3/100 = 0.03 L;
    // verification MPE = max(0.06, 0.03) = 0.06 L; in service ×1.5 → TL = 0.09 L.
    // A proving measure with U_ref = 0.01 L (0.05 %), so that display values (0.01 L steps) fall in every band:
    // U = 2·√((0.01/2)² + (0.01/√12)²) = 2·√(2.5e-5 + 8.3333e-6) = 0.0115470 L; TL − U = 0.0784530, TL + U = 0.1015470.
    const TL = 0.09;
    const U = 0.011547;
    const base = { reference: 20.0, referenceUncertainty: 0.01, unit: 'L', standardId: 'PM-20L-07', point: 'Qmax' };
    const cases = [
      { seq: 1, indicated: 20.04, error: 0.04, decision: 'pass', legal: 'pass' }, // 0.04 < 0.078453
      { seq: 2, indicated: 20.08, error: 0.08, decision: 'conditional-pass', legal: 'pass' }, // 0.078453 ≤ 0.08 ≤ 0.09
      { seq: 3, indicated: 20.2, error: 0.2, decision: 'fail', legal: 'fail' }, // 0.2 > 0.101547
      { seq: 4, indicated: 19.9, error: -0.1, decision: 'conditional-fail', legal: 'fail' }, // 0.09 < 0.1 ≤ 0.101547
    ];
    for (const k of cases) {
      await publish(c, 'instruments/fd-1/checks', { ...base, seq: k.seq, ts: at(0, k.seq), indicated: k.indicated });
    }

    const api = await vi.waitFor(async () => {
      const items = (await t.call('GET', '/api/v1/devices/fd-1/checks')).body.items;
      expect(items?.length, 'waiting for 4 checks in the API').toBe(4);
      return items;
    }, 10_000);
    for (const k of cases) {
      const got = api.find((x: { seq: number }) => x.seq === k.seq);
      expect(got, `check ${k.seq}`).toBeDefined();
      expect(got.ts).toBe(at(0, k.seq));
      expect(got.reference).toBe(20);
      expect(got.error).toBeCloseTo(k.error, 9);
      expect(got.mpe).toBeCloseTo(TL, 9);
      expect(got.uncertainty).toBeCloseTo(U, 6);
      expect(got.decision).toBe(k.decision);
      expect(got.legal).toBe(k.legal);
    }

    await t.drained();
    const influx = rows(await influxd.query(`SELECT * FROM "check" WHERE "device" = 'fd-1'`));
    expect(influx).toHaveLength(4);
    for (const k of cases) {
      const p = influx.find((x) => x.seq === k.seq)!;
      expect(p, `influx check ${k.seq}`).toBeDefined();
      expect(p.time).toBe(Date.parse(at(0, k.seq)));
      expect(p).toMatchObject({
        tenant: 'acme',
        type: 'fuel-dispenser',
        point: 'Qmax',
        regime: 'inService',
        decision: k.decision,
        legal: k.legal,
        reference: 20,
      });
      expect(p.error as number).toBeCloseTo(k.error, 9);
      expect(p.mpe as number).toBeCloseTo(TL, 9);
      expect(p.uncertainty as number).toBeCloseTo(U, 6);
      expect(p.indicated as number).toBeCloseTo(k.indicated, 9);
    }

    // One out-of-tolerance alert for the fail and the conditional fail (count 2); one conditional alert.
    const oot = (await t.call('GET', '/api/v1/alerts?device=fd-1&kind=out-of-tolerance')).body.items;
    expect(oot).toHaveLength(1);
    expect(oot[0]).toMatchObject({ tenant: 'acme', device: 'fd-1', kind: 'out-of-tolerance', severity: 'critical', state: 'open', count: 2 });
    expect(Date.parse(oot[0].updatedAt)).toBeGreaterThanOrEqual(Date.parse(oot[0].openedAt));
    const cond = (await t.call('GET', '/api/v1/alerts?device=fd-1&kind=conditional')).body.items;
    expect(cond).toHaveLength(1);
    expect(cond[0]).toMatchObject({ kind: 'conditional', severity: 'warning', state: 'open', count: 1 });

    // A replayed check (same seq) is stored and judged once: no new count.
    await publish(c, 'instruments/fd-1/checks', { ...base, seq: 3, ts: at(0, 3), indicated: 20.2 });
    expect((await t.call('GET', '/api/v1/devices/fd-1/checks')).body.items).toHaveLength(4);
    expect((await t.call('GET', `/api/v1/alerts/${oot[0].id}`)).body.count).toBe(2);

    // The dispenser's controller restarted its count: seq 3 again, an hour later, failing again.
    // Not a replay (another time): stored, judged, counted on the open alert.
    await publish(c, 'instruments/fd-1/checks', { ...base, seq: 3, ts: at(1, 3), indicated: 20.3 });
    const afterRestart = await vi.waitFor(async () => {
      const items = (await t.call('GET', '/api/v1/devices/fd-1/checks')).body.items;
      expect(items?.length, 'waiting for the restarted seq 3 in the API').toBe(5);
      return items;
    }, 10_000);
    expect(afterRestart.filter((x: { seq: number }) => x.seq === 3).map((x: { ts: string; decision: string }) => [x.ts, x.decision])).toEqual([
      [at(1, 3), 'fail'],
      [at(0, 3), 'fail'],
    ]);
    expect((await t.call('GET', `/api/v1/alerts/${oot[0].id}`)).body.count).toBe(3);
  });

  it('an expired verification marks readings unverified, opens verification-overdue and locks the device out until a valid certificate arrives', async () => {
    const secret = await t.device({ id: 'bar-exp', type: 'barometer', certificate: false });
    const cert = await t.call('POST', '/api/v1/devices/bar-exp/certificates', {
      kind: 'verification',
      number: 'V-OLD',
      issuedBy: 'QUATEST 1',
      issuedAt: '2024-11-01T00:00:00Z',
      validUntil: '2025-11-01T00:00:00Z',
    });
    expect(cert.status).toBe(201);
    const dev = await t.call('GET', '/api/v1/devices/bar-exp');
    expect(dev.body.verification).toMatchObject({ state: 'expired' });

    const c = await t.connect('bar-exp', secret);
    const box = inbox(c);
    await c.subscribeAsync('instruments/bar-exp/config', { qos: 1 });
    const locked = await box.waitFor((m) => m.topic === 'instruments/bar-exp/config' && m.payload.lockout === true);
    expect(locked.payload.verification.state).toBe('expired');
    expect(locked.payload.verification.validUntil).toMatch(/^2025-11-01/);

    const ts = new Date(Date.now() - 60_000).toISOString();
    await publish(c, 'instruments/bar-exp/readings', { seq: 1, ts, quantity: 'pressure', value: 1013.2, unit: 'hPa' });
    const alert = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=bar-exp&kind=verification-overdue&state=open')).body.items[0];
      assert(found, 'waiting for verification-overdue alert');
      return found;
    }, 10_000);
    expect(alert).toMatchObject({ severity: 'critical', state: 'open' });

    await t.drained();
    const influx = rows(await influxd.query(`SELECT "status", "value" FROM "reading" WHERE "device" = 'bar-exp'`));
    expect(influx).toEqual([expect.objectContaining({ status: 'unverified', value: 1013.2 })]);
    const readings = await t.call('GET', '/api/v1/devices/bar-exp/readings');
    expect(readings.body.items).toEqual([expect.objectContaining({ seq: 1, status: 'unverified', value: 1013.2 })]);

    // a verification in force now, due in about two months (beyond the due-soon window)
    const valid = { ...currentVerification('bar-exp', 'barometer'), number: 'V-NEW' };
    const renewed = await t.call('POST', '/api/v1/devices/bar-exp/certificates', valid);
    expect(renewed.status).toBe(201);
    const unlocked = await box.waitFor((m) => m.topic === 'instruments/bar-exp/config' && m.payload.lockout === false);
    expect(unlocked.payload.verification).toMatchObject({ state: 'valid' });
    expect(unlocked.payload.verification.validUntil).toBe(valid.validUntil);
    const cleared = (await t.call('GET', `/api/v1/alerts/${alert.id}`)).body;
    expect(cleared.state).toBe('resolved');
    expect(cleared.resolution?.note).toMatch(/valid/);

    // The retained config a fresh subscriber gets is the current one.
    const c2 = await t.connect('bar-exp', secret, { clientId: 'bar-exp' });
    const box2 = inbox(c2);
    await c2.subscribeAsync('instruments/bar-exp/config', { qos: 1 });
    const retained = await box2.waitFor((m) => m.topic === 'instruments/bar-exp/config');
    expect(retained.payload.lockout).toBe(false);

    // A reading now is ok again.
    await publish(c2, 'instruments/bar-exp/readings', { seq: 2, ts: new Date().toISOString(), quantity: 'pressure', value: 1013.3, unit: 'hPa' });
    await t.drained();
    const after = rows(await influxd.query(`SELECT "status", "seq" FROM "reading" WHERE "device" = 'bar-exp' AND "seq" = 2`));
    expect(after).toEqual([expect.objectContaining({ status: 'ok' })]);
  });

  it('registering a device before its certificate raises nothing; readings from an uncertified device do', async () => {
    await t.device({ id: 'bar-new', type: 'barometer' }); // registered, then its certificate posted
    const secret = await t.device({ id: 'bar-nocert', type: 'barometer', certificate: false });
    t.gateway.reviewVerifications();
    expect((await t.call('GET', '/api/v1/alerts?device=bar-new')).body.items).toEqual([]);
    expect((await t.call('GET', '/api/v1/alerts?device=bar-nocert')).body.items).toEqual([]);
    const c = await t.connect('bar-nocert', secret);
    await publish(c, 'instruments/bar-nocert/readings', {
      seq: 1,
      ts: new Date(Date.now() - 1000).toISOString(),
      quantity: 'pressure',
      value: 1013.2,
      unit: 'hPa',
    });
    const a = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=bar-nocert&kind=verification-overdue&state=open')).body.items[0];
      assert(found, 'waiting for verification-overdue from an unverified reading');
      return found;
    }, 10_000);
    expect(a.summary).toMatch(/without valid verification \(none\)/);
    // The minute review does not clear it while there is still no certificate.
    t.gateway.reviewVerifications();
    expect((await t.call('GET', `/api/v1/alerts/${a.id}`)).body.state).toBe('open');
  });

  it('a totalizer jump and a wrong amount on a fuel dispenser open tamper alerts', async () => {
    const secret = await t.device({ id: 'fd-2', type: 'fuel-dispenser' });
    const c = await t.connect('fd-2', secret);
    const tx = (seq: number, o: Record<string, number>) => ({
      seq,
      ts: at(1, seq),
      quantity: 'volume',
      unit: 'L',
      nozzle: '1',
      product: 'RON95',
      unitPrice: 23800,
      ...o,
    });
    await publish(c, 'instruments/fd-2/readings', tx(1, { value: 20, amount: 476000, totalizerStart: 1000, totalizerEnd: 1020 }));
    await publish(c, 'instruments/fd-2/readings', tx(2, { value: 10, amount: 238000, totalizerStart: 1020, totalizerEnd: 1030 }));
    expect((await t.call('GET', '/api/v1/alerts?device=fd-2&kind=tamper')).body.items).toHaveLength(0);

    // totalizerStart 1035 ≠ previous totalizerEnd 1030 on nozzle 1: 5 L dispensed outside any transaction.
    await publish(c, 'instruments/fd-2/readings', tx(3, { value: 10, amount: 238000, totalizerStart: 1035, totalizerEnd: 1045 }));
    const jump = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=fd-2&kind=tamper')).body.items.find((a: any) => a.details.check === 'totalizer-continuity');
      assert(found, 'waiting for totalizer tamper alert');
      return found;
    }, 10_000);
    expect(jump).toMatchObject({ severity: 'critical', state: 'open' });
    expect(jump.details).toMatchObject({ nozzle: '1', totalizerStart: 1035, previousTotalizerEnd: 1030 });

    // amount 250 000 ≠ 10 L × 23 800 = 238 000 (allowed ±1 + 23 800 × 0.005 = ±120).
    await publish(c, 'instruments/fd-2/readings', tx(4, { value: 10, amount: 250000, totalizerStart: 1045, totalizerEnd: 1055 }));
    const price = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=fd-2&kind=tamper')).body.items.find((a: any) => /Price/.test(a.summary));
      assert(found, 'waiting for price tamper alert');
      return found;
    }, 10_000);
    expect(price).toMatchObject({ severity: 'critical', state: 'open' });
    expect(price.details).toMatchObject({ nozzle: '1', amount: 250000, expectedAmount: 238000 });

    await t.drained();
    const txs = rows(await influxd.query(`SELECT * FROM "transaction" WHERE "device" = 'fd-2'`));
    expect(txs).toHaveLength(4);
    expect(txs.find((x) => x.seq === 3)).toMatchObject({ nozzle: '1', product: 'RON95', volume: 10, totalizerStart: 1035, totalizerEnd: 1045 });
  });

  it('alert lifecycle: ack and resolve record who and when; resolving twice is 409; a new failure opens a new alert', async () => {
    const secret = await t.device({ id: 'bar-life', type: 'barometer' });
    const c = await t.connect('bar-life', secret);
    // barometer default class: TL = 0.3 hPa; error 0.5 hPa is a fail.
    const failing = (seq: number) => ({
      seq,
      ts: at(2, seq),
      indicated: 1013.7,
      reference: 1013.2,
      referenceUncertainty: 0.04,
      unit: 'hPa',
      standardId: 'REF-BARO-1',
    });
    await publish(c, 'instruments/bar-life/checks', failing(1));
    const alert = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=bar-life&kind=out-of-tolerance')).body.items[0];
      assert(found, 'waiting for out-of-tolerance alert');
      return found;
    }, 10_000);
    expect(alert.state).toBe('open');

    const tok = await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-HN'], name: 'Ms Lan' });
    expect(tok.status).toBe(201);
    const inspector = tok.body.token as string;

    const ack = await t.call('POST', `/api/v1/alerts/${alert.id}/ack`, { note: 'on my way' }, inspector);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: 'acknowledged', ackBy: expect.stringContaining('Ms Lan') });
    expect(Date.parse(ack.body.ackAt)).not.toBeNaN();

    const bad = await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { reason: 'because' }, inspector);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.[0]?.path).toBe('reason');
    // "cleared" is what the gateway records when a signal clears by itself; people pick from the list.
    expect((await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { reason: 'cleared' }, inspector)).status).toBe(400);
    expect((await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { note: 'no reason' }, inspector)).status).toBe(400);

    const res = await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { reason: 'recalibrated', note: 'adjusted on site, certificate C-77' }, inspector);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'resolved',
      resolvedBy: expect.stringContaining('Ms Lan'),
      resolution: { reason: 'recalibrated', note: 'adjusted on site, certificate C-77' },
    });
    expect(Date.parse(res.body.resolvedAt)).toBeGreaterThanOrEqual(Date.parse(res.body.ackAt));

    const again = await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { reason: 'other' }, inspector);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBeDefined();

    await publish(c, 'instruments/bar-life/checks', failing(2));
    const fresh = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=bar-life&kind=out-of-tolerance&state=open')).body.items[0];
      assert(found, 'waiting for a new out-of-tolerance alert');
      return found;
    }, 10_000);
    expect(fresh.id).not.toBe(alert.id);
    expect(fresh.count).toBe(1);
    expect((await t.call('GET', `/api/v1/alerts/${alert.id}`)).body.state).toBe('resolved');

    // Every reason of the fixed list is accepted and recorded (one alert per test point).
    const reasons = ['recalibrated', 'adjusted', 'repaired', 'false-alarm', 'retired', 'other'];
    for (const [i, reason] of reasons.entries()) {
      await publish(c, 'instruments/bar-life/checks', { ...failing(3 + i), ts: at(3, i), point: `P-${reason}` });
      const a = await vi.waitFor(async () => {
        const found = (await t.call('GET', '/api/v1/alerts?device=bar-life&kind=out-of-tolerance&state=open')).body.items.find(
          (x: any) => x.key === `P-${reason}`,
        );
        assert(found, `waiting for alert at P-${reason}`);
        return found;
      }, 10_000);
      // out of tolerance is critical: resolved with a note saying what was done
      const r = await t.call('POST', `/api/v1/alerts/${a.id}/resolve`, { reason, note: `${reason}: see the check after it` }, inspector);
      expect(r.status, reason).toBe(200);
      expect(r.body.resolution).toEqual({ reason, note: `${reason}: see the check after it` });
    }
  });
});

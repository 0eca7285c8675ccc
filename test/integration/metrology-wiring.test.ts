// Issue 16, the metrology core wired into the gateway, end to end over MQTT, the HTTP API and a real
// InfluxDB: Vietnam's ±0.3 % for fuel dispensers, the MMQ refusal, the indication judged as shown with
// the calibration view beside it, the R76 change-point method for scales, one drift series per (gas,
// point, regime), baselines restarted by an adjustment and by every certificate, and the legal
// verification interval capping a certificate that claims longer. Expected values by hand (docs/metrology.md,
// docs/metrology.md), the arithmetic in the comments.
import type { MqttClient } from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';

const DAY = 86_400_000;
const publish = (c: MqttClient, device: string, body: unknown) => c.publishAsync(`instruments/${device}/checks`, JSON.stringify(body), { qos: 1 });
const iso = (ms: number) => new Date(ms).toISOString();

describe('metrology in the gateway (issue 16)', () => {
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

  /** The device's checks once `n` are stored, by seq. */
  const checks = (device: string, n: number) =>
    vi.waitFor(async () => {
      const items = (await t.call('GET', `/api/v1/devices/${device}/checks`)).body.items as any[];
      expect(items.length, `waiting for ${n} checks of ${device}`).toBe(n);
      return new Map(items.map((c) => [c.seq as number, c]));
    }, 10_000);
  const drift = async (device: string) => (await t.call('GET', `/api/v1/devices/${device}/drift`)).body;

  it('a dispenser 0.4 % short fails verification at 20 L (MPE 0.06 L) and passes in trade (TL 0.09 L)', async () => {
    const c = await t.connect('fd-short', await t.device({ id: 'fd-short', type: 'fuel-dispenser' }));
    // ĐLVN 10, A = 0.3 %: 0.3 % × 20 L = 0.06 L; Emin = 2·MMQ·A/100 = 2·5·0.3/100 = 0.03 L → MPE 0.06 L.
    // U = 2·√((0.004/2)² + (0.01/√12)²) = 0.0070238 L. Error 19.92 − 20 = −0.08 L:
    // verification: |e| 0.08 > TL + U = 0.0670238 → fail (legal fail);
    // in trade: TL = 1.5 × 0.06 = 0.09 L, 0.08 < TL − U = 0.0829762 → pass.
    const check = {
      ts: iso(Date.now() - 60_000),
      indicated: 19.92,
      reference: 20,
      referenceUncertainty: 0.004,
      unit: 'L',
      standardId: 'PM-20L-07',
      point: 'Qmax',
    };
    await publish(c, 'fd-short', { ...check, seq: 1, regime: 'verification' });
    await publish(c, 'fd-short', { ...check, seq: 2, ts: iso(Date.now() - 30_000), regime: 'inService' });
    const got = await checks('fd-short', 2);
    expect(got.get(1)).toMatchObject({ regime: 'verification', legal: 'fail', decision: 'fail' });
    expect(got.get(1).mpe).toBeCloseTo(0.06, 12);
    expect(got.get(1).error).toBeCloseTo(-0.08, 12);
    expect(got.get(1).uncertainty).toBeCloseTo(0.0070238, 7);
    expect(got.get(2)).toMatchObject({ regime: 'inService', legal: 'pass', decision: 'pass' });
    expect(got.get(2).mpe).toBeCloseTo(0.09, 12);
    // Two series, one per regime.
    expect((await drift('fd-short')).bySeries.map((s: any) => s.series)).toEqual(['point=Qmax,regime=inService', 'point=Qmax,regime=verification']);
  });

  it('a check at 1.5 L on a dispenser with MMQ 2 L is refused with the reason on feedback; at 2 L it is judged (MPE = Emin 0.012 L)', async () => {
    const c = await t.connect('fd-mmq', await t.device({ id: 'fd-mmq', type: 'fuel-dispenser', extra: { mmq: 2 } }));
    const box = inbox(c);
    await c.subscribeAsync('instruments/fd-mmq/feedback', { qos: 1 });
    const check = { ts: iso(Date.now() - 60_000), referenceUncertainty: 0.0015, unit: 'L', standardId: 'PM-2L-01', point: 'MMQ', regime: 'verification' };
    await publish(c, 'fd-mmq', { ...check, seq: 1, indicated: 1.5, reference: 1.5 });
    const fb = await box.waitFor((m) => m.topic === 'instruments/fd-mmq/feedback');
    expect(fb.payload).toMatchObject({
      seq: 1,
      topic: 'instruments/fd-mmq/checks',
      errors: [{ path: 'reference', message: expect.stringContaining('test volume 1.5 L is below the minimum measured quantity MMQ = 2 L: not a valid test') }],
    });
    expect((await t.call('GET', '/api/v1/devices/fd-mmq/rejections')).body.items[0].errors[0].path).toBe('reference');
    // At the MMQ: 0.3 % × 2 L = 0.006 L; Emin (MMQ ≥ 2 L) = 2·2·0.3/100 = 0.012 L → MPE 0.012 L; error 2.01 − 2 = 0.01 L.
    // U = 2·√((0.0015/2)² + (0.01/√12)²) = 0.0059652 L; TL − U = 0.0060348 ≤ 0.01 ≤ TL → conditional pass.
    await publish(c, 'fd-mmq', { ...check, seq: 2, indicated: 2.01, reference: 2 });
    const got = (await checks('fd-mmq', 1)).get(2);
    expect(got.mpe).toBeCloseTo(0.012, 12);
    expect(got.uncertainty).toBeCloseTo(0.0059652, 7);
    expect(got).toMatchObject({ legal: 'pass', decision: 'conditional-pass' });
  });

  it('a dispenser 1 % short with a calibration certificate correcting it still fails legally; the corrected error is reported beside it', async () => {
    const c = await t.connect('fd-cal', await t.device({ id: 'fd-cal', type: 'fuel-dispenser' }));
    const cal = await t.call('POST', '/api/v1/devices/fd-cal/certificates', {
      kind: 'calibration',
      number: 'CAL-77',
      issuedBy: 'VMI',
      issuedAt: iso(Date.now() - 10 * DAY),
      validUntil: iso(Date.now() + 300 * DAY),
      correction: { offset: 0.2 },
      uncertainty: 0.01,
    });
    expect(cal.status).toBe(201);
    // Error as shown: 19.8 − 20 = −0.2 L, in trade TL = 0.09 L, U = 0.0070238 → fail, legal fail.
    // Calibration view: corrected = 19.8 + 0.2 = 20.0, correctedError = 0; correctedUncertainty =
    // √(U² + U_cal²) = √(0.0070238² + 0.01²) = √(4.93338e-5 + 1e-4) = 0.0122202 L.
    const ts = Date.now() - 60_000;
    await publish(c, 'fd-cal', {
      seq: 1,
      ts: iso(ts),
      indicated: 19.8,
      reference: 20,
      referenceUncertainty: 0.004,
      unit: 'L',
      standardId: 'PM-20L-07',
      point: 'Qmax',
    });
    const got = (await checks('fd-cal', 1)).get(1);
    expect(got).toMatchObject({ legal: 'fail', decision: 'fail', calibrationCertificate: 'CAL-77' });
    expect(got.error).toBeCloseTo(-0.2, 12);
    expect(got.corrected).toBeCloseTo(20, 12);
    expect(got.correctedError).toBeCloseTo(0, 12);
    expect(got.correctedUncertainty).toBeCloseTo(0.0122202, 7);
    const alert = (await t.call('GET', '/api/v1/alerts?device=fd-cal&kind=out-of-tolerance')).body.items[0];
    expect(alert.details).toMatchObject({ calibrationCertificate: 'CAL-77', legal: 'fail' });
    expect(alert.details.correctedError).toBeCloseTo(0, 12);
    await t.drained();
    const influx = await influxd.query(
      `SELECT "error", "correctedError", "correctedUncertainty", "calibrationCertificate", "regime" FROM "check" WHERE "device" = 'fd-cal'`,
    );
    const [time, error, correctedError, correctedUncertainty, certificate, regime] = influx.results[0].series![0].values[0];
    expect(time).toBe(ts);
    expect(error as number).toBeCloseTo(-0.2, 12);
    expect(correctedError as number).toBeCloseTo(0, 12);
    expect(correctedUncertainty as number).toBeCloseTo(0.0122202, 7);
    expect([certificate, regime]).toEqual(['CAL-77', 'inService']);
  });

  it('a healthy scale (d = e = 50 g) passes by the change-point method; without deltaL its U alone exceeds the MPE', async () => {
    const c = await t.connect('sc-cp', await t.device({ id: 'sc-cp', type: 'scale', extra: { class: 'III', e: 0.05, max: 60 } }));
    // L = 20 kg = 400e ≤ 500e: verification MPE 0.5e = 0.025 kg. Shown I = 20.00; ΔL = 0.015 kg (3 × 0.1e) made it step up:
    // E = I + ½e − ΔL − L = 20 + 0.025 − 0.015 − 20 = 0.010 kg; U = U_ref = 0.001 kg; TL − U = 0.024 > 0.010 → pass.
    // Without ΔL: e = 0, U = 2·√((0.001/2)² + (0.05/√12)²) = 2·√(2.5e-7 + 2.083333e-4) = 2 × 0.0144424 = 0.0288848 kg > TL,
    // so |e| = 0 ≥ TL − U < 0 → at best a conditional pass.
    const check = {
      ts: iso(Date.now() - 60_000),
      indicated: 20,
      reference: 20,
      referenceUncertainty: 0.001,
      unit: 'kg',
      standardId: 'TW-M1-20',
      point: '400e',
      regime: 'verification',
    };
    await publish(c, 'sc-cp', { ...check, seq: 1, deltaL: 0.015 });
    await publish(c, 'sc-cp', { ...check, seq: 2, ts: iso(Date.now() - 30_000) });
    const got = await checks('sc-cp', 2);
    expect(got.get(1)).toMatchObject({ legal: 'pass', decision: 'pass', deltaL: 0.015, uncertainty: 0.001 });
    expect(got.get(1).error).toBeCloseTo(0.01, 12);
    expect(got.get(1).mpe).toBeCloseTo(0.025, 12);
    expect(got.get(2)).toMatchObject({ legal: 'pass', decision: 'conditional-pass' });
    expect(got.get(2).uncertainty).toBeCloseTo(0.0288848, 7);
    // deltaL outside [0, e] is refused like any invalid field.
    const box = inbox(c);
    await c.subscribeAsync('instruments/sc-cp/feedback', { qos: 1 });
    await publish(c, 'sc-cp', { ...check, seq: 3, deltaL: 0.06 });
    expect((await box.waitFor((m) => m.topic === 'instruments/sc-cp/feedback')).payload.errors[0]).toMatchObject({
      path: 'deltaL',
      message: expect.stringContaining('must lie in [0, e = 0.05 kg]'),
    });
  });

  it('the CO 50 ppm and CO 200 ppm checks of one detector are separate drift series', async () => {
    const c = await t.connect('gd-two', await t.device({ id: 'gd-two', type: 'gas-detector' }));
    const t0 = Date.now() - 10 * DAY;
    const co = (seq: number, point: string, reference: number, error: number) =>
      publish(c, 'gd-two', {
        seq,
        ts: iso(t0 + seq * DAY),
        indicated: reference + error,
        reference,
        referenceUncertainty: 2,
        unit: 'ppm',
        standardId: 'CYL-CO',
        gas: 'CO',
        point,
      });
    // 50 ppm: MPE = max(5, 10 % × 50) = 5 ppm; errors 1, 2, 1 → x = e/MPE = 0.2, 0.4, 0.2;
    // EWMA (λ 0.2): 0.04, 0.2·0.4 + 0.8·0.04 = 0.112, 0.2·0.2 + 0.8·0.112 = 0.1296 → × 5 = 0.648 ppm.
    // 200 ppm: MPE = max(5, 20) = 20 ppm; errors −4, −6 → x = −0.2, −0.3; EWMA −0.04, −0.06 − 0.032 = −0.092 → × 20 = −1.84 ppm.
    // Nearest its limit (no predicted date): the larger |EWMA| in e/MPE, 0.1296 > 0.092 → the 50 ppm series.
    await co(1, '50ppm', 50, 1);
    await co(2, '200ppm', 200, -4);
    await co(3, '50ppm', 50, 2);
    await co(4, '200ppm', 200, -6);
    await co(5, '50ppm', 50, 1);
    await checks('gd-two', 5);
    const d = await drift('gd-two');
    const by = new Map<string, any>(d.bySeries.map((s: any) => [s.series, s]));
    expect([...by.keys()]).toEqual(['gas=CO,point=200ppm,regime=inService', 'gas=CO,point=50ppm,regime=inService']);
    expect(by.get('gas=CO,point=50ppm,regime=inService')).toMatchObject({ gas: 'CO', point: '50ppm', regime: 'inService', points: 3, tolerance: 5 });
    expect(by.get('gas=CO,point=50ppm,regime=inService').ewma).toBeCloseTo(0.648, 12);
    expect(by.get('gas=CO,point=200ppm,regime=inService')).toMatchObject({ points: 2, tolerance: 20 });
    expect(by.get('gas=CO,point=200ppm,regime=inService').ewma).toBeCloseTo(-1.84, 12);
    expect(d).toMatchObject({ device: 'gd-two', series: 'gas=CO,point=50ppm,regime=inService', points: 3, predictionConfidence: 0.95 });
    expect(d.ewma).toBeCloseTo(0.648, 12);
    // CONTRACT §4: ewma a number in the canonical unit, its control limits and signal beside it
    expect(d).toMatchObject({ ewmaLimits: { lower: expect.any(Number), upper: expect.any(Number) }, ewmaSignal: false });
    expect(d.ewmaLimits.lower).toBeCloseTo(-d.ewmaLimits.upper, 12);
  });

  it('an adjusted check is judged as found and restarts its series', async () => {
    const c = await t.connect('bar-adj', await t.device({ id: 'bar-adj', type: 'barometer' }));
    const t0 = Date.now() - 20 * DAY;
    const check = (seq: number, error: number, extra: Record<string, unknown> = {}) =>
      publish(c, 'bar-adj', {
        seq,
        ts: iso(t0 + seq * DAY),
        indicated: 1000 + error,
        reference: 1000,
        referenceUncertainty: 0.02,
        unit: 'hPa',
        standardId: 'REF-1',
        ...extra,
      });
    for (const [i, e] of [0.01, -0.01, 0.02, 0, 0.01].entries()) await check(i + 1, e);
    // As found 0.35 hPa > TL + U = 0.3 + 0.020817: fail, with adjusted in its evidence; then a new baseline at its time.
    await check(6, 0.35, { adjusted: true });
    const got = await checks('bar-adj', 6);
    expect(got.get(6)).toMatchObject({ decision: 'fail', adjusted: true });
    const oot = (await t.call('GET', '/api/v1/alerts?device=bar-adj&kind=out-of-tolerance')).body.items[0];
    expect(oot.details).toMatchObject({ adjusted: true, seq: 6 });
    let s = (await drift('bar-adj')).bySeries[0];
    expect(s).toMatchObject({ series: 'regime=inService', points: 0, resetReason: 'adjustment', resetAt: iso(t0 + 6 * DAY) });
    // The next check is the first of the new baseline: EWMA 0.2 × (0.03/0.3) = 0.02 in e/MPE → × 0.3 = 0.006 hPa.
    await check(7, 0.03);
    await checks('bar-adj', 7);
    s = (await drift('bar-adj')).bySeries[0];
    expect(s).toMatchObject({ points: 1, resetReason: 'adjustment' });
    expect(s.ewma).toBeCloseTo(0.006, 12);
  });

  it('a verification certificate registered after later checks restarts the baseline at its issuedAt and re-feeds those checks', async () => {
    const c = await t.connect('bar-late', await t.device({ id: 'bar-late', type: 'barometer' }));
    const now = Date.now();
    const errors = [0.03, 0.06, -0.03, 0, 0.03];
    for (const [i, e] of errors.entries())
      await publish(c, 'bar-late', {
        seq: i + 1,
        ts: iso(now - (50 - 10 * i) * DAY),
        indicated: 1000 + e,
        reference: 1000,
        referenceUncertainty: 0.02,
        unit: 'hPa',
        standardId: 'REF-1',
      });
    await checks('bar-late', 5);
    expect((await drift('bar-late')).points).toBe(5);
    const issuedAt = now - 35 * DAY;
    const cert = await t.call('POST', '/api/v1/devices/bar-late/certificates', {
      kind: 'verification',
      number: 'V-LATE',
      issuedBy: 'QUATEST 1',
      issuedAt: iso(issuedAt),
      validUntil: iso(issuedAt + 300 * DAY),
    });
    expect(cert.status).toBe(201);
    // Since issuedAt: the checks of 30, 20 and 10 days ago, errors −0.03, 0, 0.03 → x = −0.1, 0, 0.1;
    // EWMA −0.02, −0.016, 0.2·0.1 − 0.0128 = 0.0072 → × 0.3 = 0.00216 hPa.
    const s = (await drift('bar-late')).bySeries[0];
    expect(s).toMatchObject({ points: 3, resetReason: 'verification', resetAt: iso(issuedAt) });
    expect(s.ewma).toBeCloseTo(0.00216, 12);
    // A check backfilled from before issuedAt is judged and stored, but no part of the new baseline.
    await publish(c, 'bar-late', {
      seq: 6,
      ts: iso(now - 38 * DAY), // not at seq 2's time: one check per series and time (docs/field-data.md)
      indicated: 1000.1,
      reference: 1000,
      referenceUncertainty: 0.02,
      unit: 'hPa',
      standardId: 'REF-1',
    });
    await checks('bar-late', 6);
    expect((await drift('bar-late')).bySeries[0]).toMatchObject({ points: 3, resetAt: iso(issuedAt) });
    // Neither is it for a series that starts after the certificate: its baseline starts at the latest issuedAt.
    await publish(c, 'bar-late', {
      seq: 7,
      ts: iso(now - 40 * DAY),
      indicated: 1000.1,
      reference: 1000,
      referenceUncertainty: 0.02,
      unit: 'hPa',
      standardId: 'REF-1',
      point: 'new',
    });
    await checks('bar-late', 7);
    expect((await drift('bar-late')).bySeries.find((x: any) => x.point === 'new')).toMatchObject({
      points: 0,
      resetReason: 'verification',
      resetAt: iso(issuedAt),
    });
  });

  it('a certificate valid 24 months on a 12-month type makes the instrument due at 12 months, with a warning', async () => {
    const secret = await t.device({ id: 'bar-24', type: 'barometer', certificate: false });
    // Issued 2025-11-01T00:00Z (07:00 that day in Vietnam, the enterprise's zone), "valid until" 2027-11-01; the barometer's
    // legal interval is 12 months: due through 1 November 2026 in Vietnam, 16:59:59.999Z (not through that day in UTC).
    const cert = await t.call('POST', '/api/v1/devices/bar-24/certificates', {
      kind: 'verification',
      number: 'V-24',
      issuedBy: 'QUATEST 1',
      issuedAt: '2025-11-01T00:00:00Z',
      validUntil: '2027-11-01T00:00:00Z',
    });
    expect(cert.status).toBe(201);
    const warning =
      'certificate V-24 is valid until 2027-11-01, longer than the legal verification interval of 12 months: the instrument is due on 2026-11-01 (issued 2025-11-01 + 12 months)';
    // answered in UTC, with the day it was issued in Vietnam
    expect(cert.body).toMatchObject({
      number: 'V-24',
      issuedAt: '2025-11-01T00:00:00.000Z',
      issuedOn: '2025-11-01',
      validUntil: '2027-11-01T00:00:00.000Z',
      dueAt: '2026-11-01T16:59:59.999Z',
      warnings: [warning],
    });
    const audit = (await t.call('GET', '/api/v1/audit?limit=500')).body.items.find((e: any) => e.action === 'certificate.add' && e.target === 'bar-24');
    expect(audit.details).toMatchObject({ number: 'V-24', dueAt: '2026-11-01T16:59:59.999Z', warnings: [warning] });
    expect((await t.call('GET', '/api/v1/devices/bar-24')).body.verification).toEqual({ state: 'expired', validUntil: '2026-11-01T16:59:59.999Z' });
    // A reading now is taken without a valid verification.
    const c = await t.connect('bar-24', secret);
    await c.publishAsync(
      'instruments/bar-24/readings',
      JSON.stringify({ seq: 1, ts: iso(Date.now() - 1000), quantity: 'pressure', value: 1013.2, unit: 'hPa' }),
      { qos: 1 },
    );
    const a = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=bar-24&kind=verification-overdue')).body.items[0];
      assert(found, 'waiting for verification-overdue');
      return found;
    }, 10_000);
    expect(a.details.verification).toEqual({ state: 'expired', validUntil: '2026-11-01T16:59:59.999Z' });
    await t.drained();
    expect((await t.call('GET', '/api/v1/devices/bar-24/readings')).body.items[0]).toMatchObject({ seq: 1, status: 'unverified' });
  });

  it('a spring-dial scale is verified for 24 months (Circular 03/2024): its 24-month certificate is in force where another scale is due at 12', async () => {
    // Issued on the 10th, 14 calendar months ago, valid 24 months: a spring-dial scale is valid for 10 more
    // months; a scale of no stated construction was due 12 months after issue, 2 months ago.
    const now = new Date();
    const on10th = (months: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 10)).toISOString();
    const cert = (id: string) => ({ kind: 'verification', number: `V-${id}`, issuedBy: 'TĐC', issuedAt: on10th(-14), validUntil: on10th(10) });
    // capped: through the end of the 10th in Vietnam, the enterprise's zone (00:00Z is 07:00 there)
    const through10th = (months: number) => on10th(months).replace('T00:00:00.000Z', 'T16:59:59.999Z');
    const scale = { class: 'IIII', e: 0.05, max: 30 };
    const springSecret = await t.device({ id: 'sc-spring', type: 'scale', certificate: false, extra: { ...scale, construction: 'spring-dial' } });
    await t.device({ id: 'sc-plain', type: 'scale', certificate: false, extra: scale });
    const spring = await t.call('POST', '/api/v1/devices/sc-spring/certificates', cert('sc-spring'));
    expect(spring.body).toMatchObject({ dueAt: on10th(10), warnings: [] });
    expect((await t.call('GET', '/api/v1/devices/sc-spring')).body).toMatchObject({
      construction: 'spring-dial',
      verification: { state: 'valid', validUntil: on10th(10) },
    });
    const plain = await t.call('POST', '/api/v1/devices/sc-plain/certificates', cert('sc-plain'));
    expect(plain.body).toMatchObject({ dueAt: through10th(-2), warnings: [expect.stringMatching(/longer than the legal verification interval of 12 months/)] });
    expect((await t.call('GET', '/api/v1/devices/sc-plain')).body.verification).toEqual({ state: 'expired', validUntil: through10th(-2) });
    // the spring-dial scale's readings are taken under its verification
    const c = await t.connect('sc-spring', springSecret);
    await c.publishAsync('instruments/sc-spring/readings', JSON.stringify({ seq: 1, ts: iso(Date.now() - 1000), quantity: 'mass', value: 12.35, unit: 'kg' }), {
      qos: 1,
    });
    await t.drained();
    expect((await t.call('GET', '/api/v1/devices/sc-spring/readings')).body.items[0]).toMatchObject({ seq: 1, status: 'ok' });
    // a construction the type does not know, or one a barometer does not have, is refused at registration
    const typo = await t.call('POST', '/api/v1/devices', { id: 'sc-typo', tenant: 'acme', type: 'scale', serial: 'T-1', ...scale, construction: 'dial' });
    expect(typo.body.error.details).toEqual([
      { path: 'construction', message: 'construction must be one of spring-dial for scale (or left out); received "dial"' },
    ]);
    const baro = await t.call('POST', '/api/v1/devices', { id: 'bar-dial', tenant: 'acme', type: 'barometer', serial: 'T-2', construction: 'spring-dial' });
    expect(baro.body.error.details).toEqual([
      { path: 'construction', message: 'construction is not used for barometer: its verification interval does not depend on it; leave it out' },
    ]);
  });
});

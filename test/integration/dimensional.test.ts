// Issue 18, dimensional instruments: a profile projector (máy phóng hình) registered through the API with a
// calibration certificate only, checked over MQTT against a 50 mm gauge block and a stage micrometer in mm
// and in µm; its MPE ±(A + L/K) = (3 + L/50) µm, the decisions and, after a drifting series, the drift
// rate and the predicted out-of-tolerance date through the API. Check times are in the past (backfill).
import type { MqttClient } from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';

const DAY = 86_400_000;
const publish = (c: MqttClient, topic: string, body: unknown) => c.publishAsync(topic, JSON.stringify(body), { qos: 1 });

/** Ordinary least squares slope of e on t, written out (no shared code with the gateway). */
function olsSlope(t: number[], e: number[]): number {
  const n = t.length;
  const tm = t.reduce((a, b) => a + b, 0) / n;
  const em = e.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (t[i]! - tm) * (e[i]! - em);
    sxx += (t[i]! - tm) ** 2;
  }
  return sxy / sxx;
}

describe('a profile projector over MQTT and the API', () => {
  let t: TestGateway;
  const calibration = (id: string) => ({
    kind: 'calibration',
    number: `HC-${id}`,
    issuedBy: 'VMI (Viện Đo lường Việt Nam)',
    issuedAt: new Date(Date.now() - 200 * DAY).toISOString(),
    validUntil: new Date(Date.now() + 165 * DAY).toISOString(),
  });
  const register = async (id: string, extra: Record<string, unknown> = {}) => {
    const secret = await t.device({ id, type: 'profile-projector', certificate: false, extra: { model: 'Mitutoyo PJ-A3000', site: 'Phòng QC', ...extra } });
    expect((await t.call('POST', `/api/v1/devices/${id}/certificates`, calibration(id))).status).toBe(201);
    return secret;
  };
  const checksOf = async (id: string, n: number) =>
    vi.waitFor(async () => {
      const items = (await t.call('GET', `/api/v1/devices/${id}/checks`)).body.items;
      expect(items.length, `waiting for ${n} checks`).toBe(n);
      return items as Record<string, any>[];
    }, 30_000);

  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('the type is served by GET /instrument-types with its length-dependent rule', async () => {
    const types = (await t.call('GET', '/api/v1/instrument-types')).body;
    const pj = (types.items ?? types).find((p: { id: string }) => p.id === 'profile-projector');
    expect(pj).toMatchObject({
      quantity: 'length',
      canonicalUnit: 'mm',
      standing: 'calibration',
      mpe: { verification: { kind: 'lengthDependent', a: 3, k: 50, unit: 'um', lengthUnit: 'mm' } },
    });
  });

  it('checks against a 50 mm gauge block and a stage micrometer, in mm and µm: error, MPE (3 + L/50) µm, U and decision', async () => {
    // a 0.1 µm counter (the profile's default is 1 µm): the indications below are values its display shows
    const secret = await register('pj-1', { resolution: 0.0001 });
    const c = await t.connect('pj-1', secret);
    const at = (h: number) => new Date(Date.now() - 48 * 3_600_000 + h * 3_600_000).toISOString();
    const gb = { reference: 50, referenceUncertainty: 0.0003, unit: 'mm', standardId: 'GB-50MM-K1', point: 'GB-50mm' };
    await publish(c, 'instruments/pj-1/checks', { seq: 1, ts: at(0), indicated: 50.002, ...gb });
    await publish(c, 'instruments/pj-1/checks', {
      seq: 2,
      ts: at(1),
      indicated: 50_003,
      reference: 50_000,
      referenceUncertainty: 0.3,
      unit: 'um',
      standardId: 'GB-50MM-K1',
      point: 'GB-50mm',
    });
    await publish(c, 'instruments/pj-1/checks', {
      seq: 3,
      ts: at(2),
      indicated: 50_004.2,
      reference: 50_000,
      referenceUncertainty: 0.3,
      unit: 'µm',
      standardId: 'GB-50MM-K1',
      point: 'GB-50mm',
      regime: 'verification',
    });
    await publish(c, 'instruments/pj-1/checks', {
      seq: 4,
      ts: at(3),
      indicated: 10.003,
      reference: 10,
      referenceUncertainty: 0.0006,
      unit: 'mm',
      standardId: 'SM-10MM-03',
      point: 'SM-10mm',
    });
    const bySeq = new Map((await checksOf('pj-1', 4)).map((x) => [x.seq, x]));

    // At 50 mm: MPE = 3 + 50/50 = 4 µm. U = 2·√((0.3/2)² + (0.1/√12)²) µm = 2·√(0.0225 + 0.00083333) = 0.30551 µm;
    // pass while |e| < 4 − 0.30551 = 3.69449 µm, legal pass while |e| ≤ 4 µm, conditional fail up to 4.30551 µm.
    expect(bySeq.get(1)).toMatchObject({
      unit: 'mm',
      indicated: 50.002,
      reference: 50,
      standardId: 'GB-50MM-K1',
      point: 'GB-50mm',
      regime: 'inService',
      legal: 'pass',
      decision: 'pass',
    });
    for (const seq of [1, 2, 3]) {
      expect(bySeq.get(seq)!.mpe).toBeCloseTo(0.004, 12);
      expect(bySeq.get(seq)!.uncertainty).toBeCloseTo(0.00030551, 8);
    }
    expect(bySeq.get(1)!.error).toBeCloseTo(0.002, 9);
    // Sent in µm, stored in mm: 50 003 µm − 50 000 µm = 3 µm = 0.003 mm < 3.694 µm → pass.
    expect(bySeq.get(2)).toMatchObject({ unit: 'mm', indicated: expect.closeTo(50.003, 9), reference: 50, legal: 'pass', decision: 'pass' });
    expect(bySeq.get(2)!.error).toBeCloseTo(0.003, 9);
    // 4.2 µm at verification (the same limit, inServiceFactor 1): beyond 4 µm, within 4.31 µm → conditional fail.
    expect(bySeq.get(3)).toMatchObject({ regime: 'verification', legal: 'fail', decision: 'conditional-fail' });
    expect(bySeq.get(3)!.error).toBeCloseTo(0.0042, 9);
    // At 10 mm the limit is tighter: MPE = 3 + 10/50 = 3.2 µm; U = 2·√(0.3² + 0.0288675²) µm = 0.60277 µm;
    // 3 µm is within 3.2 but above 3.2 − 0.603 = 2.597 µm → conditional pass (the same 3 µm passed at 50 mm).
    expect(bySeq.get(4)!.mpe).toBeCloseTo(0.0032, 12);
    expect(bySeq.get(4)!.uncertainty).toBeCloseTo(0.00060277, 8);
    expect(bySeq.get(4)).toMatchObject({ legal: 'pass', decision: 'conditional-pass', standardId: 'SM-10MM-03' });

    const ootAlert = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=pj-1&kind=out-of-tolerance&state=open')).body.items[0];
      assert(found, 'waiting for the out-of-tolerance alert of the 4.2 µm check');
      return found;
    }, 10_000);
    expect(ootAlert).toMatchObject({ key: 'GB-50mm', severity: 'critical' });
    expect(ootAlert.summary).toMatch(/conditional-fail \(point GB-50mm, verification\): error 0\.0042 mm against MPE ±0\.004 mm/);
    expect((await t.call('GET', '/api/v1/alerts?device=pj-1&kind=conditional&state=open')).body.items).toEqual([expect.objectContaining({ key: 'SM-10mm' })]);
  });

  it('a calibrated projector is in standing by its calibration: ok readings, no verification alert, config valid', async () => {
    const secret = await register('pj-2');
    const c = await t.connect('pj-2', secret);
    const box = inbox(c);
    await c.subscribeAsync('instruments/pj-2/config', { qos: 1 });
    await publish(c, 'instruments/pj-2/readings', {
      seq: 1,
      ts: new Date(Date.now() - 60_000).toISOString(),
      quantity: 'length',
      value: 12_702,
      unit: 'um',
      axis: 'X',
    });
    const readings = await vi.waitFor(async () => {
      const items = (await t.call('GET', '/api/v1/devices/pj-2/readings')).body.items;
      expect(items).toHaveLength(1);
      return items;
    }, 10_000);
    // Sent as 12 702 µm, stored in mm with the value as sent kept as raw, the axis as a tag.
    expect(readings[0]).toMatchObject({ seq: 1, quantity: 'length', status: 'ok', value: expect.closeTo(12.702, 9), raw: 12_702, tags: { axis: 'X' } });
    t.gateway.reviewVerifications();
    const config = await box.waitFor((m) => m.topic === 'instruments/pj-2/config');
    expect(config.payload).toMatchObject({ lockout: false, verification: { state: 'valid' } });
    expect((await t.call('GET', '/api/v1/devices/pj-2')).body.verification).toMatchObject({ state: 'valid' });
    expect((await t.call('GET', '/api/v1/alerts?device=pj-2')).body.items).toEqual([]);
  });

  it('a projector whose calibration lapsed, or was never calibrated: its alerts and config say calibration, not verification', async () => {
    // Calibrated 400 days ago for 365 days (within the type's 12 months): lapsed 35 days ago.
    const issued = Math.floor((Date.now() - 400 * DAY) / 1000) * 1000;
    const until = new Date(issued + 365 * DAY).toISOString();
    const secret = await t.device({ id: 'pj-3', type: 'profile-projector', certificate: false });
    const cert = { kind: 'calibration', number: 'HC-pj-3', issuedBy: 'VMI', issuedAt: new Date(issued).toISOString(), validUntil: until };
    expect((await t.call('POST', '/api/v1/devices/pj-3/certificates', cert)).status).toBe(201);
    const c = await t.connect('pj-3', secret);
    const box = inbox(c);
    await c.subscribeAsync('instruments/pj-3/config', { qos: 1 });
    t.gateway.reviewVerifications();
    const config = await box.waitFor((m) => m.topic === 'instruments/pj-3/config' && m.payload.verification?.state === 'expired');
    expect(config.payload.verification).toEqual({ state: 'expired', validUntil: until, basis: 'calibration' });
    const lapsed = await vi.waitFor(async () => {
      const items = (await t.call('GET', '/api/v1/alerts?device=pj-3')).body.items;
      expect(items).toHaveLength(1);
      return items[0];
    }, 10_000);
    // its day in the enterprise's zone (MAG_DEFAULT_TIME_ZONE, Vietnam: UTC+7 all year), not its UTC date
    const lapsedOn = new Date(Date.parse(until) + 7 * 3_600_000).toISOString().slice(0, 10);
    expect(lapsed).toMatchObject({ kind: 'verification-overdue', summary: `Calibration expired on ${lapsedOn}` });
    expect(lapsed.details.verification).toEqual({ state: 'expired', validUntil: until, basis: 'calibration' });
    expect((await t.call('GET', '/api/v1/devices/pj-3')).body.verification).toEqual({ state: 'expired', validUntil: until, basis: 'calibration' });

    // No calibration at all: its readings are stored unverified and say why.
    const s4 = await t.device({ id: 'pj-4', type: 'profile-projector', certificate: false });
    const c4 = await t.connect('pj-4', s4);
    await publish(c4, 'instruments/pj-4/readings', { seq: 1, ts: new Date(Date.now() - 60_000).toISOString(), quantity: 'length', value: 12.7, unit: 'mm' });
    const uncalibrated = await vi.waitFor(async () => {
      const items = (await t.call('GET', '/api/v1/alerts?device=pj-4')).body.items;
      expect(items).toHaveLength(1);
      return items[0];
    }, 10_000);
    expect(uncalibrated).toMatchObject({ kind: 'verification-overdue', summary: 'Readings from an instrument without valid calibration (none)' });
    expect((await t.call('GET', '/api/v1/devices/pj-4/readings')).body.items[0]).toMatchObject({ seq: 1, status: 'unverified' });
  });

  it("a calibration certificate longer than the projector's 12-month interval is capped at it, with a warning; a verification certificate is not", async () => {
    await t.device({ id: 'pj-5', type: 'profile-projector', certificate: false });
    const body = { number: 'HC-pj-5', issuedBy: 'VMI', issuedAt: '2025-01-10T00:00:00Z', validUntil: '2027-01-10T00:00:00Z' };
    const cal = await t.call('POST', '/api/v1/devices/pj-5/certificates', { kind: 'calibration', ...body });
    expect(cal.body).toMatchObject({
      dueAt: '2026-01-10T16:59:59.999Z', // through the 10th in Vietnam, the enterprise's zone (00:00Z is 07:00 there)
      warnings: [
        'certificate HC-pj-5 is valid until 2027-01-10, longer than the calibration interval of 12 months: the instrument is due on 2026-01-10 (issued 2025-01-10 + 12 months)',
      ],
    });
    // a verification certificate does not keep a projector in standing: no due date, no interval warning
    const ver = await t.call('POST', '/api/v1/devices/pj-5/certificates', { kind: 'verification', ...body, number: 'V-pj-5' });
    expect(ver.body.warnings).toEqual([]);
    expect(ver.body.dueAt).toBeUndefined();
  });

  it('a drifting stage: GET /devices/{id}/drift gives the slope and a predicted out-of-tolerance date, and predicted-oot opens before any check fails', async () => {
    const secret = await register('pj-drift');
    const c = await t.connect('pj-drift', secret);
    const start = Math.floor((Date.now() - 170 * DAY) / 3_600_000) * 3_600_000; // on the hour, 170 days ago
    // 0.02 µm a day at the 50 mm gauge block (the stage scale ageing 146 µm/m a year), small deterministic noise,
    // indicated as the projector's 1 µm counter shows it: errors 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2 µm.
    const noise = [0.1, -0.05, 0.08, -0.1, 0.05, -0.03, 0.07, -0.06, 0.04, -0.08, 0.1, -0.04];
    const days: number[] = [];
    const errorsMm: number[] = [];
    for (let i = 0; i < noise.length; i++) {
      const d = 10 * i;
      const eUm = Math.round(0.02 * d + noise[i]!);
      days.push(d);
      errorsMm.push(eUm / 1000);
      const ts = new Date(start + d * DAY).toISOString();
      // Every other check in µm: the series is one series whatever the unit sent.
      const body =
        i % 2 === 0
          ? { indicated: 50 + eUm / 1000, reference: 50, referenceUncertainty: 0.0003, unit: 'mm' }
          : { indicated: 50_000 + eUm, reference: 50_000, referenceUncertainty: 0.3, unit: 'um' };
      await publish(c, 'instruments/pj-drift/checks', { seq: i + 1, ts, ...body, standardId: 'GB-50MM-K1', point: 'GB-50mm' });
    }
    const checks = await checksOf('pj-drift', noise.length);
    expect(checks.every((x) => x.decision === 'pass')).toBe(true); // the largest error, 2 µm from day 80, is within 3.35 µm

    const drift = (await t.call('GET', '/api/v1/devices/pj-drift/drift')).body;
    const s = drift.bySeries.find((x: { series: string }) => x.series === 'point=GB-50mm,regime=inService');
    expect(s).toMatchObject({ points: 12, tolerance: expect.closeTo(0.004, 12) });
    expect(s.slopePerDay).toBeCloseTo(olsSlope(days, errorsMm), 9);
    expect(s.slopePerDay * 1000).toBeCloseTo(0.02, 2); // µm a day
    // TL − U = 4 − 0.65064 = 3.34936 µm.
    expect(s.guardedLimit).toBeCloseTo(0.00334936, 8);
    // The line (0.0206 µm a day from −0.05 µm) reaches 3.35 µm at ≈ day 165; the 95 % prediction bound earlier, but not before the last check (day 110, 2 µm).
    expect(s.predictedOutOfToleranceAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const predicted = Date.parse(s.predictedOutOfToleranceAt);
    expect(predicted).toBeGreaterThan(start + 110 * DAY);
    expect(predicted).toBeLessThanOrEqual(start + 168 * DAY);
    expect(drift.predictedOutOfToleranceAt).toBe(s.predictedOutOfToleranceAt);

    const alert = await vi.waitFor(async () => {
      const found = (await t.call('GET', '/api/v1/alerts?device=pj-drift&kind=predicted-oot&state=open')).body.items[0];
      assert(found, 'waiting for predicted-oot');
      return found;
    }, 10_000);
    expect(alert).toMatchObject({ key: 'point=GB-50mm,regime=inService' });
    // the due date it is set against is the projector's calibration's (registered valid for 365 days, 200 ago)
    // its day in the enterprise's zone (Vietnam, UTC+7), as the summary names days
    const until = (await t.call('GET', '/api/v1/devices/pj-drift')).body.verification.validUntil;
    const calibrationDue = new Date(Date.parse(until) + 7 * 3_600_000).toISOString().slice(0, 10);
    expect(alert.summary).toMatch(new RegExp(`; calibration due ${calibrationDue}\\)$`));
    expect(alert.details).toMatchObject({ dueBasis: 'calibration' });
    expect((await t.call('GET', '/api/v1/alerts?device=pj-drift&kind=out-of-tolerance')).body.items).toEqual([]);
  });
});

// Issue 4, drift: a slow linear drift of check errors raises `predicted-oot` before any check fails, a
// step bias raises `drift`, the statistics survive a restart on the same data dir, and a new calibration
// certificate clears both alerts with a recorded reason. All check times are in the past (backfill).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const DAY = 86_400_000;
// Barometer, default class: TL = 0.3 hPa. U = 2·√((0.02/2)² + (0.01/√12)²) = 0.020817 hPa → pass while |e| ≤ 0.279183.
const TL = 0.3;
const U = 2 * Math.sqrt(0.01 ** 2 + 0.01 ** 2 / 12);

/** Ordinary least squares slope of e on t, written out (no shared code with the gateway). */
function olsSlope(t: number[], e: number[]): number {
  const n = t.length;
  const tm = t.reduce((a, b) => a + b, 0) / n;
  const em = e.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (t[i] - tm) * (e[i] - em);
    sxx += (t[i] - tm) ** 2;
  }
  return sxy / sxx;
}

/** t statistic of the OLS slope, b / √(s²/Stt), written out. */
function slopeT(t: number[], e: number[]): number {
  const n = t.length;
  const tm = t.reduce((a, b) => a + b, 0) / n;
  const b = olsSlope(t, e);
  const a = e.reduce((x, y) => x + y, 0) / n - b * tm;
  const sse = e.reduce((acc, y, i) => acc + (y - a - b * t[i]) ** 2, 0);
  const stt = t.reduce((acc, x) => acc + (x - tm) ** 2, 0);
  return Math.abs(b) / Math.sqrt(sse / (n - 2) / stt);
}
/** Student t quantiles t_{0.9995, df}, df = 2 … 11 (tables). */
const T9995 = [NaN, NaN, 31.599, 12.924, 8.61, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437];

describe('drift statistics and alerts from checks over MQTT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-drift-'));
  let t: TestGateway;
  const start = Math.floor((Date.now() - 170 * DAY) / 3_600_000) * 3_600_000; // on the hour, 170 days ago
  const ramp = { days: [] as number[], errors: [] as number[] };

  beforeAll(async () => {
    t = await startTestGateway({}, dir);
  });
  afterAll(async () => {
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (c: MqttClient, device: string, seq: number, ts: number, error: number) =>
    c.publishAsync(
      `instruments/${device}/checks`,
      JSON.stringify({
        seq,
        ts: new Date(ts).toISOString(),
        indicated: 1000 + error,
        reference: 1000,
        referenceUncertainty: 0.02,
        unit: 'hPa',
        standardId: 'REF-BARO-1',
      }),
      { qos: 1 },
    );

  it('a slow linear drift raises predicted-oot while every check still passes', async () => {
    const secret = await t.device({ id: 'bar-drift', type: 'barometer' });
    const c = await t.connect('bar-drift', secret);
    // noise in the barometer's 0.01 hPa display steps: the errors are 0.01, 0.02, 0.06, 0.08, 0.13, 0.15, 0.19, 0.20, 0.24, 0.26, 0.31, 0.33
    const noise = [0.01, -0.01, 0, -0.01, 0.01, 0, 0.01, -0.01, 0, -0.01, 0.01, 0];
    let firstPredictedAt = -1;
    let firstFailAt = -1;
    let predictedDate: string | undefined;
    for (let i = 0; i < noise.length; i++) {
      const d = 15 * i;
      const e = Math.round((0.002 * d + noise[i]) * 100) / 100; // 0.002 hPa/day, as the display shows it
      ramp.days.push(d);
      ramp.errors.push(e);
      await check(c, 'bar-drift', i + 1, start + d * DAY, e);
      const checks = await vi.waitFor(async () => {
        const items = (await t.call('GET', '/api/v1/devices/bar-drift/checks')).body.items;
        expect(items.length, `waiting for check ${i + 1}`).toBe(i + 1);
        return items;
      }, 30_000);
      const latest = checks.find((x: { seq: number }) => x.seq === i + 1);
      if (firstFailAt < 0 && (latest.decision === 'conditional-fail' || latest.decision === 'fail')) firstFailAt = i;
      const predicted = (await t.call('GET', '/api/v1/alerts?device=bar-drift&kind=predicted-oot&state=open')).body.items[0];
      if (predicted && firstPredictedAt < 0) {
        firstPredictedAt = i;
        predictedDate = predicted.details.predictedOutOfToleranceAt;
        // Nothing out of tolerance yet when the prediction opens.
        expect(
          checks.every((x: { decision: string; legal: string }) => x.legal === 'pass' && (x.decision === 'pass' || x.decision === 'conditional-pass')),
        ).toBe(true);
        expect((await t.call('GET', '/api/v1/alerts?device=bar-drift&kind=out-of-tolerance')).body.items).toHaveLength(0);
        expect(predicted.severity).toMatch(/^(warning|critical)$/);
      }
    }
    // A date needs 4 points and a slope significant at 99.9 % (t_{0.9995, n−2}, recomputed here),
    // and the alert needs it on two checks in a row; the series crosses TL (0.3) at day ≈ 150
    // (check 11, conditional fail).
    const dated = (i: number) => i >= 3 && slopeT(ramp.days.slice(0, i + 1), ramp.errors.slice(0, i + 1)) > T9995[i - 1];
    const expectedFirst = ramp.days.findIndex((_, i) => dated(i) && dated(i - 1));
    expect(expectedFirst).toBeGreaterThanOrEqual(4);
    expect(firstPredictedAt).toBe(expectedFirst);
    expect(firstFailAt).toBe(10);
    expect(firstPredictedAt).toBeLessThan(firstFailAt);
    // The predicted date (from the 95 % prediction bound reaching TL − U) is no later than the first failing check.
    expect(predictedDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Date.parse(predictedDate!)).toBeLessThanOrEqual(start + 150 * DAY);
    expect(Date.parse(predictedDate!)).toBeGreaterThan(start + 45 * DAY);
  });

  it('GET /devices/{id}/drift reports points, EWMA, CUSUM, slope per day and the predicted date', async () => {
    const r = await t.call('GET', '/api/v1/devices/bar-drift/drift');
    expect(r.status).toBe(200);
    const s = r.body;
    expect(s.points).toBe(ramp.errors.length);
    expect(s.slopePerDay).toBeCloseTo(olsSlope(ramp.days, ramp.errors), 9);
    expect(s.slopePerDay).toBeCloseTo(0.002, 3);
    // On x = e/MPE (docs/metrology.md §5). Phase I, the first 8 checks (the barometer profile's phaseIChecks;
    // 5 before h 5 and Phase I 8): σ = MR̄/1.128, MR̄ the mean of the 7 moving ranges |x_i − x_{i−1}|, never
    // below a check's own U/2 (in e/MPE); μ0 their mean if it differs from 0 (two-sided t-test at 95 %:
    // |x̄| > t(0.975, 7)·σ/√8, t = 2.3646), else 0. Once Phase I completes both are frozen and EWMA (λ = 0.2,
    // z0 = μ0) and tabular CUSUM (k = 0.5σ) are recomputed from the first check with them. Reported back × MPE
    // (0.3 hPa).
    const phaseI = 8;
    expect(ramp.errors.length).toBeGreaterThan(phaseI);
    const xs = ramp.errors.map((e) => e / TL);
    let sumMr = 0;
    for (let i = 1; i < phaseI; i++) sumMr += Math.abs(xs[i] - xs[i - 1]);
    const mrBar = sumMr / (phaseI - 1);
    const phaseISigma = mrBar / 1.128;
    const spread = Math.max(phaseISigma, U / TL / 2);
    const phaseIMean = xs.slice(0, phaseI).reduce((a, x) => a + x, 0) / phaseI;
    const mu0 = Math.abs(phaseIMean) > (2.3646242510102993 * spread) / Math.sqrt(phaseI) ? phaseIMean : 0;
    let z = mu0;
    for (const x of xs) z = 0.2 * x + 0.8 * z;
    expect(s.ewma).toBeCloseTo(z * TL, 9);
    expect(s.mu0).toBeCloseTo(mu0 * TL, 9);
    let sh = 0;
    let sl = 0;
    for (const x of xs) {
      const sigma = Math.max(phaseISigma, U / TL / 2);
      sh = Math.max(0, x - (mu0 + 0.5 * sigma) + sh);
      sl = Math.max(0, mu0 - 0.5 * sigma - x + sl);
    }
    expect(s.cusum.high).toBeCloseTo(sh * TL, 9);
    expect(s.cusum.low).toBeCloseTo(sl * TL, 9);
    expect(s.sigma).toBeCloseTo(Math.max(phaseISigma, U / TL / 2) * TL, 9);
    expect(s.predictedOutOfToleranceAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(s.tolerance).toBeCloseTo(TL, 9);
    expect(s.guardedLimit).toBeCloseTo(TL - U, 6);
    // The device view carries the drift summary too.
    const dev = await t.call('GET', '/api/v1/devices/bar-drift');
    expect(dev.body.drift[0]).toMatchObject({ points: ramp.errors.length, predictedOutOfToleranceAt: s.predictedOutOfToleranceAt });
  });

  it('a step bias raises a drift alert (CUSUM) with every check still passing', async () => {
    const secret = await t.device({ id: 'bar-step', type: 'barometer' });
    const c = await t.connect('bar-step', secret);
    // Eight quiet checks make the barometer's Phase I (phaseIChecks 8), mean 0 → μ0 = 0; then a step of
    // 0.2 hPa (x ≈ 0.67). With the former six quiet checks (Phase I 5) the step's first two checks would now
    // fall in Phase I and become part of the baseline (docs/metrology.md §5, the cost of a longer Phase I).
    const errors = [0.01, -0.01, 0, -0.01, 0.01, 0, -0.01, 0.01, 0.2, 0.19, 0.21, 0.2];
    for (let i = 0; i < errors.length; i++) await check(c, 'bar-step', i + 1, start + i * 7 * DAY, errors[i]);
    const drift = await vi.waitFor(async () => {
      const a = (await t.call('GET', '/api/v1/alerts?device=bar-step&kind=drift&state=open')).body.items[0];
      assert(a, 'waiting for the drift alert');
      return a;
    }, 30_000);
    expect(drift).toMatchObject({ severity: 'warning', kind: 'drift' });
    expect(drift.summary).toMatch(/CUSUM/);
    const checks = (await t.call('GET', '/api/v1/devices/bar-step/checks')).body.items;
    expect(checks).toHaveLength(errors.length);
    expect(checks.every((x: { decision: string }) => x.decision === 'pass')).toBe(true);
    const s = (await t.call('GET', '/api/v1/devices/bar-step/drift')).body;
    expect(s.mu0).toBe(0);
    expect(s.cusum.high).toBeGreaterThan(s.cusum.threshold);
  });

  it('rebuilds the same drift state after a restart on the same data dir', async () => {
    const before = (await t.call('GET', '/api/v1/devices/bar-drift/drift')).body;
    const beforeStep = (await t.call('GET', '/api/v1/devices/bar-step/drift')).body;
    await t.stop();
    t = await startTestGateway({}, dir);
    expect((await t.call('GET', '/api/v1/devices/bar-drift/drift')).body).toEqual(before);
    expect((await t.call('GET', '/api/v1/devices/bar-step/drift')).body).toEqual(beforeStep);
    // Still one open alert of each kind (not duplicated by the restart).
    expect((await t.call('GET', '/api/v1/alerts?device=bar-drift&kind=predicted-oot&state=open')).body.items).toHaveLength(1);
  });

  it('a new calibration certificate clears drift and predicted-oot with a recorded reason and restarts the statistics', async () => {
    for (const device of ['bar-drift', 'bar-step']) {
      const open = (await t.call('GET', `/api/v1/alerts?device=${device}&state=open`)).body.items.filter(
        (a: { kind: string }) => a.kind === 'drift' || a.kind === 'predicted-oot',
      );
      expect(open.length, `${device} drift alerts`).toBeGreaterThan(0);
      const cert = await t.call('POST', `/api/v1/devices/${device}/certificates`, {
        kind: 'calibration',
        number: `CAL-${device}`,
        issuedBy: 'VMI',
        issuedAt: new Date(Date.now() - DAY).toISOString(),
        validUntil: new Date(Date.now() + 365 * DAY).toISOString(),
      });
      expect(cert.status).toBe(201);
      for (const a of open) {
        const after = (await t.call('GET', `/api/v1/alerts/${a.id}`)).body;
        expect(after.state, `${device} ${a.kind}`).toBe('resolved');
        expect(after.resolvedBy).toBe('system');
        expect(after.resolution.note).toMatch(/calibration/);
        expect(Date.parse(after.resolvedAt)).not.toBeNaN();
      }
      const s = (await t.call('GET', `/api/v1/devices/${device}/drift`)).body;
      expect(s).toMatchObject({ points: 0, slopePerDay: null, predictedOutOfToleranceAt: null });
    }
  });

  it('a dispenser whose errors always favour the seller raises seller-favoured at the 5th check, and GET drift says why', async () => {
    const secret = await t.device({ id: 'fd-seller', type: 'fuel-dispenser' });
    const c = await t.connect('fd-seller', secret);
    // docs/metrology.md §6. Against a 20 L proving measure (U_ref 0.01 L) in trade: TL = 0.45 % × 20 L = 0.09 L,
    // U = 0.011547 L. Indicated 20.06 L: error +0.06 L (0.667 of the MPE), a pass (below TL − U = 0.0785 L),
    // and 0.06 L charged for fuel not delivered. The rule: 5 non-zero errors, sign test p ≤ 0.05, mean ≥ 0.5 MPE.
    const t0 = Date.now() - 30 * DAY;
    const publish = (seq: number) =>
      c.publishAsync(
        'instruments/fd-seller/checks',
        JSON.stringify({
          seq,
          ts: new Date(t0 + seq * DAY).toISOString(),
          indicated: 20.06,
          reference: 20,
          referenceUncertainty: 0.01,
          unit: 'L',
          standardId: 'PM-20L-07',
          point: 'Qmax',
        }),
        { qos: 1 },
      );
    const series = 'point=Qmax,regime=inService';
    const favour = async () =>
      (await t.call('GET', '/api/v1/devices/fd-seller/drift')).body.bySeries.find((x: { series: string }) => x.series === series)?.sellerFavour;
    for (const seq of [1, 2, 3, 4]) await publish(seq);
    // 4 of 4 on the seller's side: p = 1/16 and fewer than 5 checks, nothing yet
    await vi.waitFor(async () => expect(await favour()).toMatchObject({ checksCounted: 4, onSellerSide: 4, pValue: 0.0625, finding: false }), 30_000);
    expect((await t.call('GET', '/api/v1/alerts?device=fd-seller&kind=seller-favoured')).body.items).toEqual([]);
    await publish(5);
    const alert = await vi.waitFor(async () => {
      const a = (await t.call('GET', '/api/v1/alerts?device=fd-seller&kind=seller-favoured&state=open')).body.items[0];
      assert(a, 'waiting for the seller-favoured alert');
      return a;
    }, 30_000);
    expect(alert).toMatchObject({
      kind: 'seller-favoured',
      key: series,
      severity: 'warning',
      details: {
        checksCounted: 5,
        onSellerSide: 5,
        onBuyerSide: 0,
        pValue: 0.03125,
        unit: 'L',
        rule: { errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5 },
      },
    });
    expect(alert.details.meanError).toBeCloseTo(0.06, 9);
    expect(alert.details.mpe).toBeCloseTo(0.09, 9);
    expect(alert.summary).toMatch(
      /^Errors favour the seller \(point Qmax, in service\): 5 of 5 checks on the seller's side \(sign test p = 0\.03125\), mean \+0\.06 L/,
    );
    expect(await favour()).toMatchObject({ checksCounted: 5, onSellerSide: 5, onBuyerSide: 0, pValue: 0.03125, finding: true });
    // every check passed: the charts and the decisions see nothing wrong
    const checks = (await t.call('GET', '/api/v1/devices/fd-seller/checks')).body.items;
    expect(checks.map((x: { decision: string }) => x.decision)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
  });
});

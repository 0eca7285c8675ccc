// Issue 7: the shipped demo fleet (simulators/fleets/demo.json, 27 instruments, 120 simulated days)
// against a real gateway (in-process; real MQTT over TCP, real HTTP API, SQLite on disk), run on a
// shorter wall-clock duration: every scenario raises the alert it is built for, the healthy
// instruments raise none, and the drift rates the models inject are the ones the gateway measures.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleet, type FleetReport } from '../../simulators/fleet.ts';
import { loadFleet } from '../../simulators/fleet-file.ts';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';

const DEMO = join(PACKAGE_ROOT, 'simulators/fleets/demo.json');
const DAYS_PER_MONTH = 30.4375;

interface AlertView {
  openedAt: string;
  device: string;
  kind: string;
  key?: string;
  state: string;
  summary: string;
  details?: Record<string, unknown>;
}

describe('the demo fleet against a real gateway', () => {
  let gw: TestGateway;
  let report: FleetReport;
  let alerts: AlertView[] = [];
  /** When the simulated timeline reached its end: at the stop, every device says offline (clean shutdown). */
  let timelineEnd = 0;
  /**
   * A drift or predicted-oot alert's key is its series, "gas=CO,point=bump,regime=inService" (`part`: one of
   * its parts); an out-of-tolerance or conditional alert's is the gas, else the test point.
   */
  const inSeries = (key: string | undefined, part: string) => (key ?? '').split(',').includes(part);
  const has = (device: string, kind: string, part?: string) =>
    alerts.some((a) => a.device === device && a.kind === kind && (part === undefined || inSeries(a.key, part)));
  const listing = () => alerts.map((a) => `${a.device}:${a.kind}${a.key ? `/${a.key}` : ''}(${a.state})`).join(', ');

  beforeAll(async () => {
    gw = await startTestGateway({ MAG_JOURNAL_SYNC: 'normal' });
    report = await runFleet({
      fleet: DEMO,
      apiUrl: gw.api,
      mqttUrl: gw.mqttUrl,
      adminToken: ADMIN_TOKEN,
      durationSeconds: 20,
      log: (line) => {
        if (/^stopping: /.test(line)) timelineEnd = Date.now();
      },
    });
    await gw.drained();
    expect(timelineEnd).toBeGreaterThan(0);
    // The offline alerts of the final shutdown are not part of any scenario.
    const all: AlertView[] = (await gw.call('GET', '/api/v1/alerts?limit=5000')).body.items;
    alerts = all.filter((a) => !(a.kind === 'offline' && Date.parse(a.openedAt) >= timelineEnd));
  }, 180_000);
  afterAll(async () => {
    await gw?.destroy();
  });

  it('runs the whole fleet without errors', async () => {
    const fleet = await loadFleet(DEMO);
    expect(report.devices).toBe(27);
    expect(report.connected).toBe(27);
    expect(report.errors, report.errorMessages.join('\n')).toBe(0);
    expect(report.simulated.acceleration).toBeCloseTo(((fleet.simulatedDays ?? NaN) * 86_400) / 20, 0);
    expect(report.sent.checks).toBeGreaterThan(1000);
  });

  it('each scenario raises the alert it is built for', () => {
    expect(
      alerts.some((a) => a.device === 'tn-gd-fail' && a.kind === 'out-of-tolerance' && a.key === 'CO'),
      listing(),
    ).toBe(true);
    expect(has('hue-baro-step', 'drift'), listing()).toBe(true);
    for (const [device, key] of [
      ['hn-fd-drift', 'point=Qmax'],
      ['tn-gd-decay', 'gas=CO'],
      ['hue-ba-drift', 'point=dry-gas-0.800'],
      ['bn-pj-drift', 'point=GB-50mm'],
    ]) {
      expect(has(device, 'predicted-oot', key), `${device} predicted-oot: ${listing()}`).toBe(true);
      // … before any check of that series failed.
      const gasOrPoint = key.split('=')[1];
      expect(
        alerts.some((a) => a.device === device && a.kind === 'out-of-tolerance' && a.key === gasOrPoint),
        `${device} out-of-tolerance: ${listing()}`,
      ).toBe(false);
    }
    expect(has('tn-fd-tamper', 'tamper'), listing()).toBe(true);
    expect(has('bg-sc-expired', 'verification-overdue'), listing()).toBe(true);
    expect(has('hue-baro-flaky', 'offline'), listing()).toBe(true);
    // the certificate of tn-gd-decay's cylinder ran out 40 days ago: its later checks are not traceable
    expect(has('tn-gd-decay', 'untraceable-check', 'CYL-4G-2024-0917-CO'), listing()).toBe(true);
    // the rice line's fill drifts down: its second lot fails on the mean, its first passes
    expect(has('tt-cw-line1', 'lot-fail', 'TT-ST25-0002'), listing()).toBe(true);
    expect(has('tt-cw-line1', 'lot-fail', 'TT-ST25-0001'), listing()).toBe(false);
  });

  it('a purchasing scale weighing light opens buyer-favoured; a station whose dispensers lean its way is a place finding', async () => {
    // tn-sc-buyer, the cassava purchasing point's class III scale (Max 300 kg, e = 0.1 kg), registered with use
    // "purchasing" (its user is the buyer), weighs light by 0.04 kg + 0.046 %: −0.063 kg at 50 kg (500e, MPE in
    // service 2 × 0.5e = 0.1 kg), −0.132 kg at 200 kg (2000e, 2 × 1e = 0.2 kg), −0.178 kg at 300 kg (2 × 1.5e =
    // 0.3 kg), found by the change-point method about 0.005 kg lower: −0.7, −0.7 and −0.6 of the MPE. Every check
    // passes (|E| + U ≤ MPE) and falls on the buyer's side: 5 of 5 in a series is p = 1/2^5 = 1/32 ≤ 0.05 with a
    // mean beyond half the MPE, so each test point's series opens buyer-favoured at its fifth check (day 25).
    const device = (await gw.call('GET', '/api/v1/devices/tn-sc-buyer')).body;
    expect(device).toMatchObject({ use: 'purchasing', class: 'III', e: 0.1, max: 300 });
    const buyer = alerts.filter((a) => a.device === 'tn-sc-buyer' && a.kind === 'buyer-favoured');
    expect(buyer.map((a) => a.key).sort(), listing()).toEqual(['point=2000e,regime=inService', 'point=500e,regime=inService', 'point=Max,regime=inService']);
    for (const a of buyer) {
      expect(a.state, a.key).not.toBe('resolved');
      expect(a.details, a.key).toMatchObject({ favoured: 'buyer', onSellerSide: 0 });
      expect(a.details!.checksCounted as number, a.key).toBeGreaterThanOrEqual(5);
      expect(a.details!.meanErrorMpe as number, a.key).toBeLessThan(-0.55);
      expect(a.details!.meanErrorMpe as number, a.key).toBeGreaterThan(-0.75);
    }
    const checks = (await gw.call('GET', '/api/v1/devices/tn-sc-buyer/checks?limit=100000')).body.items as { decision: string; error: number }[];
    expect(checks.filter((c) => c.decision !== 'pass' || c.error >= 0)).toEqual([]);
    // nothing of the kind for the seller's side of the same scale
    expect(has('tn-sc-buyer', 'seller-favoured'), listing()).toBe(false);

    // GET /places, the last 90 days (src/oversight/places-leaning.ts), findings first, by p:
    // - CHXD Gò Dầu: tn-fd-001 and -002, each +0.0165 L + 0.165 % (+0.0495 L at 20 L, 0.55 of the 0.09 L MPE in
    //   service; +0.02475 L at the 5 L MMQ, 0.55 of 0.045 L), proved every 3 days at Qmax and at the MMQ: about 30
    //   + 30 checks each in the period, all in the station's favour: p = 1/2^m (m ≈ 120, p ≈ 1e-36), mean ≈ 0.55;
    // - the purchasing point: 3 checks every 5 days, about 18 sessions, m ≈ 54, all in the buyer's favour: p = 1/2^m.
    // The dispensers' own series open seller-favoured too (5 of 5, p = 1/32, from the 5th proving).
    const places = (await gw.call('GET', '/api/v1/places')).body.items as {
      tenant: string;
      site: string;
      type: string;
      favoured: string;
      finding: boolean;
      instruments: number;
      checksCounted: number;
      onSellerSide: number;
      onBuyerSide: number;
      pValue: number;
      meanErrorMpe: number;
    }[];
    const findings = places.filter((p) => p.finding);
    expect(findings.map((p) => [p.tenant, p.site, p.type, p.favoured, p.instruments])).toEqual([
      ['tayninh-xd', 'CHXD Gò Dầu', 'fuel-dispenser', 'seller', 2],
      ['tn-thumua-mi', 'Điểm thu mua mì củ tươi, Tân Châu', 'scale', 'buyer', 1],
    ]);
    const [station, point] = findings;
    expect(station.checksCounted).toBeGreaterThanOrEqual(100);
    expect([station.onSellerSide, station.onBuyerSide]).toEqual([station.checksCounted, 0]);
    expect(station.pValue).toBe(1 / 2 ** station.checksCounted);
    expect(station.meanErrorMpe).toBeGreaterThan(0.5);
    expect(station.meanErrorMpe).toBeLessThan(0.6);
    expect(point.checksCounted).toBeGreaterThanOrEqual(45);
    expect([point.onSellerSide, point.onBuyerSide]).toEqual([0, point.checksCounted]);
    expect(point.pValue).toBe(1 / 2 ** point.checksCounted);
    expect(point.meanErrorMpe).toBeLessThan(-0.6);
    expect(point.meanErrorMpe).toBeGreaterThan(-0.7);
    for (const d of ['tn-fd-001', 'tn-fd-002']) expect(has(d, 'seller-favoured', 'point=Qmax'), listing()).toBe(true);
  });

  it("registers the reference standards the checks cite: the healthy instruments' checks are traceable", async () => {
    const standards = (await gw.call('GET', '/api/v1/standards')).body.items as { id: string; state: string }[];
    expect(standards).toHaveLength(23);
    expect(standards.filter((s) => s.state !== 'valid').map((s) => s.id)).toEqual([
      'CYL-4G-2024-0917-CH4',
      'CYL-4G-2024-0917-CO',
      'CYL-4G-2024-0917-H2S',
      'CYL-4G-2024-0917-O2',
    ]);
    for (const device of [
      'hn-fd-001',
      'hn-gd-001',
      'hn-baro-001',
      'bg-sc-001',
      'hue-ba-001',
      'tn-gd-fail',
      'bn-pj-drift',
      'bn-wm-001',
      'bn-wm-002',
      'tn-sc-buyer',
    ]) {
      const checks = (await gw.call('GET', `/api/v1/devices/${device}/checks?limit=100000`)).body.items as {
        traceable: boolean | null;
        traceabilityIssue?: string;
      }[];
      expect(checks.length, device).toBeGreaterThan(0);
      expect(
        checks.filter((c) => c.traceable !== true).map((c) => c.traceabilityIssue),
        device,
      ).toEqual([]);
    }
    const decay = (await gw.call('GET', '/api/v1/devices/tn-gd-decay/checks?limit=100000')).body.items as { traceable: boolean; traceabilityKind?: string }[];
    expect(new Set(decay.filter((c) => !c.traceable).map((c) => c.traceabilityKind))).toEqual(new Set(['expired']));
    expect(decay.some((c) => c.traceable)).toBe(true); // before it ran out
  });

  it("declares the checkweigher's lots and judges them from the packages it weighed", async () => {
    expect(report.sent.packages).toBeGreaterThan(0);
    const lots = (await gw.call('GET', '/api/v1/lots?tenant=thachthat-food')).body.items;
    expect(
      lots.map((l: { id: string; verdict: string; scale: { id: string; suitable: boolean } }) => [l.id, l.verdict, l.scale.id, l.scale.suitable]).sort(),
    ).toEqual([
      ['TT-ST25-0001', 'pass', 'tt-cw-line1', true],
      ['TT-ST25-0002', 'fail', 'tt-cw-line1', true],
    ]);
    const failed = lots.find((l: { id: string }) => l.id === 'TT-ST25-0002');
    expect(failed.mean).toBeLessThan(failed.averageLimit);
  });

  it("the water meters: registers that only grow, and checks at Q1, Q2 and Q3 judged by their flow zone's MPE, all passing", async () => {
    // both class 2: 5 % × 10 L = 0.5 L at Q1, 2 % × 100 L = 2 L at Q2 and Q3
    for (const device of ['bn-wm-001', 'bn-wm-002']) {
      const readings = (await gw.call('GET', `/api/v1/devices/${device}/readings?limit=10000`)).body.items as { ts: string; value: number }[];
      expect(readings.length, device).toBeGreaterThan(100);
      const values = readings.sort((a, b) => a.ts.localeCompare(b.ts)).map((r) => r.value);
      expect(
        values.every((v, i) => i === 0 || v >= values[i - 1]),
        device,
      ).toBe(true);
      const checks = (await gw.call('GET', `/api/v1/devices/${device}/checks?limit=100000`)).body.items as { point: string; mpe: number; decision: string }[];
      expect(new Set(checks.map((c) => c.point))).toEqual(new Set(['Q1', 'Q2', 'Q3']));
      for (const c of checks) expect(c.mpe, `${device} ${c.point}`).toBeCloseTo(c.point === 'Q1' ? 0.5 : 2, 9);
      expect(checks.filter((c) => c.decision !== 'pass')).toEqual([]);
    }
  });

  it('the healthy instruments raise no alert at all', () => {
    const scenario = new Set([
      'hn-fd-drift',
      'tn-gd-decay',
      'hue-ba-drift',
      'bn-pj-drift',
      'hue-baro-step',
      'tn-gd-fail',
      'tn-fd-tamper',
      'bg-sc-expired',
      'hue-baro-flaky',
      'tt-cw-line1',
      'tn-sc-buyer',
      'tn-fd-001',
      'tn-fd-002',
    ]);
    const healthy = alerts.filter((a) => !scenario.has(a.device));
    expect(healthy.map((a) => `${a.device}:${a.kind}/${a.key ?? ''}: ${a.summary}`)).toEqual([]);
    // Nor do the scenario devices on the series that are not part of their scenario.
    const unrelated = alerts.filter(
      (a) =>
        (a.device === 'tn-gd-fail' && a.key !== 'CO' && !inSeries(a.key, 'gas=CO')) ||
        (a.device === 'hn-fd-drift' && a.kind !== 'drift' && a.kind !== 'predicted-oot') ||
        // A calibrated projector with its calibration in force: no verification alert for its readings.
        (a.device === 'bn-pj-drift' && a.kind !== 'drift' && a.kind !== 'predicted-oot') ||
        (a.device === 'tn-fd-tamper' && a.kind !== 'tamper') ||
        (a.device === 'bg-sc-expired' && a.kind !== 'verification-overdue') ||
        (a.device === 'tt-cw-line1' && a.kind !== 'lot-fail') ||
        (a.device === 'tn-sc-buyer' && a.kind !== 'buyer-favoured') ||
        (a.device.startsWith('tn-fd-00') && a.kind !== 'seller-favoured'),
    );
    expect(unrelated.map((a) => `${a.device}:${a.kind}/${a.key ?? ''}: ${a.summary}`)).toEqual([]);
  });

  it('the drift rate a model injects is the one the gateway measures', async () => {
    const slope = async (device: string, series: string) => {
      const d = (await gw.call('GET', `/api/v1/devices/${device}/drift`)).body;
      return d.bySeries.find((s: { series: string }) => s.series === series).slopePerDay as number;
    };
    // Fuel dispenser: meter factor drift 0.009 per year → error at the 20 L Qmax check grows by 20 × 0.009 L per year
    // (4.9e-4 L/day). The slope's own standard error is ≈ 10 % of that: errors with σ ≈ 0.0104 L (repeatability
    // 0.01 L, 0.01 L display steps) at 40 checks over T = 120 days, σ/√(n·T²/12) = 0.0104/√48000 = 4.7e-5 L/day.
    const fuel = 20 * (0.009 / 365.25);
    expect(Math.abs((await slope('hn-fd-drift', 'point=Qmax,regime=inService')) - fuel) / fuel).toBeLessThan(0.3);
    // Gas detector: CO sensitivity exp(−0.016 · months) on a 100 ppm span gas: ≈ −100 × 0.016 ppm per month (−1.6 % of it over 4 months).
    const co = (-100 * 0.016) / DAYS_PER_MONTH;
    expect(Math.abs((await slope('tn-gd-decay', 'gas=CO,point=bump,regime=inService')) - co) / Math.abs(co)).toBeLessThan(0.15);
    // Breath alcohol: sensitivity −0.09 per year at the 0.800 mg/L dry-gas standard.
    const ba = (0.8 * -0.09) / 365.25;
    expect(Math.abs((await slope('hue-ba-drift', 'point=dry-gas-0.800,regime=inService')) - ba) / Math.abs(ba)).toBeLessThan(0.25);
    // Profile projector: stage scale 1.2e-4 per year and zero 0.0005 mm per year → at the 50 mm gauge block
    // 50 × 1.2e-4 + 0.0005 = 0.0065 mm per year.
    const pj = (50 * 1.2e-4 + 0.0005) / 365.25;
    expect(Math.abs((await slope('bn-pj-drift', 'point=GB-50mm,regime=inService')) - pj) / pj).toBeLessThan(0.2);
    // A healthy dispenser: its default drift (0.0002 per year, 1.1e-5 L/day) is indistinguishable from zero
    // (within 3 standard errors of the slope, 3 × 4.7e-5 L/day < fuel / 3).
    expect(Math.abs(await slope('hn-fd-001', 'point=Qmax,regime=inService'))).toBeLessThan(fuel / 3);
  });

  it('an adjusted CO sensor: the check it was adjusted at is judged as found, its series restart, later CO checks pass', async () => {
    const checks: { ts: string; gas?: string; point?: string; decision: string; adjusted?: boolean; error: number }[] = (
      await gw.call('GET', '/api/v1/devices/tn-gd-fail/checks?limit=100000')
    ).body.items;
    const co = checks.filter((c) => c.gas === 'CO').sort((a, b) => a.ts.localeCompare(b.ts));
    const adjusted = co.filter((c) => c.adjusted === true);
    // One per CO series (bump, calibration); the first is the check the sensor was adjusted at, found 30 % low.
    expect(new Set(adjusted.map((c) => c.point))).toEqual(new Set(['bump', 'calibration']));
    expect(adjusted[0].decision).toBe('fail');
    const after = co.filter((c) => c.ts > adjusted[0].ts);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((c) => c.decision !== 'pass').map((c) => `${c.ts} ${c.point} ${c.error}`)).toEqual([]);
    const drift = (await gw.call('GET', '/api/v1/devices/tn-gd-fail/drift')).body;
    for (const s of drift.bySeries.filter((x: { gas?: string }) => x.gas === 'CO')) expect(s.resetReason, s.series).toBe('adjustment');
  });
});

// Issue 7: the shipped demo fleet (simulators/fleets/demo.json, 23 instruments, 120 simulated days)
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
}

describe('the demo fleet against a real gateway', () => {
  let gw: TestGateway;
  let report: FleetReport;
  let alerts: AlertView[] = [];
  /** When the simulated timeline reached its end: at the stop, every device says offline (clean shutdown). */
  let timelineEnd = 0;
  const has = (device: string, kind: string, key?: string) => alerts.some((a) => a.device === device && a.kind === kind && (key === undefined || a.key === key));
  const listing = () => alerts.map((a) => `${a.device}:${a.kind}${a.key ? `/${a.key}` : ''}(${a.state})`).join(', ');

  beforeAll(async () => {
    gw = await startTestGateway({ MAG_JOURNAL_SYNC: 'normal' });
    report = await runFleet({
      fleet: DEMO, apiUrl: gw.api, mqttUrl: gw.mqttUrl, adminToken: ADMIN_TOKEN, durationSeconds: 20,
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
    expect(report.devices).toBe(23);
    expect(report.connected).toBe(23);
    expect(report.errors, report.errorMessages.join('\n')).toBe(0);
    expect(report.simulated.acceleration).toBeCloseTo(((fleet.simulatedDays ?? NaN) * 86_400) / 20, 0);
    expect(report.sent.checks).toBeGreaterThan(1000);
  });

  it('each scenario raises the alert it is built for', () => {
    expect(has('tn-gd-fail', 'out-of-tolerance', 'CO'), listing()).toBe(true);
    expect(has('hue-baro-step', 'drift'), listing()).toBe(true);
    for (const [device, key] of [['hn-fd-drift', 'Qmax'], ['tn-gd-decay', 'CO'], ['hue-ba-drift', 'dry-gas-0.800']]) {
      expect(has(device, 'predicted-oot', key), `${device} predicted-oot: ${listing()}`).toBe(true);
      // … before any check of that series failed.
      expect(has(device, 'out-of-tolerance', key), `${device} out-of-tolerance: ${listing()}`).toBe(false);
    }
    expect(has('tn-fd-tamper', 'tamper'), listing()).toBe(true);
    expect(has('bg-sc-expired', 'verification-overdue'), listing()).toBe(true);
    expect(has('hue-baro-flaky', 'offline'), listing()).toBe(true);
    // the rice line's fill drifts down: its second lot fails on the mean, its first passes
    expect(has('tt-cw-line1', 'lot-fail', 'TT-ST25-0002'), listing()).toBe(true);
    expect(has('tt-cw-line1', 'lot-fail', 'TT-ST25-0001'), listing()).toBe(false);
  });

  it('declares the checkweigher\'s lots and judges them from the packages it weighed', async () => {
    expect(report.sent.packages).toBeGreaterThan(0);
    const lots = (await gw.call('GET', '/api/v1/lots?tenant=thachthat-food')).body.items;
    expect(lots.map((l: { id: string; verdict: string; scale: { id: string; suitable: boolean } }) => [l.id, l.verdict, l.scale.id, l.scale.suitable]).sort()).toEqual([
      ['TT-ST25-0001', 'pass', 'tt-cw-line1', true],
      ['TT-ST25-0002', 'fail', 'tt-cw-line1', true],
    ]);
    const failed = lots.find((l: { id: string }) => l.id === 'TT-ST25-0002');
    expect(failed.mean).toBeLessThan(failed.averageLimit);
  });

  it('the healthy instruments raise no alert at all', () => {
    const scenario = new Set(['hn-fd-drift', 'tn-gd-decay', 'hue-ba-drift', 'hue-baro-step', 'tn-gd-fail', 'tn-fd-tamper', 'bg-sc-expired', 'hue-baro-flaky', 'tt-cw-line1']);
    const healthy = alerts.filter((a) => !scenario.has(a.device));
    expect(healthy.map((a) => `${a.device}:${a.kind}/${a.key ?? ''}: ${a.summary}`)).toEqual([]);
    // Nor do the scenario devices on the series that are not part of their scenario.
    const unrelated = alerts.filter(
      (a) =>
        (a.device === 'tn-gd-fail' && a.key !== 'CO') ||
        (a.device === 'hn-fd-drift' && a.kind !== 'drift' && a.kind !== 'predicted-oot') ||
        (a.device === 'tn-fd-tamper' && a.kind !== 'tamper') ||
        (a.device === 'bg-sc-expired' && a.kind !== 'verification-overdue') ||
        (a.device === 'tt-cw-line1' && a.kind !== 'lot-fail'),
    );
    expect(unrelated.map((a) => `${a.device}:${a.kind}/${a.key ?? ''}: ${a.summary}`)).toEqual([]);
  });

  it('the drift rate a model injects is the one the gateway measures', async () => {
    const slope = async (device: string, series: string) => {
      const d = (await gw.call('GET', `/api/v1/devices/${device}/drift`)).body;
      return d.bySeries.find((s: { series: string }) => s.series === series).slopePerDay as number;
    };
    // Fuel dispenser: meter factor drift 0.014 per year → error at the 20 L Qmax check grows by 20 × 0.014 L per year.
    const fuel = 20 * (0.014 / 365.25);
    expect(Math.abs((await slope('hn-fd-drift', 'Qmax')) - fuel) / fuel).toBeLessThan(0.15);
    // Gas detector: CO sensitivity exp(−0.016 · months) on a 100 ppm span gas: ≈ −100 × 0.016 ppm per month (−1.6 % of it over 4 months).
    const co = (-100 * 0.016) / DAYS_PER_MONTH;
    expect(Math.abs((await slope('tn-gd-decay', 'CO')) - co) / Math.abs(co)).toBeLessThan(0.15);
    // Breath alcohol: sensitivity −0.09 per year at the 0.800 mg/L dry-gas standard.
    const ba = (0.8 * -0.09) / 365.25;
    expect(Math.abs((await slope('hue-ba-drift', 'dry-gas-0.800')) - ba) / Math.abs(ba)).toBeLessThan(0.25);
    // A healthy dispenser: its default drift (0.0002 per year) is indistinguishable from zero.
    expect(Math.abs(await slope('hn-fd-001', 'Qmax'))).toBeLessThan(fuel / 5);
  });
});

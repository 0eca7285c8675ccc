// Issue 7: each instrument model's injected drift rate is the rate the gateway measures
// (GET /devices/{id}/drift slopePerDay) within tolerance: one device per type, 180 simulated days
// through a real gateway (real MQTT over TCP, SQLite on disk).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleet, type FleetReport } from '../../simulators/fleet.ts';
import type { Fleet } from '../../simulators/fleet-file.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';

const YEAR_DAYS = 365.25;
const MONTH_DAYS = 30.4375;
const DAYS = 180;

const fleet: Fleet = {
  name: 'drift-rates',
  seed: 7,
  simulatedDays: DAYS,
  durationSeconds: 6,
  tickMs: 100,
  tenants: [{ id: 'dr', name: 'Drift rates', region: 'VN-HN' }],
  devices: [
    { tenant: 'dr', type: 'fuel-dispenser', id: 'dr-fd', readingInterval: '1d', checkInterval: '3d', params: { meterFactorDriftPerYear: 0.05 } },
    {
      tenant: 'dr',
      type: 'gas-detector',
      id: 'dr-gd',
      readingInterval: '1d',
      checkInterval: '7d',
      params: {
        bumpEveryDays: 2,
        channels: [{ gas: 'CO', unit: 'ppm', ambient: 1, ambientSd: 0.5, noise: 0.5, resolution: 1, decayPerMonth: 0.02, span: 100, spanUncertainty: 2 }],
      },
    },
    { tenant: 'dr', type: 'breath-alcohol-analyser', id: 'dr-ba', readingInterval: '1d', checkInterval: '3d', params: { sensitivityDriftPerYear: -0.1 } },
    { tenant: 'dr', type: 'barometer', id: 'dr-baro', readingInterval: '1d', checkInterval: '3d', params: { driftPerYear: 1 } },
    { tenant: 'dr', type: 'scale', id: 'dr-sc', readingInterval: '1d', checkInterval: '3d', params: { spanDriftPerYear: 0.01 } },
    {
      tenant: 'dr',
      type: 'profile-projector',
      id: 'dr-pj',
      readingInterval: '1d',
      checkInterval: '3d',
      params: { scaleDriftPerYear: 2e-4, offsetDriftPerYear: 0.001 },
    },
  ],
};

describe('injected drift rate = measured drift rate, per model', () => {
  let gw: TestGateway;
  let report: FleetReport;

  beforeAll(async () => {
    gw = await startTestGateway({ MAG_JOURNAL_SYNC: 'normal' });
    report = await runFleet({ fleet, apiUrl: gw.api, mqttUrl: gw.mqttUrl, adminToken: ADMIN_TOKEN });
    await gw.drained();
  }, 120_000);
  afterAll(async () => {
    await gw?.destroy();
  });

  /** One series per (gas, point, regime): its key as GET /drift names it, e.g. "gas=CO,point=calibration,regime=inService". */
  const measured = async (device: string, series: string) => {
    const d = (await gw.call('GET', `/api/v1/devices/${device}/drift`)).body;
    const s = d.bySeries.find((x: { series: string }) => x.series === series);
    expect(s, `${device} series "${series}" in ${JSON.stringify(d.bySeries.map((x: { series: string }) => x.series))}`).toBeDefined();
    expect(s.points).toBeGreaterThanOrEqual(20);
    return s.slopePerDay as number;
  };
  // (Measured on this seed: fuel −1.4 % / +2.3 %, CO (bump series) 0.0 %, breath alcohol +4.3 %, barometer +0.3 %, scale (change-point) +0.2 %.)
  const within = (got: number, want: number, rel: number) =>
    expect(Math.abs(got - want) / Math.abs(want), `measured ${got}/day, injected ${want}/day`).toBeLessThan(rel);

  it('ran without errors', () => {
    expect(report.errors, report.errorMessages.join('\n')).toBe(0);
    expect(report.connected).toBe(6);
  });

  it('fuel dispenser: meter factor +0.05/yr → +20 L × 0.05 per year at the 20 L Qmax check', async () => {
    within(await measured('dr-fd', 'point=Qmax,regime=inService'), (20 * 0.05) / YEAR_DAYS, 0.1);
    within(await measured('dr-fd', 'point=MMQ,regime=inService'), (5 * 0.05) / YEAR_DAYS, 0.2);
  });

  it('gas detector: CO sensitivity exp(−0.02·months) on 100 ppm → the mean slope over 6 months', async () => {
    // Least squares on an exponential over [0, T] ≈ its slope at T/2: −100 · 0.02/month · e^(−0.02·T/2).
    within(await measured('dr-gd', 'gas=CO,point=bump,regime=inService'), ((-100 * 0.02) / MONTH_DAYS) * Math.exp((-0.02 * DAYS) / MONTH_DAYS / 2), 0.1);
  });

  it('breath-alcohol analyser: sensitivity −0.1/yr → −0.1 × 0.800 mg/L per year at the dry-gas standard', async () => {
    within(await measured('dr-ba', 'point=dry-gas-0.800,regime=inService'), (-0.1 * 0.8) / YEAR_DAYS, 0.15);
  });

  it('barometer: offset drift 1 hPa/yr', async () => {
    within(await measured('dr-baro', 'regime=inService'), 1 / YEAR_DAYS, 0.15);
  });

  it('scale: span drift 0.01/yr → 60 kg × 0.01 per year at Max', async () => {
    within(await measured('dr-sc', 'point=Max,regime=inService'), (60 * 0.01) / YEAR_DAYS, 0.2);
  });

  it('profile projector: stage scale 2e-4/yr and zero 0.001 mm/yr → 50 × 2e-4 + 0.001 = 0.011 mm a year at the 50 mm gauge block', async () => {
    within(await measured('dr-pj', 'point=GB-50mm,regime=inService'), (50 * 2e-4 + 0.001) / YEAR_DAYS, 0.15);
  });
});

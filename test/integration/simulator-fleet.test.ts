// The fleet runner against a real gateway (in-process, real MQTT over TCP, real HTTP API):
// registration, credentials, publishing on an accelerated clock, and the alerts the scenarios
// are built to raise.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleet, type FleetReport } from '../../simulators/fleet.ts';
import type { Fleet } from '../../simulators/fleet-file.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';

const fleet: Fleet = {
  name: 'integration',
  seed: 11,
  simulatedDays: 60,
  durationSeconds: 12,
  tickMs: 100,
  tenants: [
    { id: 'xd-hn', name: 'Xăng dầu Hà Nội', region: 'VN-HN' },
    { id: 'cho-bg', name: 'Chợ Bắc Giang', region: 'VN-BG' },
  ],
  devices: [
    { tenant: 'xd-hn', type: 'fuel-dispenser', id: 'it-fd-ok', readingInterval: '2h', checkInterval: '3d' },
    {
      tenant: 'xd-hn',
      type: 'fuel-dispenser',
      id: 'it-fd-tamper',
      readingInterval: '2h',
      checkInterval: '3d',
      faults: [{ kind: 'totalizer-tamper', afterDays: 5, probability: 0.5 }],
    },
    {
      tenant: 'xd-hn',
      type: 'gas-detector',
      id: 'it-gd-fail',
      readingInterval: '6h',
      checkInterval: '10d',
      faults: [{ kind: 'step', channel: 'CO', afterDays: 5, relative: -0.4 }],
    },
    {
      tenant: 'cho-bg',
      type: 'scale',
      id: 'it-sc-expired',
      readingInterval: '2h',
      checkInterval: '5d',
      faults: [{ kind: 'expired-verification', expiredDaysAgo: 30 }],
    },
    { tenant: 'cho-bg', type: 'barometer', id: 'it-baro', readingInterval: '1h', checkInterval: '3d' },
    { tenant: 'cho-bg', type: 'breath-alcohol-analyser', id: 'it-ba', readingInterval: '3h', checkInterval: '5d' },
  ],
};

describe('fleet runner against a real gateway', () => {
  let gw: TestGateway;
  let report: FleetReport;
  const credentials = join(mkdtempSync(join(tmpdir(), 'mag-sim-')), 'credentials.json');
  const lines: string[] = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    report = await runFleet({ fleet, apiUrl: gw.api, mqttUrl: gw.mqttUrl, adminToken: ADMIN_TOKEN, credentialsFile: credentials, log: (l) => lines.push(l) });
    await gw.drained();
  }, 120_000);
  afterAll(async () => {
    await gw?.destroy();
  });

  it('registers, connects every device and gets every publish acknowledged', () => {
    expect(report.devices).toBe(6);
    expect(report.connected).toBe(6);
    expect(report.errors, report.errorMessages.join('\n')).toBe(0);
    expect(report.sent.readings).toBeGreaterThan(20);
    expect(report.sent.checks).toBeGreaterThan(30);
    expect(report.unacknowledged).toBe(0);
    expect(report.acknowledged).toBe(report.sent.readings + report.sent.checks + report.sent.status);
    expect(report.feedback, JSON.stringify(report.feedbackSamples)).toBe(0);
    const saved = JSON.parse(readFileSync(credentials, 'utf8'));
    expect(saved.devices.map((d: { id: string }) => d.id).sort()).toEqual(['it-ba', 'it-baro', 'it-fd-ok', 'it-fd-tamper', 'it-gd-fail', 'it-sc-expired']);
  });

  it('stores readings and checks with the simulated timestamps, none in the future', async () => {
    const r = await gw.call('GET', '/api/v1/devices/it-baro/readings?limit=1000');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(100);
    const times = r.body.items.map((i: { ts: string }) => Date.parse(i.ts));
    expect(Math.max(...times)).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - Math.min(...times)).toBeGreaterThan(30 * 86_400_000);
    const c = await gw.call('GET', '/api/v1/devices/it-fd-ok/checks');
    expect(c.status).toBe(200);
    expect(c.body.items.length).toBeGreaterThan(10);
    expect(c.body.items.every((i: { legal: string }) => i.legal === 'pass')).toBe(true);
  });

  it('raises the alerts the scenarios are built for', async () => {
    const r = await gw.call('GET', '/api/v1/alerts');
    expect(r.status).toBe(200);
    const has = (device: string, kind: string) => r.body.items.some((a: { device: string; kind: string }) => a.device === device && a.kind === kind);
    const summary = r.body.items.map((a: { device: string; kind: string }) => `${a.device}:${a.kind}`).join(', ');
    expect(has('it-gd-fail', 'out-of-tolerance'), summary).toBe(true);
    expect(has('it-fd-tamper', 'tamper'), summary).toBe(true);
    expect(has('it-sc-expired', 'verification-overdue'), summary).toBe(true);
    expect(has('it-fd-ok', 'tamper'), summary).toBe(false);
    expect(has('it-fd-ok', 'out-of-tolerance'), summary).toBe(false);
  });

  it('runs again from the credentials file without an admin token', async () => {
    const again = await runFleet({ fleet, apiUrl: gw.api, mqttUrl: gw.mqttUrl, credentialsFile: credentials, durationSeconds: 2 });
    expect(again.connected).toBe(6);
    expect(again.errors, again.errorMessages.join('\n')).toBe(0);
  });
});

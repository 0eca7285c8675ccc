// Issue 4: when a predicted out-of-tolerance date is worth an alert: within the alert horizon
// (MAG_ALERT_HORIZON_DAYS, or the profile's drift.horizonDays), or before the verification due
// date. Real gateways, real MQTT, a copied profiles directory for the per-profile setting.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { addCalendarMonths } from '../../src/metrology/index.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const DAY = 86_400_000;
/** A verification due in 150 days: before the predicted date, so that date alone is no reason to alert. */
const SOON = { issuedAt: new Date(Date.now() - 200 * DAY).toISOString(), validUntil: new Date(Date.now() + 150 * DAY).toISOString() };
/** The first check: 110 days ago (a verification's baseline starts at its issuedAt: the checks must follow it). */
const start = Date.now() - 110 * DAY - 3_600_000;

describe('predicted-oot: horizon and verification due date', () => {
  const gateways: TestGateway[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const g of gateways) await g.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /**
   * A barometer drifting by 0.0008 hPa/day over the last 110 days (12 checks, ±0.002 noise, shown in 0.01 hPa steps): the
   * line reaches TL − U = 0.279 hPa about 240 days from now, the prediction bound somewhat earlier,
   * so the predicted date lies between 90 and 365 days ahead.
   */
  async function drifting(t: TestGateway, id: string, verification: { issuedAt: string; validUntil: string }) {
    const secret = await t.device({ id, type: 'barometer', certificate: false });
    const cert = await t.call('POST', `/api/v1/devices/${id}/certificates`, {
      kind: 'verification',
      number: `V-${id}`,
      issuedBy: 'QUATEST 1',
      ...verification,
    });
    expect(cert.status).toBe(201);
    expect(cert.body.warnings).toEqual([]); // within the barometer's legal interval of 12 months
    const c = await t.connect(id, secret);
    const noise = [0.002, -0.001, 0.001, -0.002, 0.0015, -0.0005, 0.001, -0.002, 0.002, -0.001, 0.0005, -0.0015];
    for (let i = 0; i < noise.length; i++) {
      // as the barometer's 0.01 hPa display shows it: 0, 0.01, 0.02, 0.02, 0.03, 0.04, 0.05, 0.05, 0.07, 0.07, 0.08, 0.09
      const e = Math.round((0.0008 * 10 * i + noise[i]) * 100) / 100;
      await c.publishAsync(
        `instruments/${id}/checks`,
        JSON.stringify({
          seq: i + 1,
          ts: new Date(start + i * 10 * DAY).toISOString(),
          indicated: 1000 + e,
          reference: 1000,
          referenceUncertainty: 0.02,
          unit: 'hPa',
          standardId: 'REF-1',
        }),
        { qos: 1 },
      );
    }
    const drift = await vi.waitFor(async () => {
      const d = (await t.call('GET', `/api/v1/devices/${id}/drift`)).body;
      expect(d.points, `waiting for ${id}: 12 checks in /drift`).toBe(12);
      return d;
    }, 30_000);
    const ahead = (Date.parse(drift.predictedOutOfToleranceAt) - Date.now()) / DAY;
    expect(ahead, 'predicted date between 90 and 365 days ahead').toBeGreaterThan(91);
    expect(ahead).toBeLessThan(300);
    return (await t.call('GET', `/api/v1/alerts?device=${id}&kind=predicted-oot`)).body.items as any[];
  }

  it('default horizon (90 days), next verification (in 150 days) before the predicted date: no alert, though /drift shows the date', async () => {
    const t = await startTestGateway();
    gateways.push(t);
    expect(await drifting(t, 'hz-default', SOON)).toEqual([]);
  });

  it('the predicted date before the next verification due date (12 months after issue, ≈ 255 days ahead): an alert (warning), naming the due date', async () => {
    const t = gateways[0];
    // Issued just before the first check and valid for the legal 12 months (a longer validity counts only
    // to issuedAt + 12 months): due ≈ 365 − 110 = 255 days from now, after the predicted date (≈ 218 days).
    const issuedAt = start - 3_600_000;
    const due = new Date(addCalendarMonths(issuedAt, 12)).toISOString();
    const [a, ...rest] = await drifting(t, 'hz-due', { issuedAt: new Date(issuedAt).toISOString(), validUntil: due });
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ state: 'open', severity: 'warning' });
    // the due day in the enterprise's zone (MAG_DEFAULT_TIME_ZONE, Vietnam: UTC+7 all year), not its UTC date
    expect(a.summary).toContain(`verification due ${new Date(Date.parse(due) + 7 * 3_600_000).toISOString().slice(0, 10)}`);
  });

  it('MAG_ALERT_HORIZON_DAYS=365 brings the same prediction within the horizon', async () => {
    const t = await startTestGateway({ MAG_ALERT_HORIZON_DAYS: '365' });
    gateways.push(t);
    expect(await drifting(t, 'hz-env', SOON)).toHaveLength(1);
  });

  it("a profile's drift.horizonDays (other than the default) wins for its type", async () => {
    const profiles = mkdtempSync(join(tmpdir(), 'mag-profiles-'));
    dirs.push(profiles);
    cpSync(join(PACKAGE_ROOT, 'devices'), profiles, { recursive: true });
    const file = join(profiles, 'barometer.json');
    const p = JSON.parse(readFileSync(file, 'utf8'));
    p.drift = { ...p.drift, horizonDays: 365 };
    writeFileSync(file, JSON.stringify(p));
    const t = await startTestGateway({ MAG_PROFILES_DIR: profiles });
    gateways.push(t);
    expect(await drifting(t, 'hz-profile', SOON)).toHaveLength(1);
  });
});

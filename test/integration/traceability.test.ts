// Traceability end to end (docs/contract.md §2 Check, §5): a device's checks over MQTT are judged against the
// reference standards registered through the API; a standard found out of tolerance at its own
// calibration opens a standard-oot alert and its impact lists the checks it served.
import type { MqttClient } from 'mqtt';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('reference standards and traceability over MQTT', () => {
  let t: TestGateway;
  let fd: MqttClient;
  const now = Date.now();

  beforeAll(async () => {
    t = await startTestGateway();
    const secret = await t.device({ id: 'fd-tr', type: 'fuel-dispenser', extra: { class: '0.5' } });
    fd = await t.connect('fd-tr', secret);
    expect(
      (
        await t.call('POST', '/api/v1/standards', {
          id: 'PM-20L-07',
          tenant: 'acme',
          name: 'Bình chuẩn 20 L hạng II',
          quantity: 'volume',
          unit: 'L',
          kind: 'proving-measure',
          class: 'II',
        })
      ).status,
    ).toBe(201);
    const cert = await t.call('POST', '/api/v1/standards/PM-20L-07/certificates', {
      number: 'HC-PM-07',
      issuedBy: 'VMI',
      issuedAt: iso(now - 60 * DAY),
      validUntil: iso(now + 300 * DAY),
      uncertainty: 0.004,
      traceableTo: 'VMI national volume standard',
    });
    expect(cert.status).toBe(201);
  });
  afterAll(async () => {
    await t?.destroy();
  });

  const publish = (seq: number, standardId: string, indicated: number, tsMs: number) =>
    fd.publishAsync(
      'instruments/fd-tr/checks',
      JSON.stringify({ seq, ts: iso(tsMs), indicated, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId, point: 'Qmax' }),
      { qos: 1 },
    );
  const checkOf = (seq: number) =>
    vi.waitFor(
      async () => {
        const found = (await t.call('GET', '/api/v1/devices/fd-tr/checks')).body.items.find((c: { seq: number }) => c.seq === seq);
        assert(found, `waiting for check ${seq}`);
        return found;
      },
      { timeout: 10_000, interval: 50 },
    );

  it('a check with an unregistered standard is stored and judged, marked not traceable, and raises untraceable-check', async () => {
    await publish(1, 'PM-UNKNOWN', 20.06, now - 20 * 60_000);
    const c = await checkOf(1);
    expect(c).toMatchObject({ decision: 'pass', legal: 'pass', traceable: false, traceabilityKind: 'unregistered', standardId: 'PM-UNKNOWN' });
    expect(c.traceabilityIssue).toMatch(/^standard PM-UNKNOWN is not a registered reference standard/);
    const alert = await vi.waitFor(async () => {
      const a = (await t.call('GET', '/api/v1/alerts?device=fd-tr&kind=untraceable-check')).body.items[0];
      assert(a, 'waiting for the untraceable-check alert');
      return a;
    });
    expect(alert).toMatchObject({ tenant: 'acme', key: 'PM-UNKNOWN', severity: 'warning', state: 'open' });
    expect((await t.call('GET', '/api/v1/devices/fd-tr/drift')).body.points).toBe(1); // still in its drift series
  });

  it('a check with a registered standard, calibrated at the time, is traceable', async () => {
    await publish(2, 'PM-20L-07', 20.12, now - 10 * 60_000);
    // class 0.5 in service at 20 L: MPE 0.15 L; U_ref 0.004 L: 0.15 / 0.004 = 37.5; 0.004 / 20 = 0.02 % ≤ 0.1 %
    const c = await checkOf(2);
    expect(c).toMatchObject({ traceable: true, standardCertificate: 'HC-PM-07', decision: 'pass' });
    expect(c.testUncertaintyRatio).toBeCloseTo(37.5, 9);
    expect(c.traceabilityIssue).toBeUndefined();
  });

  it('a calibration finding the standard out of tolerance opens standard-oot; its impact lists the check and whether its decision could change', async () => {
    const finding = await t.call('POST', '/api/v1/standards/PM-20L-07/certificates', {
      number: 'HC-PM-07-B',
      issuedBy: 'VMI',
      issuedAt: iso(now - 60_000),
      validUntil: iso(now + 365 * DAY),
      uncertainty: 0.004,
      asFound: { error: -0.03, outOfTolerance: true },
    });
    expect(finding.status).toBe(201);
    const alert = (await t.call('GET', '/api/v1/alerts?kind=standard-oot')).body.items[0];
    // |0.12| ± (0.03 + 0.004) = [0.086, 0.154] crosses TL − U = 0.142976 and TL = 0.15: the decision could change
    expect(alert).toMatchObject({ tenant: 'acme', device: 'PM-20L-07', key: 'acme', kind: 'standard-oot', severity: 'critical', state: 'open' });
    expect(alert.details).toMatchObject({ certificate: 'HC-PM-07-B', checks: 1, instruments: ['fd-tr'], couldChange: 1 });
    const impact = (await t.call('GET', '/api/v1/standards/PM-20L-07/impact')).body;
    expect(impact).toMatchObject({ basis: 'up-to-out-of-tolerance-finding', checks: 1, instruments: 1, couldChange: 1 });
    expect(impact.items).toEqual([
      expect.objectContaining({
        device: 'fd-tr',
        tenant: 'acme',
        type: 'fuel-dispenser',
        checks: 1,
        decisions: { pass: 1, 'conditional-pass': 0, 'conditional-fail': 0, fail: 0 },
        couldChange: [expect.objectContaining({ seq: 2, possibleDecisions: ['pass', 'conditional-pass', 'conditional-fail'] })],
      }),
    ]);
    // the check with the unregistered standard is no part of it
    expect(JSON.stringify(impact)).not.toContain('PM-UNKNOWN');
  });
});

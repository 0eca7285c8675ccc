// A message already in the journal is acknowledged and stored even if the assurance update after
// it (checks, drift, alerts) throws: otherwise the PUBACK is refused, the connection closes and
// the device redelivers the same message forever. The failure is counted in /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

describe('a failing assurance update after the journal commit', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('still acknowledges and stores the message, keeps the device connected, and counts the failure', async () => {
    const secret = await t.device({ id: 'baro-af-1', type: 'barometer' });
    const c = await t.connect('baro-af-1', secret);
    // Two readings of one series: each at a time of its own. Both stamped "now", one PUBACK apart,
    // they fell in the same millisecond in about 1 run in 200 here, and the second was (rightly)
    // refused: the time-series keeps one point per series and time.
    let last = 0;
    const now = () => new Date((last = Math.max(Date.now(), last + 1))).toISOString();
    const assurance = t.gateway.assurance as unknown as { apply: (...args: unknown[]) => unknown };
    const real = assurance.apply.bind(assurance);
    let failures = 0;
    assurance.apply = () => {
      failures++;
      throw new Error('injected: drift state unavailable');
    };
    try {
      // Outside the measuring range (500–1100 hPa): stored with its status, and the update raises an alert.
      // (A plain `ok` reading has nothing to update, so it never reaches the assurance state.)
      await c.publishAsync('instruments/baro-af-1/readings', JSON.stringify({ seq: 1, ts: now(), quantity: 'pressure', value: 1200, unit: 'hPa' }), { qos: 1 });
    } finally {
      assurance.apply = real;
    }
    expect(failures).toBe(1);
    expect(c.connected).toBe(true);
    await c.publishAsync('instruments/baro-af-1/readings', JSON.stringify({ seq: 2, ts: now(), quantity: 'pressure', value: 1013.3, unit: 'hPa' }), { qos: 1 });
    await t.drained();
    const readings = await t.call('GET', '/api/v1/devices/baro-af-1/readings');
    expect(readings.body.items.map((r: { seq: number }) => r.seq).sort()).toEqual([1, 2]);
    const metrics = (await t.call('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^mag_assurance_errors_total 1$/m);
  });
});

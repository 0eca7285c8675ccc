// The weighing instruments of a lot over MQTT (docs/prepackages.md, docs/contract.md §6), as the audit found
// them: a lot without a declared scale weighed on two instruments, one too coarse (AUD-LOT-4); a package for a
// lot that declared its scale sent by another instrument (AUD-LOT-3); packages from an instrument that does not
// weigh, answered on feedback with the seq sent. T = 3 % × 500 g = 15 g (OIML R87 Table 1), T/5 = 3 g; a sample
// of 50 (EU/UK reference test, lot of 200).
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';

const TENANT = 'hanoi-rice';

describe('the weighing instruments of a lot, over MQTT', () => {
  let t: TestGateway;
  let cw: MqttClient;
  let scale: MqttClient;
  let scaleInbox: ReturnType<typeof inbox>;
  const start = Date.now() - 3_600_000;

  const publish = (client: MqttClient, device: string, lot: string, nets: number[], firstSeq: number) =>
    client.publishAsync(
      `instruments/${device}/packages`,
      JSON.stringify({
        packages: nets.map((net, i) => ({ seq: firstSeq + i, ts: new Date(start + (firstSeq + i) * 1000).toISOString(), lot, net, unit: 'g' })),
      }),
      { qos: 1 },
    );
  const declare = async (body: Record<string, unknown>) => {
    const r = await t.call('POST', '/api/v1/lots', { tenant: TENANT, product: 'Gạo ST25 500 g', nominal: 500, unit: 'g', lotSize: 200, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };
  const lotWith = async (id: string, measured: number) => {
    await expect.poll(async () => (await t.call('GET', `/api/v1/lots/${id}`)).body.measured, { timeout: 10_000, interval: 25 }).toBe(measured);
    return (await t.call('GET', `/api/v1/lots/${id}`)).body;
  };

  beforeAll(async () => {
    t = await startTestGateway();
    // a checkweigher of class XIII, e = 1 g: 500 g = 500e, 0.5e = 0.5 g on verification, 1 g in service ≤ 3 g;
    // a market scale of class III, e = 50 g: 500 g = 10e, 0.5e = 25 g, 50 g in service > 3 g. Both verified.
    cw = await t.connect(
      'a-checkweigher',
      await t.device({ id: 'a-checkweigher', tenant: TENANT, type: 'checkweigher', extra: { class: 'XIII', e: 0.001, max: 3 } }),
    );
    scale = await t.connect('a-scale', await t.device({ id: 'a-scale', tenant: TENANT, type: 'scale', extra: { class: 'III', e: 0.05, max: 30 } }));
    await scale.subscribeAsync('instruments/a-scale/feedback', { qos: 1 });
    scaleInbox = inbox(scale);
  }, 60_000);
  afterAll(async () => {
    await t?.destroy();
  });

  it('judges every instrument of a lot without a scale: 1 package on the checkweigher, 49 on the coarse scale (AUD-LOT-4)', async () => {
    await declare({ id: 'AUD-LOT-4' });
    const nets = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 502 : 504));
    await publish(cw, 'a-checkweigher', 'AUD-LOT-4', nets.slice(0, 1), 1);
    await lotWith('AUD-LOT-4', 1);
    await publish(scale, 'a-scale', 'AUD-LOT-4', nets.slice(1), 2);
    const lot = await lotWith('AUD-LOT-4', 50);
    // the figures pass (mean 503 g ≥ 500 − 0.503 × 1.017 = 499.49 g, no T1); the weighings of the scale are not evidence
    expect(lot).toMatchObject({ verdict: 'pass', mean: 503, t1: 0 });
    const scaleReason = 'Instrument a-scale (class III, e = 50 g), in service at the load 500 g: MPE 50 g exceeds T/5 = 3 g; use a finer instrument.';
    const atLoad = { load: 500, measuredUnit: 'g', limit: 3, unit: 'g' };
    const scaleNote = { key: 'mpeExceedsLimit', values: { instrument: 'a-scale', class: 'III', e: 50, mpe: 50, ...atLoad } };
    expect(lot.instruments).toEqual([
      {
        id: 'a-checkweigher',
        suitable: true,
        mpe: 1,
        limit: 3,
        reason: 'Instrument a-checkweigher (class XIII, e = 1 g), in service at the load 500 g: MPE 1 g is within T/5 = 3 g.',
        note: { key: 'mpeWithinLimit', values: { instrument: 'a-checkweigher', class: 'XIII', e: 1, mpe: 1, ...atLoad } },
        packages: 1,
        inSample: 1,
        declared: false,
      },
      { id: 'a-scale', suitable: false, mpe: 50, limit: 3, reason: scaleReason, note: scaleNote, packages: 49, inSample: 49, declared: false },
    ]);
    expect(lot.scale).toEqual({ id: 'a-scale', suitable: false, mpe: 50, limit: 3, reason: scaleReason, note: scaleNote });
    expect(lot.reasons.at(-1)).toBe(
      `Instrument a-scale weighed 49 of the 50 packages of the sample and is not fit for this lot, so its weighings are not legal evidence: ${scaleReason}`,
    );
  });

  it('refuses packages for a lot declared with another scale, on feedback with their seq (AUD-LOT-3)', async () => {
    await declare({ id: 'AUD-LOT-3', scale: 'a-checkweigher' });
    await scale.publishAsync(
      'instruments/a-scale/packages',
      JSON.stringify({ seq: 100, ts: new Date().toISOString(), lot: 'AUD-LOT-3', net: 500, unit: 'g' }),
      {
        qos: 1,
      },
    );
    const feedback = await scaleInbox.waitFor((m) => m.payload.seq === 100);
    expect(feedback.payload).toEqual({
      seq: 100,
      topic: 'instruments/a-scale/packages',
      errors: [
        {
          path: 'lot',
          message:
            'lot must be a lot weighed on this instrument: lot AUD-LOT-3 is declared with scale a-checkweigher, so instrument a-scale may not send its packages (send them from a-checkweigher, or declare a lot with scale a-scale); received "AUD-LOT-3"',
        },
      ],
    });
    // the declared checkweigher's package is taken; the scale's is not in the lot
    await publish(cw, 'a-checkweigher', 'AUD-LOT-3', [502], 101);
    const lot = await lotWith('AUD-LOT-3', 1);
    expect(lot.instruments).toEqual([expect.objectContaining({ id: 'a-checkweigher', packages: 1, declared: true, suitable: true })]);
  });

  it('answers packages from an instrument that does not weigh with the seq sent', async () => {
    const baro = await t.connect('baro-1', await t.device({ id: 'baro-1', tenant: TENANT, type: 'barometer' }));
    await baro.subscribeAsync('instruments/baro-1/feedback', { qos: 1 });
    const baroInbox = inbox(baro);
    await baro.publishAsync('instruments/baro-1/packages', JSON.stringify({ seq: 60, ts: new Date().toISOString(), lot: 'AUD-LOT-4', net: 500, unit: 'g' }), {
      qos: 1,
    });
    const feedback = await baroInbox.waitFor((m) => m.topic === 'instruments/baro-1/feedback');
    expect(feedback.payload.seq).toBe(60);
    expect(feedback.payload.errors[0]).toMatchObject({ path: '(device)', message: expect.stringMatching(/^instrument baro-1 is a .*: packages are weighed/) });
    expect((await t.call('GET', '/api/v1/lots/AUD-LOT-4')).body.measured).toBe(50);
  });
});

// An inspection over the real gateway: a fuel dispenser connected over MQTT sends its own check;
// the inspector's check on site (20 L proving measure, in-trade rule) joins the same history
// without touching the device's seq series, reaches the time series, and sealing the dispenser
// off locks it out through its retained config until the finding is closed; a sale through the
// sealed dispenser is stored and raises a sealed-in-use alert.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbox, startTestGateway, type TestGateway } from '../support/gateway.ts';
import type { EmbeddedSink } from '../../src/sinks/embedded.ts';
import { readPdf } from '../support/pdf-text.ts';

describe('an inspection at a station connected to the gateway', () => {
  let t: TestGateway;
  let dispenser: MqttClient;
  let inspector: string;
  // The dispenser's messages each at a time of its own, after the one before: stamped "now" a few
  // ms apart, two of one series could fall in the same millisecond, and the second would be
  // (rightly) refused: the time-series keeps one point per series and time.
  let lastTs = 0;
  const stamp = () => new Date((lastTs = Math.max(Date.now(), lastTs + 1))).toISOString();

  beforeAll(async () => {
    t = await startTestGateway();
    const secret = await t.device({ id: 'fd-dt-2', type: 'fuel-dispenser', tenant: 'cxd-duc-thang', region: 'VN-BG', extra: { mmq: 5, site: 'Cột số 2' } });
    inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-BG'], name: 'Thanh tra Bắc Giang' })).body.token;
    dispenser = await t.connect('fd-dt-2', secret);
    await dispenser.subscribeAsync('instruments/fd-dt-2/config', { qos: 1 });
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it("puts the inspector's check beside the device's own, seals the dispenser off and lifts the seal", async () => {
    const config = inbox(dispenser);
    await config.waitFor((m) => m.payload.lockout === false);
    // the dispenser's own check: seq 1, +0.02 L at 20 L
    await dispenser.publishAsync(
      'instruments/fd-dt-2/checks',
      JSON.stringify({
        seq: 1,
        ts: stamp(),
        indicated: 20.02,
        reference: 20,
        referenceUncertainty: 0.004,
        unit: 'L',
        standardId: 'PM-20L-01',
        point: 'Qmax',
      }),
      { qos: 1 },
    );

    const opened = await t.call(
      'POST',
      '/api/v1/inspections',
      { tenant: 'cxd-duc-thang', startedAt: new Date().toISOString(), inspectors: ['Nguyễn Văn Hùng'] },
      inspector,
    );
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    // in trade: MPE 0.45 % × 20 L = 0.09 L; +0.12 L fails
    const item = await t.call(
      'POST',
      `/api/v1/inspections/${id}/items`,
      {
        device: 'fd-dt-2',
        checks: [{ indicated: 20.12, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-20L-07', point: 'Qmax' }],
        sealsIntact: true,
        verificationMarkValid: true,
        certificateValid: true,
        priceDisplayCorrect: true,
      },
      inspector,
    );
    expect(item.body).toMatchObject({ verdict: 'fail', checks: [{ seq: -1, legal: 'fail' }] });
    const history = async () =>
      (await t.call('GET', '/api/v1/devices/fd-dt-2/checks', undefined, inspector)).body.items
        .map((c: { seq: number; legal: string }) => `${c.seq} ${c.legal}`)
        .sort();
    await expect.poll(history).toEqual(['-1 fail', '1 pass']);
    // the device's next own check (seq 2) is stored: the two series do not collide
    await dispenser.publishAsync(
      'instruments/fd-dt-2/checks',
      JSON.stringify({
        seq: 2,
        ts: stamp(),
        indicated: 20.01,
        reference: 20,
        referenceUncertainty: 0.004,
        unit: 'L',
        standardId: 'PM-20L-01',
        point: 'Qmax',
      }),
      { qos: 1 },
    );
    await expect.poll(history).toEqual(['-1 fail', '1 pass', '2 pass']);
    // an out-of-tolerance alert, as for a check the device sent
    const alerts = (await t.call('GET', '/api/v1/alerts?device=fd-dt-2&kind=out-of-tolerance', undefined, inspector)).body.items;
    expect(alerts).toMatchObject([{ details: { seq: -1, regime: 'inService' } }]);
    // and the time series has it, marked with the inspection
    await t.drained();
    const points = await (t.gateway.sink as EmbeddedSink).queryPoints('check', 'fd-dt-2', undefined, undefined, 10);
    expect(points.find((p) => p.fields.seq === -1)).toMatchObject({
      tags: { tenant: 'cxd-duc-thang', point: 'Qmax' },
      fields: { legal: 'fail', inspection: id },
    });

    // sealed off: the device is told to lock out, and the API shows the seal
    const sealed = await t.call(
      'POST',
      `/api/v1/inspections/${id}/findings`,
      { device: 'fd-dt-2', kind: 'sealed-off', description: 'Sai số +0,6 %', action: 'Niêm phong' },
      inspector,
    );
    expect(sealed.status).toBe(201);
    const locked = await config.waitFor((m) => m.payload.lockout === true);
    expect(locked.payload).toMatchObject({ verification: { state: 'valid' }, seal: { finding: sealed.body.id, inspection: id } });
    expect((await t.call('GET', '/api/v1/devices/fd-dt-2', undefined, inspector)).body.sealed.finding).toBe(sealed.body.id);
    // the station goes on selling through the sealed nozzle: stored as sent (evidence), and one
    // critical alert for the inspector naming the seal, counting each further transaction
    const sale = (seq: number, start: number) =>
      JSON.stringify({
        seq,
        ts: stamp(),
        quantity: 'volume',
        value: 10,
        unit: 'L',
        nozzle: '1',
        product: 'RON95',
        unitPrice: 23_450,
        amount: 234_500,
        totalizerStart: start,
        totalizerEnd: start + 10,
      });
    await dispenser.publishAsync('instruments/fd-dt-2/readings', sale(3, 5000), { qos: 1 });
    const sealedInUse = async () => (await t.call('GET', '/api/v1/alerts?device=fd-dt-2&kind=sealed-in-use', undefined, inspector)).body.items;
    await expect.poll(sealedInUse).toMatchObject([
      {
        severity: 'critical',
        count: 1,
        summary: expect.stringMatching(new RegExp(`^Sealed off by finding ${sealed.body.id} .*records transactions$`)),
        details: { finding: sealed.body.id, inspection: id, seq: 3 },
      },
    ]);
    await dispenser.publishAsync('instruments/fd-dt-2/readings', sale(4, 5010), { qos: 1 });
    await expect.poll(async () => (await sealedInUse())[0].count, { timeout: 5000 }).toBe(2);
    await t.drained();
    const sales = await (t.gateway.sink as EmbeddedSink).queryPoints('transaction', 'fd-dt-2', undefined, undefined, 10);
    expect(sales.map((p) => p.fields.seq).sort()).toEqual([3, 4]);
    // the periodic review keeps it locked out
    t.gateway.reviewVerifications();
    const n = config.messages.length;
    await t.call('POST', `/api/v1/findings/${sealed.body.id}/close`, { reason: 'Đã hiệu chỉnh, kiểm định lại' }, inspector);
    const unlocked = await config.waitFor((m) => config.messages.indexOf(m) >= n && m.payload.lockout === false);
    expect(unlocked.payload.seal).toBeUndefined();
    expect(config.messages.slice(n - 1, config.messages.indexOf(unlocked)).every((m) => m.payload.lockout === true)).toBe(true);
    // once the seal is lifted, a sale is ordinary use: nothing more counted; the alert stays for the inspector to resolve
    await dispenser.publishAsync('instruments/fd-dt-2/readings', sale(5, 5020), { qos: 1 });
    await t.drained();
    await new Promise((r) => setTimeout(r, 1500)); // past the alert book's repeat flush
    expect(await sealedInUse()).toMatchObject([{ state: 'open', count: 2 }]);

    const closed = await t.call('POST', `/api/v1/inspections/${id}/close`, {}, inspector);
    expect(closed.body.state).toBe('closed');

    // a follow-up visit: the dispenser, adjusted, conforms to the inspector's check; MAG's alerts on it
    // still unresolved (the out-of-tolerance one of the first visit, the sale while sealed) go on the
    // record with it, as they stood, and the record says so beside "conforms"
    const unresolved = (await t.call('GET', '/api/v1/alerts?device=fd-dt-2&state=unresolved', undefined, inspector)).body.items;
    const followUp = await t.call(
      'POST',
      '/api/v1/inspections',
      { tenant: 'cxd-duc-thang', startedAt: new Date().toISOString(), inspectors: ['Nguyễn Văn Hùng'] },
      inspector,
    );
    const again = await t.call(
      'POST',
      `/api/v1/inspections/${followUp.body.id}/items`,
      {
        device: 'fd-dt-2',
        checks: [{ indicated: 20.02, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-20L-07', point: 'Qmax' }],
        sealsIntact: true,
        verificationMarkValid: true,
        certificateValid: true,
        priceDisplayCorrect: true,
      },
      inspector,
    );
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.verdict).toBe('pass');
    const kept = again.body.facts.unresolvedAlerts as { id: string; kind: string; since: string }[];
    expect(kept.map((a) => a.id).sort()).toEqual(unresolved.map((a: { id: string }) => a.id).sort());
    expect(kept).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'out-of-tolerance',
          key: 'Qmax',
          severity: 'critical',
          check: expect.objectContaining({ decision: 'fail', unit: 'L' }),
        }),
        expect.objectContaining({ kind: 'sealed-in-use', severity: 'critical', state: 'open' }),
      ]),
    );
    expect(kept.map((a) => a.since)).toEqual(kept.map((a) => a.since).sort());
    const res = await fetch(`${t.api}/api/v1/inspections/${followUp.body.id}/record.pdf`, { headers: { authorization: `Bearer ${inspector}` } });
    const printed = readPdf(Buffer.from(await res.arrayBuffer())).text.replace(/\s+/g, ' ');
    expect(printed).toMatch(
      /Cảnh báo chưa xử lý lúc kiểm tra: .*vượt sai số cho phép \(Qmax\), từ \d{2}\/\d{2}\/\d{4}, phép kiểm tra lúc .*: sai số \+0,12 L, sai số cho phép ±0,09 L/,
    );
    expect(printed).toMatch(/sử dụng khi đang bị niêm phong, từ \d{2}\/\d{2}\/\d{4}/);
    expect(printed).toContain('Kết luận: Phù hợp (cảnh báo vượt sai số chưa xử lý)');
    const verify = await t.call('GET', '/api/v1/audit/verify');
    expect(verify.body.ok).toBe(true);
  });
});

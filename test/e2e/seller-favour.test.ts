// End-to-end: which way an instrument's errors lean (docs/metrology.md §6, NIST HB44 G-UR.4.1), on the console's
// instrument page under each drift series, in English on a laptop and in Vietnamese on a phone. A fuel dispenser
// 0.06 L over at 20 L (in trade MPE 0.45 % × 20 L = 0.09 L: +0.667 of it) four times (4 of 4, p = 1/16: too few
// for a conclusion), a fifth (5 of 5, p = 1/32: a finding, seller-favoured opens), then a sixth 0.06 L under (5 of
// 6, p = 7/64 = 0.109, mean 0.04 L = 0.444 of the MPE: no finding, but the open alert is kept by the clearing
// thresholds p ≤ 0.2 and mean ≥ 0.4), and a seventh under (5 of 7, p = 0.227: cleared). A cassava purchasing scale (class III, e = 0.05 kg, d = 0.01 kg, use "purchasing": its
// user is the buyer) 0.07 kg light at 50 kg (in service MPE 0.1 kg: −0.7 of it) five times, a finding in the
// buyer's favour, and once 0.02 kg light at 20 kg (MPE 0.05 kg: −0.4), its second series. A gas detector, a type
// without the rule: nothing said.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { DESKTOP, launchConsoleBrowser, overflow, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';

const DAY = 86_400_000;
const FUEL_SERIES = 'point=Qmax,regime=inService';

let t: TestGateway;
let b: ConsoleBrowser;
let operator = '';
let fd: MqttClient;
const t0 = Date.now() - 30 * DAY;

const publish = (c: MqttClient, device: string, body: Record<string, unknown>) =>
  c.publishAsync(`instruments/${device}/checks`, JSON.stringify(body), { qos: 1 });
/** The dispenser's check number `seq`, `indicated` L against the 20 L proving measure. */
const fuel = (seq: number, indicated: number) =>
  publish(fd, 'sf-fd', {
    seq,
    ts: new Date(t0 + seq * DAY).toISOString(),
    indicated,
    reference: 20,
    referenceUncertainty: 0.01,
    unit: 'L',
    standardId: 'PM-20L-07',
    point: 'Qmax',
  });
const favourOf = async (device: string, series: string) =>
  (await t.call('GET', `/api/v1/devices/${device}/drift`)).body.bySeries?.find((x: { series: string }) => x.series === series)?.sellerFavour;

/** The instrument page of `device` once its drift card has said which way its errors lean. */
async function instrumentPage(viewport: typeof DESKTOP, device: string, locale?: string) {
  const opened = await b.open(viewport, locale);
  await signIn(opened.page, t.api, operator, `/#/instruments/${device}`);
  await opened.page.locator('[data-seller-favour]').first().waitFor();
  return opened;
}

describe('which way the errors lean, on the instrument page (real browser)', () => {
  beforeAll(async () => {
    t = await startTestGateway();
    fd = await t.connect('sf-fd', await t.device({ id: 'sf-fd', type: 'fuel-dispenser', tenant: 'sf-ent', region: 'VN-TN', extra: { mmq: 5 } }));
    const scale = await t.connect(
      'sf-scale',
      await t.device({
        id: 'sf-scale',
        type: 'scale',
        tenant: 'sf-ent',
        region: 'VN-TN',
        extra: { class: 'III', e: 0.05, resolution: 0.01, max: 60, use: 'purchasing' },
      }),
    );
    const gd = await t.connect('sf-gd', await t.device({ id: 'sf-gd', type: 'gas-detector', tenant: 'sf-ent', region: 'VN-TN' }));
    for (const seq of [1, 2, 3, 4]) await fuel(seq, 20.06);
    const weigh = (seq: number, reference: number, indicated: number, point: string) =>
      publish(scale, 'sf-scale', {
        seq,
        ts: new Date(t0 + seq * DAY).toISOString(),
        indicated,
        reference,
        referenceUncertainty: 0.001,
        unit: 'kg',
        standardId: 'TW-M1-20',
        point,
      });
    for (const seq of [1, 2, 3, 4, 5]) await weigh(seq, 50, 49.93, '1000e');
    await weigh(6, 20, 19.98, '400e');
    await publish(gd, 'sf-gd', {
      seq: 1,
      ts: new Date(t0 + DAY).toISOString(),
      indicated: 51,
      reference: 50,
      referenceUncertainty: 2,
      unit: 'ppm',
      standardId: 'CYL-CO',
      gas: 'CO',
      point: '50ppm',
    });
    await vi.waitFor(
      async () => {
        expect(await favourOf('sf-fd', FUEL_SERIES)).toMatchObject({ checksCounted: 4, onSellerSide: 4, pValue: 0.0625, finding: false });
        expect(await favourOf('sf-scale', 'point=1000e,regime=inService')).toMatchObject({
          checksCounted: 5,
          onBuyerSide: 5,
          favoured: 'buyer',
          finding: true,
        });
        expect(await favourOf('sf-scale', 'point=400e,regime=inService')).toMatchObject({ checksCounted: 1, onBuyerSide: 1 });
        expect((await t.call('GET', '/api/v1/devices/sf-gd/drift')).body.points).toBe(1);
      },
      { timeout: 30_000, interval: 50 },
    );
    operator = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'sf-ent', name: 'Cửa hàng Gò Dầu' })).body.token;
    b = await launchConsoleBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.destroy();
  });

  it('4 of 4 in the seller’s favour: the tally, and too few errors for a conclusion', async () => {
    const { page, problems, refused } = await instrumentPage(DESKTOP, 'sf-fd');
    const lean = page.locator('[data-seller-favour]');
    expect(await lean.count()).toBe(1); // its one series
    expect(await lean.getAttribute('data-seller-favour')).toBe('none');
    expect(await lean.textContent()).toBe(
      "Direction of the errors: 4 of 4 checks in the seller's favour (p = 0.063; mean +0.67 of the MPE) — fewer than 5 non-zero errors, no conclusion yet",
    );
    expect(await lean.locator('.warn').count()).toBe(0);
    await shot(page, 'seller-favour-4of4-desktop');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('5 of 5: a finding, said as a warning, in English on a laptop and in Vietnamese on a phone', async () => {
    await fuel(5, 20.06);
    await vi.waitFor(async () => expect((await t.call('GET', '/api/v1/alerts?device=sf-fd&kind=seller-favoured&state=open')).body.items).toHaveLength(1), {
      timeout: 30_000,
      interval: 50,
    });
    {
      const { page, problems, refused } = await instrumentPage(DESKTOP, 'sf-fd');
      const lean = page.locator('[data-seller-favour]');
      expect(await lean.getAttribute('data-seller-favour')).toBe('finding');
      expect(await lean.locator('p').allTextContents()).toEqual([
        "Direction of the errors: 5 of 5 checks in the seller's favour (p = 0.031; mean +0.67 of the MPE)",
        "The errors lean to the seller's side, near the limit (NIST HB44 G-UR.4.1)",
      ]);
      expect(await lean.locator('p.warn').textContent()).toBe("The errors lean to the seller's side, near the limit (NIST HB44 G-UR.4.1)");
      await shot(page, 'seller-favour-finding-desktop');
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
    }
    const { page, problems, refused } = await instrumentPage(PHONE, 'sf-fd', 'vi-VN');
    const lean = page.locator('[data-seller-favour]');
    expect(await lean.locator('p').allTextContents()).toEqual([
      'Hướng sai số: 5/5 phép kiểm tra lợi cho người bán (p = 0,031; trung bình +0,67 MPE)',
      'Sai số nghiêng về phía người bán, gần giới hạn (NIST HB44 G-UR.4.1)',
    ]);
    await lean.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${import.meta.dirname}/screenshots/seller-favour-finding-phone-vi-drift.png` });
    await shot(page, 'seller-favour-finding-phone-vi');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('5 of 6: no new finding, but the open alert is kept, and the page says by what; 5 of 7: cleared', async () => {
    await fuel(6, 19.94);
    await vi.waitFor(async () => expect(await favourOf('sf-fd', FUEL_SERIES)).toMatchObject({ checksCounted: 6, finding: false, persists: true }), {
      timeout: 30_000,
      interval: 50,
    });
    expect((await t.call('GET', '/api/v1/alerts?device=sf-fd&kind=seller-favoured&state=open')).body.items).toHaveLength(1);
    for (const [viewport, locale, expected] of [
      [
        DESKTOP,
        'en-GB',
        [
          "Direction of the errors: 5 of 6 checks in the seller's favour (p = 0.11; mean +0.44 of the MPE)",
          "The errors still lean to the seller's side: the open alert stays while p ≤ 0.2 and the mean ≥ 0.4 of the MPE (NIST HB44 G-UR.4.1)",
        ],
      ],
      [
        PHONE,
        'vi-VN',
        [
          'Hướng sai số: 5/6 phép kiểm tra lợi cho người bán (p = 0,11; trung bình +0,44 MPE)',
          'Sai số vẫn nghiêng về phía người bán: cảnh báo đang mở được giữ khi p ≤ 0,2 và trung bình ≥ 0,4 MPE (NIST HB44 G-UR.4.1)',
        ],
      ],
    ] as const) {
      const { page, problems, refused } = await instrumentPage(viewport, 'sf-fd', locale);
      const lean = page.locator('[data-seller-favour]');
      expect(await lean.getAttribute('data-seller-favour')).toBe('persists');
      expect(await lean.locator('p').allTextContents()).toEqual(expected);
      expect(await lean.locator('p.warn').count()).toBe(1);
      if (viewport === PHONE) expect(await overflow(page)).toBeLessThanOrEqual(0);
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
    }
    // a seventh under: 5 of 7, p = 29/128 = 0.227 > 0.2, mean 0.18 L / 7 = 0.0257 L = 0.286 of the MPE: cleared,
    // and the page says what an alert would take
    await fuel(7, 19.94);
    await vi.waitFor(async () => expect((await t.call('GET', '/api/v1/alerts?device=sf-fd&kind=seller-favoured&state=open')).body.items).toEqual([]), {
      timeout: 30_000,
      interval: 50,
    });
    for (const [locale, expected] of [
      [
        'en-GB',
        "Direction of the errors: 5 of 7 checks in the seller's favour (p = 0.23; mean +0.29 of the MPE) — not enough for an alert (that needs p ≤ 0.05 and a mean ≥ 0.5 of the MPE on the seller's side)",
      ],
      [
        'vi-VN',
        'Hướng sai số: 5/7 phép kiểm tra lợi cho người bán (p = 0,23; trung bình +0,29 MPE) — chưa đến mức cảnh báo (cần p ≤ 0,05 và trung bình ≥ 0,5 MPE về phía người bán)',
      ],
    ] as const) {
      const { page, problems, refused } = await instrumentPage(PHONE, 'sf-fd', locale);
      const lean = page.locator('[data-seller-favour]');
      expect(await lean.getAttribute('data-seller-favour')).toBe('none');
      expect(await lean.textContent()).toBe(expected);
      expect(await lean.locator('p.warn').count()).toBe(0);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
    }
  });

  it("a purchasing scale: the buyer's favour, per series; a type without the rule says nothing", async () => {
    const { page, problems, refused } = await instrumentPage(PHONE, 'sf-scale', 'vi-VN');
    const series = page.locator('.series:has([data-seller-favour])');
    expect(await series.count()).toBe(2);
    // the series sorted by key: 1000e, then 400e
    expect(await series.nth(0).locator('[data-seller-favour] p').allTextContents()).toEqual([
      'Hướng sai số: 5/5 phép kiểm tra lợi cho người mua (p = 0,031; trung bình -0,7 MPE)',
      'Sai số nghiêng về phía người mua, gần giới hạn (NIST HB44 G-UR.4.1)',
    ]);
    expect(await series.nth(1).locator('[data-seller-favour]').textContent()).toBe(
      'Hướng sai số: 1/1 phép kiểm tra lợi cho người mua (p = 0,5; trung bình -0,4 MPE) — chưa đủ 5 sai số khác 0 để kết luận',
    );
    await series.nth(0).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${import.meta.dirname}/screenshots/seller-favour-buyer-phone-vi-drift.png` });
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);

    const en = await instrumentPage(DESKTOP, 'sf-scale');
    expect(await en.page.locator('.series [data-seller-favour]').first().locator('p').allTextContents()).toEqual([
      "Direction of the errors: 5 of 5 checks in the buyer's favour (p = 0.031; mean -0.7 of the MPE)",
      "The errors lean to the buyer's side, near the limit (NIST HB44 G-UR.4.1)",
    ]);
    expect(en.problems).toEqual([]);

    const gd = await b.open(DESKTOP);
    await signIn(gd.page, t.api, operator, '/#/instruments/sf-gd');
    await gd.page.locator('dl.facts').nth(1).waitFor(); // the drift card's figures
    await gd.page.locator('[data-prediction]').waitFor();
    expect(await gd.page.locator('[data-seller-favour]').count()).toBe(0);
    expect(gd.problems).toEqual([]);
    expect(gd.refused).toEqual([]);
  });
  it("the purchasing scale put back to a stall: the buyer's alert clears at once, its note told in Vietnamese", async () => {
    const [open] = (await t.call('GET', '/api/v1/alerts?device=sf-scale&kind=buyer-favoured&state=open')).body.items;
    expect(open).toBeDefined();
    const r = await t.call('PATCH', '/api/v1/devices/sf-scale', { use: null, site: 'Chợ Gò Dầu, sạp 4', movedAt: new Date(Date.now() - 60_000).toISOString() });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // 5 of 5 light at a stall favour the customer: nothing opens for the seller
    for (const kind of ['buyer-favoured', 'seller-favoured'])
      expect((await t.call('GET', `/api/v1/alerts?device=sf-scale&kind=${kind}&state=open`)).body.items).toEqual([]);
    const { page, problems, refused } = await b.open(PHONE, 'vi-VN');
    await signIn(page, t.api, operator, `/#/alerts/${open.id}`);
    await expect
      .poll(() => page.locator('dl').allTextContents(), { timeout: 10_000 })
      .toContainEqual(
        expect.stringContaining(
          'đổi mục đích sử dụng (thu mua (người mua cân: xét sai số lợi cho người mua) → mua bán thông thường): từ nay sai số được xét xem có lợi cho người bán không',
        ),
      );
    // the gateway's note at an adjustment, told the same way (a string: vitest does not rewrite the browser's import)
    const adjusted = await page.evaluate(
      "import('/console/summaries.js').then((m) => m.resolutionNote({ reason: 'cleared', note: 'instrument adjusted at check 6 (2026-11-12T09:00:26.016Z; found conditional-pass): drift statistics restarted' }))",
    );
    expect(adjusted).toBe('phương tiện được điều chỉnh tại phép kiểm tra 6 (khi phát hiện: đạt có điều kiện): thống kê trôi sai số bắt đầu lại');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});

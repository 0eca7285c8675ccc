// End-to-end: a fuel dispenser's recent transactions on its console page. A dispenser of a station sends
// four sales over MQTT from two nozzles, the last with a totalizer that moved 10 L between two sales (a
// tamper alert). The region's inspector opens the dispenser on a laptop in Vietnamese: the sales newest
// first with their products as sent, figures in Vietnamese notation (412.634, 20,06), then only nozzle 1's;
// on a phone in English the table scrolls in its own region, nothing wider than the screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { DESKTOP, launchConsoleBrowser, overflow, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';

const E5 = 'Xăng E5 RON 92-II';
const DO = 'Dầu DO 0,05S-II';

let t: TestGateway;
let b: ConsoleBrowser;
let inspector = '';

describe("a fuel dispenser's recent transactions on its page (real browser)", () => {
  beforeAll(async () => {
    t = await startTestGateway();
    const secret = await t.device({ id: 'tx-fuel', type: 'fuel-dispenser', tenant: 'tx-ent', region: 'VN-HN' });
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const sale = (seq: number, minutesAgo: number, nozzle: number, product: string, volume: number, unitPrice: number, start: number) => ({
      seq,
      ts: at(minutesAgo),
      quantity: 'volume',
      value: volume,
      unit: 'L',
      nozzle,
      product,
      unitPrice,
      amount: Math.round(volume * unitPrice),
      totalizerStart: start,
      totalizerEnd: Math.round((start + volume) * 100) / 100,
    });
    const device = await t.connect('tx-fuel', secret);
    await device.publishAsync(
      'instruments/tx-fuel/readings',
      JSON.stringify({
        readings: [
          sale(1, 40, 1, E5, 20.06, 20570, 104230.5),
          sale(2, 30, 2, DO, 45.5, 18960, 88000),
          sale(3, 20, 1, E5, 12.5, 20570, 104250.56),
          // nozzle 1's totalizer moved 10 L since sale 3 ended at 104263.06
          sale(4, 10, 1, E5, 5, 20570, 104273.06),
        ],
      }),
      { qos: 1 },
    );
    await t.drained();
    inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-HN'], name: 'Thanh tra Hà Nội' })).body.token;
    b = await launchConsoleBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.destroy();
  });

  it('an inspector reads the sales newest first in Vietnamese, then one nozzle', async () => {
    // what the tamper alert is about, beside the sales
    const alerts = (await t.call('GET', '/api/v1/alerts?device=tx-fuel&kind=tamper')).body.items;
    expect(alerts).toHaveLength(1);

    const { page, problems, refused } = await b.open(DESKTOP, 'vi-VN');
    await signIn(page, t.api, inspector, '/#/instruments/tx-fuel');
    // the table's own scrolling region (the card around it has the same name)
    const table = page.locator('div.table-wrap[role=region][aria-label="Giao dịch gần đây"]');
    await table.locator('tbody tr').first().waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual([
      'Thời điểm',
      'Vòi bơm',
      'Nhiên liệu',
      'Thể tích (L)',
      'Đơn giá',
      'Thành tiền',
      'Số tổng đầu (L)',
      'Số tổng cuối (L)',
      'Số thứ tự',
    ]);
    const rows = async () => (await table.locator('tbody tr').all()).map((r) => r.locator('td').allTextContents());
    const cells = await Promise.all(await rows());
    expect(cells.map((c) => c[8])).toEqual(['4', '3', '2', '1']);
    // the newest: nozzle 1, 5 L at 20 570 đ/L = 102 850 đ, its totalizer starting 10 L past sale 3's end
    expect(cells[0]!.slice(1)).toEqual(['1', E5, '5', '20.570', '102.850', '104.273,06', '104.278,06', '4']);
    expect(cells[2]!.slice(1, 8)).toEqual(['2', DO, '45,5', '18.960', '862.680', '88.000', '88.045,5']);
    expect(cells[0]![0]).toMatch(/^\d{2}:\d{2}:\d{2} \d{2}\/\d{2}\/\d{4}$/);

    await page.getByLabel('Vòi bơm', { exact: true }).selectOption('1');
    await expect.poll(async () => (await Promise.all(await rows())).map((c) => c[8])).toEqual(['4', '3', '1']);
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'transactions-desktop-vi');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('on a phone in English the table scrolls in its own region; the page is no wider than the screen', async () => {
    const { page, problems, refused } = await b.open(PHONE, 'en-GB');
    await signIn(page, t.api, inspector, '/#/instruments/tx-fuel');
    const table = page.locator('div.table-wrap[role=region][aria-label="Recent transactions"]');
    await table.locator('tbody tr').first().waitFor();
    expect(await table.locator('tbody tr').first().locator('td').nth(4).textContent()).toBe('20,570');
    expect(await table.locator('tbody tr').first().locator('td').nth(6).textContent()).toBe('104,273.06');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'transactions-phone-en');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});

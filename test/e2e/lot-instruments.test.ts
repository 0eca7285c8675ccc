// End-to-end: a lot weighed on two instruments, one too coarse (the audit's AUD-LOT-4), read on the console's
// lot page in English on a laptop and in Vietnamese on a phone: the instruments' table (packages, fitness, MPE
// against T/5) and the reason told from its note. T = 3 % × 500 g = 15 g, T/5 = 3 g; the checkweigher (class
// XIII, e = 1 g) 1 g in service at 500 g, the market scale (class III, e = 50 g) 50 g.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { DESKTOP, launchConsoleBrowser, onVietnamClock, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';

let t: TestGateway;
let b: ConsoleBrowser;
let inspector = '';

describe('the weighing instruments on the lot page (real browser)', () => {
  beforeAll(async () => {
    t = await startTestGateway();
    const cw = await t.connect(
      'lt-cw',
      await t.device({ id: 'lt-cw', tenant: 'lt-ent', region: 'VN-HN', type: 'checkweigher', extra: { class: 'XIII', e: 0.001, max: 3 } }),
    );
    const scale = await t.connect(
      'lt-scale',
      await t.device({ id: 'lt-scale', tenant: 'lt-ent', region: 'VN-HN', type: 'scale', extra: { class: 'III', e: 0.05, max: 30 } }),
    );
    const r = await t.call('POST', '/api/v1/lots', { id: 'AUD-LOT-4', tenant: 'lt-ent', product: 'Gạo ST25 500 g', nominal: 500, unit: 'g', lotSize: 200 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const start = Date.now() - 600_000;
    const send = (client: typeof cw, device: string, nets: number[], first: number) =>
      client.publishAsync(
        `instruments/${device}/packages`,
        JSON.stringify({
          packages: nets.map((net, i) => ({ seq: first + i, ts: new Date(start + (first + i) * 1000).toISOString(), lot: 'AUD-LOT-4', net, unit: 'g' })),
        }),
        { qos: 1 },
      );
    const nets = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 502 : 504));
    await send(cw, 'lt-cw', nets.slice(0, 1), 1);
    const measured = (n: number) =>
      vi.waitFor(async () => expect((await t.call('GET', '/api/v1/lots/AUD-LOT-4')).body.measured).toBe(n), { timeout: 10_000, interval: 25 });
    await measured(1);
    await send(scale, 'lt-scale', nets.slice(1), 2);
    await measured(50);
    inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-HN'], name: 'Thanh tra Hà Nội' })).body.token;
    b = await launchConsoleBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.destroy();
  });

  it('lists each instrument with its packages and fitness, and says which weighings are not legal evidence', async () => {
    const { page, problems, refused } = await b.open(DESKTOP);
    await signIn(page, t.api, inspector, '/#/lots/AUD-LOT-4');
    await page.locator('.lot-verdict .verdict-pass').waitFor();
    const cwRow = page.locator('tr[data-instrument="lt-cw"]');
    const scaleRow = page.locator('tr[data-instrument="lt-scale"]');
    expect((await cwRow.locator('td').allTextContents()).slice(0, 5)).toEqual(['1', '1', 'fit', '1 g', '3 g']);
    expect((await scaleRow.locator('td').allTextContents()).slice(0, 5)).toEqual(['49', '49', 'not fit', '50 g', '3 g']);
    const note = page.locator('ol.reasons li[data-note="instrumentUnfitPackages"]');
    expect(await note.textContent()).toMatch(
      /^Instrument lt-scale weighed 49 of the 50 packages of the sample and is not fit for this lot, so its weighings are not legal evidence: Instrument lt-scale \(class III, e = 50 g\)/,
    );
    expect(await page.locator('ol.reasons li[lang="en"]').count()).toBe(0);
    // what is measured, said as such: 50 packages of a sample of 50, of a lot of 200
    expect(await page.locator('[data-measured]').textContent()).toBe('50 measured (sample 50, lot of 200)');
    // the plan by name, and the verdict said to be under it, not under Vietnam's Circular 21/2014
    expect(await page.locator('[data-plan]').textContent()).toBe('EU/UK reference test, single sampling');
    expect(await page.locator('.lot-verdict').textContent()).toContain('passes (under the EU/UK plan, not Circular 21/2014)');
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'lot-instruments-desktop');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('tells it in Vietnamese on a phone', async () => {
    const { page, problems, refused } = await b.open(PHONE, 'vi-VN');
    await signIn(page, t.api, inspector, '/#/lots/AUD-LOT-4');
    await page.locator('.lot-verdict .verdict-pass').waitFor();
    expect(await page.locator('ol.reasons li[data-note="instrumentUnfitPackages"]').textContent()).toBe(
      'Phương tiện đo lt-scale đã cân 49 trong số 50 đơn vị hàng của mẫu và không phù hợp với lô này, nên các kết quả cân đó không có giá trị làm chứng cứ pháp lý (lý do ở mục Phương tiện đo khối lượng).',
    );
    expect(await page.getByText('Các phương tiện đo đã cân các đơn vị hàng').count()).toBeGreaterThan(0);
    expect(await page.locator('tr[data-instrument="lt-scale"]').textContent()).toContain('không phù hợp');
    // each instrument's fitness told in Vietnamese from the lot's figures, numbers with the decimal comma
    expect(await page.locator('tr[data-instrument="lt-scale"] [data-reason="told"]').textContent()).toBe(
      'Phương tiện đo lt-scale (cấp chính xác III, e = 50 g), khi sử dụng tại tải 500 g: sai số cho phép 50 g vượt quá T/5 = 3 g; cần dùng phương tiện đo chính xác hơn.',
    );
    expect(await page.locator('tr[data-instrument="lt-cw"] [data-reason="told"]').textContent()).toBe(
      'Phương tiện đo lt-cw (cấp chính xác XIII, e = 1 g), khi sử dụng tại tải 500 g: sai số cho phép 1 g không vượt quá T/5 = 3 g.',
    );
    // no English sentence left on the page: the reasons, the fitness, the plan and its source are told in Vietnamese
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).not.toMatch(/Instrument |in service at the load|is within|exceeds T\/5| accept \d| reject \d|eu-reference-single/);
    expect(await page.locator('main [lang="en"]').count()).toBe(0);
    expect(await page.locator('[data-plan]').textContent()).toBe('Phép thử chuẩn của EU/Vương quốc Anh, lấy mẫu một lần');
    expect(await page.locator('ol.reasons li[data-note="plan"] .citation').textContent()).toBe(
      'UK SI 2006/659 Sch. 2 paras 3.3–3.5 (n = 50, số chấp nhận 3, số loại bỏ 4) và 4.5 (n = 30, trung bình ≥ Qn − 0,503 s)',
    );
    // what is measured, said as such (not "50 trên 50"), and the verdict qualified by the plan it is under
    expect(await page.locator('[data-measured]').textContent()).toBe('Đã đo 50 đơn vị (mẫu 50, cỡ lô 200)');
    expect(await page.locator('.lot-verdict').textContent()).toContain('đạt (theo phương án EU/Vương quốc Anh, chưa theo TT 21/2014)');
    // declared and judged on Vietnam's clock, though this browser runs in UTC: HH:mm dd/MM/yyyy
    const lot = (await t.call('GET', '/api/v1/lots/AUD-LOT-4')).body;
    const facts = (await page.locator('dl.facts').first().textContent()) ?? '';
    expect(facts).toContain(`Khai báo lúc${onVietnamClock(lot.createdAt)}`);
    expect(facts).toContain(`Kết luận lúc${onVietnamClock(lot.judgedAt)}`);
    expect(facts).toMatch(/Khai báo lúc\d{2}:\d{2} \d{2}\/\d{2}\/\d{4}Kết luận/);
    await shot(page, 'lot-instruments-phone-vi');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});

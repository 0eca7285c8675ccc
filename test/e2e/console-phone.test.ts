// End-to-end, on a phone in Vietnamese (Chromium against a real gateway): what a provincial inspector
// types at a fuel station and at a market is recorded as typed. A decimal comma is a decimal comma
// ("20,06" L is 20.06 L, never 2006 L), a point alone is refused before anything is sent, an indication
// far from its reference is asked about, sealing off takes a confirmation, and a campaign keeps the
// market chosen for the next scale and names a refused e by its label.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { join } from 'node:path';
import { launchConsoleBrowser, overflow, PHONE, SHOTS, signIn, type ConsoleBrowser } from '../support/browser.ts';

let t: TestGateway;
let b: ConsoleBrowser;
let inspector = '';

/** The POSTs the page sends to a path ending so: what a refused figure must not reach. */
function posts(page: Page, ending: string): string[] {
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith(ending)) sent.push(r.postData() ?? '');
  });
  return sent;
}

/** The phone's screen as the inspector sees it where the page is scrolled (shot() takes pages from the top). */
const screen = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

/** Is the element within the phone's screen, as the inspector holding it sees it? */
const onScreen = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });

describe('the console on a phone, in Vietnamese (real browser)', () => {
  beforeAll(async () => {
    t = await startTestGateway();
    for (const [id, serial] of [
      ['fd-a', 'TK-A'],
      ['fd-b', 'TK-B'],
    ])
      await t.device({ id, type: 'fuel-dispenser', tenant: 'cxd-phone', region: 'VN-BG', serial, extra: { mmq: 5 } });
    const pm = { id: 'PM-20L-01', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II', serial: 'BC-01' };
    expect((await t.call('POST', '/api/v1/standards', pm)).status).toBe(201);
    const day = 86_400_000;
    const hc = {
      number: 'HC-01',
      issuedBy: 'VMI',
      issuedAt: new Date(Date.now() - 100 * day).toISOString(),
      validUntil: new Date(Date.now() + 265 * day).toISOString(),
      uncertainty: 0.004,
    };
    expect((await t.call('POST', '/api/v1/standards/PM-20L-01/certificates', hc)).status).toBe(201);
    inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-BG'], name: 'Thanh tra Bắc Giang' })).body.token;
    b = await launchConsoleBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.destroy();
  });

  it('records "20,06" L as 20.06, refuses "20.06" before sending it, asks about "2006", and seals off only once confirmed', async () => {
    const opened = await t.call(
      'POST',
      '/api/v1/inspections',
      { tenant: 'cxd-phone', site: 'Cửa hàng xăng dầu số 3', startedAt: new Date().toISOString(), inspectors: ['Nguyễn Văn Hùng'] },
      inspector,
    );
    expect(opened.status).toBe(201);
    const id: string = opened.body.id;
    const { page, problems, refused } = await b.open(PHONE, 'vi-VN');
    const sent = posts(page, '/items');
    await signIn(page, t.api, inspector, `/#/inspections/${id}`);
    const form = page.getByRole('form', { name: 'Ghi kết quả kiểm tra phương tiện đo' });
    await form.getByLabel('Phương tiện đo', { exact: true }).selectOption('fd-b');
    // the standard's U prefilled as Vietnamese writes it
    expect(await form.getByLabel(/^Độ không đảm bảo đo của chuẩn/).inputValue()).toBe('0,004');

    // a point alone: refused on the field, in Vietnamese, and nothing is sent
    await form.getByLabel('Giá trị chỉ thị').fill('20.06');
    await form.getByLabel('Giá trị chuẩn', { exact: true }).fill('20');
    await form.getByRole('button', { name: 'Ghi kết quả' }).click();
    await form.getByText('Không rõ “20.06”: trong tiếng Việt phần thập phân viết sau dấu phẩy. Hãy viết 20,06', { exact: false }).waitFor();
    expect(await form.getByLabel('Giá trị chỉ thị').getAttribute('aria-invalid')).toBe('true');
    await screen(page, 'phone-vi-indication-point-refused');
    expect(sent).toEqual([]);

    // the decimal comma: 20.06 L recorded, the check judged on it
    await form.getByLabel('Giá trị chỉ thị').fill('20,06');
    expect(await form.getByText('Không rõ “20.06”', { exact: false }).isVisible()).toBe(false); // mended: the reason goes
    await form.getByRole('button', { name: 'Ghi kết quả' }).click();
    await page.getByText(/^Đã ghi fd-b: /).waitFor();
    expect(sent).toHaveLength(1);
    const checks = (await t.call('GET', '/api/v1/devices/fd-b/checks', undefined, inspector)).body.items;
    expect(checks).toMatchObject([{ indicated: 20.06, reference: 20 }]);
    // the form drawn again keeps the instrument examined last, not the first of the list
    const again = page.getByRole('form', { name: 'Ghi kết quả kiểm tra phương tiện đo' });
    expect(await again.getByLabel('Phương tiện đo', { exact: true }).inputValue()).toBe('fd-b');

    // an indication a hundred times its reference is asked about before it becomes a record
    await again.getByLabel('Phương tiện đo', { exact: true }).selectOption('fd-a');
    await again.getByLabel('Giá trị chỉ thị').fill('2006');
    await again.getByLabel('Giá trị chuẩn', { exact: true }).fill('20');
    await again.getByRole('button', { name: 'Ghi kết quả' }).click();
    const confirmOdd = again.getByLabel('Tôi đã kiểm tra: số chỉ và giá trị chuẩn đúng như đã đọc');
    await confirmOdd.waitFor();
    await screen(page, 'phone-vi-indication-odd');
    expect(await again.getByRole('alert').textContent()).toContain('Số chỉ 2.006 L khác xa giá trị chuẩn 20 L');
    expect(sent).toHaveLength(1);
    // mistyped indeed: corrected, the question goes, and the check (+0,15 L, beyond ±0,09 L) fails
    await again.getByLabel('Giá trị chỉ thị').fill('20,15');
    expect(await confirmOdd.isVisible()).toBe(false);
    await again.getByRole('button', { name: 'Ghi kết quả' }).click();
    await page.getByText('Đã ghi fd-a: không phù hợp.').waitFor();
    expect((await t.call('GET', '/api/v1/devices/fd-a/checks', undefined, inspector)).body.items).toMatchObject([{ indicated: 20.15, legal: 'fail' }]);

    // sealing off: the first tap asks, the second seals
    const findings = posts(page, '/findings');
    const item = page.locator('.item[data-device="fd-a"]');
    await item.getByRole('button', { name: 'Niêm phong fd-a' }).click();
    const confirmSeal = item.getByRole('button', { name: 'Xác nhận niêm phong fd-a' });
    await confirmSeal.waitFor();
    expect(findings).toEqual([]);
    await screen(page, 'phone-vi-seal-off-confirm');
    await item.getByRole('button', { name: 'Không niêm phong' }).click();
    expect(await confirmSeal.isVisible()).toBe(false);
    await item.getByRole('button', { name: 'Niêm phong fd-a' }).click();
    await confirmSeal.click();
    await page.locator('.item[data-device="fd-a"] p.sealed').waitFor();
    expect(findings).toHaveLength(1);
    expect((await t.call('GET', '/api/v1/devices/fd-a', undefined, inspector)).body.sealed).toMatchObject({ inspection: id });
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('a campaign keeps the market and construction for the next scale, says each one recorded beside its button, and names a refused e by its label', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const plan = {
      id: 'bg-cho-phone',
      name: 'Kiểm định cân chợ',
      region: 'VN-BG',
      markets: [{ name: 'Chợ Thương' }, { name: 'Chợ Kép' }, { name: 'Chợ Vôi' }],
      from: today,
      to: '2099-12-31',
      team: ['Trần Thị Lan'],
    };
    expect((await t.call('POST', '/api/v1/campaigns', plan, inspector)).status).toBe(201);
    const { page, problems, refused } = await b.open(PHONE, 'vi-VN');
    await signIn(page, t.api, inspector, '/#/campaigns/bg-cho-phone');
    const form = () => page.getByRole('form', { name: 'Ghi kết quả kiểm định cân' });
    expect(await form().getByLabel('Giá trị độ chia kiểm e (kg)').inputValue()).toBe('0,1'); // the default, as Vietnamese writes it
    await form().getByLabel('Chợ').selectOption('Chợ Kép');
    await form().getByLabel('Kiểu cân').selectOption('spring-dial');
    await form().getByLabel('Chủ cân', { exact: true }).fill('Nguyễn Thị Hoa');
    await form().getByLabel('Số sê-ri').fill('NS-1');
    await form().getByLabel('Giá trị độ chia kiểm e (kg)').fill('0,05');
    await form().getByRole('button', { name: 'Ghi kết quả' }).click();
    // said beside the button, on the screen, and the owner of the next scale ready to be typed
    const said = page.locator('form .recorded');
    await said.getByText('Đã ghi cân NS-1: đạt.', { exact: false }).waitFor();
    expect(await onScreen(page, 'form .recorded')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('owner');
    await screen(page, 'phone-vi-campaign-recorded');
    expect((await t.call('GET', '/api/v1/campaigns/bg-cho-phone', undefined, inspector)).body.verifications).toMatchObject([
      { serial: 'NS-1', market: 'Chợ Kép', e: 0.05, max: 30 },
    ]);
    // the next scale starts at the same market, with the same construction
    expect(await form().getByLabel('Chợ').inputValue()).toBe('Chợ Kép');
    expect(await form().getByLabel('Kiểu cân').inputValue()).toBe('spring-dial');
    expect(await form().getByLabel('Chủ cân', { exact: true }).inputValue()).toBe('');

    // e far too fine for class IIII: refused by the gateway, told by the form's labels, not as "e" or "max"
    await form().getByLabel('Chủ cân', { exact: true }).fill('Lê Văn Nam');
    await form().getByLabel('Số sê-ri').fill('NS-2');
    await form().getByLabel('Giá trị độ chia kiểm e (kg)').fill('0,001');
    await form().getByRole('button', { name: 'Ghi kết quả' }).click();
    const box = form().getByRole('alert');
    await box.getByText('Cân không phù hợp với cấp chính xác đã chọn', { exact: false }).waitFor();
    const lines = await box.locator(':scope > ul > li').allTextContents();
    expect(lines).toEqual([
      'Giá trị độ chia kiểm e (kg): 0,001 kg nhỏ hơn mức cấp IIII cho phép: e ít nhất 0,005 kg (5 g; OIML R76-1 Bảng 3); hãy nhập e theo kg',
      'Mức cân lớn nhất Max (kg): Max/e = 30 kg / 0,001 kg = 30000 khoảng chia kiểm, mà cấp IIII cho phép từ 100 đến 1 000 (OIML R76-1 Bảng 3): hãy kiểm tra lại Max, e và cấp chính xác',
    ]);
    // a point alone in Vietnamese is refused on the field before anything is sent
    const sent = posts(page, '/verifications');
    await form().getByLabel('Giá trị độ chia kiểm e (kg)').fill('0.05');
    await form().getByRole('button', { name: 'Ghi kết quả' }).click();
    await form().getByText('Không rõ “0.05”', { exact: false }).waitFor();
    expect(sent).toEqual([]);
    await form().getByLabel('Giá trị độ chia kiểm e (kg)').fill('0,05');
    await form().getByRole('button', { name: 'Ghi kết quả' }).click();
    await page.locator('form .recorded').getByText('Đã ghi cân NS-2: đạt.', { exact: false }).waitFor();
    expect(await form().getByLabel('Chợ').inputValue()).toBe('Chợ Kép');
    expect(refused).toEqual(['400 POST /api/v1/campaigns/bg-cho-phone/verifications']); // the e refused above, and only it
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  });

  // after the first test: fd-b has its check
  it('the header takes two rows, links are thumb-sized, the list is searched by serial, and a check keeps its time in sight', async () => {
    const { page, problems, refused } = await b.open(PHONE, 'vi-VN');
    await signIn(page, t.api, inspector, '/#/instruments');
    await page.locator('tr[data-device="fd-a"]').waitFor();
    // the header: the tools beside the icon, the links one row that scrolls sideways, each a 44 px target
    const header = await page.locator('header.top').boundingBox();
    await screen(page, 'phone-vi-header');
    expect(header!.height).toBeLessThanOrEqual(110);
    const links = await page
      .getByRole('navigation')
      .getByRole('link')
      .evaluateAll((as) => as.map((a) => a.getBoundingClientRect().toJSON()));
    expect(new Set(links.map((r) => Math.round(r.top))).size).toBe(1);
    expect(Math.min(...links.map((r) => r.height))).toBeGreaterThanOrEqual(44);
    // a card's title link is the whole line
    expect((await page.locator('tr[data-device="fd-a"] th a').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    // found by the serial on its plate, typed as it comes
    const search = page.getByLabel('Tìm theo mã, số sê-ri, nơi đặt');
    await search.fill('tk-b');
    expect(await page.locator('tr[data-device]:visible').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device')))).toEqual(['fd-b']);
    await page.getByText('1 phương tiện đo khớp với “tk-b”.').waitFor();
    await screen(page, 'phone-vi-instruments-search');
    await search.fill('TK-Z');
    await page.getByText('Không có phương tiện đo nào trong danh sách khớp với “TK-Z”.').waitFor();
    await search.fill('');
    expect(await page.locator('tr[data-device]:visible').count()).toBe(await page.locator('tr[data-device]').count()); // all again

    // its checks (the first test's): the legal verdict right after the time, which stays as the table scrolls
    await page.locator('tr[data-device="fd-b"] th a').click();
    const back = page.getByRole('link', { name: '← Tất cả phương tiện đo' });
    expect((await back.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    const checks = page.locator('table.checks');
    await checks.waitFor();
    expect(await checks.locator('thead th').allTextContents()).toEqual(expect.arrayContaining(['Thời điểm', 'Kết luận pháp lý']));
    expect((await checks.locator('thead th').allTextContents()).slice(0, 2)).toEqual(['Thời điểm', 'Kết luận pháp lý']);
    const wrap = page.locator('.table-wrap:has(table.checks)');
    await wrap.evaluate((el) => el.scrollBy(300, 0));
    const [time, region] = [await checks.locator('tbody td').first().boundingBox(), await wrap.boundingBox()];
    expect(Math.abs(time!.x - region!.x)).toBeLessThanOrEqual(2);
    await wrap.scrollIntoViewIfNeeded();
    await screen(page, 'phone-vi-checks-scrolled');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});

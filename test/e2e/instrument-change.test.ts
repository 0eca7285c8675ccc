// End-to-end: where and for what an instrument is used, changed on its console page (PATCH /api/v1/devices/{id}).
// A class III market scale (e = 20 g, Max 60 kg) at a stall of Gò Dầu market is moved by the enterprise's
// operator, on a phone in Vietnamese, to a cassava purchasing point 20 days ago: the page then says its new site
// since that day, its use (purchasing) and, under "Nơi đặt trước đây", the stall until that day. Put to gold
// trading, the API refuses it on e (Circular 22/2013/TT-BKHCN: a 60 kg scale weighing gold must have e ≤ 1 g), and
// the refusal is said under the use, in Vietnamese on the phone and as the API words it in English on a laptop. A
// correction of its model and reporting interval asks nothing about a move. The region's inspector reads the
// earlier site and has no such action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { DESKTOP, launchConsoleBrowser, overflow, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';

const DAY = 86_400_000;
const STALL = 'Chợ Gò Dầu, sạp 12';
const PURCHASING_POINT = 'Điểm thu mua mì Tân Châu';

let t: TestGateway;
let b: ConsoleBrowser;
let operator = '';
let inspector = '';

/** A day of Vietnam's clock (the enterprise's zone), as a date input holds it (YYYY-MM-DD) and as the console writes it (DD/MM/YYYY). */
function vietnamDay(ms: number): { iso: string; shown: string } {
  const iso = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
  return { iso, shown: iso.split('-').reverse().join('/') };
}
const moveDay = vietnamDay(Date.now() - 20 * DAY);

const device = async () => (await t.call('GET', '/api/v1/devices/ic-scale')).body;

/** The scale's page, signed in with `token`, once its facts are shown. */
async function scalePage(viewport: typeof DESKTOP, token: string, locale?: string) {
  const opened = await b.open(viewport, locale);
  await signIn(opened.page, t.api, token, '/#/instruments/ic-scale');
  await opened.page.locator('dl.facts').first().waitFor();
  return opened;
}

/** The text of the fact named `name` in the instrument's card. */
const fact = (page: Page, name: string) =>
  page
    .locator('dl.facts')
    .first()
    .locator('div', { has: page.locator('dt', { hasText: name }) })
    .locator('dd');

describe("an instrument's site and use, changed on its page (real browser)", () => {
  beforeAll(async () => {
    t = await startTestGateway();
    await t.device({
      id: 'ic-scale',
      type: 'scale',
      tenant: 'ic-ent',
      region: 'VN-TN',
      extra: { class: 'III', e: 0.02, max: 60, site: STALL, model: 'TPS-60' },
    });
    operator = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'ic-ent', name: 'Cơ sở cân Gò Dầu' })).body.token;
    inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-TN'], name: 'Thanh tra Tây Ninh' })).body.token;
    b = await launchConsoleBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.destroy();
  });

  it('an operator moves the scale to a purchasing point on a day: the page shows its new site and use, and the stall until then', async () => {
    const { page, problems, refused } = await scalePage(PHONE, operator, 'vi-VN');
    const open = page.getByRole('button', { name: 'Đổi nơi đặt / mục đích sử dụng' });
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    await open.click();
    const form = page.getByRole('form', { name: 'Đổi nơi đặt / mục đích sử dụng' });
    // prefilled with what the record says; the question "moved or corrected" only once the site or use changes
    expect(await form.getByLabel('Địa điểm', { exact: true }).inputValue()).toBe(STALL);
    expect(await form.getByLabel('Kiểu', { exact: true }).inputValue()).toBe('TPS-60');
    expect(await form.getByLabel('Mục đích sử dụng', { exact: true }).locator('option:checked').textContent()).toBe('mua bán thông thường');
    expect(await form.locator('fieldset.why').isHidden()).toBe(true);
    await form.getByLabel('Địa điểm', { exact: true }).fill(PURCHASING_POINT);
    await form.getByLabel('Mục đích sử dụng', { exact: true }).selectOption('purchasing');
    expect(await form.locator('fieldset.why').isVisible()).toBe(true);
    // neither chosen: the form asks, and sends nothing
    await form.getByRole('button', { name: 'Lưu' }).click();
    expect(await form.locator('fieldset.why .field-error').textContent()).toBe('Hãy chọn: phương tiện đã được chuyển đi, hay thông tin cũ ghi nhầm.');
    await form.getByLabel('Đã chuyển đi nơi khác hoặc đổi mục đích sử dụng').check();
    expect(await form.locator('fieldset.why .field-error').isHidden()).toBe(true);
    await form.getByLabel('Ngày chuyển', { exact: true }).fill(moveDay.iso);
    await shot(page, 'instrument-change-form-phone-vi');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await unnamedControls(page)).toEqual([]);
    await form.getByRole('button', { name: 'Lưu' }).click();

    await page.getByText(`Đã ghi nhận: ic-scale chuyển từ ngày ${moveDay.shown}.`).waitFor();
    expect(await fact(page, 'Địa điểm').textContent()).toBe(`${PURCHASING_POINT} (từ ngày ${moveDay.shown})`);
    expect(await fact(page, 'Mục đích sử dụng').textContent()).toBe('thu mua (người mua cân: xét sai số lợi cho người mua)');
    const earlier = page.getByRole('list', { name: 'Nơi đặt trước đây' });
    expect(await earlier.locator('li').allTextContents()).toEqual([`${STALL} · mua bán thông thường · đến ngày ${moveDay.shown}`]);
    // the form is folded again, the action offered again
    expect(await page.getByRole('form', { name: 'Đổi nơi đặt / mục đích sử dụng' }).count()).toBe(0);
    await shot(page, 'instrument-change-moved-phone-vi');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);

    // what the gateway recorded: the move at the start of that day in Vietnam, only the fields changed
    const d = await device();
    expect(d).toMatchObject({ site: PURCHASING_POINT, use: 'purchasing', model: 'TPS-60' });
    expect(d.placements).toEqual([{ until: new Date(`${moveDay.iso}T00:00:00+07:00`).toISOString(), site: STALL }]);
    const audit = (await t.call('GET', '/api/v1/audit?limit=50')).body.items.filter((x: { action: string }) => x.action === 'device.update');
    expect(audit).toHaveLength(1);
    expect(audit.at(0)?.details).toMatchObject({
      changes: { site: { from: STALL, to: PURCHASING_POINT }, use: { from: null, to: 'purchasing' } },
      movedAt: d.placements[0].until,
    });
    expect(Object.keys(audit.at(0)?.details.changes)).toEqual(['site', 'use']);
  });

  it('gold trading on a 20 g scale: refused on e, said under the use in Vietnamese on a phone and in English on a laptop', async () => {
    const before = await device();
    {
      const { page, problems, refused } = await scalePage(PHONE, operator, 'vi-VN');
      await page.getByRole('button', { name: 'Đổi nơi đặt / mục đích sử dụng' }).click();
      const form = page.getByRole('form', { name: 'Đổi nơi đặt / mục đích sử dụng' });
      const use = form.getByLabel('Mục đích sử dụng', { exact: true });
      await use.selectOption('gold-trading');
      await form.getByLabel('Thông tin cũ ghi nhầm').check();
      await form.getByRole('button', { name: 'Lưu' }).click();
      const reason = form.locator('.field-error[data-path="e"]');
      await reason.waitFor();
      expect(await reason.textContent()).toBe(
        'Cân có e = 0,02 kg, quá lớn để dùng cho kinh doanh vàng: cân có Max 60 kg (mức cân trên 10 kg) phải có e không lớn hơn 0,001 kg (1000 mg) (Thông tư 22/2013/TT-BKHCN, Điều 4 khoản 1). Hãy dùng cân có độ chia nhỏ hơn, hoặc kiểm tra lại e và Max đã đăng ký',
      );
      // beside the use: in its field, the select marked and described by it
      expect(await use.getAttribute('aria-invalid')).toBe('true');
      expect(await reason.evaluate((el) => el.parentElement?.querySelector('select[name="use"]') !== null)).toBe(true);
      expect(await use.getAttribute('aria-describedby')).toContain(await reason.getAttribute('id'));
      const box = page.locator('.change [role="alert"].error');
      expect(await box.locator('p').first().textContent()).toBe('Dữ liệu chưa hợp lệ. Lý do ghi ngay dưới các ô được đánh dấu.');
      expect(await box.locator('details.technical').textContent()).toContain('e 0.02 kg is too coarse for gold-trading');
      await reason.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${import.meta.dirname}/screenshots/instrument-change-refused-phone-vi.png` });
      await shot(page, 'instrument-change-refused-phone-vi-full');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      expect(problems).toEqual([]);
      expect(refused).toEqual(['400 PATCH /api/v1/devices/ic-scale']);

      // mended (back to purchasing, nothing else changed): nothing is sent, the reason goes
      await use.selectOption('purchasing');
      await form.getByRole('button', { name: 'Lưu' }).click();
      await page.locator('.change').getByText('Chưa có thông tin nào thay đổi.').waitFor();
      expect(await form.locator('.field-error[data-path]').count()).toBe(0);
      expect(await use.getAttribute('aria-invalid')).toBeNull();
      expect(refused).toEqual(['400 PATCH /api/v1/devices/ic-scale']);
    }
    {
      const { page, problems, refused } = await scalePage(DESKTOP, operator);
      await page.getByRole('button', { name: 'Change site or use' }).click();
      const form = page.getByRole('form', { name: 'Change site or use' });
      await form.getByLabel('Use', { exact: true }).selectOption('gold-trading');
      await form.getByLabel('The record was wrong').check();
      await form.getByRole('button', { name: 'Save' }).click();
      const reason = form.locator('.field-error[data-path="e"]');
      await reason.waitFor();
      expect(await reason.textContent()).toBe(
        'e 0.02 kg is too coarse for gold-trading: a scale of Max 60 kg (capacities above 10 kg) must have e at most 0.001 kg (1000 mg) (Circular 22/2013/TT-BKHCN Article 4(1); devices/scale.json tradeUses); register a finer scale, or check e and max',
      );
      expect(await page.locator('.change [role="alert"].error p').first().textContent()).toBe(
        'The change does not fit the instrument type. The reasons are beside the fields marked.',
      );
      await shot(page, 'instrument-change-refused-desktop-en');
      expect(problems).toEqual([]);
      expect(refused).toEqual(['400 PATCH /api/v1/devices/ic-scale']);
    }
    expect(await device()).toEqual(before);
  });

  it('a correction of the model and the reporting interval asks nothing about a move and keeps the earlier site', async () => {
    const { page, problems, refused } = await scalePage(DESKTOP, operator);
    await page.getByRole('button', { name: 'Change site or use' }).click();
    const form = page.getByRole('form', { name: 'Change site or use' });
    await form.getByLabel('Model', { exact: true }).fill('TPS-60 Plus');
    await form.getByLabel('Expected reporting interval', { exact: true }).fill('10');
    expect(await form.getByLabel('Unit of the interval').inputValue()).toBe('min');
    expect(await form.locator('fieldset.why').isHidden()).toBe(true);
    await shot(page, 'instrument-change-form-desktop-en');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('ic-scale: the record is corrected.').waitFor();
    expect(await fact(page, 'Model').textContent()).toBe('TPS-60 Plus');
    expect(await fact(page, 'Expected reporting interval').textContent()).toBe('every 10 minutes');
    expect(await page.getByRole('list', { name: 'Earlier sites' }).locator('li').allTextContents()).toEqual([
      `${STALL} · general trade · until ${moveDay.shown}`,
    ]);
    await shot(page, 'instrument-change-corrected-desktop-en');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
    const d = await device();
    expect(d).toMatchObject({ model: 'TPS-60 Plus', expectedIntervalSeconds: 600, site: PURCHASING_POINT, use: 'purchasing' });
    expect(d.placements).toHaveLength(1);
  });

  it("the region's inspector reads where the scale stood before, and has no action to change it", async () => {
    for (const [viewport, locale, heading, item, name] of [
      [PHONE, 'vi-VN', 'Nơi đặt trước đây', `${STALL} · mua bán thông thường · đến ngày ${moveDay.shown}`, 'phone-vi'],
      [DESKTOP, 'en-GB', 'Earlier sites', `${STALL} · general trade · until ${moveDay.shown}`, 'desktop-en'],
    ] as const) {
      const { page, problems, refused } = await scalePage(viewport, inspector, locale);
      expect(await page.getByRole('list', { name: heading }).locator('li').allTextContents()).toEqual([item]);
      expect(await page.locator('[data-change]').count()).toBe(0);
      expect(await page.getByRole('button', { name: /Đổi nơi đặt|Change site or use/ }).count()).toBe(0);
      await shot(page, `instrument-change-inspector-${name}`);
      if (viewport === PHONE) expect(await overflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
    }
    // and the API refuses it the change, as the console does not offer it
    expect((await t.call('PATCH', '/api/v1/devices/ic-scale', { site: 'X' }, inspector)).status).toBe(403);
  });
});

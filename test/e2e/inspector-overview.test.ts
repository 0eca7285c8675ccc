// End-to-end: the inspector's work in a real browser (Debian's Chromium driven by playwright-core)
// against a real gateway holding the demo fleet's year of history (and the live months' checks of the two
// places whose instruments lean their user's way, as `mag demo`'s live run sends them): the overview as landing
// page, a figure followed to its filtered list, the ranking, and the quarter's report downloaded as XLSX and
// PDF whose figures are those of the API.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { DESKTOP, launchConsoleBrowser, onVietnamClock, overflow, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';
import { readPdf } from '../support/pdf-text.ts';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { openStateDb } from '../../src/store/db.ts';
import { loadProfiles } from '../../src/metrology/profile-loader.ts';
import { loadFleet } from '../../simulators/fleet-file.ts';
import { seedDemoHistory, seedLiveChecks } from '../../simulators/demo-history.ts';
import type { FleetFigures } from '../../src/oversight/figures.ts';

const REGIONS = ['VN-HN', 'VN-BG', 'VN-TN', 'VN-TTH'];
/** The laptop the console audit found the instruments list cut off on. */
const LAPTOP = { width: 1366, height: 900 };
/**
 * The instruments whose live months the test adds to the history (which stops where the live run starts, 120 days
 * ago): CHXD Gò Dầu's two dispensers, set a little in the station's favour, and the cassava purchasing point's
 * scale, which weighs light (simulators/fleets/demo.json).
 */
const LEANING = ['tn-fd-001', 'tn-fd-002', 'tn-sc-buyer'];

let t: TestGateway;
let b: ConsoleBrowser;
let inspector = '';
const dataDir = mkdtempSync(join(tmpdir(), 'mag-e2e-overview-'));

const tileValue = async (page: Page, figure: string) => (await page.locator(`[data-figure="${figure}"] .tile-value`).textContent())?.trim();
const figure = (f: FleetFigures, section: string, id: string) => f.sections.find((s) => s.id === section)!.figures.find((x) => x.id === id)!;

describe("the inspector's work (real browser)", () => {
  beforeAll(async () => {
    const db = openStateDb(dataDir);
    const fleet = await loadFleet(join(PACKAGE_ROOT, 'simulators/fleets/demo.json'));
    const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
    const now = Date.now();
    seedDemoHistory(db, { fleet, profiles, now });
    // GET /places judges the last 90 days, which only the live run fills with the instruments' own checks
    seedLiveChecks(db, { fleet, profiles, now, devices: LEANING });
    db.close();
    t = await startTestGateway({}, dataDir);
    t.gateway.reviewVerifications(); // the expired scale's verification-overdue alert, as the minute's review would raise it
    const r = await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: REGIONS, name: 'Chi cục TĐC' });
    inspector = r.body.token;
    b = await launchConsoleBrowser({ timeout: 15_000 });
  });

  afterAll(async () => {
    await b?.close();
    await t?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lands on the overview, whose tiles are the API's figures, and a figure opens its filtered list", async () => {
    const { page, problems, refused } = await b.open(DESKTOP, 'en-GB');
    await signIn(page, t.api, inspector);
    expect(new URL(page.url()).hash).toBe('');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.locator('[data-figure="instruments.total"]').waitFor();
    const api = (await t.call('GET', '/api/v1/overview?lang=en', undefined, inspector)).body as FleetFigures;
    for (const [section, id] of [
      ['instruments', 'total'],
      ['instruments', 'valid'],
      ['instruments', 'expired'],
      ['enterprises', 'total'],
      ['alerts', 'open'],
      ['alerts', 'age-over30d'],
      ['due', 'due90'],
      ['checks', 'checks'],
      ['checks', 'failed'],
      ['inspections', 'inspections'],
      ['inspections', 'openFindings'],
      ['campaigns', 'campaigns'],
      ['lots', 'lots'],
      ['lots', 'failed'],
    ]) {
      expect(await tileValue(page, `${section}.${id}`), `${section}.${id}`).toBe(new Intl.NumberFormat('en-GB').format(figure(api, section, id).value!));
    }
    // the demo fleet's 27 instruments but the three in Bắc Ninh (VN-BN: bn-cokhi's profile projector and
    // bn-nuocsach's two water meters), not this inspector's regions; plus the 9 scales passed in the history's
    // Bắc Giang market campaign (12 verified on 3 markets, one in 4 failing: 12 − 3 = 9): 24 + 9 = 33
    expect(figure(api, 'instruments', 'total').value).toBe(33);
    expect(figure(api, 'checks', 'checks').value).toBeGreaterThan(1000);
    // the inspector's year (simulators/demo-history-inspector.ts), all within the overview's 12
    // months: 4 inspections (at NOW − 10½, 7½, 4½, 1½ months) with one finding each, of which the
    // last is still open and the packer's violation answered; one campaign; the packer's lots,
    // 3 a month for the last 6 months (18), 2 of them short-filled (failed)
    expect(figure(api, 'inspections', 'inspections').value).toBe(4);
    expect(figure(api, 'inspections', 'findings').value).toBe(4);
    expect(figure(api, 'inspections', 'openFindings').value).toBe(1);
    expect(figure(api, 'inspections', 'answeredFindings').value).toBe(1);
    expect(figure(api, 'campaigns', 'campaigns').value).toBe(1);
    expect(api.sections.find((s) => s.id === 'campaigns')!.tables[0].rows.map((r) => [r.values.verified, r.values.passed, r.values.failed])).toEqual([
      [12, 9, 3],
    ]);
    expect(figure(api, 'lots', 'lots').value).toBe(18);
    expect(figure(api, 'lots', 'failed').value).toBe(2);
    await page.locator('svg.bars rect.bar').first().waitFor();
    expect(await page.locator('svg.trend polyline.trend-line').count()).toBe(2);
    // the places whose instruments' checks of the last 90 days lean their user's way (GET /places), findings
    // first, then by p (k of m on the favoured side: p = Σ_{i=k}^{m} C(m, i)/2^m, 1/2^m when k = m):
    // - CHXD Gò Dầu: its two dispensers, each a constant +0.0165 L + 0.165 % (+0.0495 L at 20 L, 0.55 of the
    //   0.09 L MPE in service; +0.02475 L at the 5 L MMQ, 0.55 of its 0.045 L), proved every 3 days: the live
    //   run's sessions 11–40 at Qmax and 10–39 at the MMQ (a quarter of an hour later) fall in the last 90 days,
    //   30 + 30 a dispenser, 120 checks, every one in the station's favour (0.02 to 0.06 L, 0.01 L display): p =
    //   1/2^120, mean ≈ +0.55 of the MPE;
    // - the cassava purchasing point: its scale (class III, Max 300 kg, e = 0.1 kg, registered for purchasing)
    //   weighs light by 0.04 kg + 0.046 %, −0.07, −0.14 and −0.18 kg at 50, 200 and 300 kg (about −0.7, −0.7
    //   and −0.6 of its 0.1, 0.2 and 0.3 kg MPE), checked every 5 days: sessions 7–24 in the period, 18 × 3 = 54
    //   checks, all in the buyer's favour: p = 1/2^54, mean ≈ −0.66 of the MPE;
    // - CHXD số 12: the inspector's in-trade checks of its 4 dispensers a month and a half ago, 3 of 4 in the
    //   station's favour: p = (C(4, 3) + C(4, 4))/2^4 = 5/16, no finding.
    const places = (await t.call('GET', '/api/v1/places', undefined, inspector)).body.items as {
      site: string;
      favoured: string;
      finding: boolean;
      pValue: number;
      checks: number;
      checksCounted: number;
      meanErrorMpe: number;
    }[];
    expect(places.map((x) => [x.site, x.favoured, x.finding])).toEqual([
      ['CHXD Gò Dầu', 'seller', true],
      ['Điểm thu mua mì củ tươi, Tân Châu', 'buyer', true],
      ['CHXD số 12, Giải Phóng', 'seller', false],
    ]);
    expect(places.map((x) => [x.checks, x.checksCounted, x.pValue])).toEqual([
      [120, 120, 1 / 2 ** 120],
      [54, 54, 1 / 2 ** 54],
      [4, 4, 5 / 16],
    ]);
    expect(places[0].meanErrorMpe).toBeGreaterThan(0.5);
    expect(places[0].meanErrorMpe).toBeLessThan(0.6);
    expect(places[1].meanErrorMpe).toBeLessThan(-0.6);
    expect(places[1].meanErrorMpe).toBeGreaterThan(-0.7);
    // the section, placed after the alerts, lists the two findings (GET /places?findings=true)
    const placesCard = page.locator('[data-section="places"]');
    await placesCard.locator('tbody tr').first().waitFor();
    expect(await placesCard.locator('tbody tr').count()).toBe(2);
    const goDau = placesCard.locator('tbody tr', { hasText: 'CHXD Gò Dầu' });
    expect(await goDau.locator('th').textContent()).toBe('tayninh-xd');
    expect(await goDau.locator('td').nth(2).textContent()).toBe('seller');
    expect(await goDau.locator('td').nth(4).textContent()).toBe('120');
    const buyer = placesCard.locator('tbody tr', { hasText: 'Điểm thu mua mì củ tươi, Tân Châu' });
    expect(await buyer.locator('th').textContent()).toBe('tn-thumua-mi');
    expect(await buyer.locator('td').nth(2).textContent()).toBe('buyer');
    expect(await placesCard.getByText('No place leans to its user beyond the rule.').count()).toBe(0);
    expect(await page.locator('section[data-section]').evaluateAll((els) => els.map((e) => e.getAttribute('data-section')))).toEqual(
      expect.arrayContaining(['alerts', 'places']),
    );
    const order = await page.locator('section[data-section]').evaluateAll((els) => els.map((e) => e.getAttribute('data-section')));
    expect(order.indexOf('places')).toBe(order.indexOf('alerts') + 1);
    await shot(page, 'overview-desktop');

    // the expired instruments: the tile leads to the instruments list filtered by verification state
    await page.locator('[data-figure="instruments.expired"]').click();
    await page.getByRole('heading', { level: 1, name: 'Instruments' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/instruments?verification=expired');
    await page.locator('tr[data-device="bg-sc-expired"]').waitFor();
    expect(await page.locator('tr[data-device]').count()).toBe(figure(api, 'instruments', 'expired').value);
    expect(await page.locator('.chip').textContent()).toBe('verification: expired');
    await shot(page, 'overview-link-instruments-desktop');

    // alerts open for more than 30 days: the alerts list with the same filters
    await page.goBack();
    await page.locator('[data-figure="alerts.age-over30d"]').click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/alerts\?state=unresolved&openedTo=/);
    await expect.poll(() => page.locator('li.alert').count()).toBe(figure(api, 'alerts', 'age-over30d').value);
    await page.goBack();

    // the month-by-month failed checks: the checks list of that month
    const month = page.locator('[data-section="trends"] details');
    await month.locator('summary').click();
    const link = month.locator('tbody tr').nth(3).locator('td').nth(1).locator('a');
    const expected = Number((await link.textContent())!.replace(/\D/g, ''));
    await link.click();
    await page.getByRole('heading', { level: 1, name: 'Checks' }).waitFor();
    // 50 at a time, the count saying how many there are
    await expect.poll(() => page.locator('tr[data-device]').count()).toBe(Math.min(expected, 50));
    const listed = Math.min(expected, 1000);
    expect(await page.locator('main .count').textContent()).toMatch(listed > 50 ? `Showing 50 of ${listed.toLocaleString('en-GB')}` : `${listed} shown`);

    // the ranking
    await page.getByRole('link', { name: 'Readiness' }).click();
    await page.locator('tr[data-tenant]').first().waitFor();
    // the demo's enterprises in this inspector's four provinces (bn-cokhi and bn-nuocsach are in Bắc Ninh,
    // VN-BN: 8 − 2 = 6, the cassava purchasing point in Tây Ninh among them), and the campaign's 3 markets,
    // whose traders' scales the campaign registered: 6 + 3 = 9
    expect(await page.locator('tr[data-tenant]').count()).toBe(9);
    await shot(page, 'readiness-desktop');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it("downloads the quarter's report as XLSX and PDF with the API's figures", async () => {
    const { page, problems, refused } = await b.open(DESKTOP, 'en-GB');
    await signIn(page, t.api, inspector);
    await page.getByRole('link', { name: 'Reports' }).click();
    const form = page.getByRole('form', { name: 'Periodic report' });
    await form.waitFor();
    const [from, to] = (await form.getByLabel('Period').inputValue()).split('/');
    await shot(page, 'reports-periodic-desktop');
    const json = (await t.call('GET', `/api/v1/reports/periodic?from=${from}&to=${to}&lang=en`, undefined, inspector)).body as FleetFigures & {
      period: { from: string; to: string };
    };
    expect(json.period).toEqual({ from, to });

    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download XLSX' }).click()]);
    expect(xlsx.suggestedFilename()).toBe(`periodic-report-all-${from}-${to}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await xlsx.path())!);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Periodic report', ...json.sections.map((s) => s.label)]);
    for (const s of json.sections) {
      const sheet = wb.getWorksheet(s.label)!;
      const cells = new Map<string, unknown>();
      sheet.eachRow((row) => cells.set(String(row.getCell(1).value), row.getCell(2).value));
      for (const x of s.figures) expect(cells.get(x.label), `${s.id}.${x.id}`).toBe(x.value);
    }
    // the month-by-month table, row for row (an empty cell is a figure without a basis, null)
    const trends = json.sections.find((s) => s.id === 'trends')!;
    const sheet = new Map<string, unknown[]>();
    wb.getWorksheet(trends.label)!.eachRow((row) => {
      const cells = trends.tables[0].columns.map((_, i) => row.getCell(i + 1).value ?? null);
      sheet.set(String(cells[0]), cells);
    });
    expect(trends.tables[0].rows.length).toBeGreaterThanOrEqual(2);
    for (const r of trends.tables[0].rows) expect(sheet.get(String(r.values.month))).toEqual(trends.tables[0].columns.map((c) => r.values[c.id] ?? null));

    await form.getByLabel('Report written in').selectOption('vi');
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(pdf.suggestedFilename()).toBe(`bao-cao-dinh-ky-all-${from}-${to}.pdf`);
    const doc = readPdf(readFileSync((await pdf.path())!));
    expect(doc.pages).toBeGreaterThanOrEqual(2);
    expect(doc.fonts.some((f) => /\+DejaVuSans$/.test(f))).toBe(true);
    // an administrative report (Decree 30/2020): nation and motto, the title; the issuer left to fill in by hand
    expect(doc.lines).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(doc.lines).toContain('BÁO CÁO');
    expect(doc.text).toContain('Số: ……/BC-……');
    expect(doc.text).toContain('Cột đo xăng dầu');
    expect(doc.text).toContain(`Trang 1/${doc.pages}`);

    // the inspector fills the document's details: printed in its head and foot, and all but the number remembered
    await form.locator('summary', { hasText: 'Document details' }).click();
    await form.getByLabel('Superior body').fill('UBND TỈNH BẮC NINH');
    await form.getByLabel('Issuing body').fill('SỞ KHOA HỌC VÀ CÔNG NGHỆ');
    await form.getByLabel('Number and symbol').fill('12/BC-SKHCN');
    await form.getByLabel('Recipients').fill('Bộ Khoa học và Công nghệ;\nUBND tỉnh Bắc Ninh\n\nLưu: VT, TĐC');
    await form.getByLabel('Signer', { exact: true }).fill('Nguyễn Văn An');
    await form.getByLabel("Signer's title").fill('KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC');
    await shot(page, 'reports-letterhead-desktop');
    const [headed] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
    const printed = readPdf(readFileSync((await headed.path())!));
    for (const line of ['UBND TỈNH BẮC NINH', 'SỞ KHOA HỌC VÀ CÔNG NGHỆ', 'KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC', 'Nguyễn Văn An'])
      expect(printed.lines).toContain(line);
    expect(printed.text).toContain('Số: 12/BC-SKHCN');
    expect(printed.text).not.toContain('Số: ……/BC-……');
    // one recipient a line, blank lines dropped; a ";" typed at a line's end, as Nơi nhận lists are written, is only a separator
    expect(printed.text).toContain('UBND tỉnh Bắc Ninh');
    expect(printed.text).toContain('Lưu: VT, TĐC');
    await page.reload();
    await form.waitFor();
    expect(await form.getByLabel('Issuing body').inputValue()).toBe('SỞ KHOA HỌC VÀ CÔNG NGHỆ');
    expect(await form.getByLabel("Signer's title").inputValue()).toBe('KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC');
    expect(await form.getByLabel('Number and symbol').inputValue()).toBe('');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('shows the overview on a phone and in Vietnamese', async () => {
    for (const [viewport, locale, name] of [
      [PHONE, 'en-GB', 'overview-phone'],
      [DESKTOP, 'vi-VN', 'overview-desktop-vi'],
      [PHONE, 'vi-VN', 'overview-phone-vi'],
    ] as const) {
      const { page, problems, refused } = await b.open(viewport, locale);
      await signIn(page, t.api, inspector);
      await page.locator('[data-figure="instruments.total"]').waitFor();
      await page.locator('svg.trend').waitFor();
      const placesCard = page.locator('[data-section="places"]');
      await placesCard.locator('tbody tr', { hasText: 'CHXD Gò Dầu' }).waitFor();
      if (locale === 'vi-VN') {
        await page.getByRole('heading', { level: 1, name: 'Tổng quan' }).waitFor();
        expect(await page.locator('[data-section="alerts"] h2').textContent()).toBe('Cảnh báo');
        expect(await placesCard.locator('h2').textContent()).toBe('Nơi kinh doanh có sai số nghiêng về phía người sử dụng phương tiện đo');
        expect(await placesCard.locator('tbody tr', { hasText: 'CHXD Gò Dầu' }).locator('td').nth(2).textContent()).toBe('người bán');
        expect(await placesCard.locator('tbody tr', { hasText: 'Điểm thu mua mì củ tươi, Tân Châu' }).locator('td').nth(2).textContent()).toBe('người mua');
      }
      await shot(page, name);
      if (viewport.width < 720) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      if (locale === 'vi-VN') {
        await page.getByRole('link', { name: 'Mức sẵn sàng' }).click();
        await page.locator('tr[data-tenant]').first().waitFor();
        await shot(page, name.replace('overview', 'readiness'));
        await page.getByRole('link', { name: 'Báo cáo' }).click();
        await page.getByRole('form', { name: 'Báo cáo định kỳ' }).waitFor();
        await shot(page, name.replace('overview', 'reports'));
        if (viewport.width < 720) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      }
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
    }
  });
  it('in Vietnamese on a 1366 px laptop, the instruments list shows every column and names enterprises on a few lines; on a phone, cards', async () => {
    const { page, problems, refused } = await b.open(LAPTOP, 'vi-VN');
    await signIn(page, t.api, inspector, '/#/instruments');
    const wrap = page.locator('div.table-wrap[aria-label="Phương tiện đo"]');
    // the market traders' scales of the campaign have the longest ids (sc-cho-thang-nhl-30-02633)
    await wrap.locator('tr[data-device^="sc-"]').first().waitFor();
    const fit = await wrap.evaluate((w) => {
      const table = w.querySelector('table')!;
      const right = w.getBoundingClientRect().right;
      return {
        scroll: table.scrollWidth,
        client: w.clientWidth,
        clipped: [...table.querySelectorAll('thead th')].filter((th) => th.getBoundingClientRect().right > right + 0.5).map((th) => th.textContent),
        tenant: Math.min(...[...table.querySelectorAll('td.tenant')].map((td) => td.getBoundingClientRect().width)),
        // the tallest enterprise name, in lines of its cell
        lines: Math.max(
          ...[...table.querySelectorAll('td.tenant')].map((td) =>
            Math.round(td.getBoundingClientRect().height / Number.parseFloat(getComputedStyle(td).lineHeight)),
          ),
        ),
      };
    });
    expect(fit.clipped).toEqual([]);
    expect(fit.scroll).toBeLessThanOrEqual(fit.client);
    expect(fit.tenant).toBeGreaterThanOrEqual(150);
    expect(fit.lines).toBeLessThanOrEqual(4);
    expect(await wrap.locator('thead th').last().textContent()).toBe('Dự báo vượt sai số cho phép');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await shot(page, 'instruments-laptop-vi');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);

    const phone = await b.open(PHONE, 'vi-VN');
    await signIn(phone.page, t.api, inspector, '/#/instruments');
    await phone.page.locator('tr[data-device^="sc-"]').first().waitFor();
    expect(await overflow(phone.page)).toBeLessThanOrEqual(0);
    await shot(phone.page, 'instruments-phone-vi');
    expect(phone.problems).toEqual([]);
    expect(phone.refused).toEqual([]);
  });

  it('in Vietnamese, the checks come newest first, 50 at a time, and the keyboard shows 50 more', async () => {
    for (const [viewport, name] of [
      [LAPTOP, 'checks-paged-laptop-vi'],
      [PHONE, 'checks-paged-phone-vi'],
    ] as const) {
      const { page, problems, refused } = await b.open(viewport, 'vi-VN');
      await signIn(page, t.api, inspector, '/#/checks');
      await page.locator('tr[data-device]').first().waitFor();
      // a year of the demo's checks: more than the API answers at once (the newest 1,000)
      const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/checks');
      await page.getByLabel('Thời gian').selectOption('365');
      const items = ((await (await answer).json()) as { items: Array<{ device: string; ts: string }> }).items;
      expect(items.length).toBe(1000);
      expect(items.map((c) => c.ts)).toEqual(
        items
          .map((c) => c.ts)
          .sort()
          .reverse(),
      );
      const rows = page.locator('tr[data-device]');
      const count = page.locator('main p.count');
      await expect.poll(() => count.textContent()).toMatch(/^Hiển thị 50 trong số 1\.000 lần kiểm tra trong 365 ngày qua/);
      expect(await rows.count()).toBe(50);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')))).toEqual(items.slice(0, 50).map((c) => c.device));
      if (viewport === PHONE) expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(20_000);
      await shot(page, name);

      // the button below the list, reached and pressed from the keyboard
      const more = page.getByRole('button', { name: 'Xem thêm 50' });
      expect(await page.locator('.more-rows').textContent()).toContain('Hiển thị 50 trong số 1.000');
      await more.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => rows.count()).toBe(100);
      expect(await count.textContent()).toMatch(/^Hiển thị 100 trong số 1\.000/);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')))).toEqual(items.slice(0, 100).map((c) => c.device));
      // the focus where the new rows begin; their cells named for a phone's cards
      expect(await page.evaluate(() => [...document.querySelectorAll('tr[data-device]')].indexOf(document.activeElement?.closest('tr') as Element))).toBe(50);
      expect(await rows.nth(50).locator('td').nth(1).getAttribute('data-label')).toBe('Doanh nghiệp');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(items[50]!.device);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
    }
  });

  it('an inspection names who closed it as the token was named, as a metrology inspector (kiểm tra viên)', async () => {
    const records = (await t.call('GET', '/api/v1/inspections', undefined, inspector)).body.items as Array<{ id: string; state: string }>;
    const closed = records.find((r) => r.state === 'closed')!;
    const record = (await t.call('GET', `/api/v1/inspections/${closed.id}`, undefined, inspector)).body;
    // the demo's history writes its inspectors as a token would, "inspector:Nguyễn Văn Thắng:demo"
    expect(record.closedBy).toMatch(/^inspector:.+:demo$/);
    const person = record.closedBy.split(':')[1];
    const { page, problems, refused } = await b.open(LAPTOP, 'vi-VN');
    await signIn(page, t.api, inspector, `/#/inspections/${closed.id}`);
    const closedAt = page.locator('dl.facts > div', { has: page.locator('dt', { hasText: /^Kết thúc$/ }) }).locator('dd');
    await closedAt.waitFor();
    expect(await closedAt.textContent()).toBe(`${onVietnamClock(record.closedAt)} · ${person} (kiểm tra viên)`);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain(':demo');
    expect(text).not.toContain('(thanh tra)');
    await shot(page, 'inspection-closed-laptop-vi');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});

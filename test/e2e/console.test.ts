// End-to-end: the inspector console in a real browser (Debian's Chromium driven by
// playwright-core) against a real gateway fed by real MQTT device clients.
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { addCalendarMonths } from '../../src/metrology/index.ts';
import { readPdf } from '../support/pdf-text.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { DESKTOP, launchConsoleBrowser, onVietnamClock, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';

/** The console's plain ES module, imported untyped (browser code, type-checked in its own project: src/console/tsconfig.json). */
const CONSOLE_API: string = new URL('../../src/console/api.js', import.meta.url).href;

let t: TestGateway;
let b: ConsoleBrowser;
let baro: MqttClient;
let sgSecret = '';
const tokens: Record<'inspectorHN' | 'inspectorSG' | 'operatorHN', string> = { inspectorHN: '', inspectorSG: '', operatorHN: '' };

async function token(body: Record<string, unknown>): Promise<string> {
  const r = await t.call('POST', '/api/v1/tokens', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.token as string;
}

let seq = 0;
function check(indicated: number, reference: number, tsMs: number) {
  return baro.publishAsync(
    'instruments/baro-hn-1/checks',
    JSON.stringify({ seq: ++seq, ts: new Date(tsMs).toISOString(), indicated, reference, referenceUncertainty: 0.05, unit: 'hPa', standardId: 'REF-BARO-01' }),
    { qos: 1 },
  );
}

/** Signs in on the alerts page (inspectors and admins otherwise land on the overview, test/e2e/inspector-overview.test.ts). */
const signInOnAlerts = (page: Page, tok: string) => signIn(page, t.api, tok, '/#/alerts');

describe('inspector console (real browser)', () => {
  beforeAll(async () => {
    t = await startTestGateway();
    const secret = await t.device({ id: 'baro-hn-1', type: 'barometer', tenant: 'hn-ent', region: 'VN-HN' });
    sgSecret = await t.device({ id: 'baro-sg-1', type: 'barometer', tenant: 'sg-ent', region: 'VN-SG' });
    tokens.inspectorHN = await token({ role: 'inspector', regions: ['VN-HN'], name: 'Thanh tra Hà Nội' });
    tokens.inspectorSG = await token({ role: 'inspector', regions: ['VN-SG'], name: 'Thanh tra TP.HCM' });
    tokens.operatorHN = await token({ role: 'operator', tenant: 'hn-ent', name: 'operator hn-ent' });
    // the authority's reference barometer the checks cite, calibrated: they are traceable
    expect(
      (
        await t.call('POST', '/api/v1/standards', {
          id: 'REF-BARO-01',
          name: 'Khí áp kế chuẩn PTB330 TS',
          quantity: 'pressure',
          unit: 'hPa',
          kind: 'reference-barometer',
          serial: 'TS-0117',
        })
      ).status,
    ).toBe(201);
    const calibrated = await t.call('POST', '/api/v1/standards/REF-BARO-01/certificates', {
      number: 'HC-VMI-0117',
      issuedBy: 'VMI',
      issuedAt: new Date(Date.now() - 90 * 86_400_000).toISOString(),
      validUntil: new Date(Date.now() + 270 * 86_400_000).toISOString(),
      uncertainty: 0.05,
      traceableTo: 'VMI national pressure standard',
      asFound: { error: 0.01, outOfTolerance: false },
    });
    expect(calibrated.status).toBe(201);
    baro = await t.connect('baro-hn-1', secret);
    // history: passing checks over the last weeks, so the chart has a band to draw against; eight, a whole
    // Phase I, so that the failing check below is judged against that baseline, not part of it
    const now = Date.now();
    const errors = [0.02, -0.04, 0.05, 0.01, -0.02, 0.06, 0.03, -0.01];
    for (let i = 0; i < errors.length; i++) await check(1013.0 + errors[i], 1013.0, now - (errors.length - i) * 4 * 86_400_000);
    await baro.publishAsync(
      'instruments/baro-hn-1/readings',
      JSON.stringify({ seq: 1, ts: new Date(now - 60_000).toISOString(), quantity: 'pressure', value: 1012.6, unit: 'hPa' }),
      { qos: 1 },
    );
    b = await launchConsoleBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await t?.destroy();
  });

  it('serves the page and its assets with a self-only Content-Security-Policy', async () => {
    const page = await fetch(t.api + '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const js = await fetch(t.api + '/console/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const mod of ['page-alerts.js', 'i18n-vi.js', 'vocabulary.js']) {
      const res = await fetch(`${t.api}/console/${mod}`);
      expect(res.status, mod).toBe(200);
      expect(res.headers.get('content-type'), mod).toMatch(/^text\/javascript/);
      expect(res.headers.get('cache-control'), mod).toBe('no-cache');
    }
    const css = await fetch(t.api + '/console/styles.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(t.api + '/console/../package.json')).status).not.toBe(200);
  });

  let alertId = '';

  it('an inspector sees a new out-of-tolerance alert live, opens it, acknowledges and resolves it', async () => {
    const { page, problems, refused } = await b.open(DESKTOP);
    await signInOnAlerts(page, tokens.inspectorHN);
    expect(await page.evaluate(() => sessionStorage.getItem('mag.console.token'))).toBe(tokens.inspectorHN);
    expect(await page.evaluate(() => localStorage.getItem('mag.console.token'))).toBeNull();
    await expect.poll(() => page.locator('#live').getAttribute('class')).toContain('live-live');
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    // the device publishes a failing check while the page is open: 1014.5 against 1013.0 hPa (MPE ±0.3)
    await check(1014.5, 1013.0, Date.now());
    const item = page.locator('li.alert[data-kind="out-of-tolerance"][data-device="baro-hn-1"]');
    await item.waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true); // no reload
    alertId = (await item.getAttribute('data-alert-id'))!;
    expect(alertId).toBeTruthy();
    await expect.poll(() => item.textContent()).toMatch(/Out of tolerance/);
    // filters: critical only keeps it, info only hides it
    await page.getByLabel('Severity').selectOption('info');
    await expect.poll(() => item.count()).toBe(0);
    await page.getByLabel('Severity').selectOption('critical');
    await item.waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'alerts-desktop');

    // open it: the evidence, the chart against ±MPE and the guard band, drift figures
    await item.locator('a').click();
    await page.getByRole('heading', { level: 1, name: /Out of tolerance — baro-hn-1/ }).waitFor();
    await page.locator('svg.chart circle.dec-fail').first().waitFor();
    expect(await page.locator('svg.chart circle.pt').count()).toBe(9); // the eight of Phase I and the failing one
    expect(await page.locator('svg.chart path.line-mpe').count()).toBe(2);
    expect(await page.locator('svg.chart path.line-guard').count()).toBe(2);
    const body = await page.locator('main').textContent();
    expect(body).toContain('1,014.5'); // indicated
    expect(body).toMatch(/Guard band ±\(MPE − U\)/);
    expect(body).toMatch(/Predicted out of tolerance/);
    // the series' newest check already fails: said so, not a predicted day
    await page.locator('[data-prediction="exceeded"]').waitFor();
    expect(await page.locator('[data-prediction="exceeded"]').textContent()).toBe('Already out of tolerance');
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'alert-evidence-desktop');

    // acknowledge with a note, then resolve with a reason and a note
    await page.getByRole('form', { name: 'Acknowledge' }).getByLabel(/Note/).fill('Đã liên hệ doanh nghiệp');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('.badge.state-acknowledged').first().waitFor();
    await page.getByLabel('Reason').selectOption('recalibrated');
    await page.getByRole('form', { name: 'Resolve' }).getByLabel(/Note/).fill('hiệu chuẩn lại tại QUATEST 1');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('Resolved.').waitFor();

    const r = await t.call('GET', `/api/v1/alerts/${alertId}`);
    expect(r.body.state).toBe('resolved');
    expect(r.body.resolution).toEqual({ reason: 'recalibrated', note: 'hiệu chuẩn lại tại QUATEST 1' });
    expect(r.body.ackBy).toContain('Thanh tra Hà Nội');
    expect(r.body.resolvedBy).toContain('Thanh tra Hà Nội');
    // who acted, as a person with the side it acts for: never the gateway's role:name key
    await page.reload();
    await page.getByText('Acknowledged by').waitFor();
    const summary = (await page.getByRole('region', { name: 'Summary' }).textContent()) ?? '';
    expect(summary).toContain('Acknowledged byThanh tra Hà Nội (inspector)');
    expect(summary).toContain('Resolved byThanh tra Hà Nội (inspector)');
    expect(summary).not.toMatch(/inspector:/);

    // the assurance report downloads as CSV (fetched with the token, handed over as a Blob)
    await page.getByRole('link', { name: 'Reports' }).click();
    const report = page.getByRole('region', { name: 'Measurement-assurance report' });
    const [download] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^assurance-.*\.csv$/);
    // and as an Excel workbook beside it
    const [workbook] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: 'Download Excel (.xlsx)' }).click()]);
    expect(workbook.suggestedFilename()).toMatch(/^assurance-.*\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await workbook.path())!);
    expect((wb.worksheets[0]!.getRow(1).values as unknown[]).slice(1, 3)).toEqual(['tenant', 'device']);
    // language switch: Vietnamese labels, remembered in localStorage
    await page.getByLabel('Language').selectOption('vi');
    await page.getByRole('link', { name: 'Cảnh báo' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('mag.console.lang'))).toBe('vi');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('an operator registers an instrument through the form and sees its secret once (phone-sized screen)', async () => {
    const { page, problems, refused } = await b.open(PHONE, 'vi-VN');
    await signInOnAlerts(page, tokens.operatorHN);
    await page.locator('li.alert[data-device="baro-hn-1"]').first().waitFor();
    await shot(page, 'alerts-phone', { fullPage: false });
    await page.getByRole('link', { name: 'Phương tiện đo' }).click();
    await page.locator('tr[data-device="baro-hn-1"]').waitFor();
    expect(await page.locator('tr[data-device="baro-sg-1"]').count()).toBe(0); // another enterprise's
    // his token acts for one enterprise: no enterprise to filter by, none named on every row
    expect(await page.locator('main select[name="tenant"]').count()).toBe(0);
    expect(await page.locator('tr[data-device="baro-hn-1"] td[data-label="Doanh nghiệp"]').count()).toBe(0);
    await shot(page, 'instruments-phone', { fullPage: false });
    const form = page.getByRole('form', { name: 'Đăng ký phương tiện đo' });
    await form.getByLabel('Mã phương tiện đo').fill('baro-hn-new');
    await form.getByLabel('Số sê-ri').fill('PTB-2026-0042');
    await form.getByLabel(/Địa điểm/).fill('Trạm Láng');
    await form.getByRole('button', { name: 'Đăng ký' }).click();
    const secret = page.locator('code[data-secret]');
    await secret.waitFor();
    const shown = (await secret.textContent())!.trim();
    expect(shown.length).toBeGreaterThanOrEqual(16);
    await page.locator('tr[data-device="baro-hn-new"]').waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'register-phone');
    // the secret works (MQTT) and is gone once dismissed, and after a reload
    const c = await t.connect('baro-hn-new', shown);
    await c.endAsync();
    await page.getByRole('button', { name: 'Tôi đã lưu lại' }).click();
    expect(await secret.count()).toBe(0);
    await page.reload();
    await page.locator('tr[data-device="baro-hn-new"]').waitFor();
    expect(await page.locator('code[data-secret]').count()).toBe(0);
    expect(await page.content()).not.toContain(shown);

    // a market scale: the form asks what sets its MPE and interval (class, Max, e, construction)
    const scaleForm = page.getByRole('form', { name: 'Đăng ký phương tiện đo' });
    expect(await scaleForm.getByLabel(/^Mức cân lớn nhất/).isVisible()).toBe(false); // not for a barometer
    await scaleForm.getByLabel('Loại phương tiện đo').selectOption('scale');
    expect(await scaleForm.getByLabel('Cấp chính xác').locator('option').allTextContents()).toEqual([
      'Cấp I (MPE ±0,5 e … ±1,5 e)',
      'Cấp II (MPE ±0,5 e … ±1,5 e)',
      'Cấp III (MPE ±0,5 e … ±1,5 e)',
      'Cấp IIII (MPE ±0,5 e … ±1,5 e)',
    ]);
    await scaleForm.getByLabel('Mã phương tiện đo').fill('sc-hn-new');
    await scaleForm.getByLabel('Số sê-ri').fill('CAN-0007');
    await scaleForm.getByLabel('Cấp chính xác').selectOption('IIII');
    await scaleForm.getByLabel('Mức cân lớn nhất Max (kg)').fill('30');
    // in Vietnamese a point alone is refused on the field (a browser set to English read "0,1" as 1 in a number input), the comma read
    await scaleForm.getByLabel('Giá trị độ chia kiểm e (kg)').fill('0.1');
    await scaleForm.getByRole('button', { name: 'Đăng ký' }).click();
    await scaleForm.getByText('Không rõ “0.1”: trong tiếng Việt phần thập phân viết sau dấu phẩy. Hãy viết 0,1', { exact: false }).waitFor();
    await scaleForm.getByLabel('Giá trị độ chia kiểm e (kg)').fill('0,1');
    await scaleForm.getByLabel('Kiểu cân').selectOption('spring-dial');
    await scaleForm.getByRole('button', { name: 'Đăng ký' }).click();
    await page.locator('tr[data-device="sc-hn-new"]').waitFor();
    expect((await t.call('GET', '/api/v1/devices/sc-hn-new')).body).toMatchObject({ class: 'IIII', max: 30, e: 0.1, construction: 'spring-dial' });
    await page.getByRole('button', { name: 'Tôi đã lưu lại' }).click();
    const dev = await t.call('GET', '/api/v1/devices/baro-hn-new');
    expect(dev.body).toMatchObject({ tenant: 'hn-ent', type: 'barometer', serial: 'PTB-2026-0042', site: 'Trạm Láng' });
    // the instrument page on the phone
    await page.locator('tr[data-device="baro-hn-1"] a').click();
    await page.locator('svg.chart').waitFor();
    await page.getByRole('heading', { name: 'Thêm giấy chứng nhận' }).waitFor();
    await shot(page, 'instrument-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390); // nothing wider than the phone
    // the API's English summary is told again in Vietnamese from the alert's evidence
    expect(await page.locator('main').textContent()).toMatch(/Kiểm tra không đạt \(trong sử dụng\): sai số 1,5 hPa, MPE ±0,3 hPa/);

    // a certificate the API refuses is told in Vietnamese, each field by the form's label on its own line;
    // the API's English stays folded under "Chi tiết kỹ thuật" for support
    const bad = page.getByRole('form', { name: 'Thêm giấy chứng nhận' });
    await bad.getByLabel('Số', { exact: true }).fill('V-2026-0098');
    await bad.getByLabel('Đơn vị cấp').fill('QUATEST 1');
    await bad.getByLabel('Ngày cấp').fill('2026-03-01');
    await bad.getByLabel('Có hiệu lực đến').fill('2026-02-01');
    // a negative U is refused on its field before anything is sent; the dates by the API
    await bad.getByLabel(/^Độ không đảm bảo đo/).fill('-1');
    await bad.getByRole('button', { name: 'Lưu' }).click();
    await bad.getByText('“-1” nhỏ hơn 0: giá trị này không thể âm.').waitFor();
    await bad.getByLabel(/^Độ không đảm bảo đo/).fill('');
    await bad.getByRole('button', { name: 'Lưu' }).click();
    const refusal = page.locator('.subsection .error[role="alert"]');
    await refusal.waitFor();
    expect(await refusal.locator(':scope > ul > li').allInnerTexts()).toEqual(['Có hiệu lực đến: phải sau “Ngày cấp”; đã nhập: "2026-02-01"']);
    expect(await refusal.innerText()).not.toMatch(/request body|must/); // the English is folded away
    await refusal.getByText('Chi tiết kỹ thuật').click();
    expect(await refusal.locator('details').innerText()).toContain('validUntil must be after issuedAt');
    await shot(page, 'certificate-refused-phone-vi');
    await bad.getByLabel('Ngày cấp').fill(await page.evaluate(() => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10)));

    // the operator adds a verification certificate through the form, valid for 11 of the barometer's 12 months
    const cert = page.getByRole('form', { name: 'Thêm giấy chứng nhận' });
    const issuedDay = await cert.getByLabel('Ngày cấp').inputValue(); // today
    /** The day `months` calendar months after the day of issue (YYYY-MM-DD), as the gateway counts an interval. */
    const monthsAfterIssue = (months: number) => new Date(addCalendarMonths(Date.parse(`${issuedDay}T00:00:00Z`), months)).toISOString().slice(0, 10);
    const validDay = monthsAfterIssue(11);
    await cert.getByLabel('Số', { exact: true }).fill('V-2026-0099');
    await cert.getByLabel('Đơn vị cấp').fill('QUATEST 1');
    await cert.getByLabel('Có hiệu lực đến').fill(validDay);
    await cert.getByLabel(/^Độ không đảm bảo đo.* \(hPa\)/).fill('0,02'); // in the barometer's unit, as the API takes it
    await cert.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Đã thêm giấy chứng nhận V-2026-0099.').waitFor();
    await page.getByRole('cell', { name: 'V-2026-0099' }).waitFor();
    // shown as the day entered, dd/MM/yyyy, though stored as its start in Vietnam (17:00Z the day before) and this browser runs in UTC
    const shownDay = issuedDay.split('-').reverse().join('/');
    expect(await page.getByRole('row').filter({ hasText: 'V-2026-0099' }).textContent()).toContain(shownDay);
    const certs = await t.call('GET', '/api/v1/devices/baro-hn-1/certificates');
    expect(certs.body.items).toContainEqual(expect.objectContaining({ kind: 'verification', number: 'V-2026-0099', issuedBy: 'QUATEST 1', uncertainty: 0.02 }));
    // the form's dates are the certificate's days in the enterprise's zone (Asia/Ho_Chi_Minh):
    // valid through that day, not lapsing at 07:00 that morning (UTC midnight)
    const added = certs.body.items.find((c: { number: string }) => c.number === 'V-2026-0099');
    expect(added.validUntil).toBe(`${validDay}T16:59:59.999Z`);
    // from the start of the day of issue there, answered in UTC (17:00Z the day before) with that day
    expect(added).toMatchObject({ issuedOn: issuedDay, issuedAt: new Date(`${issuedDay}T00:00:00+07:00`).toISOString() });

    // one claiming longer than the barometer's 12 months: the console says when the instrument is due
    // (the API's warning), and the page's due date follows the new standing
    const cert2 = page.getByRole('form', { name: 'Thêm giấy chứng nhận' });
    await cert2.getByLabel('Số', { exact: true }).fill('V-2026-0100');
    await cert2.getByLabel('Đơn vị cấp').fill('QUATEST 1');
    await cert2.getByLabel('Có hiệu lực đến').fill(monthsAfterIssue(48));
    await cert2.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Đã thêm giấy chứng nhận V-2026-0100.').waitFor();
    const dueDay = monthsAfterIssue(12); // issued today + 12 months (29 February: the 28th), valid through that day
    const dueShown = dueDay.split('-').reverse().join('/');
    await page
      .getByRole('alert')
      .filter({ hasText: `phương tiện đo đến hạn vào ${dueShown}` })
      .waitFor();
    expect(await page.locator('main').textContent()).toContain(`Hạn kiểm định${dueShown}`);

    // the out-of-tolerance impact list of this instrument downloads as CSV
    const [oot] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải danh sách số đo bị ảnh hưởng (CSV)' }).click()]);
    expect(oot.suggestedFilename()).toBe('oot-impact-baro-hn-1.csv');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync((await oot.path())!, 'utf8').split(/\r?\n/)[0]).toMatch(/,/);
    expect([...readFileSync((await oot.path())!).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 for Excel, kept by the download

    // the same page in English on the phone
    await page.getByLabel('Ngôn ngữ').selectOption('en');
    await page.getByRole('heading', { name: 'Add a certificate' }).waitFor();
    await page.locator('svg.chart').waitFor();
    await shot(page, 'instrument-phone-en');
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual(['400 POST /api/v1/devices/baro-hn-1/certificates']);
  });

  it('an inspector of another province sees neither the instrument nor the alert', async () => {
    const { page, problems, refused } = await b.open({ width: 1024, height: 768 });
    await signInOnAlerts(page, tokens.inspectorSG);
    await page.getByLabel('State').waitFor();
    await page.locator('p.count').filter({ hasText: /shown/ }).waitFor();
    await expect.poll(async () => (await page.locator('main').textContent()) ?? '').toMatch(/No alerts match|baro-sg-1/);
    expect(await page.locator(`li.alert[data-alert-id="${alertId}"]`).count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain('baro-hn-1');
    await page.getByRole('link', { name: 'Instruments' }).click();
    await page.locator('tr[data-device="baro-sg-1"]').waitFor();
    expect(await page.locator('tr[data-device="baro-hn-new"]').count()).toBe(0);
    expect(await page.locator('tr[data-device="baro-hn-1"]').count()).toBe(0);
    // an inspector cannot register instruments: the API refuses it, so the console offers no form
    expect(await page.getByRole('form', { name: 'Register an instrument' }).count()).toBe(0);
    // nor add certificates: its instrument page shows them without the form
    await page.locator('tr[data-device="baro-sg-1"] a').click();
    await page.getByRole('cell', { name: 'V-baro-sg-1' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Add a certificate' }).count()).toBe(0);
    // direct links answer as the API does: not found
    await page.goto(`${t.api}/#/instruments/baro-hn-new`);
    await page.getByText('Not found, or not visible to this token.').waitFor();
    await page.goto(`${t.api}/#/alerts/${alertId}`);
    await page.getByText('Not found, or not visible to this token.').waitFor();
    // and a new alert of the other province does not reach this stream
    await check(1011.0, 1013.0, Date.now());
    await page.goto(`${t.api}/#/alerts`);
    await page.locator('p.count').waitFor();
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.locator('li.alert[data-device="baro-hn-1"]').count()).toBe(0);
    expect(problems).toEqual([]);
    expect(refused).toEqual(['404 GET /api/v1/devices/baro-hn-new', '404 GET /api/v1/alerts/' + alertId]);
  });
  it('a page left while it loads does not write into the page opened next', async () => {
    const { page, problems, refused } = await b.open(DESKTOP);
    await signInOnAlerts(page, ADMIN_TOKEN);
    const h1s = () => page.locator('main h1').allTextContents();
    // the answer for an alert (then an instrument) comes only once the next page is shown
    for (const [slow, leaveTo, heading] of [
      [`/api/v1/alerts/${alertId}`, 'Reports', 'Reports'],
      ['/api/v1/devices/baro-hn-1', 'Alerts', 'Alerts'],
    ] as const) {
      let release = () => {};
      const held = new Promise<void>((r) => (release = r));
      const matches = (u: URL) => u.pathname === slow;
      await page.route(matches, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(`${t.api}/#${slow.replace('/api/v1/devices/', '/instruments/').replace('/api/v1', '')}`);
      await page.getByText('Loading…').first().waitFor();
      await page.getByRole('link', { name: leaveTo, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      const shown = async () => ({ h1: await h1s(), h2: await page.locator('main h2').allTextContents(), parts: await page.locator('main > *').count() });
      const before = await shown();
      expect(before.h1).toEqual([heading]);
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === slow);
      release();
      await answered;
      await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
      expect(await shown()).toEqual(before);
      await page.unroute(matches);
    }
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('an admin filters instruments by enterprise and type; every screen in both languages, desktop and phone', async () => {
    await t.device({ id: 'gd-sg-1', type: 'gas-detector', tenant: 'sg-ent', region: 'VN-SG' });
    const { page, problems, refused } = await b.open(DESKTOP);
    await page.goto(t.api + '/');
    await page.getByLabel('API token').waitFor();
    await shot(page, 'signin-desktop', { fullPage: false });
    // the Vietnamese and English dictionaries have the same keys: nothing falls back to English (but the
    // sentences Vietnamese tells again where English shows the API's own: sum.*, note.*)
    // (a string, so that vitest does not rewrite the browser's dynamic import)
    const keys = (await page.evaluate(
      "import('/console/i18n.js').then((m) => ({ en: Object.keys(m.DICTS.en).sort(), vi: Object.keys(m.DICTS.vi).filter((k) => !/^(sum|note)\\./.test(k)).sort() }))",
    )) as { en: string[]; vi: string[] };
    expect(keys.vi).toEqual(keys.en);
    await signInOnAlerts(page, ADMIN_TOKEN);
    await page.getByRole('link', { name: 'Instruments' }).click();
    const rows = () => page.locator('tr[data-device]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')).sort());
    await page.locator('tr[data-device="gd-sg-1"]').waitFor();
    expect(await rows()).toEqual(['baro-hn-1', 'baro-hn-new', 'baro-sg-1', 'gd-sg-1', 'sc-hn-new']);
    await page.getByRole('form', { name: 'Filters' }).getByLabel('Enterprise').selectOption('sg-ent');
    await expect.poll(rows).toEqual(['baro-sg-1', 'gd-sg-1']);
    await page.getByRole('form', { name: 'Filters' }).getByLabel('Instrument type').selectOption('gas-detector');
    await expect.poll(rows).toEqual(['gd-sg-1']);
    await page.getByRole('form', { name: 'Filters' }).getByLabel('Enterprise').selectOption('');
    await page.getByRole('form', { name: 'Filters' }).getByLabel('Instrument type').selectOption('barometer');
    await expect.poll(rows).toEqual(['baro-hn-1', 'baro-hn-new', 'baro-sg-1']);
    await page.getByRole('form', { name: 'Filters' }).getByLabel('Verification').selectOption('none');
    await expect.poll(rows).toEqual(['baro-hn-new']);
    await page.getByRole('form', { name: 'Filters' }).getByLabel('Verification').selectOption('');
    await page.getByRole('form', { name: 'Filters' }).getByLabel('Instrument type').selectOption('');
    await expect.poll(rows).toHaveLength(5);
    await shot(page, 'instruments-desktop');
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('region', { name: 'Out-of-tolerance impact' }).waitFor();
    await shot(page, 'reports-desktop');

    // Vietnamese, desktop: alerts with their summaries in Vietnamese, an alert's evidence, instruments, reports
    await page.getByLabel('Language').selectOption('vi');
    await page.getByRole('link', { name: 'Cảnh báo' }).click();
    await page.locator('li.alert[data-kind="out-of-tolerance"][data-device="baro-hn-1"]').first().waitFor();
    const listText = (await page.locator('main').textContent()) ?? '';
    expect(listText).toMatch(/Kiểm tra không đạt/);
    expect(listText).not.toMatch(/Check fail|rejected messages|No verification certificate/);
    await shot(page, 'alerts-desktop-vi');
    // its times on Vietnam's clock, HH:mm dd/MM/yyyy, though this browser runs in UTC
    const ootItem = page.locator('li.alert[data-kind="out-of-tolerance"][data-device="baro-hn-1"]').first();
    const oot = (await t.call('GET', `/api/v1/alerts/${await ootItem.getAttribute('data-alert-id')}`)).body;
    expect(await ootItem.locator('.meta').textContent()).toContain(`Cập nhật ${onVietnamClock(oot.updatedAt)}`);
    await ootItem.locator('a').click();
    await page.locator('svg.chart circle.dec-fail').first().waitFor();
    const ootFacts = (await page.locator('dl.facts').first().textContent()) ?? '';
    expect(ootFacts).toContain(`Mở lúc${onVietnamClock(oot.openedAt)}`);
    expect(ootFacts).toMatch(/Mở lúc\d{2}:\d{2} \d{2}\/\d{2}\/\d{4}Cập nhật/);
    await page.getByRole('heading', { level: 2, name: 'Thống kê trôi sai số' }).waitFor();
    const evidence = (await page.locator('main').textContent()) ?? '';
    expect(evidence).toMatch(/trong sử dụng/); // the regime, translated
    expect(evidence).not.toMatch(/inService|Check fail/);
    await shot(page, 'alert-evidence-desktop-vi');
    // evidence of other kinds is labelled too, never raw JSON: a drift alert (its statistics)
    for (const [kind, device, expected] of [
      // the drift figures in the series' unit, to 3 significant digits
      ['drift', 'baro-hn-1', /Bằng chứngChuỗitrong sử dụngSố lần kiểm tra\d+Độ trôi mỗi ngày[-+]?[\d,]+ hPaEWMA[-+]?[\d,]+ hPa/],
    ] as const) {
      await page.goto(`${t.api}/#/alerts`);
      await page.locator(`li.alert[data-kind="${kind}"][data-device="${device}"] a`).first().click();
      await page.getByRole('heading', { level: 2, name: 'Bằng chứng' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Thống kê trôi sai số' }).waitFor();
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text, `${kind}: ${text}`).toMatch(expected);
      expect(text, kind).not.toMatch(/\{"|sigmaSource|"state"/);
    }
    await shot(page, 'alert-drift-desktop-vi');
    await page.getByRole('link', { name: 'Phương tiện đo' }).click();
    await page.locator('tr[data-device="gd-sg-1"]').waitFor();
    await shot(page, 'instruments-desktop-vi');
    await page.getByRole('link', { name: 'Báo cáo' }).click();
    await page.getByRole('region', { name: 'Ảnh hưởng của việc vượt sai số' }).waitFor();
    await shot(page, 'reports-desktop-vi');
    expect(await unnamedControls(page)).toEqual([]);

    // English, phone: sign-in, alerts, an alert's evidence, reports
    const phone = await b.open(PHONE, 'en-GB');
    await phone.page.goto(t.api + '/');
    await phone.page.getByLabel('API token').waitFor();
    await shot(phone.page, 'signin-phone', { fullPage: false });
    await signInOnAlerts(phone.page, ADMIN_TOKEN);
    await phone.page.locator('li.alert[data-device="baro-hn-1"]').first().waitFor();
    await shot(phone.page, 'alerts-phone-en', { fullPage: false });
    await phone.page.locator('li.alert[data-kind="out-of-tolerance"][data-device="baro-hn-1"] a').first().click();
    await phone.page.locator('svg.chart circle.dec-fail').first().waitFor();
    await shot(phone.page, 'alert-evidence-phone-en');
    await phone.page.getByRole('link', { name: 'Reports' }).click();
    await phone.page.getByRole('region', { name: 'Out-of-tolerance impact' }).waitFor();
    await shot(phone.page, 'reports-phone-en');
    // nothing is wider than the phone's screen (tables become cards, charts fit)
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await unnamedControls(phone.page)).toEqual([]);
    for (const x of [{ problems, refused }, phone]) {
      expect(x.problems).toEqual([]);
      expect(x.refused).toEqual([]);
    }
  });

  it('a profile projector shows as one: its type, its standing by calibration, its checks in mm (both languages)', async () => {
    const DAY = 86_400_000;
    const secret = await t.device({
      id: 'pj-hn-1',
      type: 'profile-projector',
      tenant: 'hn-ent',
      region: 'VN-HN',
      certificate: false,
      extra: { model: 'Mitutoyo PJ-A3000' },
    });
    const now = Date.now();
    const cal = await t.call('POST', '/api/v1/devices/pj-hn-1/certificates', {
      kind: 'calibration',
      number: 'HC-2026-0412',
      issuedBy: 'VMI',
      issuedAt: new Date(now - 60 * DAY).toISOString(),
      validUntil: new Date(now + 300 * DAY).toISOString(),
    });
    expect(cal.status).toBe(201);
    const pj = await t.connect('pj-hn-1', secret);
    // 1, 1, 2, 2 µm a week apart: slope Σ(t − t̄)(e − ē)/Σ(t − t̄)² = 14/245 = 0.0571 µm a day
    const errors = [0.001, 0.001, 0.002, 0.002];
    for (let i = 0; i < errors.length; i++) {
      const body = {
        seq: i + 1,
        ts: new Date(now - (errors.length - i) * 7 * DAY).toISOString(),
        indicated: 50 + errors[i]!,
        reference: 50,
        referenceUncertainty: 0.0003,
        unit: 'mm',
        standardId: 'GB-50MM-K1',
        point: 'GB-50mm',
      };
      await pj.publishAsync('instruments/pj-hn-1/checks', JSON.stringify(body), { qos: 1 });
    }
    await pj.endAsync();
    await expect.poll(async () => (await t.call('GET', '/api/v1/devices/pj-hn-1/checks')).body.items.length).toBe(errors.length);

    const { page, problems, refused } = await b.open(DESKTOP, 'vi-VN');
    await signInOnAlerts(page, tokens.operatorHN);
    await page.goto(`${t.api}/#/instruments/pj-hn-1`);
    await page.locator('svg.chart').waitFor();
    const device = page.locator('dl.facts').first();
    expect(await device.textContent()).toMatch(/Máy phóng hình/);
    expect(await device.textContent()).toMatch(/Hiệu chuẩncòn hiệu lực/); // its standing is its calibration's
    expect(await device.textContent()).toMatch(/Hạn hiệu chuẩn/);
    expect(await device.textContent()).not.toMatch(/Kiểm định|Hạn kiểm định/);
    // the drift per day in mm, 0.0000571: shown with its significant digits, not rounded to 0
    expect(await page.locator('main').textContent()).toMatch(/Độ trôi mỗi ngày\+0,0000571 mm/);
    // the form offers the certificate that keeps this type in standing
    expect(await page.getByRole('form', { name: 'Thêm giấy chứng nhận' }).getByLabel('Loại').inputValue()).toBe('calibration');
    // its test point named in Vietnamese, its figure kept: GB-50mm is a gauge block of 50 mm
    expect(await page.locator('main').textContent()).toMatch(/căn mẫu 50 mm/);
    await shot(page, 'instrument-projector-desktop-vi');
    // the operator downloads the file he shows his inspector, in his language
    const [evidence] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tải hồ sơ đảm bảo đo lường (PDF, 12 tháng gần nhất)' }).click(),
    ]);
    expect(evidence.suggestedFilename()).toMatch(/\.pdf$/);
    const file = readPdf(readFileSync((await evidence.path())!)).text.replace(/\s+/g, ' ');
    expect(file).toContain('HỒ SƠ ĐẢM BẢO ĐO LƯỜNG CỦA PHƯƠNG TIỆN ĐO');
    expect(file).toContain('pj-hn-1');
    expect(file).toContain('GB-50MM-K1');
    await page.getByLabel('Ngôn ngữ').selectOption('en');
    await page.getByRole('heading', { name: 'Add a certificate' }).waitFor();
    expect(await page.locator('dl.facts').first().textContent()).toMatch(/Profile projector[\s\S]*Calibrationvalid/);
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('a projector never calibrated: its alert is named for its calibration, not a verification (both languages)', async () => {
    const secret = await t.device({ id: 'pj-hn-2', type: 'profile-projector', tenant: 'hn-ent', region: 'VN-HN', certificate: false });
    const pj = await t.connect('pj-hn-2', secret);
    const reading = { seq: 1, ts: new Date(Date.now() - 60_000).toISOString(), quantity: 'length', value: 12.7, unit: 'mm' };
    await pj.publishAsync('instruments/pj-hn-2/readings', JSON.stringify(reading), { qos: 1 });
    await pj.endAsync();
    await expect.poll(async () => (await t.call('GET', '/api/v1/alerts?device=pj-hn-2')).body.items.length).toBe(1);

    const { page, problems, refused } = await b.open(DESKTOP, 'vi-VN');
    await signInOnAlerts(page, tokens.operatorHN);
    const item = page.locator('li.alert[data-device="pj-hn-2"]');
    await item.waitFor();
    expect(await item.locator('strong').textContent()).toBe('Quá hạn hiệu chuẩn');
    expect(await item.locator('.summary').textContent()).toBe('Số đo từ phương tiện không có hiệu chuẩn còn hiệu lực (chưa hiệu chuẩn)');
    await item.locator('a').click();
    await page.getByRole('heading', { name: 'Quá hạn hiệu chuẩn — pj-hn-2' }).waitFor();
    const evidence = await page.locator('main').textContent();
    expect(evidence).toMatch(/Hiệu chuẩnchưa hiệu chuẩn/);
    expect(evidence).not.toMatch(/kiểm định/i);
    await shot(page, 'alert-uncalibrated-projector-vi');
    await page.getByLabel('Ngôn ngữ').selectOption('en');
    await page.getByRole('heading', { name: 'Calibration overdue — pj-hn-2' }).waitFor();
    expect(await page.locator('#alert-summary').textContent()).toBe('Readings from an instrument without valid calibration (none)');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('reference standards: an admin registers one and records a calibration that found one out of tolerance; its impact and alert; an inspector reads them on a phone', async () => {
    const { page, problems, refused } = await b.open(DESKTOP);
    await signInOnAlerts(page, ADMIN_TOKEN);
    await page.getByRole('link', { name: 'Reference standards' }).click();
    const row = page.locator('tr[data-standard="REF-BARO-01"]');
    await row.waitFor();
    expect(await row.textContent()).toMatch(/Authority \(every enterprise\).*pressure \(hPa\).*Reference barometer.*valid/);
    // an enterprise's own standard, through the form
    const form = page.getByRole('form', { name: 'Register a reference standard' });
    await form.getByLabel('Standard id').fill('REF-BARO-HN2');
    await form.getByLabel('Owner').selectOption('hn-ent');
    await form.getByLabel('Name', { exact: true }).fill('Khí áp kế chuẩn di động');
    await form.getByLabel('Quantity').selectOption('pressure');
    await form.getByLabel('Unit', { exact: true }).fill('hPa');
    await form.getByLabel(/^Kind of standard/).selectOption('reference-barometer');
    await form.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Reference standard REF-BARO-HN2 registered.').waitFor();
    await page.locator('tr[data-standard="REF-BARO-HN2"]').waitFor();
    expect(await page.locator('tr[data-standard="REF-BARO-HN2"]').textContent()).toMatch(/not calibrated/);
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'standards-desktop');

    // the authority's barometer: its calibration, then one that found it 0.2 hPa off (U 0.05 hPa)
    await row.locator('a').click();
    await page.getByRole('heading', { level: 1, name: /^REF-BARO-01/ }).waitFor();
    await page.getByRole('cell', { name: 'HC-VMI-0117' }).waitFor();
    const impact = page.getByRole('region', { name: 'Impact (reverse traceability)' });
    await impact.locator('tr[data-device="baro-hn-1"]').waitFor();
    const cert = page.getByRole('form', { name: 'Add a calibration certificate' });
    await cert.getByLabel('Number', { exact: true }).fill('HC-VMI-0118');
    await cert.getByLabel('Issued by').fill('VMI');
    const validDay = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    await cert.getByLabel('Valid until').fill(validDay);
    await cert.getByLabel('Uncertainty U (k = 2)').fill('0.05');
    await cert.getByLabel(/^As-found error/).fill('0.2');
    await cert.getByLabel('Found out of tolerance').check();
    await cert.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Calibration certificate HC-VMI-0118 added.').waitFor();
    await page.getByRole('cell', { name: 'HC-VMI-0118' }).waitFor();
    const standardCerts = (await t.call('GET', '/api/v1/standards/REF-BARO-01/certificates')).body.items;
    const until = `${validDay}T16:59:59.999Z`; // through that day in Vietnam
    expect(standardCerts.find((c: { number: string }) => c.number === 'HC-VMI-0118').validUntil).toBe(until);
    await page.getByRole('button', { name: 'Show' }).click();
    // |e| + 0.25 hPa reaches the guard band (MPE 0.3, U 0.0503): the passing history could change
    await page.getByRole('heading', { level: 3, name: 'Checks whose decision could change' }).waitFor();
    const impactText = (await impact.textContent()) ?? '';
    expect(impactText).toMatch(/from the last calibration found in tolerance up to the finding/);
    expect(impactText).toMatch(/HC-VMI-0118.*\+0\.2 hPa.*out of tolerance/);
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'standard-desktop');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download impact (CSV)' }).click()]);
    expect(csv.suggestedFilename()).toBe('standard-impact-REF-BARO-01.csv');
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Excel (.xlsx)' }).click()]);
    expect(xlsx.suggestedFilename()).toBe('standard-impact-REF-BARO-01.xlsx');
    const alerts = (await t.call('GET', '/api/v1/alerts?kind=standard-oot')).body.items;
    expect(alerts).toEqual([expect.objectContaining({ tenant: 'hn-ent', device: 'REF-BARO-01', severity: 'critical' })]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);

    // an inspector of Hà Nội, on a phone in Vietnamese: the list, the standard, the alert told in Vietnamese
    const phone = await b.open(PHONE, 'vi-VN');
    await signInOnAlerts(phone.page, tokens.inspectorHN);
    await phone.page.getByRole('link', { name: 'Chuẩn đo lường' }).click();
    await phone.page.locator('tr[data-standard="REF-BARO-HN2"]').waitFor();
    expect(await phone.page.locator('tr[data-standard]').count()).toBe(2);
    expect(await phone.page.getByRole('form', { name: 'Đăng ký chuẩn đo lường' }).count()).toBe(0); // inspectors register nothing
    await shot(phone.page, 'standards-phone');
    await phone.page.locator('tr[data-standard="REF-BARO-01"] a').click();
    await phone.page.getByRole('heading', { level: 3, name: 'Các phép kiểm tra có thể đổi kết luận' }).waitFor();
    expect(await phone.page.getByRole('form', { name: 'Thêm giấy chứng nhận hiệu chuẩn' }).count()).toBe(0);
    await shot(phone.page, 'standard-phone');
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.page.goto(`${t.api}/#/alerts/${alerts[0].id}`);
    await phone.page.getByRole('heading', { level: 1, name: /Chuẩn vượt sai số cho phép — REF-BARO-01/ }).waitFor();
    const text = (await phone.page.locator('main').textContent()) ?? '';
    expect(text).toMatch(/Chuẩn REF-BARO-01 vượt sai số cho phép khi hiệu chuẩn HC-VMI-0118/);
    expect(text).not.toMatch(/\{"/);
    await shot(phone.page, 'alert-standard-oot-phone');
    expect(await unnamedControls(phone.page)).toEqual([]);
    expect(phone.problems).toEqual([]);
    expect(phone.refused).toEqual([]);
  });

  it('an operator declares a lot with the form, watches it fill from the checkweigher, and reads its verdict; an inspector reads it on a phone in Vietnamese', async () => {
    const cwSecret = await t.device({ id: 'cw-hn-1', type: 'checkweigher', tenant: 'hn-ent', region: 'VN-HN', extra: { class: 'XIII', e: 0.0001, max: 1 } });
    const cw = await t.connect('cw-hn-1', cwSecret);
    let pseq = 0;
    let lastTs = 0;
    const weigh = (nets: number[]) => {
      // each package at its own millisecond, after the last one weighed: the time-series keeps one
      // point per lot and time (a batch sent within nets.length ms of the one before took its times again)
      const from = Math.max(Date.now() - nets.length, lastTs + 1);
      lastTs = from + nets.length - 1;
      return cw.publishAsync(
        'instruments/cw-hn-1/packages',
        JSON.stringify({ packages: nets.map((net, i) => ({ seq: ++pseq, ts: new Date(from + i).toISOString(), lot: 'RICE-E2E', net, unit: 'g' })) }),
        { qos: 1 },
      );
    };
    const { page, problems, refused } = await b.open(DESKTOP);
    await signInOnAlerts(page, tokens.operatorHN);
    await page.getByRole('link', { name: 'Lots' }).click();
    const form = page.getByRole('form', { name: 'Declare a lot' });
    // a lot the plans cannot judge is refused with the reason
    await form.getByLabel('Lot id').fill('RICE-BAD');
    await form.getByLabel('Product').fill('Gạo 3 g');
    await form.getByLabel('Nominal quantity Qn').fill('3');
    await form.getByLabel('Lot size (packages)').fill('200');
    await form.getByRole('button', { name: 'Declare' }).click();
    await page.getByText(/Qn = 3 g is outside the table of tolerable deficiencies/).waitFor();
    // 200 bags of rice labelled 500 g on the checkweigher: T = 3 % × 500 g = 15 g, a sample of 50
    await form.getByLabel('Lot id').fill('RICE-E2E');
    await form.getByLabel('Product').fill('Gạo ST25 500 g');
    await form.getByLabel('Nominal quantity Qn').fill('500');
    await form.getByLabel('Weighing instrument (optional)').selectOption('cw-hn-1');
    await form.getByRole('button', { name: 'Declare' }).click();
    await page.getByText('Lot RICE-E2E declared: weigh 50 packages drawn at random; T = 15 g.').waitFor();
    await page.locator('[data-measured="0"]').waitFor();
    // the page fills as the checkweigher publishes (nets 502/504 g; package 40 at 469 g, 31 g short: more than 2T)
    await weigh(Array.from({ length: 30 }, (_, i) => (i % 2 ? 504 : 502)));
    await page.locator('[data-measured="30"]').waitFor();
    expect(await page.locator('.lot-verdict').textContent()).toContain('pending');
    await weigh(Array.from({ length: 20 }, (_, i) => (i === 9 ? 469 : i % 2 ? 504 : 502)));
    await page.locator('[data-measured="50"]').waitFor();
    await page.locator('.lot-verdict .verdict-fail').waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('1 package short by more than 2T = 30 g (T2): package 40 in the order received; no T2 package is allowed.');
    expect(text).toContain('The lot fails.');
    // told from the lot's notes: every reason is known, so none is marked as the gateway's English
    expect(await page.locator('ol.reasons li[data-note]').count()).toBe(await page.locator('ol.reasons li').count());
    expect(await page.locator('ol.reasons li[lang="en"]').count()).toBe(0);
    expect(text).toMatch(/Weighing instrument.*cw-hn-1.*fit/);
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'lot-desktop');
    await page.getByRole('link', { name: /All lots/ }).click();
    await page.locator('tr[data-lot="RICE-E2E"] .verdict-fail').waitFor();
    await shot(page, 'lots-desktop');
    expect(problems).toEqual([]);
    expect(refused.filter((r) => r !== '400 POST /api/v1/lots')).toEqual([]);

    // the inspector of the province, on a phone, in Vietnamese: the lot-fail alert and the lot
    const phone = await b.open(PHONE, 'vi-VN');
    await signInOnAlerts(phone.page, tokens.inspectorHN);
    const alert = phone.page.locator('li.alert[data-kind="lot-fail"][data-device="cw-hn-1"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      'Lô RICE-E2E (Gạo ST25 500 g, Qn 500 g) không đạt theo phương án EU/Vương quốc Anh (chưa theo TT 21/2014): 1 đơn vị thiếu quá 2T',
    );
    await alert.locator('a').click();
    await phone.page.getByRole('link', { name: 'Xem lô RICE-E2E' }).waitFor();
    await shot(phone.page, 'alert-lot-fail-phone-vi');
    // the alert's evidence tells the lot's reasons in Vietnamese too, from their notes
    const evidence = (await phone.page.locator('ol.reasons').textContent()) ?? '';
    expect(evidence).toContain('Lô hàng không đạt.');
    expect(await phone.page.locator('ol.reasons li[lang="en"]').count()).toBe(0);
    await phone.page.getByRole('link', { name: 'Xem lô RICE-E2E' }).click();
    await phone.page.locator('.lot-verdict .verdict-fail').waitFor();
    expect(await phone.page.locator('.lot-verdict').textContent()).toContain('không đạt');
    // the reasons in Vietnamese, told from the lot's notes with the figures in Vietnamese notation
    const reasons = (await phone.page.locator('ol.reasons').textContent()) ?? '';
    expect(reasons).toContain(
      'Lượng thiếu cho phép T = 15 g đối với lượng danh định Qn = 500 g: 3 % của Qn, áp dụng cho Qn từ 300 đến 500 g (OIML R87, Bảng 1).',
    );
    expect(reasons).toContain('1 đơn vị hàng thiếu quá 2T = 30 g (T2): đơn vị thứ 40 theo thứ tự nhận; không được có đơn vị hàng nào thiếu quá 2T.');
    // nets alternating 502/504 g over the first 30: mean 503 g, s = 1.02 g, limit 500 − 0.503 × 1.01709 = 499.49 g
    expect(reasons).toContain('Giá trị trung bình của 30 đơn vị hàng là 503 g, đạt yêu cầu không nhỏ hơn Qn − λ·s = 500 g − 0,503 × 1,02 g = 499,49 g.');
    expect(reasons).toContain('Lô hàng không đạt.');
    expect(reasons).not.toContain('The lot fails.');
    // no reason is left in the API's English
    expect(await phone.page.locator('ol.reasons li[lang="en"]').count()).toBe(0);
    // the plan's source: the provisions cited as written, the words around them in Vietnamese
    expect(await phone.page.locator('ol.reasons li[data-note="plan"] .citation').textContent()).toBe(
      'UK SI 2006/659 Sch. 2 paras 3.3–3.5 (n = 50, số chấp nhận 3, số loại bỏ 4) và 4.5 (n = 30, trung bình ≥ Qn − 0,503 s)',
    );
    expect(await phone.page.locator('main [lang="en"]').count()).toBe(0);
    expect(await phone.page.getByText('Căn cứ nào bảng điều khiển chưa diễn đạt lại được').count()).toBe(0);
    expect(await phone.page.getByRole('form', { name: 'Nhập kết quả cân' }).count()).toBe(0); // inspectors read
    await shot(phone.page, 'lot-phone-vi');
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.page.getByRole('link', { name: 'Lô hàng', exact: true }).click();
    await phone.page.locator('tr[data-lot="RICE-E2E"]').waitFor();
    await shot(phone.page, 'lots-phone-vi');
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await unnamedControls(phone.page)).toEqual([]);
    expect(phone.problems).toEqual([]);
    expect(phone.refused).toEqual([]);
    await cw.endAsync();
  });

  it('an operator types weights with the Vietnamese decimal comma, sees what will be recorded, and records it once confirmed', async () => {
    const declared = await t.call('POST', '/api/v1/lots', { id: 'RICE-VI', tenant: 'hn-ent', product: 'Gạo 500 g', nominal: 500, unit: 'g', lotSize: 100 });
    expect(declared.status, JSON.stringify(declared.body)).toBe(201);
    const { page, problems, refused } = await b.open(PHONE, 'vi-VN');
    await signInOnAlerts(page, tokens.operatorHN);
    await page.goto(`${t.api}/#/lots/RICE-VI`);
    const form = page.getByRole('form', { name: 'Nhập kết quả cân' });
    const values = form.getByLabel('Kết quả đo (g)');
    // a point alone could be 501.2 or 5012: refused, asking for the comma; nothing is shown to record
    await values.fill('501.2\n499,8');
    await form.getByRole('button', { name: 'Xem trước' }).click();
    expect(await form.getByRole('alert').textContent()).toContain('Hãy viết 501,2');
    expect(await form.locator('[data-preview]').count()).toBe(0);
    // one per line with the decimal comma: three packages, not six
    await values.fill('501,2\n499,8\n500,5');
    await form.getByRole('button', { name: 'Xem trước' }).click();
    expect(await form.locator('[data-preview]').textContent()).toBe('3 giá trị: 501,2 g; 499,8 g; 500,5 g (khối lượng tịnh)');
    // a value far from Qn is sent only once the operator confirms it
    await values.fill('501,2\n5');
    await form.getByRole('button', { name: 'Xem trước' }).click();
    const record2 = form.getByRole('button', { name: 'Ghi nhận 2 đơn vị hàng' });
    expect(await record2.isDisabled()).toBe(true);
    expect(await form.getByRole('alert').textContent()).toContain('thứ tự 2 (5 g)');
    await form.getByRole('checkbox').check();
    expect(await record2.isDisabled()).toBe(false);
    await shot(page, 'lot-packages-confirm-phone-vi');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await form.getByRole('button', { name: 'Sửa lại' }).click();
    expect(await form.locator('[data-preview]').count()).toBe(0);
    await values.fill('501,2\n499,8\n500,5');
    await form.getByRole('button', { name: 'Xem trước' }).click();
    await form.getByRole('button', { name: 'Ghi nhận 3 đơn vị hàng' }).click();
    await page.getByText('Đã thêm 3 đơn vị hàng.').waitFor();
    await page.locator('[data-measured="3"]').waitFor();
    const lot = await t.call('GET', '/api/v1/lots/RICE-VI');
    expect(lot.body.measured).toBe(3);
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it("the console's SSE parser handles chunking, CRLF, comments and multi-line data", async () => {
    const { SseParser } = await import(CONSOLE_API);
    const text = 'event: ready\ndata: {}\n\n: heartbeat\n\nid: 7\r\nevent: alert\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata:x\rdata: y\r\r';
    for (const size of [1, 3, text.length]) {
      const events: { event: string; data: string; id?: string }[] = [];
      const p = new SseParser((e: { event: string; data: string; id?: string }) => events.push(e));
      for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size));
      expect(events).toEqual([
        { event: 'ready', data: '{}', id: undefined },
        { event: 'alert', data: '{"a":\n1}', id: '7' },
        { event: 'message', data: 'x\ny', id: undefined },
      ]);
    }
  });

  it("the console's stream client resumes with Last-Event-ID after the connection drops", async () => {
    const { Api } = await import(CONSOLE_API);
    const realFetch = globalThis.fetch;
    const streamCalls: (string | null)[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (!url.endsWith('/api/v1/alerts/stream')) return realFetch(input, init);
      const headers = new Headers(init?.headers);
      streamCalls.push(headers.get('last-event-id'));
      expect(headers.get('authorization')).toBe(`Bearer ${ADMIN_TOKEN}`);
      const res = await realFetch(input, init);
      if (streamCalls.length > 1) return res;
      // the first connection drops right after its first alert event
      let seen = '';
      const cut = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          ctl.enqueue(chunk);
          seen += new TextDecoder().decode(chunk);
          if (/event: alert[\s\S]*\n\n/.test(seen)) ctl.terminate();
        },
      });
      return new Response(res.body!.pipeThrough(cut), { status: res.status, headers: res.headers });
    }) as typeof fetch;
    const got: { eventId: string; change: string; device: string; connection: number }[] = [];
    const states: string[] = [];
    const sg = await t.connect('baro-sg-1', sgSecret);
    let sgSeq = 0;
    const fail = () =>
      sg.publishAsync(
        'instruments/baro-sg-1/checks',
        JSON.stringify({
          seq: ++sgSeq,
          ts: new Date().toISOString(),
          indicated: 1015,
          reference: 1013,
          referenceUncertainty: 0.05,
          unit: 'hPa',
          standardId: 'REF-BARO-02',
        }),
        { qos: 1 },
      );
    const stop = new Api(ADMIN_TOKEN).stream(`${t.api}/api/v1/alerts/stream`, {
      onState: (st: string) => states.push(st),
      onEvent: (e: { event: string; data: string; id?: string }) => {
        if (e.event === 'alert') got.push({ ...JSON.parse(e.data), eventId: e.id!, connection: streamCalls.length });
      },
    });
    try {
      await expect.poll(() => states.includes('live')).toBe(true);
      await fail(); // opens an out-of-tolerance alert: the first connection delivers it, then drops
      await expect.poll(() => streamCalls.length, { timeout: 5000, message: JSON.stringify({ got, states }) }).toBe(2);
      const lastOnFirst = got.filter((g) => g.connection === 1).at(-1)!;
      expect(lastOnFirst).toBeDefined();
      expect(streamCalls).toEqual([null, lastOnFirst.eventId]);
      expect(states).toContain('reconnecting');
      await fail(); // a repeat: delivered on the resumed connection
      await expect.poll(() => got.some((g) => g.change === 'repeated' && g.device === 'baro-sg-1'), { timeout: 5000 }).toBe(true);
      const ids = got.map((g) => Number(g.eventId));
      expect(new Set(ids).size).toBe(ids.length); // nothing delivered twice
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    } finally {
      stop();
      globalThis.fetch = realFetch;
    }
  });
});

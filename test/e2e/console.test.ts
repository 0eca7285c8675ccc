// End-to-end: the inspector console in a real browser (Debian's Chromium driven by
// playwright-core) against a real gateway fed by real MQTT device clients.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, 'screenshots');
/** The console's plain ES module, imported untyped (browser code, type-checked in its own project: src/console/tsconfig.json). */
const CONSOLE_API: string = new URL('../../src/console/api.js', import.meta.url).href;

let t: TestGateway;
let browser: Browser;
let baro: MqttClient;
let sgSecret = '';
const tokens: Record<'inspectorHN' | 'inspectorSG' | 'operatorHN', string> = { inspectorHN: '', inspectorSG: '', operatorHN: '' };
const contexts: BrowserContext[] = [];

async function token(body: Record<string, unknown>): Promise<string> {
  const r = await t.call('POST', '/api/v1/tokens', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.token as string;
}

let seq = 0;
function check(indicated: number, reference: number, tsMs: number) {
  return baro.publishAsync('instruments/baro-hn-1/checks', JSON.stringify({ seq: ++seq, ts: new Date(tsMs).toISOString(), indicated, reference, referenceUncertainty: 0.05, unit: 'hPa', standardId: 'REF-BARO-01' }), { qos: 1 });
}

/** A fresh page (own session storage) with console errors and failed requests collected. */
async function openPage(viewport: { width: number; height: number }, locale = 'en-GB'): Promise<{ page: Page; problems: string[]; refused: string[] }> {
  const ctx = await browser.newContext({ viewport, locale, acceptDownloads: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  const problems: string[] = [];
  const refused: string[] = []; // non-2xx API answers, "403 GET /api/v1/webhooks"
  page.on('console', (m) => {
    // the browser logs every non-2xx answer; those are checked through `refused` instead
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    // the console asks the API what the token may do (GET /api/v1/me, else GET /api/v1/webhooks): a refusal there is expected
    if (path === '/api/v1/me' || path === '/api/v1/webhooks') return;
    if (r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${path}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(10_000);
  return { page, problems, refused };
}

/** Signs in on the alerts page (inspectors and admins otherwise land on the overview, test/e2e/inspector-overview.test.ts). */
async function signIn(page: Page, tok: string): Promise<void> {
  await page.goto(t.api + '/#/alerts');
  await page.getByLabel(/API token|Mã truy cập API/).fill(tok);
  await page.getByRole('button', { name: /^(Sign in|Đăng nhập)$/ }).click();
  await page.getByRole('navigation').waitFor();
  expect(page.url()).not.toContain(tok);
}

/** Every form control and button has an accessible name (label, aria-label/-labelledby, or text). */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href]')) {
      if (el.closest('[hidden]') || (el as HTMLInputElement).type === 'hidden') continue;
      const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      const text = (el.textContent ?? '').trim() || el.querySelector('img[alt]:not([alt=""])');
      if (!labelled && !text) bad.push(el.outerHTML.slice(0, 120));
    }
    return bad;
  });
}

describe('inspector console (real browser)', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's Chromium with \`apt-get install -y chromium\` (the console's end-to-end tests need a real browser)`);
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestGateway();
    const secret = await t.device({ id: 'baro-hn-1', type: 'barometer', tenant: 'hn-ent', region: 'VN-HN' });
    sgSecret = await t.device({ id: 'baro-sg-1', type: 'barometer', tenant: 'sg-ent', region: 'VN-SG' });
    tokens.inspectorHN = await token({ role: 'inspector', regions: ['VN-HN'], name: 'Thanh tra Hà Nội' });
    tokens.inspectorSG = await token({ role: 'inspector', regions: ['VN-SG'], name: 'Thanh tra TP.HCM' });
    tokens.operatorHN = await token({ role: 'operator', tenant: 'hn-ent', name: 'operator hn-ent' });
    baro = await t.connect('baro-hn-1', secret);
    // history: passing checks over the last weeks, so the chart has a band to draw against
    const now = Date.now();
    const errors = [0.02, -0.04, 0.05, 0.01, -0.02, 0.06, 0.03];
    for (let i = 0; i < errors.length; i++) await check(1013.0 + errors[i], 1013.0, now - (errors.length - i) * 4 * 86_400_000);
    await baro.publishAsync('instruments/baro-hn-1/readings', JSON.stringify({ seq: 1, ts: new Date(now - 60_000).toISOString(), quantity: 'pressure', value: 1012.6, unit: 'hPa' }), { qos: 1 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
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
    const { page, problems, refused } = await openPage({ width: 1280, height: 900 });
    await signIn(page, tokens.inspectorHN);
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
    await page.screenshot({ path: join(SHOTS, 'alerts-desktop.png'), fullPage: true });

    // open it: the evidence, the chart against ±MPE and the guard band, drift figures
    await item.locator('a').click();
    await page.getByRole('heading', { level: 1, name: /Out of tolerance — baro-hn-1/ }).waitFor();
    await page.locator('svg.chart circle.dec-fail').first().waitFor();
    expect(await page.locator('svg.chart circle.pt').count()).toBe(8);
    expect(await page.locator('svg.chart path.line-mpe').count()).toBe(2);
    expect(await page.locator('svg.chart path.line-guard').count()).toBe(2);
    const body = await page.locator('main').textContent();
    expect(body).toContain('1,014.5'); // indicated
    expect(body).toMatch(/Guard band ±\(MPE − U\)/);
    expect(body).toMatch(/Predicted out of tolerance/);
    expect(await unnamedControls(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'alert-evidence-desktop.png'), fullPage: true });

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

    // the assurance report downloads as CSV (fetched with the token, handed over as a Blob)
    await page.getByRole('link', { name: 'Reports' }).click();
    const report = page.getByRole('region', { name: 'Measurement-assurance report' });
    const [download] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^assurance-.*\.csv$/);
    // language switch: Vietnamese labels, remembered in localStorage
    await page.getByLabel('Language').selectOption('vi');
    await page.getByRole('link', { name: 'Cảnh báo' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('mag.console.lang'))).toBe('vi');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('an operator registers an instrument through the form and sees its secret once (phone-sized screen)', async () => {
    const { page, problems, refused } = await openPage({ width: 390, height: 844 }, 'vi-VN');
    await signIn(page, tokens.operatorHN);
    await page.locator('li.alert[data-device="baro-hn-1"]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'alerts-phone.png') });
    await page.getByRole('link', { name: 'Phương tiện đo' }).click();
    await page.locator('tr[data-device="baro-hn-1"]').waitFor();
    expect(await page.locator('tr[data-device="baro-sg-1"]').count()).toBe(0); // another enterprise's
    await page.screenshot({ path: join(SHOTS, 'instruments-phone.png') });
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
    await page.screenshot({ path: join(SHOTS, 'register-phone.png'), fullPage: true });
    // the secret works (MQTT) and is gone once dismissed, and after a reload
    const c = await t.connect('baro-hn-new', shown);
    await c.endAsync();
    await page.getByRole('button', { name: 'Tôi đã lưu lại' }).click();
    expect(await secret.count()).toBe(0);
    await page.reload();
    await page.locator('tr[data-device="baro-hn-new"]').waitFor();
    expect(await page.locator('code[data-secret]').count()).toBe(0);
    expect(await page.content()).not.toContain(shown);
    const dev = await t.call('GET', '/api/v1/devices/baro-hn-new');
    expect(dev.body).toMatchObject({ tenant: 'hn-ent', type: 'barometer', serial: 'PTB-2026-0042', site: 'Trạm Láng' });
    // the instrument page on the phone
    await page.locator('tr[data-device="baro-hn-1"] a').click();
    await page.locator('svg.chart').waitFor();
    await page.getByRole('heading', { name: 'Thêm giấy chứng nhận' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'instrument-phone.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390); // nothing wider than the phone
    // the API's English summary is told again in Vietnamese from the alert's evidence
    expect(await page.locator('main').textContent()).toMatch(/Kiểm tra không đạt: sai số 1,5 hPa, MPE ±0,3 hPa/);

    // the operator adds a verification certificate through the form
    const cert = page.getByRole('form', { name: 'Thêm giấy chứng nhận' });
    await cert.getByLabel('Số', { exact: true }).fill('V-2026-0099');
    await cert.getByLabel('Đơn vị cấp').fill('QUATEST 1');
    await cert.getByLabel('Có hiệu lực đến').fill('2027-11-29');
    await cert.getByLabel(/^Độ không đảm bảo đo/).fill('0.02');
    await cert.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Đã thêm giấy chứng nhận V-2026-0099.').waitFor();
    await page.getByRole('cell', { name: 'V-2026-0099' }).waitFor();
    const certs = await t.call('GET', '/api/v1/devices/baro-hn-1/certificates');
    expect(certs.body.items).toContainEqual(expect.objectContaining({ kind: 'verification', number: 'V-2026-0099', issuedBy: 'QUATEST 1', uncertainty: 0.02 }));
    expect(certs.body.items.find((c: { number: string }) => c.number === 'V-2026-0099').validUntil).toMatch(/^2027-11-29/);

    // the out-of-tolerance impact list of this instrument downloads as CSV
    const [oot] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải danh sách số đo bị ảnh hưởng (CSV)' }).click()]);
    expect(oot.suggestedFilename()).toBe('oot-impact-baro-hn-1.csv');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync((await oot.path())!, 'utf8').split(/\r?\n/)[0]).toMatch(/,/);

    // the same page in English on the phone
    await page.getByLabel('Ngôn ngữ').selectOption('en');
    await page.getByRole('heading', { name: 'Add a certificate' }).waitFor();
    await page.locator('svg.chart').waitFor();
    await page.screenshot({ path: join(SHOTS, 'instrument-phone-en.png'), fullPage: true });
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('an inspector of another province sees neither the instrument nor the alert', async () => {
    const { page, problems, refused } = await openPage({ width: 1024, height: 768 });
    await signIn(page, tokens.inspectorSG);
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
    const { page, problems, refused } = await openPage({ width: 1280, height: 900 });
    await signIn(page, ADMIN_TOKEN);
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
    const { page, problems, refused } = await openPage({ width: 1280, height: 900 });
    await page.goto(t.api + '/');
    await page.getByLabel('API token').waitFor();
    await page.screenshot({ path: join(SHOTS, 'signin-desktop.png') });
    // the Vietnamese and English dictionaries have the same keys: nothing falls back to English
    // (a string, so that vitest does not rewrite the browser's dynamic import)
    const keys = (await page.evaluate(
      "import('/console/i18n.js').then((m) => ({ en: Object.keys(m.DICTS.en).sort(), vi: Object.keys(m.DICTS.vi).filter((k) => !/^(sum|note)\\./.test(k)).sort() }))",
    )) as { en: string[]; vi: string[] };
    expect(keys.vi).toEqual(keys.en);
    await signIn(page, ADMIN_TOKEN);
    await page.getByRole('link', { name: 'Instruments' }).click();
    const rows = () => page.locator('tr[data-device]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')).sort());
    await page.locator('tr[data-device="gd-sg-1"]').waitFor();
    expect(await rows()).toEqual(['baro-hn-1', 'baro-hn-new', 'baro-sg-1', 'gd-sg-1']);
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
    await expect.poll(rows).toHaveLength(4);
    await page.screenshot({ path: join(SHOTS, 'instruments-desktop.png'), fullPage: true });
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('region', { name: 'Out-of-tolerance impact' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'reports-desktop.png'), fullPage: true });

    // Vietnamese, desktop: alerts with their summaries in Vietnamese, an alert's evidence, instruments, reports
    await page.getByLabel('Language').selectOption('vi');
    await page.getByRole('link', { name: 'Cảnh báo' }).click();
    await page.locator('li.alert[data-kind="out-of-tolerance"][data-device="baro-hn-1"]').first().waitFor();
    const listText = (await page.locator('main').textContent()) ?? '';
    expect(listText).toMatch(/Kiểm tra không đạt/);
    expect(listText).not.toMatch(/Check fail|rejected messages|No verification certificate/);
    await page.screenshot({ path: join(SHOTS, 'alerts-desktop-vi.png'), fullPage: true });
    await page.locator('li.alert[data-kind="out-of-tolerance"][data-device="baro-hn-1"] a').first().click();
    await page.locator('svg.chart circle.dec-fail').first().waitFor();
    await page.getByRole('heading', { level: 2, name: 'Thống kê trôi sai số' }).waitFor();
    const evidence = (await page.locator('main').textContent()) ?? '';
    expect(evidence).toMatch(/trong sử dụng/); // the regime, translated
    expect(evidence).not.toMatch(/inService|Check fail/);
    await page.screenshot({ path: join(SHOTS, 'alert-evidence-desktop-vi.png'), fullPage: true });
    // evidence of other kinds is labelled too, never raw JSON: a drift alert (its statistics)
    for (const [kind, device, expected] of [
      ['drift', 'baro-hn-1', /Bằng chứngSố lần kiểm tra\d+Độ trôi mỗi ngày[-+]?[\d,]+EWMA[-+]?[\d,]+/],
    ] as const) {
      await page.goto(`${t.api}/#/alerts`);
      await page.locator(`li.alert[data-kind="${kind}"][data-device="${device}"] a`).first().click();
      await page.getByRole('heading', { level: 2, name: 'Bằng chứng' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Thống kê trôi sai số' }).waitFor();
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text, `${kind}: ${text}`).toMatch(expected);
      expect(text, kind).not.toMatch(/\{"|sigmaSource|"state"/);
    }
    await page.screenshot({ path: join(SHOTS, 'alert-drift-desktop-vi.png'), fullPage: true });
    await page.getByRole('link', { name: 'Phương tiện đo' }).click();
    await page.locator('tr[data-device="gd-sg-1"]').waitFor();
    await page.screenshot({ path: join(SHOTS, 'instruments-desktop-vi.png'), fullPage: true });
    await page.getByRole('link', { name: 'Báo cáo' }).click();
    await page.getByRole('region', { name: 'Ảnh hưởng của việc vượt sai số' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'reports-desktop-vi.png'), fullPage: true });
    expect(await unnamedControls(page)).toEqual([]);

    // English, phone: sign-in, alerts, an alert's evidence, reports
    const phone = await openPage({ width: 390, height: 844 }, 'en-GB');
    await phone.page.goto(t.api + '/');
    await phone.page.getByLabel('API token').waitFor();
    await phone.page.screenshot({ path: join(SHOTS, 'signin-phone.png') });
    await signIn(phone.page, ADMIN_TOKEN);
    await phone.page.locator('li.alert[data-device="baro-hn-1"]').first().waitFor();
    await phone.page.screenshot({ path: join(SHOTS, 'alerts-phone-en.png') });
    await phone.page.locator('li.alert[data-kind="out-of-tolerance"][data-device="baro-hn-1"] a').first().click();
    await phone.page.locator('svg.chart circle.dec-fail').first().waitFor();
    await phone.page.screenshot({ path: join(SHOTS, 'alert-evidence-phone-en.png'), fullPage: true });
    await phone.page.getByRole('link', { name: 'Reports' }).click();
    await phone.page.getByRole('region', { name: 'Out-of-tolerance impact' }).waitFor();
    await phone.page.screenshot({ path: join(SHOTS, 'reports-phone-en.png'), fullPage: true });
    // nothing is wider than the phone's screen (tables become cards, charts fit)
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await unnamedControls(phone.page)).toEqual([]);
    for (const x of [{ problems, refused }, phone]) {
      expect(x.problems).toEqual([]);
      expect(x.refused).toEqual([]);
    }
  });

  it('the console\'s SSE parser handles chunking, CRLF, comments and multi-line data', async () => {
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

  it('the console\'s stream client resumes with Last-Event-ID after the connection drops', async () => {
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
    const fail = () => sg.publishAsync('instruments/baro-sg-1/checks', JSON.stringify({ seq: ++sgSeq, ts: new Date().toISOString(), indicated: 1015, reference: 1013, referenceUncertainty: 0.05, unit: 'hPa', standardId: 'REF-BARO-02' }), { qos: 1 });
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

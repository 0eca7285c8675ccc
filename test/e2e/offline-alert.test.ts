// End-to-end: an instrument that says it is offline, as the region's inspector reads the alert in
// Vietnamese. The gateway writes the summary in English ("Device reported offline (status / last will)");
// the console says it in Vietnamese, MQTT's "last will" included (the message the broker publishes for a
// device whose connection dropped), and the reported state too; in English the gateway's words are kept.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { launchConsoleBrowser, overflow, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';

const LAPTOP = { width: 1366, height: 900 };
const SUMMARY_VI = 'Thiết bị báo ngoại tuyến (bản tin trạng thái, hoặc bản tin di chúc khi mất kết nối)';

let t: TestGateway;
let b: ConsoleBrowser;
let inspector = '';

describe('an offline alert in Vietnamese (real browser)', () => {
  beforeAll(async () => {
    t = await startTestGateway();
    const secret = await t.device({ id: 'off-baro', type: 'barometer', tenant: 'off-ent', region: 'VN-HN' });
    const device = await t.connect('off-baro', secret);
    await device.publishAsync('instruments/off-baro/status', JSON.stringify({ state: 'offline' }), { qos: 1 });
    // and a failing check (1014.5 against 1013.0 hPa, MPE ±0.3 hPa), whose alert states its U
    const check = { seq: 1, ts: Date.now() - 60_000, indicated: 1014.5, reference: 1013.0, referenceUncertainty: 0.0513, unit: 'hPa', standardId: 'REF-1' };
    await device.publishAsync('instruments/off-baro/checks', JSON.stringify(check), { qos: 1 });
    await vi.waitFor(async () => expect((await t.call('GET', '/api/v1/alerts?device=off-baro&kind=offline')).body.items).toHaveLength(1), {
      timeout: 10_000,
      interval: 100,
    });
    inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-HN'], name: 'Chi cục TĐC Hà Nội' })).body.token;
    b = await launchConsoleBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await t?.destroy();
  });

  it('says the summary and the reported state in Vietnamese, on a laptop and on a phone', async () => {
    const [alert] = (await t.call('GET', '/api/v1/alerts?device=off-baro&kind=offline')).body.items;
    expect(alert.summary).toBe('Device reported offline (status / last will)');
    for (const [viewport, name] of [
      [LAPTOP, 'offline-alert-desktop-vi'],
      [PHONE, 'offline-alert-phone-vi'],
    ] as const) {
      const { page, problems, refused } = await b.open(viewport, 'vi-VN');
      await signIn(page, t.api, inspector, '/#/alerts');
      const item = page.locator('li.alert[data-kind="offline"][data-device="off-baro"]');
      await item.waitFor();
      expect(await item.locator('.summary').textContent()).toBe(SUMMARY_VI);
      await item.locator('a').click();
      await page.getByRole('heading', { level: 1, name: /off-baro/ }).waitFor();
      const main = page.locator('main');
      await main.getByText(SUMMARY_VI).waitFor();
      expect(await main.getByText('Trạng thái báo', { exact: true }).locator('xpath=following-sibling::dd').textContent()).toBe('ngoại tuyến');
      const text = ((await main.textContent()) ?? '').toLowerCase();
      expect(text).not.toContain('last will');
      expect(text).not.toContain('offline');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, name);
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
    }
  });

  it('states the U of a failing check with two significant digits and its unit (GUM §7.2.6), in both languages', async () => {
    let alert: { summary: string; details: { uncertainty: number } } | undefined;
    await vi.waitFor(
      async () => {
        [alert] = (await t.call('GET', '/api/v1/alerts?device=off-baro&kind=out-of-tolerance')).body.items;
        expect(alert).toBeDefined();
      },
      { timeout: 10_000, interval: 100 },
    );
    const u = alert!.details.uncertainty;
    expect(String(u).replace(/^0\.0*/, '').length).toBeGreaterThan(2); // more digits computed than stated
    const stated = Number(u.toPrecision(2));
    expect(alert!.summary).toContain(`(U = ${stated} hPa)`);
    const { page, problems, refused } = await b.open(LAPTOP, 'vi-VN');
    await signIn(page, t.api, inspector, '/#/alerts');
    const item = page.locator('li.alert[data-kind="out-of-tolerance"][data-device="off-baro"]');
    await item.waitFor();
    expect(await item.locator('.summary').textContent()).toContain(`(U = ${String(stated).replace('.', ',')} hPa)`);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it("keeps the gateway's English in English", async () => {
    const { page, problems, refused } = await b.open(LAPTOP, 'en-GB');
    await signIn(page, t.api, inspector, '/#/alerts');
    const item = page.locator('li.alert[data-kind="offline"][data-device="off-baro"]');
    await item.waitFor();
    expect(await item.locator('.summary').textContent()).toBe('Device reported offline (status / last will)');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});

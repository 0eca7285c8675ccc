// The console in Debian's Chromium (playwright-core) for end-to-end tests: pages with their own
// session storage that collect console errors and refused API calls, signing in with a token,
// screenshots under test/e2e/screenshots/, and the accessible-name check every screen must pass.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(import.meta.dirname, '../e2e/screenshots');
/** The two screen sizes every page is looked at: a laptop and a phone (tables become cards below 720 px). */
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface ConsoleBrowser {
  browser: Browser;
  /**
   * A fresh page (own session storage) with console errors and non-2xx API answers collected ("403 GET /api/v1/x").
   * The browser runs in UTC unless `timezoneId` says otherwise: what the console shows must be on the enterprises'
   * clocks (Asia/Ho_Chi_Minh), not the browser's.
   */
  open(
    viewport: { width: number; height: number },
    locale?: string,
    opts?: { timezoneId?: string },
  ): Promise<{ page: Page; problems: string[]; refused: string[] }>;
  close(): Promise<void>;
}

/** `timeout`: how long a page waits for what a test looks for (longer where the gateway holds a year of history). */
export async function launchConsoleBrowser({ timeout = 10_000 } = {}): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium with \`apt-get install -y chromium\` (the console's end-to-end tests need a real browser)`,
    );
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async open(viewport, locale = 'en-GB', { timezoneId = 'UTC' } = {}) {
      const ctx = await browser.newContext({ viewport, locale, timezoneId, acceptDownloads: true });
      contexts.push(ctx);
      const page = await ctx.newPage();
      const problems: string[] = [];
      const refused: string[] = [];
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
      page.setDefaultTimeout(timeout);
      return { page, problems, refused };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Signs in on `at` (a hash route such as '/#/alerts'; by default where the role lands). */
export async function signIn(page: Page, base: string, token: string, at = '/'): Promise<void> {
  await page.goto(base + at);
  await page.getByLabel(/API token|Mã truy cập API/).fill(token);
  await page.getByRole('button', { name: /^(Sign in|Đăng nhập)$/ }).click();
  await page.getByRole('navigation').waitFor();
  expect(page.url()).not.toContain(token);
}

/** A screenshot under test/e2e/screenshots/, taken from the top (the sticky header then stays at the top of the picture). */
export async function shot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Every form control and button has an accessible name (label, aria-label/-labelledby, or text). */
export async function unnamedControls(page: Page): Promise<string[]> {
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

/** Nothing is wider than the screen (tables become cards on a phone). */
export async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/**
 * An instant as the console writes it on Vietnam's clock (Asia/Ho_Chi_Minh, UTC+7), as the printed papers
 * do: "08:30 22/10/2026" in Vietnamese, "22/10/2026 08:30" in English; `day`: the day alone, "22/10/2026".
 */
export function onVietnamClock(iso: string, lang: 'vi' | 'en' = 'vi', { day = false } = {}): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(iso));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  const date = `${p.day}/${p.month}/${p.year}`;
  if (day) return date;
  return lang === 'vi' ? `${p.hour}:${p.minute} ${date}` : `${date} ${p.hour}:${p.minute}`;
}

// The console in Debian's Chromium (playwright-core) for end-to-end tests: pages with their own
// session storage that collect console errors and refused API calls, signing in with a token,
// and the accessible-name check every screen must pass.
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface ConsoleBrowser {
  browser: Browser;
  /** A fresh page (own session storage) with console errors and non-2xx API answers collected ("403 GET /api/v1/x"). */
  open(viewport: { width: number; height: number }, locale?: string): Promise<{ page: Page; problems: string[]; refused: string[] }>;
  close(): Promise<void>;
}

export async function launchConsoleBrowser(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's Chromium with \`apt-get install -y chromium\` (the console's end-to-end tests need a real browser)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async open(viewport, locale = 'en-GB') {
      const ctx = await browser.newContext({ viewport, locale, acceptDownloads: true });
      contexts.push(ctx);
      const page = await ctx.newPage();
      const problems: string[] = [];
      const refused: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
      });
      page.on('response', (r) => {
        const path = new URL(r.url()).pathname;
        // the console asks the API what the token may do: a refusal there is expected
        if (path === '/api/v1/me' || path === '/api/v1/webhooks') return;
        if (r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${path}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.setDefaultTimeout(10_000);
      return { page, problems, refused };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(base + '/');
  await page.getByLabel(/API token|Mã truy cập API/).fill(token);
  await page.getByRole('button', { name: /^(Sign in|Đăng nhập)$/ }).click();
  await page.getByRole('navigation').waitFor();
  expect(page.url()).not.toContain(token);
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

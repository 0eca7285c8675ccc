// The inspector console: static ES modules + CSS served by the gateway itself (no build step,
// no CDN), and one module written from the gateway's own lists (vocabulary-module.ts). `/` is
// the page; `/console/*` its assets. The console only calls the public API.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { vocabularyModule } from './vocabulary-module.ts';

const DIR = dirname(fileURLToPath(import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The assets, by URL name: the console's modules, styles and icon as they are in this directory
 * (so a new page module is served without being listed again). Only these names are routed: no
 * directory traversal is possible.
 */
export const CONSOLE_ASSETS: readonly string[] = readdirSync(DIR)
  .filter((name) => /^[a-z0-9-]+\.(js|css|svg)$/.test(name))
  .sort();

/** Self only: no inline script or style, no eval, no framing, no third-party anything. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function load(name: string): { body: string; type: string } {
  const ext = name.slice(name.lastIndexOf('.'));
  return { body: readFileSync(join(DIR, name), 'utf8'), type: TYPES[ext] ?? 'application/octet-stream' };
}

/**
 * Mounts the console on the app: `GET /` (and `/index.html`) → the page, `GET /console/<asset>`.
 * Mount it before any catch-all middleware (the API's bearer check) so the page loads without a
 * token; it then signs in with one and sends it on every API call.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountConsole(app: Hono<any>, opts: { reload?: boolean } = {}): void {
  const reload = opts.reload ?? process.env.MAG_CONSOLE_RELOAD === '1'; // re-read files per request while editing them
  const cache = new Map<string, { body: string; type: string }>();
  const get = (name: string) => {
    if (reload) return load(name);
    let a = cache.get(name);
    if (!a) cache.set(name, (a = load(name)));
    return a;
  };
  const headers = (type: string) => ({
    'content-type': type,
    'content-security-policy': CONSOLE_CSP,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  const page = (c: { body: (b: string, s: 200, h: Record<string, string>) => Response }) => {
    const a = get('index.html');
    return c.body(a.body, 200, headers(a.type));
  };
  app.get('/', (c) => page(c));
  app.get('/index.html', (c) => page(c));
  for (const name of CONSOLE_ASSETS) {
    app.get(`/console/${name}`, (c) => {
      const a = get(name);
      return c.body(a.body, 200, headers(a.type));
    });
  }
  // the gateway's own lists (alert kinds, severities, reasons…), written from its source
  const vocabulary = vocabularyModule();
  app.get('/console/vocabulary.js', (c) => c.body(vocabulary, 200, headers(TYPES['.js'])));
  app.get('/favicon.ico', (c) => c.redirect('/console/icon.svg', 301));
}

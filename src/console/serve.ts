// The inspector console: static ES modules + CSS served by the gateway itself (no build step,
// no CDN), and one module written from the gateway's own lists (vocabulary-module.ts). `/` is
// the page; `/console/*` its assets. The console only calls the public API.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
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

/**
 * An asset as served: its text, its type, a strong ETag of its bytes, and the same bytes gzipped once at
 * load. An inspector's phone on a slow connection (2 s latency, 50 KB/s) waited 19 s for the sign-in form
 * and downloaded all of the console's ~425 KB again at every reload: gzipped, the console is ~140 KB, and a
 * reload asks each file "changed?" (If-None-Match) and gets 304s. Not brotli: its best quality would make
 * it ~120 KB for 1 s of the gateway's event loop (gzip: 20 ms for all of it).
 */
interface Asset {
  body: string;
  type: string;
  etag: string;
  gzip: Buffer;
}

function asset(body: string, type: string): Asset {
  const bytes = Buffer.from(body, 'utf8');
  return {
    body,
    type,
    etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
    gzip: gzipSync(bytes, { level: 9 }),
  };
}

function load(name: string): Asset {
  const ext = name.slice(name.lastIndexOf('.'));
  return asset(readFileSync(join(DIR, name), 'utf8'), TYPES[ext] ?? 'application/octet-stream');
}

/**
 * The page, its assets asked for under `base` (`/console/v-<version>/`), with a `modulepreload` link for every
 * module of the console: app.js imports the pages, which import the blocks, which import the words…, and a
 * browser discovers each level only once the one above it has arrived: four or five round trips one after
 * another, 2 s each on a slow mobile connection. Listed in the page, they are all asked for at once. (All of
 * them: app.js imports every page up front.)
 */
function page(html: string, base: string): string {
  const modules = [...CONSOLE_ASSETS.filter((n) => n.endsWith('.js') && n !== 'app.js'), 'vocabulary.js'];
  const links = modules.map((n) => `  <link rel="modulepreload" href="${base}${n}">`).join('\n');
  return html
    .replace('href="/console/styles.css"', `href="${base}styles.css"`)
    .replace('  <script type="module" src="/console/app.js"></script>', `  <script type="module" src="${base}app.js"></script>\n${links}`);
}

/** Whether an If-None-Match header names this ETag (a list, weak validators compared weakly, or `*`). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Whether the request accepts gzip (q=0 refuses it). */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name.trim());
  }
  return accepted.has('gzip');
}

/**
 * Mounts the console on the app: `GET /` (and `/index.html`) → the page, `GET /console/<asset>`.
 * Mount it before any catch-all middleware (the API's bearer check) so the page loads without a
 * token; it then signs in with one and sends it on every API call.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountConsole(app: Hono<any>, opts: { reload?: boolean } = {}): void {
  const reload = opts.reload ?? process.env.MAG_CONSOLE_RELOAD === '1'; // re-read files per request while editing them
  // the gateway's own lists (alert kinds, severities, reasons…), written from its source
  const vocabulary = asset(vocabularyModule(), TYPES['.js']!);
  const loaded = new Map<string, Asset>(CONSOLE_ASSETS.map((name) => [name, load(name)]));
  loaded.set('vocabulary.js', vocabulary);
  // The console's version: a digest of every asset. The page asks for its modules under /console/v-<version>/,
  // and those answers may be kept for good (immutable): a reload on a phone then asks for the page alone
  // (it asked each of ~33 files "changed?", 2 s a round trip on a slow connection). The modules' imports are
  // relative ('./dom.js'), so they stay under the same version; a new gateway's console has a new version,
  // so it is never mixed with an old one's modules. While editing (reload), no version and no keeping.
  const version = reload
    ? undefined
    : `v-${createHash('sha256')
        .update([...loaded].map(([name, a]) => `${name} ${a.etag}`).join('\n'))
        .digest('base64url')
        .slice(0, 16)}`;
  const get = (name: string) => (reload && name !== 'vocabulary.js' ? load(name) : loaded.get(name)!);
  const html = reload ? undefined : asset(page(readFileSync(join(DIR, 'index.html'), 'utf8'), `/console/${version}/`), TYPES['.html']!);
  const headers = (a: Asset, keep: boolean) => ({
    'content-type': a.type,
    'content-security-policy': CONSOLE_CSP,
    // no-cache: kept, but asked about each time (the ETag); a versioned asset never changes
    'cache-control': keep ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag: a.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  const serve = (c: Context, a: Asset, keep = false) => {
    if (notModified(c.req.header('if-none-match'), a.etag)) return c.body(null, 304, headers(a, keep));
    if (!acceptsGzip(c.req.header('accept-encoding'))) return c.body(a.body, 200, headers(a, keep));
    return c.body(new Uint8Array(a.gzip), 200, { ...headers(a, keep), 'content-encoding': 'gzip' });
  };
  const index = () => html ?? asset(page(readFileSync(join(DIR, 'index.html'), 'utf8'), '/console/'), TYPES['.html']!);
  app.get('/', (c) => serve(c, index()));
  app.get('/index.html', (c) => serve(c, index()));
  const names = new Set([...CONSOLE_ASSETS, 'vocabulary.js']);
  for (const name of names) app.get(`/console/${name}`, (c) => serve(c, get(name)));
  // the same files under a version; only these names (no directory traversal). An older version's page still
  // open in a tab gets today's files, not kept: they are not its version's
  app.get('/console/:version{v-[A-Za-z0-9_-]{1,32}}/:name', (c) => {
    const name = c.req.param('name');
    if (!names.has(name)) return c.notFound();
    return serve(c, get(name), c.req.param('version') === version);
  });
  app.get('/favicon.ico', (c) => c.redirect('/console/icon.svg', 301));
}

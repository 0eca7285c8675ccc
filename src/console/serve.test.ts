// The console as a phone on a slow connection gets it: compressed, asked for all at once, and not
// downloaded again when it has not changed.
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CONSOLE_ASSETS, mountConsole } from './serve.ts';

const app = new Hono();
mountConsole(app, { reload: false });
const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });

describe('the console as served', () => {
  it('answers gzip when the browser accepts it: the same text as uncompressed, at a fraction of its size', async () => {
    const plain = await get('/console/i18n-vi.js');
    const text = await plain.text();
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(text).toContain("'pr.title'");

    const gz = await get('/console/i18n-vi.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('accept-encoding');
    const bytes = Buffer.from(await gz.arrayBuffer());
    expect(gunzipSync(bytes).toString('utf8')).toBe(text);
    expect(bytes.length).toBeLessThan(Buffer.byteLength(text) / 3);
    // gzip refused with q=0: as it is
    expect((await get('/console/i18n-vi.js', { 'accept-encoding': 'gzip;q=0, br' })).headers.get('content-encoding')).toBeNull();
  });

  it('answers 304 with no body when the browser already has the file (its ETag), and the file when it has another', async () => {
    const first = await get('/console/app.js');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache'); // kept, but asked about each time

    const again = await get('/console/app.js', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('content-security-policy')).toContain("default-src 'self'");
    // a list, and a weak validator of the same bytes
    expect((await get('/console/app.js', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);

    const changed = await get('/console/app.js', { 'if-none-match': '"something-else"' });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe(await first.text());
    // each file its own tag
    expect((await get('/console/styles.css')).headers.get('etag')).not.toBe(etag);
  });

  it('lists every module of the console in the page under its version, so a browser asks for them at once', async () => {
    const html = await (await get('/')).text();
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/console\/(v-[A-Za-z0-9_-]+)\/([^"]+)">/g)];
    const version = preloaded[0]![1];
    expect(new Set(preloaded.map((m) => m[1]))).toEqual(new Set([version]));
    const modules = CONSOLE_ASSETS.filter((n) => n.endsWith('.js') && n !== 'app.js');
    expect(preloaded.map((m) => m[2]).sort()).toEqual([...modules, 'vocabulary.js'].sort());
    expect(html).toContain(`<script type="module" src="/console/${version}/app.js"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/console/${version}/styles.css">`);
    // every preloaded module is served
    for (const m of preloaded) expect((await get(`/console/${m[1]}/${m[2]}`)).status, m[2]).toBe(200);
  });

  it('lets the browser keep the versioned files for good, so a reload asks for the page alone', async () => {
    const html = await (await get('/')).text();
    const version = /src="\/console\/(v-[A-Za-z0-9_-]+)\/app.js"/.exec(html)![1];
    expect((await get('/')).headers.get('cache-control')).toBe('no-cache'); // the page names the version: asked about each time
    const kept = await get(`/console/${version}/dom.js`);
    expect(kept.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await kept.text()).toBe(await (await get('/console/dom.js')).text());
    // the same names without a version, or under another (a tab left open on an older gateway's page): today's files, not kept
    expect((await get('/console/dom.js')).headers.get('cache-control')).toBe('no-cache');
    const stale = await get('/console/v-older0000000000/dom.js');
    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-control')).toBe('no-cache');
    expect((await get(`/console/${version}/../package.json`)).status).toBe(404);
  });

  it('while editing (MAG_CONSOLE_RELOAD), serves the files as they are now, unversioned and not kept', async () => {
    const dev = new Hono();
    mountConsole(dev, { reload: true });
    const html = await (await dev.request('/')).text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    expect(html).toContain('<link rel="modulepreload" href="/console/dom.js">');
    expect((await dev.request('/console/dom.js')).headers.get('cache-control')).toBe('no-cache');
  });
});

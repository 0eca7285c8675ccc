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

  it('lists every module of the console in the page, so a browser asks for them at once', async () => {
    const html = await (await get('/')).text();
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/console\/([^"]+)">/g)].map((m) => m[1]);
    const modules = CONSOLE_ASSETS.filter((n) => n.endsWith('.js') && n !== 'app.js');
    expect(preloaded.sort()).toEqual([...modules, 'vocabulary.js'].sort());
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    // every preloaded module is served
    for (const name of preloaded) expect((await get(`/console/${name}`)).status, name).toBe(200);
  });
});

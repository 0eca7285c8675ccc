// The InfluxDB v2 write API in front of a real InfluxDB 1.6.7, which has no /api/v2/write
// (1.8 added it; no InfluxDB 2 runs here). As 1.8's compatibility endpoint does, it turns
//   POST /api/v2/write?bucket=<db>[/<rp>]&precision=ms   (body as sent, gzip included)
// into POST /write?db=<db>[&rp=<rp>]&precision=ms, answers errors in the v2 JSON shape
// ({"code", "message"}), and passes /ping and /query through. The token is not checked
// (the influxd harness runs without auth). Used to run the Sink contract against InfluxV2Sink.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InfluxV2Shim {
  url: string;
  /** Stops listening (clients meet a refused connection); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

const V2_CODES: Record<number, string> = { 400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not found', 413: 'request too large' };

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function forward(influxUrl: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://shim');
  if (req.method === 'POST' && u.pathname === '/api/v2/write') {
    const [db, rp] = (u.searchParams.get('bucket') ?? '').split('/');
    const target = new URL('/write', influxUrl);
    target.searchParams.set('db', db);
    if (rp) target.searchParams.set('rp', rp);
    target.searchParams.set('precision', u.searchParams.get('precision') ?? 'ns');
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (req.headers['content-encoding']) headers['content-encoding'] = String(req.headers['content-encoding']);
    const answer = await fetch(target, { method: 'POST', headers, body: new Uint8Array(await body(req)) });
    if (answer.status === 204) {
      res.writeHead(204).end();
      return;
    }
    const text = await answer.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      /* not JSON: the text as it came */
    }
    const code = V2_CODES[answer.status] ?? 'internal error';
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ code, message }));
    return;
  }
  const answer = await fetch(new URL(u.pathname + u.search, influxUrl), { method: req.method, headers: { accept: req.headers.accept ?? '*/*' } });
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await answer.arrayBuffer()));
}

/** A shim on a free port in front of the InfluxDB 1.x at `influxUrl`. */
export async function startInfluxV2Shim(influxUrl: string): Promise<InfluxV2Shim> {
  let server: Server | undefined;
  let port = 0;
  const start = async () => {
    const s = createServer((req, res) => {
      forward(influxUrl, req, res).catch((err: unknown) => {
        res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'internal error', message: String(err) }));
      });
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', () => resolve()));
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start,
  };
}

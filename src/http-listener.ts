// The HTTP(S) listener of the API, console and /metrics.
import { serve, type ServerType } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';

export class HttpListener {
  private server: ServerType | undefined;

  constructor(private readonly opts: { host: string; port: number; tls?: { cert: string; key: string } }) {}

  /** Serves `fetch` (over TLS when configured); resolves with the port. */
  listen(fetch: Parameters<typeof serve>[0]['fetch']): Promise<number> {
    const { host, port, tls } = this.opts;
    return new Promise<number>((resolve, reject) => {
      const tlsOpts = tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : undefined;
      this.server = serve({ fetch, port, hostname: host, ...(tlsOpts ? { createServer: createHttpsServer, serverOptions: tlsOpts } : {}) }, (info) =>
        resolve(info.port),
      );
      this.server.once('error', reject);
    });
  }

  /**
   * Closes the listener, then every connection still open: an SSE stream never ends on its own,
   * so waiting for close() before closing connections would hang the stop (clients resume with
   * Last-Event-ID).
   */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    await closed;
  }
}

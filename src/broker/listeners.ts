// Where devices connect: MQTT over TCP, over WebSocket and over TLS (with client certificates
// when a CA is configured). Every listener goes through the size guard: a packet announcing more
// than the payload limit closes its connection before aedes buffers it.
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../log.ts';
import type { BrokerOptions, BrokerTotals } from './broker.ts';
import { PACKET_OVERHEAD_BYTES, guardPacketSize } from './packet-size-guard.ts';

export interface Listeners {
  ports: { mqtt?: number; ws?: number; mqtts?: number };
  /** Stops accepting connections (open ones are aedes' to close). */
  close(): void;
}

export async function openListeners(aedes: Aedes, opts: BrokerOptions, totals: BrokerTotals, log: Logger): Promise<Listeners> {
  const aedesHandle = aedes.handle;
  const handle = ((conn: Parameters<typeof aedesHandle>[0], req?: Parameters<typeof aedesHandle>[1]) => {
    guardPacketSize(conn as never, opts.maxPayloadBytes + PACKET_OVERHEAD_BYTES, (announced) => {
      totals.oversizeAnnounced++;
      log.warn(
        { address: (conn as { remoteAddress?: string }).remoteAddress, announced, max: opts.maxPayloadBytes },
        'MQTT packet larger than the payload limit announced; closing the connection',
      );
    });
    return aedesHandle(conn, req as never);
  }) as typeof aedesHandle;

  const servers: (Server | HttpServer)[] = [];
  let wss: WebSocketServer | undefined;
  const ports: Listeners['ports'] = {};
  const close = () => {
    for (const s of servers) s.close();
    wss?.close();
    servers.length = 0;
  };
  try {
    const tcp = createServer(handle);
    servers.push(tcp);
    ports.mqtt = await listen(tcp, opts.mqttPort, opts.host);
    if (opts.mqttWsPort !== undefined) {
      const http = createHttpServer();
      wss = new WebSocketServer({ server: http });
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        handle(stream, req);
      });
      servers.push(http);
      ports.ws = await listen(http, opts.mqttWsPort, opts.host);
    }
    if (opts.mqttsPort !== undefined && opts.tls) {
      const tls = createTlsServer(
        {
          cert: readFileSync(opts.tls.cert),
          key: readFileSync(opts.tls.key),
          ...(opts.tls.ca ? { ca: readFileSync(opts.tls.ca), requestCert: true, rejectUnauthorized: true } : {}),
        },
        handle,
      );
      servers.push(tls);
      ports.mqtts = await listen(tls, opts.mqttsPort, opts.host);
    }
  } catch (e) {
    close();
    throw e;
  }
  return { ports, close };
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

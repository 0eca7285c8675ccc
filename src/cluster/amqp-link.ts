// One AMQP connection of a node to the RabbitMQ cluster, kept up across the cluster's URLs:
// when it closes (the node it was on died, the network broke) the next URL is tried, with a
// back-off, and every part that uses the connection sets its channels up again on the new one.
// (amqplib's own recovery reconnects to one URL only; a cluster needs to move to another node.)
import { connect, type ChannelModel } from 'amqplib';
import type { Logger } from '../log.ts';

/** A part using the connection: sets up its channels on each new connection. */
export type LinkSetup = (conn: ChannelModel) => Promise<void>;

/**
 * Heartbeat (seconds) asked of RabbitMQ when a URL names none: a stalled node's connection is
 * ended after two missed beats, and its partitions move to another node (RabbitMQ's own default,
 * 60 s, would hold them for two minutes).
 */
export const DEFAULT_HEARTBEAT_S = 10;

/** The URL with `heartbeat` set unless it names one. */
export function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=${DEFAULT_HEARTBEAT_S}`;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * A part's channel closed on its own (RabbitMQ closed it: a channel error, a delivery not
 * acknowledged within its consumer_timeout) while the connection stays up: the connection is
 * closed too, so the link reconnects and every part sets itself up again, instead of a part
 * left without its channel.
 */
export function reconnectOnChannelLoss(conn: ChannelModel, ch: { once(event: 'close', listener: () => void): unknown }): void {
  ch.once('close', () => {
    conn.close().catch(() => undefined); // already closing when the connection itself went
  });
}

/** A URL without its password, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export class AmqpLink {
  private conn: ChannelModel | undefined;
  private next = 0;
  private closing = false;
  private readonly setups: LinkSetup[] = [];
  private reconnecting: Promise<void> | undefined;
  /** True while a connection is up and set up. */
  connected = false;
  /** The URL of the connection up, password hidden (/readyz: which RabbitMQ node this node uses). */
  url: string | undefined;

  constructor(
    private readonly urls: string[],
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {
    if (urls.length === 0) throw new Error('MAG_AMQP_URLS is empty');
    this.next = firstUrl(nodeId, urls.length);
  }

  /** Registers a part; it is set up on the current connection (if any) and on every later one, in order of registration. */
  use(setup: LinkSetup): void {
    this.setups.push(setup);
  }

  /** Connects (trying every URL in turn) and sets every registered part up; fails once `timeoutMs` passed without success. */
  async start(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: Error | undefined;
    let wait = RETRY_MIN_MS;
    while (Date.now() < deadline) {
      try {
        await this.open();
        return;
      } catch (e) {
        lastError = e as Error;
        await sleep(wait);
        wait = Math.min(RETRY_MAX_MS, wait * 2);
      }
    }
    throw new Error(`could not reach the RabbitMQ cluster at ${this.urls.map(redactUrl).join(', ')} within ${timeoutMs} ms: ${lastError?.message}`);
  }

  /** One attempt on the next URL: connect, then set every part up. */
  private async open(): Promise<void> {
    const url = this.urls[this.next++ % this.urls.length];
    const conn = await connect(withHeartbeat(url), { clientProperties: { connection_name: `mag ${this.nodeId}` } });
    conn.on('error', (e: Error) => this.log.warn({ url: redactUrl(url), err: e.message }, 'RabbitMQ connection error'));
    try {
      for (const setup of this.setups) await setup(conn);
    } catch (e) {
      await conn.close().catch(() => undefined);
      throw e;
    }
    this.conn = conn;
    this.connected = true;
    this.url = redactUrl(url);
    conn.once('close', (err?: Error) => {
      this.connected = false;
      this.conn = undefined;
      this.url = undefined;
      if (this.closing) return;
      this.log.warn({ url: redactUrl(url), err: err?.message }, 'RabbitMQ connection lost; reconnecting to the cluster');
      this.reconnecting ??= this.reconnect().finally(() => {
        this.reconnecting = undefined;
      });
    });
    this.log.info({ url: redactUrl(url), node: this.nodeId }, 'connected to the RabbitMQ cluster');
  }

  private async reconnect(): Promise<void> {
    let wait = RETRY_MIN_MS;
    while (!this.closing) {
      try {
        await this.open();
        return;
      } catch (e) {
        this.log.warn({ err: (e as Error).message, retryInMs: wait }, 'RabbitMQ not reachable; retrying on the next URL');
        await sleep(wait);
        wait = Math.min(RETRY_MAX_MS, wait * 2);
      }
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.reconnecting?.catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
  }
}

/**
 * Which of `count` URLs a node tries first: the sum of its name's character codes, modulo. Nodes
 * given the same MAG_AMQP_URLS then spread their connections (their publishing and consuming)
 * over the RabbitMQ nodes instead of all loading the first, and nodes named in sequence (mag-1,
 * mag-2, mag-3 or mag-a, mag-b) each start on another (a hash would put two of three on the same
 * one more often than not); a node always starts on the same one.
 */
export function firstUrl(nodeId: string, count: number): number {
  let sum = 0;
  for (let i = 0; i < nodeId.length; i++) sum += nodeId.charCodeAt(i);
  return sum % count;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

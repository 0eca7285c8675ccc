// InfluxDB 1.x adapter (kind `influxdb-v1`).
//
// - Writes: our own line protocol (line-protocol.ts, `seq` as integer) POSTed to
//   `/write?db=…&precision=ms` in one request per `write()`. The `influx` package's
//   writePoints was measured as the alternative (see README): its schema must list every
//   tag and field in advance and throws plain Errors for an unknown one, and its pool
//   retries and disables the host on its own; our serialiser is shared with v2 and lets
//   the HTTP status decide permanent versus transient.
// - Database creation, InfluxQL queries and ping: the `influx` package, with its pool told
//   not to retry nor to take the host out of service (the journal owns retries).

import { InfluxDB, type IPoolOptions } from 'influx';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pointsFromResponse, pointsQuery, readingsQuery, toStoredReading, toStoredTransaction, transactionsQuery, type InfluxQLResponse } from './influxql.ts';
import { toLineProtocol } from './line-protocol.ts';
import {
  SinkRejectedError,
  type Measurement,
  type Point,
  type ReadingQuery,
  type Sink,
  type StoredReading,
  type StoredTransaction,
  type TransactionQuery,
} from './sink.ts';

export interface InfluxV1Options {
  /** Base URL, e.g. `http://127.0.0.1:8086` (a path prefix behind a proxy is kept). */
  url: string;
  /** Database; created by `init()` if missing. */
  database: string;
  username?: string;
  password?: string;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
}

export const DEFAULT_INFLUX_TIMEOUT_MS = 10_000;

/** A backoff that never takes the only host out of the `influx` pool. */
const NO_BACKOFF: NonNullable<IPoolOptions['backoff']> = {
  getDelay: () => 0,
  next: () => NO_BACKOFF,
  reset: () => NO_BACKOFF,
};

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? ''} ${cause.message}`.trimEnd() : '';
    return `${err.message || err.name}${code && !err.message.includes(String(code)) ? ` (${String(code)})` : ''}${causeText}`;
  }
  return String(err);
}

export class InfluxV1Sink implements Sink {
  readonly kind = 'influxdb-v1';
  readonly url: string;
  readonly database: string;
  private readonly influx: InfluxDB;
  private readonly timeoutMs: number;
  private readonly writeUrl: string;
  private readonly authHeader: string | undefined;
  /** Kept-alive connections for writes (the forwarder has a few in flight). */
  private readonly agent: HttpAgent;

  constructor(opts: InfluxV1Options) {
    if (!opts.database) throw new Error('InfluxDB v1: a database name is required (MAG_INFLUX_DB)');
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new Error(`InfluxDB v1: MAG_INFLUX_URL ${JSON.stringify(opts.url)} is not a URL (expected e.g. http://127.0.0.1:8086)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new Error(`InfluxDB v1: MAG_INFLUX_URL must be http:// or https://, got ${u.protocol}`);
    }
    this.url = opts.url;
    this.database = opts.database;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS;
    const basePath = u.pathname.replace(/\/+$/, '');
    const username = opts.username ?? (u.username ? decodeURIComponent(u.username) : undefined);
    const password = opts.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
    this.influx = new InfluxDB({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
      protocol: u.protocol === 'https:' ? 'https' : 'http',
      path: basePath,
      database: opts.database,
      username,
      password,
      pool: { maxRetries: 0, requestTimeout: this.timeoutMs, backoff: NO_BACKOFF },
    });
    const origin = `${u.protocol}//${u.host}${basePath}`;
    this.writeUrl = `${origin}/write?db=${encodeURIComponent(opts.database)}&precision=ms`;
    this.authHeader = username !== undefined ? 'Basic ' + Buffer.from(`${username}:${password ?? ''}`).toString('base64') : undefined;
    const agentOptions = { keepAlive: true, maxSockets: 4 };
    this.agent = this.writeUrl.startsWith('https:') ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  async init(): Promise<void> {
    try {
      const names = await this.influx.getDatabaseNames();
      if (!names.includes(this.database)) await this.influx.createDatabase(this.database);
    } catch (err) {
      throw new Error(
        `InfluxDB v1 at ${this.url}: could not make sure database "${this.database}" exists: ${errorText(err)}. ` +
          'Check MAG_INFLUX_URL, MAG_INFLUX_USER/MAG_INFLUX_PASSWORD (creating a database needs an admin user), or create it yourself.',
      );
    }
  }

  async write(points: Point[]): Promise<void> {
    if (points.length === 0) return;
    await this.writeLines(toLineProtocol(points), points.length); // throws SinkRejectedError for a point line protocol cannot carry
  }

  async writeLines(body: string, count: number): Promise<void> {
    if (count === 0) return;
    let res: { status: number; text: string };
    try {
      res = await this.post(body);
    } catch (err) {
      throw new Error(`InfluxDB v1 write of ${count} points to ${this.url} failed: ${errorText(err)}; will be retried`, { cause: err });
    }
    if (res.status === 204 || res.status === 200) return;
    const detail = res.text.slice(0, 500).trim();
    if (res.status === 400 || /partial write|field type conflict/i.test(detail)) {
      throw new SinkRejectedError(`InfluxDB v1 refused the data (HTTP ${res.status}): ${detail}`, res.status);
    }
    if (res.status === 404 && /database not found/i.test(detail)) {
      // The database went away (dropped, or a fresh server): re-create it so the retry lands.
      await this.init().catch(() => undefined);
      throw new Error(`InfluxDB v1: database "${this.database}" was not found at ${this.url} (HTTP 404); tried to create it, the write will be retried`);
    }
    const hint = res.status === 401 || res.status === 403 ? " Check MAG_INFLUX_USER / MAG_INFLUX_PASSWORD and the user's WRITE privilege." : '';
    throw new Error(`InfluxDB v1 write of ${count} points to ${this.url} failed with HTTP ${res.status}: ${detail}; will be retried.${hint}`);
  }

  /**
   * POST of a write body over a kept-alive connection (node:http: the body string is written as
   * it is, where fetch first copied it into a stream). Rejects on a network error or when no
   * complete answer came within the timeout.
   */
  private post(body: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) };
      if (this.authHeader) headers.authorization = this.authHeader;
      const req = (this.writeUrl.startsWith('https:') ? httpsRequest : httpRequest)(this.writeUrl, { method: 'POST', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => {
          clearTimeout(deadline);
          reject(e);
        });
      });
      const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(deadline);
        reject(e);
      });
      req.end(body);
    });
  }

  async ping(): Promise<boolean> {
    try {
      const hosts = await this.influx.ping(Math.min(this.timeoutMs, 5_000));
      return hosts.some((h) => h.online);
    } catch {
      return false;
    }
  }

  async queryReadings(q: ReadingQuery): Promise<StoredReading[]> {
    if (!(q.limit > 0)) return [];
    const body = await this.influxql(readingsQuery(q));
    return pointsFromResponse(body, q.limit).map(toStoredReading);
  }

  async queryTransactions(q: TransactionQuery): Promise<StoredTransaction[]> {
    if (!(q.limit > 0)) return [];
    return pointsFromResponse(await this.influxql(transactionsQuery(q)), q.limit).map(toStoredTransaction);
  }

  /** Points of any measurement for one device, newest first (checks, transactions). */
  async queryPoints(measurement: Measurement, device: string, from: number | undefined, to: number | undefined, limit: number): Promise<Point[]> {
    if (!(limit > 0)) return [];
    return pointsFromResponse(await this.influxql(pointsQuery(measurement, device, from, to, limit)), limit);
  }

  private async influxql(query: string): Promise<InfluxQLResponse> {
    try {
      return (await this.influx.queryRaw(query, { database: this.database, precision: 'ms' })) as InfluxQLResponse;
    } catch (err) {
      throw new Error(`InfluxDB v1 query on ${this.url} failed: ${errorText(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.agent.destroy(); // kept-alive write connections
  }
}

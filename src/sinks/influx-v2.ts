// InfluxDB v2 write API adapter (kind `influxdb-v2`): InfluxDB 2.x, 3.x, Cloud and 1.8+.
//
// Writes go through `@influxdata/influxdb-client`'s transport directly (not its WriteApi):
// the WriteApi buffers lines, retries in the background and drops them after 3 minutes or
// 32k lines, while the gateway's journal owns durability. So one `write()` is exactly one
//   POST /api/v2/write?org=…&bucket=…&precision=ms
//   Authorization: Token …            (omitted when no token is configured)
//   Content-Type: text/plain; charset=utf-8
//   Content-Encoding: gzip            (when gzip is on and the body is over 1 KiB)
// with the whole batch as line protocol, which either succeeds (204) or throws:
// 400 and 422 are SinkRejectedError, anything else (401/403/404 configuration, 413, 429,
// 5xx, network, timeout) is a transient Error for the forwarder to retry.
//
// Reads use the InfluxQL compatibility endpoint `GET /query?db=<bucket>&epoch=ms`
// (same query and mapping as the v1 adapter), chosen over Flux because InfluxDB 3.x does
// not run Flux while 1.8, 2.x (2.4+ maps every bucket to a database of the same name),
// 3.x and Cloud all answer InfluxQL.

import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
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

export interface InfluxV2Options {
  /** Base URL, e.g. `http://127.0.0.1:8086` or `https://eu-central-1-1.aws.cloud2.influxdata.com`. */
  url: string;
  /** Organisation name (InfluxDB 2.x needs it; 1.8, 3.x and Cloud Serverless ignore it). */
  org?: string;
  /** Bucket (InfluxDB 3: database; 1.8: `database/retention-policy`). Also the `db` for InfluxQL reads. */
  bucket: string;
  /** API token, sent as `Authorization: Token …` (1.8: `username:password`). */
  token?: string;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Gzip request bodies over 1 KiB (default true). */
  gzip?: boolean;
}

export const DEFAULT_V2_TIMEOUT_MS = 10_000;
const GZIP_THRESHOLD_BYTES = 1024;

function errorText(err: unknown): string {
  if (err instanceof HttpError)
    return `HTTP ${err.statusCode}${err.body ? `: ${err.body.slice(0, 500).trim()}` : err.statusMessage ? ` ${err.statusMessage}` : ''}`;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.message || err.name}${code && !err.message.includes(String(code)) ? ` (${String(code)})` : ''}`;
  }
  return String(err);
}

export class InfluxV2Sink implements Sink {
  readonly kind = 'influxdb-v2';
  readonly url: string;
  readonly bucket: string;
  private readonly client: InfluxDB;
  private readonly writePath: string;
  private readonly gzipThreshold: number | undefined;

  constructor(opts: InfluxV2Options) {
    if (!opts.bucket) throw new Error('InfluxDB v2: a bucket is required (MAG_INFLUX_BUCKET)');
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new Error(`InfluxDB v2: MAG_INFLUX_URL ${JSON.stringify(opts.url)} is not a URL (expected e.g. http://127.0.0.1:8086)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new Error(`InfluxDB v2: MAG_INFLUX_URL must be http:// or https://, got ${u.protocol}`);
    }
    this.url = opts.url;
    this.bucket = opts.bucket;
    this.client = new InfluxDB({ url: opts.url.replace(/\/+$/, ''), token: opts.token || undefined, timeout: opts.timeoutMs ?? DEFAULT_V2_TIMEOUT_MS });
    const params = new URLSearchParams();
    if (opts.org) params.set('org', opts.org);
    params.set('bucket', opts.bucket);
    params.set('precision', 'ms');
    this.writePath = `/api/v2/write?${params.toString()}`;
    this.gzipThreshold = opts.gzip === false ? undefined : GZIP_THRESHOLD_BYTES;
  }

  async init(): Promise<void> {
    /* buckets are created by their owner: a v2 token usually may not create one */
  }

  async write(points: Point[]): Promise<void> {
    if (points.length === 0) return;
    await this.writeLines(toLineProtocol(points), points.length); // throws SinkRejectedError for a point line protocol cannot carry
  }

  async writeLines(body: string, count: number): Promise<void> {
    if (count === 0) return;
    try {
      await this.client.transport.request(this.writePath, body, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8', accept: 'application/json' },
        gzipThreshold: this.gzipThreshold,
      });
    } catch (err) {
      if (err instanceof HttpError && (err.statusCode === 400 || err.statusCode === 422)) {
        throw new SinkRejectedError(`InfluxDB v2 refused the data (${errorText(err)})`, err.statusCode);
      }
      const status = err instanceof HttpError ? err.statusCode : undefined;
      const hint =
        status === 401 || status === 403
          ? ' Check MAG_INFLUX_TOKEN and that it may write to the bucket.'
          : status === 404
            ? ' Check MAG_INFLUX_ORG and MAG_INFLUX_BUCKET (the bucket must exist).'
            : '';
      throw new Error(`InfluxDB v2 write of ${count} points to ${this.url} (bucket "${this.bucket}") failed: ${errorText(err)}; will be retried.${hint}`, {
        cause: err,
      });
    }
  }

  async ping(): Promise<boolean> {
    for (const path of ['/ping', '/health']) {
      try {
        await this.client.transport.request(path, '', { method: 'GET' });
        return true;
      } catch {
        /* try the next, then give up */
      }
    }
    return false;
  }

  async queryReadings(q: ReadingQuery): Promise<StoredReading[]> {
    if (!(q.limit > 0)) return [];
    return pointsFromResponse(await this.influxql(readingsQuery(q)), q.limit).map(toStoredReading);
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
    const params = new URLSearchParams({ db: this.bucket, epoch: 'ms', q: query });
    let body: unknown;
    try {
      body = await this.client.transport.request(`/query?${params.toString()}`, '', { method: 'GET', headers: { accept: 'application/json' } });
    } catch (err) {
      throw new Error(`InfluxDB v2 InfluxQL query on ${this.url} (db "${this.bucket}") failed: ${errorText(err)}`, { cause: err });
    }
    if (typeof body !== 'object' || body === null) {
      throw new Error(`InfluxDB v2 InfluxQL query on ${this.url} answered something other than JSON: ${String(body).slice(0, 200)}`);
    }
    return body as InfluxQLResponse;
  }

  async close(): Promise<void> {
    /* plain HTTP requests: nothing held open */
  }
}

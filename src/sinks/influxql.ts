// InfluxQL read-back shared by the v1 adapter (InfluxDB 1.x `/query`) and the v2 adapter
// (the InfluxQL compatibility `/query` of InfluxDB 1.8+, 2.x, 3.x and Cloud).
//
// Queries use `GROUP BY *` so that each series comes back with its tags separated from its
// fields (a plain `SELECT *` mixes both into columns, with nulls for tags other series
// have). LIMIT then applies per series, so the newest `limit` of every series are fetched,
// merged newest first and cut to `limit` overall — the same rows as one global LIMIT.

import type { Measurement, Point, ReadingQuery, StoredReading, StoredTransaction, TransactionQuery } from './sink.ts';

/** An InfluxQL string literal: single-quoted, `\` and `'` backslash-escaped. */
export function influxqlString(s: string): string {
  return "'" + s.replace(/[\\']/g, '\\$&').replace(/\n/g, '\\n') + "'";
}

/** An InfluxQL identifier: double-quoted, `\` and `"` backslash-escaped. */
export function influxqlIdentifier(s: string): string {
  return '"' + s.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n') + '"';
}

// InfluxDB stores times between 1677-09-21 and 2262-04-11 (int64 nanoseconds).
const MIN_MS = -9_223_372_036_854;
const MAX_MS = 9_223_372_036_854;
function timeLiteral(ms: number): string {
  return influxqlString(new Date(Math.min(MAX_MS, Math.max(MIN_MS, Math.trunc(ms)))).toISOString());
}

/** The newest `limit` points of one measurement and device, within [from, to] (epoch ms). */
export function pointsQuery(
  measurement: Measurement,
  device: string,
  from: number | undefined,
  to: number | undefined,
  limit: number,
  tags: Record<string, string> = {},
): string {
  const where = [`"device" = ${influxqlString(device)}`];
  for (const [k, v] of Object.entries(tags)) where.push(`${influxqlIdentifier(k)} = ${influxqlString(v)}`);
  if (from !== undefined && !Number.isNaN(from)) where.push(`time >= ${timeLiteral(from)}`);
  if (to !== undefined && !Number.isNaN(to)) where.push(`time <= ${timeLiteral(to)}`);
  return `SELECT * FROM ${influxqlIdentifier(measurement)} WHERE ${where.join(' AND ')} GROUP BY * ORDER BY time DESC LIMIT ${Math.floor(limit)}`;
}

/** The query behind `Sink.queryReadings`. */
export function readingsQuery(q: ReadingQuery): string {
  return pointsQuery('reading', q.device, q.from, q.to, q.limit, q.gas === undefined ? {} : { gas: q.gas });
}

/** The query behind `Sink.queryTransactions`. */
export function transactionsQuery(q: TransactionQuery): string {
  return pointsQuery('transaction', q.device, q.from, q.to, q.limit, q.nozzle === undefined ? {} : { nozzle: q.nozzle });
}

/** The JSON body of InfluxDB's `/query` (with `epoch=ms`). */
export interface InfluxQLResponse {
  results?: { statement_id?: number; error?: string; series?: InfluxQLSeries[] }[];
  error?: string;
}

export interface InfluxQLSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Points of a `pointsQuery` answer, newest first, at most `limit`. Throws on an InfluxQL error. */
export function pointsFromResponse(body: InfluxQLResponse, limit: number): Point[] {
  if (body.error) throw new Error(`InfluxQL query failed: ${body.error}`);
  const result = body.results?.[0];
  if (result?.error) throw new Error(`InfluxQL query failed: ${result.error}`);
  const points: Point[] = [];
  for (const s of result?.series ?? []) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.tags ?? {})) if (v !== '') tags[k] = v;
    const timeIndex = s.columns.indexOf('time');
    for (const row of s.values) {
      const fields: Record<string, number | string | boolean> = {};
      for (let i = 0; i < s.columns.length; i++) {
        if (i === timeIndex) continue;
        const v = row[i];
        if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') fields[s.columns[i]] = v;
      }
      const t = row[timeIndex];
      const ts = typeof t === 'number' ? t : Date.parse(String(t));
      points.push({ measurement: s.name as Measurement, tags: { ...tags }, fields, ts });
    }
  }
  points.sort((a, b) => b.ts - a.ts);
  return points.slice(0, Math.max(0, limit));
}

const READING_KEY_TAGS = new Set(['tenant', 'device', 'type', 'quantity']);

/** A `reading` point as the API shows it; `tags` are the tags other than tenant/device/type/quantity. */
export function toStoredReading(p: Point): StoredReading {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.tags)) if (!READING_KEY_TAGS.has(k)) tags[k] = v;
  const value = Number(p.fields.value);
  return {
    ts: new Date(p.ts).toISOString(),
    seq: Number(p.fields.seq),
    quantity: p.tags.quantity ?? '',
    value,
    raw: p.fields.raw === undefined ? value : Number(p.fields.raw),
    status: p.fields.status === undefined ? '' : String(p.fields.status),
    tags,
  };
}

/** A `transaction` point as the API shows it: its tags nozzle and product, its fields, nothing computed. */
export function toStoredTransaction(p: Point): StoredTransaction {
  const f = p.fields;
  return {
    ts: new Date(p.ts).toISOString(),
    seq: Number(f.seq),
    nozzle: p.tags.nozzle ?? '',
    product: p.tags.product ?? '',
    volume: Number(f.volume),
    unitPrice: Number(f.unitPrice),
    amount: Number(f.amount),
    totalizerStart: Number(f.totalizerStart),
    totalizerEnd: Number(f.totalizerEnd),
  };
}

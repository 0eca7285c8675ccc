// Embedded time-series store (kind `embedded`): SQLite via better-sqlite3, in WAL mode,
// used when no InfluxDB is configured. The gateway gives it `${MAG_DATA_DIR}/timeseries.db`.
//
// One row per point, keyed like an InfluxDB point: (measurement, device, ts, series), where
// `series` is the point's other tags in key order. A replayed point (same measurement,
// device, series and ts) lands on the same row, and its fields are merged into the stored
// ones (`json_patch`), which is exactly what InfluxDB does, so replays never duplicate.
// The primary key's order (measurement, device, ts) is also the index every query walks:
// one device's points newest first, within a time range, without a sort.
// Every `write()` is one transaction with `synchronous = FULL`: once it returns, the
// points are on disk and the journal may forget them.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { toStoredReading, toStoredTransaction } from './influxql.ts';
import { parseLines } from './line-protocol-parse.ts';
import {
  MEASUREMENTS,
  SinkRejectedError,
  type Measurement,
  type Point,
  type ReadingQuery,
  type Sink,
  type StoredReading,
  type StoredTransaction,
  type TransactionQuery,
} from './sink.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS points (
  measurement TEXT NOT NULL,
  device      TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  series      TEXT NOT NULL,  -- JSON array of [key, value] of the tags other than device, by key
  fields      TEXT NOT NULL,  -- JSON object
  PRIMARY KEY (measurement, device, ts, series)
) WITHOUT ROWID;
`;

const UPSERT_SQL = `
INSERT INTO points (measurement, device, ts, series, fields) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (measurement, device, ts, series) DO UPDATE SET fields = json_patch(points.fields, excluded.fields)`;

/** The query behind queryReadings/queryPoints (exported so a test can check its plan). */
export const POINTS_QUERY_SQL = `
SELECT ts, series, fields FROM points
WHERE measurement = ? AND device = ? AND ts >= ? AND ts <= ?
ORDER BY ts DESC, series
LIMIT ?`;

/** POINTS_QUERY_SQL for the points with one tag's value (`series` holds the tags as [key, value] pairs). */
export const POINTS_WITH_TAG_SQL = `
SELECT ts, series, fields FROM points
WHERE measurement = ? AND device = ? AND ts >= ? AND ts <= ?
  AND EXISTS (SELECT 1 FROM json_each(points.series) WHERE json_extract(value, '$[0]') = ? AND json_extract(value, '$[1]') = ?)
ORDER BY ts DESC, series
LIMIT ?`;

interface Row {
  ts: number;
  series: string;
  fields: string;
}

function describe(p: Point, index: number): string {
  return `point ${index} (${String(p.measurement)}${p.tags?.device ? ` device=${p.tags.device}` : ''} ts=${String(p.ts)})`;
}

export class EmbeddedSink implements Sink {
  readonly kind = 'embedded';
  readonly path: string;
  private db: Database.Database | undefined;
  private upsert: Database.Statement | undefined;
  private select: Database.Statement<unknown[], Row> | undefined;
  private selectWithTag: Database.Statement<unknown[], Row> | undefined;
  private writeAll: ((rows: unknown[][]) => void) | undefined;

  /** `path`: the SQLite file, created with its directory if missing. */
  constructor(path: string) {
    this.path = path;
  }

  private open(): Database.Database {
    if (this.db) return this.db;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const db = new Database(this.path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      this.upsert = db.prepare(UPSERT_SQL);
      this.select = db.prepare<unknown[], Row>(POINTS_QUERY_SQL);
      const upsert = this.upsert;
      this.writeAll = db.transaction((rows: unknown[][]) => {
        for (const r of rows) upsert.run(r);
      });
      this.db = db;
      return db;
    } catch (err) {
      throw new Error(`embedded time-series store: cannot open ${this.path}: ${(err as Error).message}. Check MAG_DATA_DIR exists and is writable.`, {
        cause: err,
      });
    }
  }

  async init(): Promise<void> {
    this.open();
  }

  async write(points: Point[]): Promise<void> {
    if (points.length === 0) return;
    const rows = points.map((p, i) => this.toRow(p, i)); // validate the whole batch before touching the file
    this.open();
    this.writeAll!(rows);
  }

  /** Line protocol from the journal, parsed back into points (a line it cannot parse is refused like a bad point). */
  async writeLines(lines: string, count: number): Promise<void> {
    if (count === 0) return;
    let points: Point[];
    try {
      points = parseLines(lines);
    } catch (e) {
      throw new SinkRejectedError(`line protocol the embedded store cannot read: ${(e as Error).message}`);
    }
    await this.write(points);
  }

  private toRow(p: Point, index: number): unknown[] {
    if (!MEASUREMENTS.has(p.measurement)) {
      throw new SinkRejectedError(`${describe(p, index)}: unknown measurement`);
    }
    if (!Number.isSafeInteger(p.ts)) throw new SinkRejectedError(`${describe(p, index)}: ts must be an integer of epoch milliseconds`);
    const series: [string, string][] = [];
    for (const k of Object.keys(p.tags ?? {}).sort()) {
      const v = p.tags[k];
      if (k === 'device' || k === '' || v === undefined || v === null || v === '') continue;
      series.push([k, String(v)]);
    }
    const fields: Record<string, number | string | boolean> = {};
    let n = 0;
    for (const [k, v] of Object.entries(p.fields ?? {})) {
      if (v === undefined) continue;
      if (typeof v === 'number' && !Number.isFinite(v)) throw new SinkRejectedError(`${describe(p, index)}: field "${k}" is ${v}`);
      if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
        throw new SinkRejectedError(`${describe(p, index)}: field "${k}" has unsupported type ${v === null ? 'null' : typeof v}`);
      }
      fields[k] = v;
      n++;
    }
    if (n === 0) throw new SinkRejectedError(`${describe(p, index)}: a point needs at least one field`);
    return [p.measurement, p.tags?.device ?? '', p.ts, JSON.stringify(series), JSON.stringify(fields)];
  }

  async ping(): Promise<boolean> {
    try {
      this.open().prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async queryReadings(q: ReadingQuery): Promise<StoredReading[]> {
    return (await this.queryPoints('reading', q.device, q.from, q.to, q.limit, q.gas === undefined ? undefined : ['gas', q.gas])).map(toStoredReading);
  }

  async queryTransactions(q: TransactionQuery): Promise<StoredTransaction[]> {
    return (await this.queryPoints('transaction', q.device, q.from, q.to, q.limit, q.nozzle === undefined ? undefined : ['nozzle', q.nozzle])).map(
      toStoredTransaction,
    );
  }

  /** Points of one measurement and device within [from, to] (epoch ms, inclusive), newest first. */
  async queryPoints(
    measurement: Measurement,
    device: string,
    from: number | undefined,
    to: number | undefined,
    limit: number,
    tag?: [key: string, value: string],
  ): Promise<Point[]> {
    if (!(limit > 0)) return [];
    const db = this.open();
    const lo = from === undefined || Number.isNaN(from) ? Number.MIN_SAFE_INTEGER : Math.max(Number.MIN_SAFE_INTEGER, Math.ceil(from));
    const hi = to === undefined || Number.isNaN(to) ? Number.MAX_SAFE_INTEGER : Math.min(Number.MAX_SAFE_INTEGER, Math.floor(to));
    const rows = tag
      ? (this.selectWithTag ??= db.prepare<unknown[], Row>(POINTS_WITH_TAG_SQL)).all(measurement, device, lo, hi, tag[0], tag[1], Math.floor(limit))
      : this.select!.all(measurement, device, lo, hi, Math.floor(limit));
    return rows.map((r) => {
      const tags: Record<string, string> = Object.fromEntries(JSON.parse(r.series) as [string, string][]);
      tags.device = device;
      return { measurement, tags, fields: JSON.parse(r.fields) as Point['fields'], ts: r.ts };
    });
  }

  async close(): Promise<void> {
    if (!this.db) return;
    this.db.close();
    this.db = undefined;
    this.upsert = undefined;
    this.select = undefined;
    this.selectWithTag = undefined;
    this.writeAll = undefined;
  }
}

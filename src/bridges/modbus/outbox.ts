// The bridge's durable buffer: every reading taken is written here, with its seq, before it is
// published, and stays until MAG acknowledges it (QoS 1 PUBACK, sent once MAG has it in its own
// journal). Readings taken while MAG is unreachable wait here; the seq counter lives here too, so
// it survives restarts of the bridge. One SQLite file in the bridge's data dir.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Reading {
  quantity: string;
  value: number;
  unit: string;
  [field: string]: string | number | boolean;
}

export interface BufferedReading {
  seq: number;
  payload: string;
}

/** Readings taken less than this far apart (or out of order by less) get distinct times, see take(). */
const SAME_INSTANT_MS = 1000;

export class Outbox {
  private readonly db: Database.Database;
  private lastSeq: number;
  private lastTs: number;
  private count: number;
  private readonly insert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly saveMeta: Database.Statement;
  private readonly selectAfter: Database.Statement;

  /** Opens (or creates) `<dir>/outbox.sqlite`; refuses a buffer that belongs to another device. */
  constructor(
    dir: string,
    deviceId: string,
    private readonly maxReadings: number,
  ) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'outbox.sqlite');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // A reading is taken once; losing it to a power cut would be a gap nobody can fill.
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL);
    `);
    const meta = new Map((this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    const owner = meta.get('device');
    if (owner !== undefined && owner !== deviceId) {
      this.db.close();
      throw new Error(`the buffer ${file} holds readings of device "${owner}", not "${deviceId}": give this mapping its own dataDir`);
    }
    if (owner === undefined) this.db.prepare("INSERT INTO meta (key, value) VALUES ('device', ?)").run(deviceId);
    this.lastSeq = Number(meta.get('lastSeq') ?? 0);
    this.lastTs = Number(meta.get('lastTs') ?? 0);
    this.count = (this.db.prepare('SELECT count(*) AS n FROM pending').get() as { n: number }).n;
    this.insert = this.db.prepare('INSERT INTO pending (seq, payload) VALUES (?, ?)');
    this.remove = this.db.prepare('DELETE FROM pending WHERE seq = ?');
    this.saveMeta = this.db.prepare(
      "INSERT INTO meta (key, value) VALUES ('lastSeq', ?), ('lastTs', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    this.selectAfter = this.db.prepare('SELECT seq, payload FROM pending WHERE seq > ? ORDER BY seq LIMIT ?');
  }

  /** Readings waiting for MAG's acknowledgement. */
  get size(): number {
    return this.count;
  }

  /** The seq given to the latest reading taken (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Gives the reading the next seq and its time, and stores it durably; returns the seq, or undefined
   * when the buffer is full (the reading is not taken). MAG keys a stored point by device, series and
   * time, so two readings of one device in the same millisecond would overwrite each other: a reading
   * taken at or before the previous one's time, by less than a second, is placed 1 ms after it. A
   * clock stepped back further keeps its own time.
   */
  take(reading: Reading, at: number): number | undefined {
    if (this.count >= this.maxReadings) return undefined;
    const ts = at <= this.lastTs && this.lastTs - at < SAME_INSTANT_MS ? this.lastTs + 1 : at;
    const seq = this.lastSeq + 1;
    const payload = JSON.stringify({ seq, ts: new Date(ts).toISOString(), ...reading });
    this.db.transaction(() => {
      this.insert.run(seq, payload);
      this.saveMeta.run(String(seq), String(ts));
    })();
    this.lastSeq = seq;
    this.lastTs = ts;
    this.count++;
    return seq;
  }

  /** Buffered readings with a seq above `seq`, oldest first. */
  after(seq: number, limit: number): BufferedReading[] {
    return this.selectAfter.all(seq, limit) as BufferedReading[];
  }

  /** MAG has it: forget it. */
  acknowledge(seq: number): void {
    if (this.remove.run(seq).changes > 0) this.count--;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

// Over 400 lines: the group commit, its off-loop WAL sync and the delivery cursor share one
// connection and one set of counters; split, the ordering between them would be harder to see.
// The ingest journal: accepted points are committed here, durably, before a QoS 1 PUBACK.
// Appends are group-committed (one SQLite transaction per few milliseconds). Delivered
// entries are deleted, so the rows left are exactly the backlog.
//
// Durability without blocking the event loop: the connection runs `synchronous=NORMAL` (a commit
// is written to the write-ahead log without waiting for the disk) and a commit holding a durable
// append is followed by an fdatasync of that log on libuv's thread pool; its appends are called
// back (their PUBACKs go) only once it has returned. That is what `synchronous=FULL` does in WAL
// mode (sync the log after each commit), done off the event loop: the devices' next messages are
// parsed while the disk works (an fdatasync took 1.6 ms at the median here, 5.7 ms at p90, and
// blocked the broker for all of it); what arrives meanwhile shares the next commit and sync.
//
// A row holds its points as InfluxDB line protocol (ms timestamps), rendered once when the
// message is accepted: the journal holds exactly what the sink will be sent, so draining it
// is reading text and posting it, with no parsing and no re-serialising (the embedded sink
// parses the lines it stores). A point that line protocol cannot carry is refused at append,
// where the device can still be told, instead of being dead-lettered later.
//
// Over 400 lines on purpose: the group commit, the durability rule per commit, the cap and
// back-pressure, the cursor the forwarder reads and the conversion of older journals share one
// SQLite connection and its prepared statements; split, their invariants would span files.
import Database from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Point } from '../sinks/sink.ts';
import { toLineProtocol } from '../sinks/line-protocol.ts';
import { parseLines } from '../sinks/line-protocol-parse.ts';

/** One journal row: line protocol for `count` points (`\n`-separated, ms timestamps). */
export interface JournalEntry {
  id: number;
  receivedAt: number;
  count: number;
  lines: string;
}

/** Called once an append is durable (no error) or refused. */
export type AppendDone = (err: Error | null) => void;

export class JournalFullError extends Error {
  constructor(
    readonly bytes: number,
    readonly cap: number,
  ) {
    super(`journal full: ${bytes} of ${cap} bytes (MAG_JOURNAL_MAX_BYTES); refusing new messages until the sink drains it`);
    this.name = 'JournalFullError';
  }
}

export interface JournalOptions {
  dir: string;
  /**
   * `full`: a durable append (appendLines' `durable`, the default) is called back once the
   * write-ahead log holding its commit is on the disk (fdatasync), so it survives a power loss;
   * appends that are not durable do not wait for it. `normal`: nothing waits for the disk; all
   * survive a crash of the process.
   */
  sync: 'full' | 'normal';
  maxBytes: number;
  /** Group-commit window in ms (0: commit on the next tick). */
  commitMs: number;
  /**
   * Back-pressure before the cap: above this fraction of `maxBytes` each acknowledgement is
   * held back after its commit, longer as the journal fills (default 0.9).
   */
  slowAt?: number;
  /** The hold at 100 % of the cap, ms (default 200); it grows linearly from 0 at `slowAt`. */
  slowMaxDelayMs?: number;
  /**
   * Runs the callbacks of one commit's appends (given as `callBack`): the gateway runs them in
   * one state-database transaction, so that the checks, totalizers and alerts they write share
   * one commit instead of one each. Without it they are simply called.
   */
  callBackWithin?: (callBack: () => void) => void;
}

/** Appends that trigger a commit without waiting for the group-commit window (`commitMs`). */
const COMMIT_AT_APPENDS = 4000;
/** Free pages (4 KiB each) beyond which delivered entries' space is returned to the file system. */
const RECLAIM_MIN_FREE_PAGES = 256;
/** The write-ahead log is truncated to this after a checkpoint (SQLite grows it for big transactions). */
const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

interface Pending {
  receivedAt: number;
  /** Line protocol of the append's points. */
  lines: string;
  count: number;
  done: AppendDone;
}

/**
 * One commit writes its appends as rows of up to this many points each (not one row per
 * message): fewer INSERTs per commit, fewer rows to read and delete when they are delivered.
 */
const MAX_POINTS_PER_ROW = 500;
/**
 * Bytes of the newest undelivered rows kept in memory, so that the forwarder does not read back
 * from SQLite what it has just committed (the common case: the sink keeps up). Beyond this,
 * rows are read from SQLite.
 */
const MAX_CACHED_BYTES = 8 * 1024 * 1024;

/** A row committed by this process and not yet released. */
interface TailRow {
  id: number;
  receivedAt: number;
  count: number;
  bytes: number;
  /** The row's lines, while within MAX_CACHED_BYTES; else read from SQLite. */
  lines: string | undefined;
}

/** A point of an older journal (JSON rows) that line protocol cannot carry, found when converting it at open. */
export interface UnrenderablePoint {
  point: Point;
  reason: string;
}

export class Journal {
  readonly db: Database.Database;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private insert: Database.Statement;
  private deleteUpto: Database.Statement;
  /** One commit's rows in one transaction; their row ids. */
  private insertRows: (rows: RowDraft[]) => number[];
  private readRows: Database.Statement | undefined;
  private bytes = 0;
  private points = 0;
  private pendingBytes = 0;
  private closed = false;
  private commitQueued = false;
  /** A pending append must survive a power loss (see appendLines' `durable`). */
  private pendingDurable = false;
  /** Committed batches whose appends wait for the next fdatasync of the write-ahead log, oldest first. */
  private unsynced: Pending[][] = [];
  /** The batches the fdatasync in flight covers (undefined: none in flight, or close() took them over). */
  private syncing: Pending[][] | undefined;
  private syncInFlight = false;
  /** The group commit came while a sync was in flight: it is made when the sync returns. */
  private commitAfterSync = false;
  /** The write-ahead log (`journal.db-wal`), opened to be synced. */
  private walFd: number | undefined;
  private listeners = new Set<() => void>();
  /** Rows committed by this process, not yet released, oldest first. */
  private tail: TailRow[] = [];
  private tailHead = 0;
  private cachedBytes = 0;
  /** Highest row id found at open: rows up to it were written by an earlier process. */
  private readonly bootMaxId: number;
  /** Rows up to this id are released. */
  private releasedUpto = 0;
  /** Totals since start, for /metrics. */
  readonly totals = { appendedPoints: 0, commits: 0, syncedCommits: 0, walSyncs: 0, refused: 0, slowedAcks: 0, reclaims: 0 };
  /**
   * Points of a journal written by an earlier version (JSON rows) that could not be converted to
   * line protocol at open; the gateway moves them to the dead-letter store. Empty otherwise.
   */
  readonly unrenderable: UnrenderablePoint[] = [];

  constructor(private readonly opts: JournalOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.db = new Database(join(opts.dir, 'journal.db'));
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    // Also with sync 'full': a durable commit's log is synced by syncWal, off the event loop.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS batches (
      id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, count INTEGER NOT NULL, lines TEXT NOT NULL
    )`);
    this.insert = this.db.prepare('INSERT INTO batches (received_at, count, lines) VALUES (?, ?, ?)');
    this.deleteUpto = this.db.prepare('DELETE FROM batches WHERE id <= ?');
    // made once (better-sqlite3 builds the wrapper and its variants at each transaction() call)
    this.insertRows = this.db.transaction((rows: RowDraft[]) => rows.map((r) => Number(this.insert.run(r.receivedAt, r.count, r.lines).lastInsertRowid)));
    this.convertJsonRows();
    const agg = this.db.prepare('SELECT COALESCE(SUM(length(lines)), 0) AS b, COALESCE(SUM(count), 0) AS n FROM batches').get() as { b: number; n: number };
    this.bytes = agg.b;
    this.points = agg.n;
    this.bootMaxId = (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM batches').get() as { m: number }).m;
    // Another connection (an online backup: deploy/backup-sqlite.cjs) may hold a lock for a
    // while; a commit or checkpoint waits for it instead of failing.
    this.db.pragma('busy_timeout = 10000');
  }

  /**
   * A journal left by an earlier version holds `entries` rows of JSON points: they are
   * rewritten as line-protocol rows, in order, in one transaction, before anything is read.
   */
  private convertJsonRows(): void {
    const old = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'entries'").get();
    if (!old) return;
    const rows = this.db.prepare('SELECT received_at, points FROM entries ORDER BY id').all() as { received_at: number; points: string }[];
    this.db.transaction(() => {
      for (const r of rows) {
        const lines: string[] = [];
        for (const p of JSON.parse(r.points) as Point[]) {
          try {
            lines.push(toLineProtocol([p]));
          } catch (e) {
            this.unrenderable.push({ point: p, reason: (e as Error).message });
          }
        }
        if (lines.length > 0) this.insert.run(r.received_at, lines.length, lines.join('\n'));
      }
      this.db.exec('DROP TABLE entries');
    })();
  }

  /** Bytes of undelivered points (committed and pending). */
  get backlogBytes(): number {
    return this.bytes + this.pendingBytes;
  }
  /** Appends waiting for their commit. */
  get uncommitted(): number {
    return this.pending.length;
  }
  get backlogPoints(): number {
    return this.points;
  }
  get capacity(): number {
    return this.opts.maxBytes;
  }
  /** Fraction of the size cap in use, 0..1+. */
  get fill(): number {
    return this.backlogBytes / this.opts.maxBytes;
  }

  oldestReceivedAt(): number | undefined {
    const r = this.db.prepare('SELECT received_at FROM batches ORDER BY id LIMIT 1').get() as { received_at: number } | undefined;
    return r?.received_at;
  }

  /**
   * Resolves once the points are durably committed. Rejects with JournalFullError at the cap,
   * and with SinkRejectedError for a point line protocol cannot carry (nothing is appended then).
   */
  append(points: Point[], receivedAt: number): Promise<void> {
    let lines: string;
    try {
      lines = toLineProtocol(points);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return new Promise<void>((resolve, reject) => this.appendLines(lines, points.length, receivedAt, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * The hot path's append: `lines` is line protocol for `count` points (from `pointToLine`,
   * `\n`-separated). `done` is called once they are durable, or with the refusal (JournalFullError
   * at the cap, or the journal closed): synchronously for a refusal, never before the commit otherwise.
   *
   * `durable` (default): with `sync: 'full'`, the commit that holds the append waits for its fsync,
   * so the points survive a power loss. `false` is for what acknowledges nothing (a QoS 0 reading:
   * at most once): its commit is written to the operating system without waiting for the disk, so
   * it survives a crash of the gateway, and reaches the disk with the next durable commit (which
   * syncs everything before it) or checkpoint. Under a QoS 0 flood those fsync waits were ~13 % of
   * the gateway's time.
   */
  appendLines(lines: string, count: number, receivedAt: number, done: AppendDone, durable = true): void {
    if (this.closed) return done(new Error('journal closed: the gateway is shutting down'));
    if (this.bytes + this.pendingBytes + lines.length > this.opts.maxBytes) {
      this.totals.refused++;
      return done(new JournalFullError(this.bytes + this.pendingBytes, this.opts.maxBytes));
    }
    if (count === 0) return done(null);
    this.pendingBytes += lines.length;
    if (durable) this.pendingDurable = true;
    this.pending.push({ receivedAt, lines, count, done });
    if (this.pending.length === COMMIT_AT_APPENDS && !this.commitQueued) {
      // Enough for a commit now, without waiting for the timer: right after the current callback
      // (one socket's batch), not after the whole event-loop turn, which under load reads every
      // socket first. Appends held through a turn of tens of thousands of messages outlived V8's
      // young generation, and copying and promoting them cost a third of the CPU.
      this.commitQueued = true;
      process.nextTick(() => {
        this.commitQueued = false;
        if (this.pending.length > 0 && !this.closed) {
          if (this.timer) this.clearTimer(this.timer);
          this.commitPending(false);
        }
      });
    }
    if (!this.timer) {
      this.timer =
        this.opts.commitMs > 0
          ? setTimeout(() => this.commitPending(false), this.opts.commitMs)
          : (setImmediate(() => this.commitPending(false)) as unknown as NodeJS.Timeout);
    }
  }

  private clearTimer(t: NodeJS.Timeout): void {
    if (this.opts.commitMs > 0) clearTimeout(t);
    else clearImmediate(t as unknown as NodeJS.Immediate);
    this.timer = undefined;
  }

  /**
   * Commits every pending append now and waits for the disk here (a shutdown, a test): once it
   * returns, every append made before it is durable and has been called back.
   */
  commit(): void {
    this.commitPending(true);
  }

  /**
   * The group commit (`inline` false: the commit timer's) writes the pending appends in one
   * transaction; a durable one's appends are called back after syncWal, or at once with `inline`.
   */
  private commitPending(inline: boolean): void {
    this.timer = undefined;
    if (!inline && this.syncInFlight && this.pendingDurable && this.opts.sync === 'full') {
      // Committed when that sync returns, with what arrives meanwhile: one commit per sync, as
      // when the sync blocked (a commit per window while syncs queued cost more CPU per message).
      this.commitAfterSync = true;
      return;
    }
    const batch = this.pending;
    if (batch.length > 0) {
      this.pending = [];
      const durable = this.takeDurable();
      const draft = draftRows(batch);
      let ids: number[];
      try {
        ids = this.insertRows(draft.rows);
      } catch (e) {
        this.failed(batch, e as Error);
        return;
      }
      this.recorded(draft, ids);
      if (durable) this.unsynced.push(batch);
      else this.acknowledge(batch);
    }
    if (inline) this.syncWalNow();
    else this.syncWal();
  }

  /** Whether the commit of the pending appends must reach the disk (a durable one, with `sync: 'full'`), counted; resets it. */
  private takeDurable(): boolean {
    const full = this.pendingDurable && this.opts.sync === 'full';
    this.pendingDurable = false;
    if (full) this.totals.syncedCommits++;
    return full;
  }

  private failed(batch: Pending[], e: Error): void {
    for (const p of batch) this.pendingBytes -= p.lines.length;
    const err = new Error(`journal commit failed: ${e.message}`);
    for (const p of batch) p.done(err);
  }

  /** The committed rows: in the tail the forwarder reads, counted in the backlog. */
  private recorded(draft: RowDraftSet, ids: number[]): void {
    let bytes = 0;
    let count = 0;
    for (let i = 0; i < draft.rows.length; i++) {
      const r = draft.rows[i];
      const row: TailRow = { id: ids[i], receivedAt: r.receivedAt, count: r.count, bytes: r.lines.length, lines: r.lines };
      if (this.cachedBytes + row.bytes <= MAX_CACHED_BYTES) this.cachedBytes += row.bytes;
      else row.lines = undefined;
      this.tail.push(row);
      bytes += row.bytes;
      count += r.count;
    }
    this.pendingBytes -= draft.pendingBytes;
    this.bytes += bytes;
    this.points += count;
    this.totals.appendedPoints += count;
    this.totals.commits++;
    // The forwarder may send rows before their fdatasync: a power loss would lose their
    // acknowledgement, not them, and the device's resend overwrites the same points.
    for (const l of this.listeners) l();
  }

  /** Calls back a batch's appends (their commit is on the disk, or need not be), held back near the cap. */
  private acknowledge(batch: Pending[]): void {
    const hold = this.ackDelayMs();
    if (hold > 0) {
      // Durable already; only the acknowledgement waits, so devices with a bounded window slow down.
      this.totals.slowedAcks += batch.length;
      setTimeout(() => this.callBack(batch), hold);
    } else {
      this.callBack(batch);
    }
  }

  private callBack(batch: Pending[]): void {
    const within = this.opts.callBackWithin;
    if (within && batch.length > 1) {
      within(() => {
        for (const p of batch) p.done(null);
      });
    } else {
      for (const p of batch) p.done(null);
    }
  }

  /**
   * Syncs the write-ahead log on the thread pool for the batches committed since the last sync
   * began, then calls them back; one sync at a time (commits made meanwhile share the next).
   * A failed sync refuses them: no PUBACK, the devices send them again (their rows are
   * delivered anyway, and the resend overwrites the same points).
   */
  private syncWal(): void {
    if (this.syncInFlight || this.unsynced.length === 0) return;
    const batches = this.unsynced;
    this.unsynced = [];
    let fd: number;
    try {
      fd = this.walFile();
    } catch (e) {
      this.refuseUnsynced(batches, e as Error);
      return;
    }
    this.syncing = batches;
    this.syncInFlight = true;
    this.totals.walSyncs++;
    fdatasync(fd, (err) => {
      this.syncInFlight = false;
      if (this.syncing === batches) {
        this.syncing = undefined;
        if (err) this.refuseUnsynced(batches, err);
        else for (const b of batches) this.acknowledge(b);
      }
      if (this.closed) return this.closeWalFile();
      if (this.commitAfterSync) {
        this.commitAfterSync = false;
        if (this.pending.length > 0) {
          if (this.timer) this.clearTimer(this.timer);
          return this.commitPending(false);
        }
      }
      this.syncWal();
    });
  }

  /** Syncs the write-ahead log here, for every batch waiting (the sync in flight's too), and calls them back. */
  private syncWalNow(): void {
    const batches = this.syncing ? [...this.syncing, ...this.unsynced] : this.unsynced;
    if (batches.length === 0) return;
    this.syncing = undefined;
    this.unsynced = [];
    try {
      this.totals.walSyncs++;
      fdatasyncSync(this.walFile());
    } catch (e) {
      this.refuseUnsynced(batches, e as Error);
      return;
    }
    for (const b of batches) this.acknowledge(b);
  }

  private refuseUnsynced(batches: Pending[][], e: Error): void {
    const err = new Error(`journal sync failed: ${e.message}`);
    for (const b of batches) for (const p of b) p.done(err);
  }

  /**
   * The write-ahead log's descriptor, opened once: SQLite creates `journal.db-wal` when the
   * connection opens it in WAL mode and deletes it only when the last connection closes (this
   * one, at close()), so the file stays the same while the journal is open; checkpoints rewind
   * or truncate it in place.
   */
  private walFile(): number {
    if (this.walFd === undefined) this.walFd = openSync(join(this.opts.dir, 'journal.db-wal'), 'r');
    return this.walFd;
  }

  private closeWalFile(): void {
    if (this.walFd === undefined) return;
    closeSync(this.walFd);
    this.walFd = undefined;
  }

  /** How long acknowledgements are held back at the current fill (0 below `slowAt`). */
  ackDelayMs(): number {
    const slowAt = this.opts.slowAt ?? 0.9;
    const fill = this.fill;
    if (fill <= slowAt) return 0;
    return Math.round(Math.min(1, (fill - slowAt) / (1 - slowAt)) * (this.opts.slowMaxDelayMs ?? 200));
  }

  /** Called after each commit (the forwarder wakes up). */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Up to `maxPoints` points (at least one row) after `afterId`, oldest first. */
  read(afterId: number, maxPoints: number): JournalEntry[] {
    const out: JournalEntry[] = [];
    let n = 0;
    if (afterId >= this.bootMaxId) {
      // Every row after `afterId` is one this process committed: serve the cached ones from memory.
      for (let i = this.tailHead; i < this.tail.length && n < maxPoints; i++) {
        const r = this.tail[i];
        if (r.id <= afterId) continue;
        if (r.lines === undefined) break; // not cached: the rest from SQLite
        if (n > 0 && n + r.count > maxPoints) return out;
        out.push({ id: r.id, receivedAt: r.receivedAt, count: r.count, lines: r.lines });
        n += r.count;
        afterId = r.id;
      }
      if (n >= maxPoints) return out;
    }
    const stmt = (this.readRows ??= this.db.prepare('SELECT id, received_at, count, lines FROM batches WHERE id > ? ORDER BY id LIMIT 1000'));
    let cursor = afterId;
    while (n < maxPoints) {
      const rows = stmt.all(cursor) as { id: number; received_at: number; count: number; lines: string }[];
      if (rows.length === 0) break;
      for (const r of rows) {
        if (n > 0 && n + r.count > maxPoints) return out;
        out.push({ id: r.id, receivedAt: r.received_at, count: r.count, lines: r.lines });
        n += r.count;
        cursor = r.id;
      }
    }
    return out;
  }

  /** The points of rows read back as objects (tests, tools; the forwarder sends the lines as they are). */
  static pointsOf(entries: JournalEntry[]): Point[] {
    return entries.flatMap((e) => parseLines(e.lines));
  }

  /** Deletes entries up to and including `id`: they are delivered. */
  release(uptoId: number): void {
    let b = 0;
    let n = 0;
    if (this.releasedUpto < this.bootMaxId) {
      // Rows of an earlier process: their sizes are only in SQLite.
      const agg = this.db
        .prepare('SELECT COALESCE(SUM(length(lines)), 0) AS b, COALESCE(SUM(count), 0) AS n FROM batches WHERE id <= ? AND id > ?')
        .get(Math.min(uptoId, this.bootMaxId), this.releasedUpto) as { b: number; n: number };
      b += agg.b;
      n += agg.n;
    }
    while (this.tailHead < this.tail.length && this.tail[this.tailHead].id <= uptoId) {
      const r = this.tail[this.tailHead++];
      b += r.bytes;
      n += r.count;
      if (r.lines !== undefined) this.cachedBytes -= r.bytes;
    }
    if (this.tailHead > 1024 && this.tailHead * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.tailHead);
      this.tailHead = 0;
    }
    this.deleteUpto.run(uptoId);
    if (uptoId > this.releasedUpto) this.releasedUpto = uptoId;
    this.bytes -= b;
    this.points -= n;
  }

  /**
   * Returns the space of delivered entries to the file system once enough of it is free
   * (cheap to call: a no-op below RECLAIM_MIN_FREE_PAGES). Returns true when it reclaimed.
   */
  reclaim(): boolean {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    if (free < RECLAIM_MIN_FREE_PAGES) return false;
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.totals.reclaims++;
    return true;
  }

  /** Commits what is pending (on the disk before it returns) and refuses further appends. */
  close(): void {
    if (this.closed) return;
    if (this.timer) this.clearTimer(this.timer);
    this.commit();
    this.closed = true;
    this.db.close();
    if (!this.syncInFlight) this.closeWalFile(); // else once that sync returns
  }
}

interface RowDraft {
  receivedAt: number;
  count: number;
  lines: string;
}
interface RowDraftSet {
  rows: RowDraft[];
  /** Sum of the appends' own lengths (what `pendingBytes` counted for them). */
  pendingBytes: number;
}

/** The appends' lines joined into rows of up to MAX_POINTS_PER_ROW points (an append is never split). */
function draftRows(batch: Pending[]): RowDraftSet {
  const rows: RowDraft[] = [];
  let pendingBytes = 0;
  let i = 0;
  while (i < batch.length) {
    const first = batch[i++];
    pendingBytes += first.lines.length;
    let lines = first.lines;
    let n = first.count;
    let receivedAt = first.receivedAt;
    if (i < batch.length && n + batch[i].count <= MAX_POINTS_PER_ROW) {
      const parts = [first.lines];
      while (i < batch.length && n + batch[i].count <= MAX_POINTS_PER_ROW) {
        const p = batch[i++];
        parts.push(p.lines);
        n += p.count;
        pendingBytes += p.lines.length;
        if (p.receivedAt < receivedAt) receivedAt = p.receivedAt;
      }
      lines = parts.join('\n');
    }
    rows.push({ receivedAt, count: n, lines });
  }
  return { rows, pendingBytes };
}
